"""Where truncation hides: Camunda's copies of an instance's AI values, against ProcOS's.

Camunda keeps strings in varchar(4000) and refuses longer ones, so a worker that mirrors
`query`, `context` or `content` into Camunda must cut them; ProcOS keeps them whole. For one
instance each Camunda variable is classified: the same as a ProcOS value, a cut copy (a strict
prefix, with both lengths), different, or only on one side. Values are compared on the server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from procos_tui.core.types import CutView
from procos_tui.db.queries import health as health_sql
from procos_tui.db.rows import fetch_all, fetch_one

VERDICTS = ("same", "cut", "differs", "only_camunda", "only_procos")


class CamundaMissing(Exception):
    """The database has no Camunda history tables: nothing to compare."""


@dataclass(frozen=True)
class CopyFinding:
    process_instance_id: str
    name: str  # query, context or content
    source: str  # history, runtime, or procos (only_procos)
    verdict: str
    camunda_length: int | None  # characters
    procos_length: int | None  # of the value it was compared with (the longest)


def _candidates(name: str, var_type: str, text: str | None, data: bytes | None) -> list[str]:
    """The Camunda value as text, and for a JSON object holding `name`, that field too."""
    if text is not None:
        return [text]
    if data is None:
        return []
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError:
        return []  # a serialized Java object: not comparable as text
    out = [raw]
    if var_type.lower() in ("json", "object", ""):
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            return out
        if isinstance(value, dict) and name in value:
            field = value[name]
            out.append(field if isinstance(field, str) else json.dumps(field))
    return out


def _variables(conn: Any, process_instance_id: str, *, with_runtime: bool
               ) -> list[dict[str, Any]]:
    """The instance's Camunda AI variables: name, var_type, source, text, data (bytes)."""
    sql = health_sql.CAMUNDA_AI_VARIABLES.format(
        runtime=health_sql.CAMUNDA_AI_RUNTIME_VARIABLES if with_runtime else "")
    rows = fetch_all(conn, sql, {"pid": process_instance_id})
    for row in rows:
        row["data"] = bytes(row["data"]) if row["data"] is not None else None
    return rows


def compare_instance(conn: Any, process_instance_id: str) -> list[CopyFinding]:
    """Every AI variable Camunda keeps for the instance, classified against ProcOS."""
    history = fetch_one(conn, health_sql.CAMUNDA_HAS_HISTORY)
    if not (history and history["has_history"]):
        raise CamundaMissing("no Camunda tables (act_hi_varinst) in this database")
    runtime = fetch_one(conn, health_sql.CAMUNDA_HAS_RUNTIME)
    pid = process_instance_id
    variables = _variables(conn, pid, with_runtime=bool(runtime and runtime["has_runtime"]))
    findings: list[CopyFinding] = []
    for variable in variables:
        name, source, data = variable["name"], variable["source"], variable["data"]
        candidates = _candidates(name, variable["var_type"], variable["text"], data)
        best: CopyFinding | None = None
        for value in candidates:
            against = fetch_one(conn, health_sql.PROCOS_AGAINST_COPY,
                           {"pid": pid, "name": name, "value": value})
            assert against is not None  # an aggregate: always one row
            if against["procos_values"] == 0:
                verdict, other = "only_camunda", None
            elif against["same"]:
                verdict, other = "same", len(value)
            elif against["prefix_of"] is not None:
                verdict, other = "cut", against["prefix_of"]
            else:
                verdict, other = "differs", against["longest"]
            finding = CopyFinding(pid, name, source, verdict, len(value), other)
            if best is None or VERDICTS.index(verdict) < VERDICTS.index(best.verdict):
                best = finding
        findings.append(best or CopyFinding(pid, name, source, "differs",
                                            len(data) if data else None, None))
    if variables:
        kept = {variable["name"] for variable in variables}
        for procos in fetch_all(conn, health_sql.PROCOS_AI_NAMES, {"pid": pid}):
            if procos["name"] not in kept:
                findings.append(CopyFinding(pid, procos["name"], "procos", "only_procos", None,
                                            procos["longest"]))
    return findings


def cut_view(conn: Any, process_instance_id: str, name: str, before: int = 300,
             after: int = 300) -> CutView | None:
    """The first cut copy of variable `name` in the instance, or None when none is cut."""
    for variable in _variables(conn, process_instance_id, with_runtime=False):
        if variable["name"] != name:
            continue
        for value in _candidates(name, variable["var_type"], variable["text"],
                                 variable["data"]):
            around = fetch_one(conn, health_sql.PROCOS_AROUND_CUT, {
                "pid": process_instance_id, "name": name, "value": value,
                "before": before, "after": after})
            if around is not None:
                return CutView(name=name, camunda_tail=value[-before:],
                               procos_around=around["procos_around"], cut_at=len(value),
                               procos_length=around["procos_length"])
    return None


def copy_pair(conn: Any, process_instance_id: str, name: str
              ) -> tuple[str, str, str] | None:
    """(ProcOS's value, its row id, Camunda's copy) of variable `name`, for the compare
    screen: the copy as Camunda holds it (its text, else its JSON field), ProcOS's longest
    value of that name. None when either side has none."""
    procos = fetch_one(conn, health_sql.PROCOS_LONGEST_VALUE,
                       {"pid": process_instance_id, "name": name})
    if procos is None:
        return None
    for variable in _variables(conn, process_instance_id, with_runtime=False):
        if variable["name"] == name:
            candidates = _candidates(name, variable["var_type"], variable["text"],
                                     variable["data"])
            if candidates:
                return procos["v"], procos["id"], candidates[-1]
    return None


def camunda_indexes_missing(conn: Any) -> list[str]:
    """The indexes optimize_camunda_for_ai() would create here (none without Camunda)."""
    return [r["index_name"] for r in fetch_all(conn, health_sql.CAMUNDA_INDEXES_MISSING)]
