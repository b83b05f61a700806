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


def compare_instance(conn: Any, process_instance_id: str) -> list[CopyFinding]:
    """Every AI variable Camunda keeps for the instance, classified against ProcOS."""
    if conn.execute(health_sql.CAMUNDA_HAS_HISTORY).fetchone() != (True,):
        raise CamundaMissing("no Camunda tables (act_hi_varinst) in this database")
    has_runtime = conn.execute("SELECT to_regclass('act_ru_variable') IS NOT NULL"
                               ).fetchone() == (True,)
    sql = health_sql.CAMUNDA_AI_VARIABLES.format(
        runtime=health_sql.CAMUNDA_AI_RUNTIME_VARIABLES if has_runtime else "")
    pid = process_instance_id
    variables = conn.execute(sql, {"pid": pid}).fetchall()
    findings: list[CopyFinding] = []
    for name, var_type, source, text, data in variables:
        data = bytes(data) if data is not None else None
        candidates = _candidates(name, var_type, text, data)
        best: CopyFinding | None = None
        for value in candidates:
            count, same, prefix_of, longest = conn.execute(
                health_sql.PROCOS_AGAINST_COPY, {"pid": pid, "name": name, "value": value}
            ).fetchone()
            if count == 0:
                verdict, other = "only_camunda", None
            elif same:
                verdict, other = "same", len(value)
            elif prefix_of is not None:
                verdict, other = "cut", prefix_of
            else:
                verdict, other = "differs", longest
            finding = CopyFinding(pid, name, source, verdict, len(value), other)
            if best is None or VERDICTS.index(verdict) < VERDICTS.index(best.verdict):
                best = finding
        findings.append(best or CopyFinding(pid, name, source, "differs",
                                            len(data) if data else None, None))
    if variables:
        kept = {name for name, *_ in variables}
        for name, length in conn.execute(health_sql.PROCOS_AI_NAMES, {"pid": pid}).fetchall():
            if name not in kept:
                findings.append(CopyFinding(pid, name, "procos", "only_procos", None, length))
    return findings


def cut_view(conn: Any, process_instance_id: str, name: str, before: int = 300,
             after: int = 300) -> CutView | None:
    """The first cut copy of variable `name` in the instance, or None when none is cut."""
    sql = health_sql.CAMUNDA_AI_VARIABLES.format(runtime="")
    for var_name, var_type, _source, text, data in conn.execute(
            sql, {"pid": process_instance_id}).fetchall():
        if var_name != name:
            continue
        for value in _candidates(name, var_type, text,
                                 bytes(data) if data is not None else None):
            row = conn.execute(health_sql.PROCOS_AROUND_CUT, {
                "pid": process_instance_id, "name": name, "value": value,
                "before": before, "after": after}).fetchone()
            if row is not None:
                return CutView(name, value[-before:], row[0], len(value), row[1])
    return None


def camunda_indexes_missing(conn: Any) -> list[str]:
    """The indexes optimize_camunda_for_ai() would create here (none without Camunda)."""
    return [r[0] for r in conn.execute(health_sql.CAMUNDA_INDEXES_MISSING).fetchall()]
