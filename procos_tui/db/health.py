"""Is the AI context stored whole, and is the schema what init-db.sql makes? (`procos-tui check`)

Findings are schema drift and truncation (outputs under 50 characters, Camunda copies that are
cut, differ or sit on one side only). Table sizes, per-provider counts and index use are
reported too, but are not findings: a fresh database has unused indexes and is healthy.
The statements run here; what they find is typed in core/health.py.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

from procos_tui.core.health import (
    STANDBY_SKIPPED,
    Finding,
    FindingKind,
    IndexUse,
    ProviderStats,
    Report,
    Stats,
    TableStats,
    quote_ident,
)
from procos_tui.db.expected_schema import EXPECTED
from procos_tui.db.queries import health as health_sql
from procos_tui.db.queries import search as search_sql
from procos_tui.db.queries import triage as triage_sql
from procos_tui.db.rows import fetch_all, fetch_one
from procos_tui.db.truncation import CamundaMissing, camunda_indexes_missing, compare_instance

SUSPECTS_LISTED = 50


# On the partitioned layout (scripts/partition-ai-context.sql) the parent's indexes are
# partitioned ones, which the catalog shows ON ONLY the parent, and UNIQUE (id, created_at)
# stands in for the primary key: PostgreSQL's unique keys on a partitioned table hold the
# partition key.
_CONTEXT_ON = " ON public.procos_ai_context "
PARTITIONED_KEY = ("index procos_ai_context_id_created_at_key",
                   "CREATE UNIQUE INDEX procos_ai_context_id_created_at_key ON ONLY "
                   "public.procos_ai_context USING btree (id, created_at)")


def expected_schema(partitioned: bool) -> dict[str, str]:
    """What init-db.sql makes, on the layout the database has."""
    if not partitioned:
        return EXPECTED
    out = {key: (value.replace(_CONTEXT_ON, " ON ONLY public.procos_ai_context ")
                 if key.startswith("index ") else value)
           for key, value in EXPECTED.items() if key != "index procos_ai_context_pkey"}
    out[PARTITIONED_KEY[0]] = PARTITIONED_KEY[1]
    return out


def _fix(key: str, expected: str, actual: str | None) -> str:
    kind, _, name = key.partition(" ")
    if kind == "index" and " ON ONLY " in expected:
        # ON ONLY makes an empty, invalid parent index: init-db builds one per partition
        # concurrently, then attaches them.
        return ("procos-tui init-db (builds it CONCURRENTLY on each partition and attaches "
                "it)" if actual is None else
                f"DROP INDEX {name}; procos-tui init-db (builds it again, CONCURRENTLY on each "
                "partition)")
    if kind == "index":
        return expected + ";" if actual is None else f"DROP INDEX {name}; {expected};"
    if kind == "trigger":
        table = expected.split(" ON ")[1].split(" ")[0] if " ON " in expected else "?"
        drop = "" if actual is None else f"DROP TRIGGER {name} ON {table}; "
        return f"{drop}{expected};"
    if kind == "column":
        table, _, column = name.partition(".")
        if actual is None:
            return f"ALTER TABLE {table} ADD COLUMN {column} {expected};"
        return f"ALTER TABLE {table} ALTER COLUMN {column} TYPE {expected};"
    if kind == "extension":
        return f"CREATE EXTENSION IF NOT EXISTS {name};"
    return "procos-tui init-db (re-applies scripts/init-db.sql)"


def _live_schema(conn: Any) -> dict[str, str]:
    """The catalog's description of our objects: key (kind and name) -> definition."""
    return {r["key"]: r["definition"] for r in fetch_all(conn, health_sql.SCHEMA_OBJECTS)}


INIT_DB_FIX = "procos-tui init-db (re-applies scripts/init-db.sql)"


def _tables(keys: Any) -> set[str]:
    """The tables named by `column TABLE.COLUMN` keys."""
    return {key.split(" ", 1)[1].split(".", 1)[0] for key in keys if key.startswith("column ")}


def _of_table(key: str, table: str, expected: dict[str, str]) -> bool:
    """Whether an expected object lives and dies with table (its columns, indexes, triggers)."""
    kind, _, name = key.partition(" ")
    return (kind == "column" and name.startswith(table + ".")) or (
        kind in ("index", "trigger") and (f" ON public.{table} " in expected[key]
                                          or f" ON ONLY public.{table} " in expected[key]))


def missing_tables(live: dict[str, str]) -> list[str]:
    return sorted(_tables(EXPECTED) - _tables(live))


def schema_drift(conn: Any, live: dict[str, str] | None = None) -> list[Finding]:
    """What differs from init-db.sql, on either layout. A missing table is one finding (not
    one per column, index and trigger), fixed by init-db: no ALTER TABLE can add to a table
    that is not there."""
    from procos_tui.db.partition import layout

    live = _live_schema(conn) if live is None else live
    expected_set = expected_schema(layout(conn) == "partitioned")
    absent = missing_tables(live)
    out = [Finding(FindingKind.SCHEMA_DRIFT, f"table {table}",
                   f"table {table} missing: this database lacks (part of) the ProcOS schema",
                   INIT_DB_FIX)
           for table in absent]
    for key, expected in expected_set.items():
        actual = live.get(key)
        if actual == expected or (actual is None and any(_of_table(key, t, expected_set)
                                                         for t in absent)):
            continue
        what = "missing" if actual is None else f"differs: is {actual!r}"
        out.append(Finding(FindingKind.SCHEMA_DRIFT, key, f"{key} {what}; init-db.sql "
                           f"makes {expected!r}" if expected else f"{key} {what}",
                           _fix(key, expected, actual)))
    for key in sorted(set(live) - set(expected_set)):
        if key.startswith(("index ", "trigger ")):
            out.append(Finding(FindingKind.SCHEMA_DRIFT, key, f"{key} is not made by "
                               f"init-db.sql ({live[key]})",
                               "review it; procos-tui does not use it"))
    return out


def truncation_suspects(conn: Any) -> list[Finding]:
    by_instance: dict[str, list[int]] = {}
    for suspect in fetch_all(conn, health_sql.TRUNCATION_SUSPECTS):
        by_instance.setdefault(suspect["process_instance_id"], []).append(suspect["chars"])
    listed = [Finding(FindingKind.TRUNCATION_SUSPECT, pid,
                      f"{len(lengths)} output(s) under 50 characters (shortest {min(lengths)})",
                      numbers={"outputs": len(lengths), "shortest": min(lengths)})
              for pid, lengths in list(by_instance.items())[:SUSPECTS_LISTED]]
    more = len(by_instance) - SUSPECTS_LISTED
    if more > 0:
        listed.append(Finding(FindingKind.TRUNCATION_SUSPECT, f"{more} more instances",
                              "not listed one by one", more=more))
    return listed


def camunda_copies(conn: Any) -> tuple[list[Finding], str]:
    history = fetch_one(conn, health_sql.CAMUNDA_HAS_HISTORY)
    if not (history and history["has_history"]):
        return [], "skipped: no Camunda tables in this database"
    ids = [r["process_instance_id"]
           for r in fetch_all(conn, health_sql.CAMUNDA_INSTANCES_WITH_AI_VARIABLES)]
    out: list[Finding] = []
    for pid in ids:
        try:
            copies = compare_instance(conn, pid)
        except CamundaMissing:
            break
        for copy in copies:
            if copy.verdict == "same":
                continue
            lengths = (f" (Camunda {copy.camunda_length:,} of {copy.procos_length:,} "
                       "characters)" if copy.verdict == "cut" else "")
            out.append(Finding(FindingKind.CAMUNDA_COPY, pid,
                               f"{copy.name} ({copy.source}): {copy.verdict}{lengths}",
                               numbers={"variable": copy.name, "verdict": copy.verdict,
                                        "camunda_length": copy.camunda_length,
                                        "procos_length": copy.procos_length}))
    return out, f"compared {len(ids)} instances with Camunda AI variables"


def cut_error_messages(conn: Any) -> list[Finding]:
    from psycopg import sql

    out: list[Finding] = []
    for table, pid_column, message_column, what in health_sql.CAMUNDA_ERROR_SOURCES:
        present = fetch_one(conn, health_sql.COLUMNS_PRESENT, {
            "table": table, "pid_column": pid_column, "message_column": message_column})
        if not (present and present["present"]):
            continue
        query = sql.SQL(health_sql.CUT_ERROR_MESSAGES).format(
            table=sql.Identifier(table), pid_column=sql.Identifier(pid_column),
            message_column=sql.Identifier(message_column))
        for cut in fetch_all(conn, query):
            count = cut["messages"]
            out.append(Finding(FindingKind.CAMUNDA_ERROR_CUT, str(cut["process_instance_id"]),
                               f"{count} {what} message(s) cut at 666 characters by Camunda",
                               numbers={"table": table, "messages": count}))
    return out


# Rows the word list may lag behind before check says so (readers cover them, slowly).
WORDS_LAG_FINDING = 10_000


def search_words_lag(conn: Any) -> list[Finding]:
    """The fuzzy search's word list against the rows: refreshed outside ProcOS's write path,
    it falls behind unless something runs the refresh."""
    present = fetch_one(conn, health_sql.SEARCH_WORDS_PRESENT)
    if not (present and present["present"]):
        return []  # schema drift names what is missing
    state = fetch_one(conn, health_sql.SEARCH_WORDS_STATE)
    if state is None:
        return [Finding(FindingKind.SEARCH_WORDS_BEHIND, "procos_ai_search_words_state",
                        "the word list's state row is missing", "procos-tui init-db")]
    covered, refreshed = state["covered_until"], state["refreshed_at"]
    count = fetch_one(conn, search_sql.WORDS_BEHIND, {"covered": state["covered_bound"]})
    behind = int(count["behind"]) if count else 0
    if behind < WORDS_LAG_FINDING:
        return []
    when = f"last refreshed {refreshed:%Y-%m-%d %H:%M %Z}" if refreshed else "never refreshed"
    return [Finding(
        FindingKind.SEARCH_WORDS_BEHIND, "procos_ai_search_words",
        f"{behind:,} rows are newer than the fuzzy search's word list ({when}); fuzzy "
        "searches read their words live, which gets slower as they grow",
        "procos-tui refresh-words (or SELECT procos_ai_refresh_search_words();), "
        "scheduled every few minutes",
        {"rows_behind": behind, "covered_until": covered})]


# Instances whose rollup is summed again from their rows by every `check`.
ROLLUP_SAMPLE = 50
_REBUILD = ("procos-tui refresh --rebuild (or SELECT procos_ai_rebuild_rollups(); then "
            "procos-tui refresh)")


def rollup_disagreement(conn: Any, sample: int = ROLLUP_SAMPLE) -> list[Finding]:
    """The triage rollups against the rows they sum: rows were deleted, updated or committed
    late after a refresh read past them (readers then answer from stale sums)."""
    present = fetch_one(conn, triage_sql.TRIAGE_SUPPORT)
    if not (present and present["has_rollups"]):
        return []  # schema drift names what is missing
    counts = fetch_one(conn, triage_sql.ROLLUP_COUNTS)
    if counts is None:
        return [Finding(FindingKind.ROLLUP_DISAGREES, "procos_ai_rollup_state",
                        "the rollups' state row is missing", "procos-tui init-db")]
    out: list[Finding] = []
    base, per_process, per_hour = (int(counts[k]) for k in ("base_rows", "process_rows",
                                                            "hour_rows"))
    if not base == per_process == per_hour:
        out.append(Finding(
            FindingKind.ROLLUP_DISAGREES, "row count",
            f"{base:,} rows up to the rollups' position, but the per-process rollup sums "
            f"{per_process:,} and the hourly one {per_hour:,} (rows deleted, or committed "
            "after a refresh had read past them)", _REBUILD,
            {"base_rows": base, "process_rows": per_process, "hour_rows": per_hour}))
    wrong = [r for r in fetch_all(conn, triage_sql.ROLLUP_SAMPLE, {"sample": sample})
             if any(r[k] != r[f"base_{k}"] for k in triage_sql.ROLLUP_CHECKED)]
    if wrong:
        first = wrong[0]
        what = ", ".join(f"{k} {first[k]} vs {first[f'base_{k}']}"
                         for k in triage_sql.ROLLUP_CHECKED if first[k] != first[f"base_{k}"])
        out.append(Finding(
            FindingKind.ROLLUP_DISAGREES, f"{len(wrong)} of {sample} sampled instances",
            f"rollup differs from the rows (first: {first['process_instance_id']}: {what}); "
            "rows were updated or deleted after they were rolled up", _REBUILD,
            {"instances": len(wrong), "sampled": sample}))
    return out


def statistics(conn: Any, with_context: bool = True) -> Stats:
    tables_param = {"tables": list(health_sql.MAINTAINED_TABLES)}
    tables = [TableStats(t["table_name"], t["bytes"], _estimate(t["rows_estimate"]),
                         _iso(t["last_analyzed"]), t["live_tuples"], t["dead_tuples"],
                         t["changed_since_analyze"], _iso(t["last_vacuumed"]),
                         int(t["partitions"]))
              for t in fetch_all(conn, health_sql.TABLE_SIZES, tables_param)]
    indexes = [IndexUse(i["index_name"], i["scans"], i["bytes"], i["table_name"], i["valid"])
               for i in fetch_all(conn, health_sql.INDEX_USAGE, tables_param)]
    providers = ([ProviderStats(p["provider"], p["rows"], p["instances"])
                  for p in _provider_rows(conn)] if with_context else [])
    return Stats(tables, indexes, providers, camunda_indexes_missing(conn))


def _provider_rows(conn: Any) -> list[dict[str, Any]]:
    present = fetch_one(conn, triage_sql.TRIAGE_SUPPORT)
    state = fetch_one(conn, triage_sql.ROLLUP_STATE) if present and present["has_rollups"] else None
    if state is None:
        return fetch_all(conn, health_sql.PROVIDER_STATS)
    return fetch_all(conn, health_sql.PROVIDER_STATS_ROLLUP,
                     {"pos_at": state["read_at"], "pos_id": state["read_id"]})


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def invalid_indexes(stats: Stats) -> list[Finding]:
    """Indexes a failed CREATE INDEX CONCURRENTLY left behind: every write keeps them up,
    no query reads them."""
    return [Finding(FindingKind.INDEX_INVALID, i.index,
                    f"index {i.index} on {i.table or '?'} is invalid (a CREATE INDEX "
                    "CONCURRENTLY that failed or was cancelled): writes maintain it, no "
                    "query uses it",
                    f"REINDEX INDEX CONCURRENTLY {quote_ident(i.index)};",
                    {"table": i.table, "bytes": i.bytes})
            for i in stats.indexes if not i.valid]


def _estimate(reltuples: int | None) -> int | None:
    # PostgreSQL 14 and later say -1 for a table never vacuumed or analysed: not known.
    return None if reltuples is None or reltuples < 0 else int(reltuples)


T = TypeVar("T")


def _unless_drifted(conn: Any, report: Report, what: str, section: Callable[[], T],
                    default: T) -> T:
    """Run one part of the check; if the schema lacks something it reads (a column dropped,
    a function missing), that is drift to report with its fix, not a failure of the check."""
    from psycopg import errors as pg_errors

    from procos_tui.db.connect import one_line

    try:
        with conn.transaction():  # a savepoint outside autocommit: the rest still runs
            return section()
    except (pg_errors.UndefinedTable, pg_errors.UndefinedColumn, pg_errors.UndefinedFunction,
            pg_errors.UndefinedObject, pg_errors.DatatypeMismatch,
            pg_errors.UndefinedFile) as exc:
        report.findings.append(Finding(FindingKind.SCHEMA_DRIFT, what,
                                       f"{what} not checked: {one_line(exc)}", INIT_DB_FIX))
        return default


def run_check(conn: Any) -> Report:
    report = Report()
    live = _live_schema(conn)
    report.findings += schema_drift(conn, live)
    # Without the table there is nothing to look at; its finding above says so once.
    with_context = "procos_ai_context" not in missing_tables(live)
    if with_context:
        report.findings += _unless_drifted(conn, report, "truncation suspects",
                                           lambda: truncation_suspects(conn), [])
        none: list[Finding] = []
        copies, report.camunda = _unless_drifted(
            conn, report, "Camunda copies", lambda: camunda_copies(conn),
            (none, "not compared: the schema lacks what the comparison reads"))
        report.findings += copies
    else:
        report.camunda = "not compared: procos_ai_context is missing"
    report.findings += _unless_drifted(conn, report, "Camunda error messages",
                                       lambda: cut_error_messages(conn), [])
    report.findings += _unless_drifted(conn, report, "search word list",
                                       lambda: search_words_lag(conn), [])
    report.findings += _unless_drifted(conn, report, "triage rollups",
                                       lambda: rollup_disagreement(conn), [])
    if with_context:
        from procos_tui.db.partition import layout_findings

        report.findings += _unless_drifted(conn, report, "partitions",
                                           lambda: layout_findings(conn), [])
    report.stats = _unless_drifted(conn, report, "statistics",
                                   lambda: statistics(conn, with_context), Stats())
    report.findings += invalid_indexes(report.stats)
    standby = fetch_one(conn, health_sql.IN_RECOVERY)
    if standby and standby["standby"]:
        report.skipped.append(STANDBY_SKIPPED)
        # Sizes and validity are the primary's (replicated); the rest would mislead.
        report.stats = Stats(
            [TableStats(t.table, t.bytes, t.rows_estimate, None, partitions=t.partitions)
             for t in report.stats.tables],
            [], report.stats.providers, report.stats.camunda_indexes_missing)
    return report


def print_expected(dsn: str) -> None:
    """For maintainers, after changing init-db.sql: the catalog of a fresh database."""
    import pprint

    import psycopg

    with psycopg.connect(dsn) as conn:
        live = _live_schema(conn)
    print("EXPECTED: dict[str, str] = " + pprint.pformat(dict(sorted(live.items())), width=96))


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--print-expected":
    print_expected(sys.argv[2])


def analyze_tables(conn: Any) -> list[str]:
    """ANALYZE each maintained table that exists, in one explicit transaction; what the server
    said besides (a role that owns none of them gets "skipping …" warnings, not an error),
    one line each. Refused by the caller first on a standby or under --read-only."""
    from psycopg import sql

    from procos_tui.core.sanitize import sanitize_plain

    said: list[str] = []
    conn.add_notice_handler(lambda d: said.append(sanitize_plain(
        f"{d.severity or 'NOTICE'}: {d.message_primary or ''}")))
    present = [t["table_name"] for t in fetch_all(
        conn, health_sql.TABLE_SIZES, {"tables": list(health_sql.MAINTAINED_TABLES)})]
    with conn.transaction():
        for table in present:
            conn.execute(sql.SQL(health_sql.ANALYZE_TABLE).format(table=sql.Identifier(table)))
    return said
