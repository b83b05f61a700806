"""The metrics of `check --format openmetrics`, from check's report and the statistics views.

One connection, the check's: a collector sees one moment. Counts come from SQL rather than
from the report's findings where the report lists only the first few (suspects).
"""

from __future__ import annotations

import math
from typing import Any

from procos_tui.core.health import FindingKind, Report
from procos_tui.core.openmetrics import Metric
from procos_tui.db.queries import health as health_sql
from procos_tui.db.queries import metrics as metrics_sql
from procos_tui.db.rows import fetch_all, fetch_one
from procos_tui.db.truncation import VERDICTS

# The kinds of schema object init-db.sql makes (the drift finding's subject starts with one).
DRIFT_KINDS = ("column", "extension", "function", "index", "trigger", "view")


def _age(value: float | None) -> float:
    return math.inf if value is None else max(0.0, float(value))


def table_metrics(conn: Any) -> list[Metric]:
    size = Metric("procos_table_size_bytes", "Heap and TOAST size of an AI table", "bytes")
    isize = Metric("procos_table_indexes_size_bytes", "Size of all indexes of an AI table",
                   "bytes")
    live = Metric("procos_table_live_tuples", "Live rows (statistics estimate)")
    dead = Metric("procos_table_dead_tuples", "Dead rows not yet vacuumed")
    analyzed = Metric("procos_table_analyze_age_seconds",
                      "Seconds since the last ANALYZE, manual or auto (+Inf: never)", "seconds")
    vacuumed = Metric("procos_table_vacuum_age_seconds",
                      "Seconds since the last VACUUM, manual or auto (+Inf: never)", "seconds")
    for t in fetch_all(conn, metrics_sql.TABLE_METRICS, {"tables": list(metrics_sql.AI_TABLES)}):
        name = t["table_name"]
        size.add(t["table_bytes"], table=name)
        isize.add(t["index_bytes"], table=name)
        live.add(t["live_tuples"], table=name)
        dead.add(t["dead_tuples"], table=name)
        analyzed.add(_age(t["analyze_age"]), table=name)
        vacuumed.add(_age(t["vacuum_age"]), table=name)
    return [size, isize, live, dead, analyzed, vacuumed]


def index_metrics(conn: Any) -> list[Metric]:
    scans = Metric("procos_index_scans",
                   "Index scans since the statistics were reset (a once-used index that stops "
                   "growing is no longer used)")
    size = Metric("procos_index_size_bytes", "Size of an index on an AI table", "bytes")
    valid = Metric("procos_index_valid",
                   "0 for an invalid index (a failed CREATE INDEX CONCURRENTLY), else 1")
    for i in fetch_all(conn, metrics_sql.INDEX_METRICS, {"tables": list(metrics_sql.AI_TABLES)}):
        labels = {"table": i["table_name"], "index": i["index_name"]}
        scans.add(i["scans"] or 0, **labels)
        size.add(i["bytes"], **labels)
        valid.add(1 if i["valid"] else 0, **labels)
    return [scans, size, valid]


def finding_metrics(conn: Any, report: Report) -> list[Metric]:
    suspects = Metric("procos_truncation_suspect_outputs",
                      "Outputs under 50 characters (the guide's truncation check)")
    suspect_instances = Metric("procos_truncation_suspect_instances",
                               "Process instances with an output under 50 characters")
    counts = fetch_one(conn, metrics_sql.SUSPECT_COUNTS)
    suspects.add(counts["outputs"] if counts else 0)
    suspect_instances.add(counts["instances"] if counts else 0)

    present = Metric("procos_camunda_present", "1 when Camunda's history tables are here")
    history = fetch_one(conn, health_sql.CAMUNDA_HAS_HISTORY)
    present.add(1 if history and history["has_history"] else 0)
    copies = Metric("procos_camunda_copies",
                    "Camunda copies of AI variables that are not the same as ProcOS's, by "
                    "verdict (cut: Camunda holds a prefix)")
    by_verdict = dict.fromkeys((v for v in VERDICTS if v != "same"), 0)
    errors = 0
    for finding in report.findings:
        if finding.kind is FindingKind.CAMUNDA_COPY:
            verdict = str(finding.numbers.get("verdict", ""))
            by_verdict[verdict] = by_verdict.get(verdict, 0) + 1
        elif finding.kind is FindingKind.CAMUNDA_ERROR_CUT:
            errors += int(finding.numbers.get("messages", 0))
    for verdict, n in by_verdict.items():
        copies.add(n, verdict=verdict)
    cut_errors = Metric("procos_camunda_cut_error_messages",
                        "Job and external-task error messages cut at 666 characters")
    cut_errors.add(errors)

    drift = Metric("procos_schema_drift_findings",
                   "Objects init-db.sql makes that are missing or differ, or extra, by kind")
    by_kind = dict.fromkeys(DRIFT_KINDS, 0)
    for finding in report.findings:
        if finding.kind is FindingKind.SCHEMA_DRIFT:
            kind = finding.subject.partition(" ")[0]
            by_kind[kind] = by_kind.get(kind, 0) + 1
    for kind, n in sorted(by_kind.items()):
        drift.add(n, kind=kind)

    findings = Metric("procos_check_findings", "Findings of procos-tui check, by kind")
    per = dict.fromkeys((k.value for k in FindingKind), 0)
    for finding in report.findings:
        per[finding.kind.value] += 1
    for kind, n in per.items():
        findings.add(n, kind=kind)
    return [suspects, suspect_instances, present, copies, cut_errors, drift, findings]


def words_metrics(conn: Any) -> list[Metric]:
    present = fetch_one(conn, health_sql.SEARCH_WORDS_PRESENT)
    if not (present and present["present"]):
        return []
    state = fetch_one(conn, health_sql.SEARCH_WORDS_STATE)
    covered = state["covered_bound"] if state else "-infinity"
    lag = fetch_one(conn, metrics_sql.WORDS_LAG, {"covered": covered})
    refresh = fetch_one(conn, metrics_sql.WORDS_REFRESH_AGE)
    rows = Metric("procos_search_words_lag_rows",
                  "AI context rows newer than the fuzzy search's word list")
    seconds = Metric("procos_search_words_lag_seconds",
                     "Age of the oldest row the word list has not read (0: none)", "seconds")
    age = Metric("procos_search_words_refresh_age_seconds",
                 "Seconds since the word list was last refreshed (+Inf: never)", "seconds")
    rows.add(lag["rows_behind"] if lag else 0)
    seconds.add(float(lag["seconds_behind"]) if lag else 0.0)
    age.add(_age(refresh["refresh_age"] if refresh else None))
    return [rows, seconds, age]


def collect(conn: Any, report: Report) -> list[Metric]:
    return (table_metrics(conn) + index_metrics(conn) + finding_metrics(conn, report)
            + words_metrics(conn))


def check_up(up: bool, duration_s: float | None = None) -> list[Metric]:
    """Written also when the check could not run: an alert on `procos_check_up == 0` then
    fires, where a missing file would only go stale."""
    metric = Metric("procos_check_up", "1 when procos-tui check reached the database")
    metric.add(1 if up else 0)
    out = [metric]
    if duration_s is not None:
        took = Metric("procos_check_duration_seconds", "How long the check took", "seconds")
        took.add(round(duration_s, 3))
        out.append(took)
    return out
