"""Triage SQL: the process list in any order, Stats, model usage with cost, all exact.

The rollups of init-db.sql hold exactly the dated rows up to a position (read in the same
REPEATABLE READ snapshot as the query, see ROLLUP_STATE); every reader here adds the rows after
it, and the undated rows, straight from procos_ai_context (`enriched`), so an answer never
misses a row. Per row, the same arithmetic as the refresh: procos_ai_token_split(), the bytes,
the guide's cut check, the latency from the row before (an output answering an input of the
same task), the price of its model.

Every statement is built from the fixed fragments below; values travel as parameters only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg import sql

from procos_tui.core.triage import StatsBy
from procos_tui.core.types import (
    ProcessCursor,
    ProcessFilter,
    ProcessPage,
    ProcessSort,
    ProcessSummary,
    SortKey,
)
from procos_tui.db.queries.fragments import like_prefix, shown_time

KEY = "coalesce({t}.created_at, '-infinity'::timestamptz)"
RANK = "CASE {t}.context_type WHEN 'system' THEN 0 WHEN 'input' THEN 1 ELSE 2 END"

# Read first, in the transaction's snapshot: where the rollups reach, and whether their stored
# costs were computed with today's prices.
ROLLUP_STATE = """
SELECT s.read_at::text AS read_at, s.read_id::text AS read_id, s.refreshed_at,
       s.prices_digest IS NOT DISTINCT FROM procos_ai_prices_digest() AS costs_current,
       to_regclass('act_hi_procinst') IS NOT NULL AS has_camunda
FROM procos_ai_rollup_state AS s
"""

REPEATABLE_READ = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"

TRIAGE_SUPPORT = """
SELECT to_regclass('procos_ai_rollup_state') IS NOT NULL
       AND to_regclass('procos_ai_process_rollup') IS NOT NULL
       AND to_regclass('procos_ai_usage_rollup') IS NOT NULL
       AND to_regprocedure('procos_ai_model_prices()') IS NOT NULL AS has_rollups
"""


@dataclass(frozen=True)
class RollupState:
    read_at: str  # PostgreSQL's text of the position's time (may be -infinity)
    read_id: str
    refreshed_at: datetime | None
    costs_current: bool
    has_camunda: bool


# --- rows read live ------------------------------------------------------------------------------

# One row of procos_ai_context with what the rollups keep of it.
_BASE_COLUMNS = f"""c.id, c.process_instance_id, c.task_id, c.activity_id, c.context_type,
       c.ai_provider, c.model_used, c.created_at,
       procos_ai_token_split(c.token_usage) AS t,
       coalesce(octet_length(c.content_text), 0)
           + coalesce(pg_column_size(c.content_data), 0) AS bytes,
       coalesce(c.context_type = 'output' AND octet_length(c.content_text) < 200
                AND length(c.content_text) < 50, false) AS cut,
       {KEY.format(t='c')} AS key_at"""

# The latency of an output: from the row just before it in the instance's order, when that is
# an input of the same task (core.conversation.group_interactions pairs them so).
_ENRICHED = """
enriched AS MATERIALIZED (
    SELECT b.id, b.process_instance_id COLLATE "C" AS process_instance_id, b.activity_id,
           b.context_type, b.ai_provider, b.model_used, b.created_at, b.key_at,
           b.context_type = 'output' AS is_call, b.t[1] AS inp, b.t[2] AS outp, b.t[3] AS tot,
           b.bytes, b.cut,
           CASE WHEN prev.context_type = 'input'
                     AND (prev.task_id IS NULL OR b.task_id IS NULL OR prev.task_id = b.task_id)
                     AND isfinite(prev.created_at) AND isfinite(b.created_at)
                THEN extract(epoch FROM b.created_at - prev.created_at)::float8
           END AS latency_s,
           {definition} AS definition,
           p.currency,
           CASE WHEN p.provider IS NOT NULL AND b.t[1] IS NOT NULL
                THEN b.t[1] * p.input_per_million * 0.000001
                     + b.t[2] * p.output_per_million * 0.000001
           END AS cost
    FROM ({base}) AS b
    LEFT JOIN LATERAL (
        SELECT q.context_type, q.task_id, q.created_at
        FROM procos_ai_context AS q
        WHERE q.process_instance_id COLLATE "C" = b.process_instance_id COLLATE "C"
          AND {q_key} <= b.key_at
          AND ({q_key}, {q_rank}, q.id) < (b.key_at, 2, b.id)
        ORDER BY {q_key} DESC, {q_rank} DESC, q.id DESC
        LIMIT 1
    ) AS prev ON b.context_type = 'output'
    LEFT JOIN procos_ai_model_prices() AS p
           ON p.provider = b.ai_provider AND p.model_name = b.model_used
    {camunda_join}
)"""

_CAMUNDA_DEFINITION_JOIN = ("LEFT JOIN act_hi_procinst AS h"
                            " ON h.proc_inst_id_ = b.process_instance_id")

# Rows the rollups do not hold: after the position, and undated ones (never rolled up).
LIVE_RANGES = (
    f"{KEY.format(t='c')} > '-infinity'::timestamptz"
    f" AND ({KEY.format(t='c')}, c.id) > (%(pos_at)s::timestamptz, %(pos_id)s::uuid)",
    f"{KEY.format(t='c')} = '-infinity'::timestamptz",
)


def enriched(conditions: tuple[str, ...], has_camunda: bool) -> str:
    """The `enriched` CTE over the rows matching any of `conditions` (each one index range of
    idx_procos_ai_context_activity, joined by UNION ALL)."""
    base = "\n    UNION ALL\n    ".join(
        f"SELECT {_BASE_COLUMNS} FROM procos_ai_context AS c WHERE {cond}"
        for cond in conditions) or f"SELECT {_BASE_COLUMNS} FROM procos_ai_context AS c WHERE false"
    return _ENRICHED.format(
        base=base, q_key=KEY.format(t="q"), q_rank=RANK.format(t="q"),
        definition="h.proc_def_key_" if has_camunda else "NULL::varchar",
        camunda_join=_CAMUNDA_DEFINITION_JOIN if has_camunda else "")


# --- one instance, summed from its own rows (what a page shows) ----------------------------------

# Every number of ProcessSummary from the instance's rows: the same arithmetic as the rollups,
# so a sorted page shows exactly the value it was sorted by.
PROCESS_NUMBERS = """
LEFT JOIN LATERAL (
    SELECT min(x.created_at) AS first_at, max(x.key_at) AS last_key,
           count(*) AS entry_count,
           count(*) FILTER (WHERE x.context_type = 'output') AS output_count,
           coalesce(array_agg(DISTINCT x.ai_provider::text)
                    FILTER (WHERE x.ai_provider IS NOT NULL), '{{}}') AS providers,
           coalesce(array_agg(DISTINCT x.model_used::text)
                    FILTER (WHERE x.model_used IS NOT NULL), '{{}}') AS models,
           coalesce(sum(x.t[3]), 0)::bigint AS total_tokens,
           coalesce(sum(x.t[1]), 0)::bigint AS input_tokens,
           coalesce(sum(x.t[2]), 0)::bigint AS output_tokens,
           coalesce(sum(x.bytes), 0)::bigint AS bytes,
           count(*) FILTER (WHERE x.cut) AS suspect_outputs,
           max(x.latency_s) AS max_latency_s,
           sum(x.cost) AS cost,
           CASE WHEN count(DISTINCT x.currency) FILTER (WHERE x.cost IS NOT NULL) = 1
                THEN min(x.currency) FILTER (WHERE x.cost IS NOT NULL) END AS currency,
           count(*) FILTER (WHERE x.context_type = 'output' AND x.cost IS NULL)
               AS unpriced_calls
    FROM (
        SELECT y.*, p.currency,
               CASE WHEN y.context_type = 'output'
                         AND lag(y.context_type) OVER w = 'input'
                         AND (lag(y.task_id) OVER w IS NULL OR y.task_id IS NULL
                              OR lag(y.task_id) OVER w = y.task_id)
                         AND isfinite(lag(y.created_at) OVER w) AND isfinite(y.created_at)
                    THEN extract(epoch FROM y.created_at - lag(y.created_at) OVER w)::float8
               END AS latency_s,
               CASE WHEN p.provider IS NOT NULL AND y.t[1] IS NOT NULL
                    THEN y.t[1] * p.input_per_million * 0.000001
                         + y.t[2] * p.output_per_million * 0.000001
               END AS cost
        FROM (SELECT {base_columns}
              FROM procos_ai_context AS c
              WHERE c.process_instance_id = {pid}) AS y
        LEFT JOIN procos_ai_model_prices() AS p
               ON p.provider = y.ai_provider AND p.model_name = y.model_used
        WINDOW w AS (ORDER BY y.key_at, {y_rank}, y.id)
    ) AS x
) AS {alias} ON true"""


def process_numbers(pid: str, alias: str = "a") -> str:
    return PROCESS_NUMBERS.format(base_columns=_BASE_COLUMNS, pid=pid, alias=alias,
                                  y_rank=RANK.format(t="y"))


_SUMMARY_COLUMNS = """a.entry_count, a.output_count, a.providers, a.models, a.total_tokens,
       a.suspect_outputs, a.input_tokens, a.output_tokens, a.bytes, a.max_latency_s, a.cost,
       a.currency, a.unpriced_calls"""
_CAMUNDA_COLUMNS = "h.business_key_ AS business_key, h.proc_def_key_ AS process_definition_key"
_NO_CAMUNDA_COLUMNS = "NULL::text AS business_key, NULL::text AS process_definition_key"
_CAMUNDA_PAGE_JOIN = "LEFT JOIN act_hi_procinst AS h ON h.proc_inst_id_ = {pid}"


# --- filters of the whole instance ---------------------------------------------------------------

# Filters that probe other tables, per instance ({pid}): one index probe each.
_PROBES: dict[str, str] = {
    "provider": "coalesce((SELECT true FROM procos_ai_context AS f WHERE f.process_instance_id"
                " = {pid} AND f.ai_provider = %(provider)s LIMIT 1), false)",
    "model": "coalesce((SELECT true FROM procos_ai_context AS f WHERE f.process_instance_id"
             " = {pid} AND f.model_used = %(model)s LIMIT 1), false)",
    "activity": "coalesce((SELECT true FROM procos_ai_context AS f WHERE"
                " f.process_instance_id = {pid} AND f.activity_id = %(activity)s LIMIT 1),"
                " false)",
    "business_key": "coalesce((SELECT true FROM act_hi_procinst AS hk WHERE hk.proc_inst_id_"
                    " = {pid} AND hk.business_key_ LIKE %(business_key_like)s LIMIT 1), false)",
    "definition": "coalesce((SELECT true FROM act_hi_procinst AS hd WHERE hd.proc_inst_id_"
                  " = {pid} AND hd.proc_def_key_ = %(definition)s LIMIT 1), false)",
}
# Bounds on the instance's numbers ({n}: the relation holding them, named as the rollup's
# columns). An unpriced instance (cost -1) and one without pairs (latency -1) never match.
_BOUND_COLUMNS = {"tokens": "total_tokens", "calls": "calls", "cost": "cost", "size": "bytes",
                  "latency": "max_latency_s"}
_BOUND_TYPES = {"tokens": "bigint", "calls": "bigint", "cost": "numeric", "size": "numeric",
                "latency": "float8"}


def instance_filters(flt: ProcessFilter, pid: str, numbers: str | None,
                     params: dict[str, Any]) -> str:
    """AND-clauses for the filters on the instance `pid`; `numbers` names a relation with
    the rollup's columns (None: the filters on numbers are not asked for)."""
    out = ""
    for name, probe in _PROBES.items():
        value = getattr(flt, name)
        if value is None or value == "":
            continue
        out += " AND " + probe.format(pid=pid)
        if name == "business_key":
            params["business_key_like"] = like_prefix(value)
        else:
            params[name] = value
    if numbers is None:
        return out
    for name, column in _BOUND_COLUMNS.items():
        bound = getattr(flt, name)
        if bound is None:
            continue
        params[f"bound_{name}"] = bound.value
        out += (f" AND {numbers}.{column} {bound.op} %(bound_{name})s::{_BOUND_TYPES[name]}")
        if name in ("cost", "latency"):
            out += f" AND {numbers}.{column} >= 0"
    if flt.cut is not None:
        out += f" AND {numbers}.cut_outputs {'>' if flt.cut else '='} 0"
    return out


def has_number_filters(flt: ProcessFilter) -> bool:
    return flt.cut is not None or any(getattr(flt, n) is not None for n in _BOUND_COLUMNS)


# --- the list ordered by activity: a walk of the rows ---------------------------------------------

# Last activity (today's order, either direction) and first activity: walk
# idx_procos_ai_context_activity and keep a row when it is the latest (or earliest) of its
# instance, one probe of idx_procos_ai_context_proc_inst_activity; then sum the page's
# instances. A bounded window of instances per request when instance filters apply (see
# queries.browsing). Needs no rollup at all.
_ACTIVITY_PAGE = """
WITH walked AS MATERIALIZED (
    SELECT c.process_instance_id, {c_key} AS key_at, c.id AS key_id
    FROM procos_ai_context AS c
    WHERE NOT EXISTS (
            SELECT 1 FROM procos_ai_context AS n
            WHERE n.process_instance_id COLLATE "C" = c.process_instance_id COLLATE "C"
              AND ({n_key}, n.id) {beyond} ({c_key}, c.id))
      {walk_filters}
    ORDER BY {c_key} {dir}, c.id {dir}
    LIMIT %(window)s
),
edge AS (
    SELECT (SELECT count(*) FROM walked) AS walked_count,
           last.key_at::text AS edge_at, last.key_id::text AS edge_id
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT key_at, key_id FROM walked
                       ORDER BY key_at {back}, key_id {back} LIMIT 1) AS last ON true
),
latest AS (
    SELECT w.process_instance_id, w.key_at, w.key_id
    FROM walked AS w
    {numbers_join}
    WHERE true {instance_filters}
    ORDER BY w.key_at {dir}, w.key_id {dir}
    LIMIT %(limit)s
)
SELECT e.walked_count, e.edge_at, e.edge_id,
       l.process_instance_id,
       l.key_at::text AS key_at, l.key_id::text AS key_id,
       {first_at} AS first_at, {last_at} AS last_at,
       {summary},
       {camunda_columns}
FROM edge AS e
LEFT JOIN latest AS l ON true
{numbers}
{camunda_join}
ORDER BY l.key_at {dir}, l.key_id {dir}
"""

# The numbers of an instance, for the filters on numbers of the activity walk.
_WALK_NUMBERS = """
LEFT JOIN LATERAL (
    SELECT f.total_tokens, f.output_count AS calls, coalesce(f.cost, -1) AS cost,
           f.bytes, coalesce(f.max_latency_s, -1) AS max_latency_s,
           f.suspect_outputs AS cut_outputs
    FROM (SELECT 1) AS one {numbers}
) AS wn ON true"""

# The latest row of an instance (for since/until when the walk keeps earliest rows).
_LAST_KEY = ("(SELECT {f_key} FROM procos_ai_context AS f WHERE f.process_instance_id COLLATE"
             " \"C\" = {pid} COLLATE \"C\" ORDER BY {f_key} DESC, f.id DESC LIMIT 1)")

FILTER_WINDOW = 2000


def activity_page(flt: ProcessFilter, after: ProcessCursor | None, limit: int,
                  sort: ProcessSort, with_camunda: bool, filter_window: int = FILTER_WINDOW
                  ) -> tuple[sql.SQL, dict[str, Any]]:
    """A page ordered by last or first activity (sort.key), and how far the walk went."""
    latest = sort.key is SortKey.LAST_ACTIVITY
    c_key, n_key = KEY.format(t="c"), KEY.format(t="n")
    params: dict[str, Any] = {"limit": limit, "window": limit}
    walk = ""
    if flt.id_prefix:
        walk += " AND c.process_instance_id COLLATE \"C\" LIKE %(id_like)s"
        params["id_like"] = like_prefix(flt.id_prefix)
    instance = instance_filters(flt, "w.process_instance_id",
                                "wn" if has_number_filters(flt) else None, params)
    for name, op in (("since", ">="), ("until", "<")):
        value = getattr(flt, name)
        if value is None:
            continue
        params[name] = value
        if latest:
            walk += f" AND {c_key} {op} %({name})s"
        else:
            last = _LAST_KEY.format(f_key=KEY.format(t="f"), pid="w.process_instance_id")
            instance += f" AND {last} {op} %({name})s"
    if instance:
        params["window"] = max(limit, filter_window)
    if after is not None:
        walk += f" AND ({c_key}, c.id) {'<' if sort.descending else '>'}" \
                " (%(cursor_at)s::timestamptz, %(cursor_id)s::uuid)"
        params["cursor_at"], params["cursor_id"] = after.last_at, after.row_id
    direction = "DESC" if sort.descending else "ASC"
    numbers_join = (_WALK_NUMBERS.format(numbers=process_numbers("w.process_instance_id", "f"))
                    if has_number_filters(flt) else "")
    text = _ACTIVITY_PAGE.format(
        c_key=c_key, n_key=n_key, beyond=">" if latest else "<", walk_filters=walk,
        dir=direction, back="ASC" if sort.descending else "DESC",
        numbers_join=numbers_join, instance_filters=instance,
        first_at=shown_time("a.first_at"),
        last_at=shown_time("l.key_at" if latest else "a.last_key"),
        summary=_SUMMARY_COLUMNS, numbers=process_numbers("l.process_instance_id"),
        camunda_columns=_CAMUNDA_COLUMNS if with_camunda else _NO_CAMUNDA_COLUMNS,
        camunda_join=_CAMUNDA_PAGE_JOIN.format(pid="l.process_instance_id")
        if with_camunda else "")
    return sql.SQL(text), params  # fixed fragments only


# --- the list ordered by a number: a walk of the per-process rollup -----------------------------

# Rollup column (the sort value; NOT NULL, indexed with process_instance_id) and its type.
SORT_COLUMNS: dict[SortKey, tuple[str, str]] = {
    SortKey.CALLS: ("calls", "bigint"),
    SortKey.TOTAL_TOKENS: ("total_tokens", "bigint"),
    SortKey.INPUT_TOKENS: ("input_tokens", "bigint"),
    SortKey.OUTPUT_TOKENS: ("output_tokens", "bigint"),
    SortKey.BYTES: ("bytes", "bigint"),
    SortKey.DURATION: ("duration_s", "float8"),
    SortKey.MAX_LATENCY: ("max_latency_s", "float8"),
    SortKey.COST: ("cost", "numeric"),
    SortKey.CUT_OUTPUTS: ("cut_outputs", "bigint"),
}

# Costs computed now from the per-model rollup, when prices changed since the last refresh.
_REPRICED = """
(SELECT r.process_instance_id, r.calls, r.total_tokens, r.input_tokens, r.output_tokens,
        r.bytes, r.duration_s, r.max_latency_s, r.cut_outputs, r.first_at, r.last_at,
        coalesce(x.cost, -1) AS cost
 FROM procos_ai_process_rollup AS r
 LEFT JOIN (
     SELECT pm.process_instance_id,
            sum(CASE WHEN p.provider IS NOT NULL AND pm.split_rows > 0
                     THEN pm.input_tokens * p.input_per_million * 0.000001
                          + pm.output_tokens * p.output_per_million * 0.000001 END) AS cost
     FROM procos_ai_process_model_rollup AS pm
     LEFT JOIN procos_ai_model_prices() AS p
            ON p.provider = pm.ai_provider AND p.model_name = pm.model_used
     GROUP BY pm.process_instance_id
 ) AS x ON x.process_instance_id = r.process_instance_id)"""

_ROLLUP_PAGE = """
WITH {enriched},
live AS MATERIALIZED (
    SELECT l.process_instance_id AS pid,
           coalesce(r.calls, 0) + l.calls AS calls,
           coalesce(r.total_tokens, 0) + l.total_tokens AS total_tokens,
           coalesce(r.input_tokens, 0) + l.input_tokens AS input_tokens,
           coalesce(r.output_tokens, 0) + l.output_tokens AS output_tokens,
           coalesce(r.bytes, 0) + l.bytes AS bytes,
           coalesce(r.cut_outputs, 0) + l.cut_outputs AS cut_outputs,
           coalesce(extract(epoch FROM greatest(r.last_at, l.last_at)
                                       - least(r.first_at, l.first_at))::float8, -1)
               AS duration_s,
           greatest(coalesce(r.max_latency_s, -1), coalesce(l.max_latency_s, -1))
               AS max_latency_s,
           CASE WHEN coalesce(r.cost, -1) < 0 THEN coalesce(l.cost, -1)
                WHEN l.cost IS NULL THEN r.cost ELSE r.cost + l.cost END AS cost,
           coalesce(greatest(r.last_at, l.last_at), '-infinity'::timestamptz) AS last_at
    FROM (
        SELECT e.process_instance_id, count(*) FILTER (WHERE e.is_call) AS calls,
               sum(e.tot) AS total_tokens, coalesce(sum(e.inp), 0) AS input_tokens,
               coalesce(sum(e.outp), 0) AS output_tokens, sum(e.bytes) AS bytes,
               count(*) FILTER (WHERE e.cut) AS cut_outputs, min(e.created_at) AS first_at,
               max(e.created_at) AS last_at, max(e.latency_s) AS max_latency_s,
               sum(e.cost) AS cost
        FROM enriched AS e GROUP BY e.process_instance_id
    ) AS l
    LEFT JOIN {rollup} AS r ON r.process_instance_id = l.process_instance_id
),
walked AS MATERIALIZED (
    SELECT r.process_instance_id AS pid, r.{column} AS sort_value, r.calls, r.total_tokens,
           r.bytes, r.max_latency_s, r.cost, r.cut_outputs, r.last_at
    FROM {rollup} AS r
    WHERE NOT EXISTS (SELECT 1 FROM live WHERE live.pid = r.process_instance_id)
      {walk_cursor}
    ORDER BY r.{column} {dir}, r.process_instance_id {dir}
    LIMIT %(window)s
),
edge AS (
    SELECT (SELECT count(*) FROM walked) AS walked_count,
           last.sort_value::text AS edge_value, last.pid AS edge_pid
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT sort_value, pid FROM walked
                       ORDER BY sort_value {back}, pid {back} LIMIT 1) AS last ON true
),
found AS (
    SELECT w.pid, w.sort_value FROM walked AS w WHERE true {walked_filters}
    UNION ALL
    SELECT lv.pid, lv.{column} FROM live AS lv, edge AS e
    WHERE true {live_cursor} {live_filters}
      AND (e.walked_count < %(window)s
           OR (lv.{column}, lv.pid) {within} (e.edge_value::{type}, e.edge_pid))
),
page AS (
    SELECT pid, sort_value FROM found ORDER BY sort_value {dir}, pid {dir} LIMIT %(limit)s
)
SELECT e.walked_count, e.edge_value, e.edge_pid,
       pg.pid AS process_instance_id, pg.sort_value::text AS key_value,
       {first_at} AS first_at, {last_at} AS last_at,
       {summary},
       {camunda_columns}
FROM edge AS e
LEFT JOIN page AS pg ON true
{numbers}
{camunda_join}
ORDER BY pg.sort_value {dir}, pg.pid {dir}
"""


def rollup_page(flt: ProcessFilter, after: ProcessCursor | None, limit: int, sort: ProcessSort,
                state: RollupState, with_camunda: bool, filter_window: int = FILTER_WINDOW
                ) -> tuple[sql.SQL, dict[str, Any]]:
    column, type_ = SORT_COLUMNS[sort.key]
    params: dict[str, Any] = {"limit": limit, "window": limit, "pos_at": state.read_at,
                              "pos_id": state.read_id}
    stale_costs = not state.costs_current and (sort.key is SortKey.COST
                                               or flt.cost is not None)
    rollup = _REPRICED if stale_costs else "procos_ai_process_rollup"
    before = "<" if sort.descending else ">"
    walk_cursor = live_cursor = ""
    if after is not None:
        params["cursor_value"], params["cursor_pid"] = after.last_at, after.row_id
        walk_cursor = (f" AND (r.{column}, r.process_instance_id) {before}"
                       f" (%(cursor_value)s::{type_}, %(cursor_pid)s)")
        live_cursor = (f" AND (lv.{column}, lv.pid) {before}"
                       f" (%(cursor_value)s::{type_}, %(cursor_pid)s)")
    filters: dict[str, str] = {}
    for rel in ("w", "lv"):
        clause = instance_filters(flt, f"{rel}.pid", rel, params)
        if flt.id_prefix:
            clause += f" AND {rel}.pid LIKE %(id_like)s"
            params["id_like"] = like_prefix(flt.id_prefix)
        if flt.since is not None:
            clause += f" AND {rel}.last_at >= %(since)s"
            params["since"] = flt.since
        if flt.until is not None:
            clause += f" AND {rel}.last_at < %(until)s"
            params["until"] = flt.until
        filters[rel] = clause
    if filters["w"]:
        params["window"] = max(limit, filter_window)
    direction = "DESC" if sort.descending else "ASC"
    text = _ROLLUP_PAGE.format(
        enriched=enriched(LIVE_RANGES, state.has_camunda), rollup=rollup, column=column,
        type=type_, walk_cursor=walk_cursor, live_cursor=live_cursor, dir=direction,
        back="ASC" if sort.descending else "DESC",
        within=">=" if sort.descending else "<=",
        walked_filters=filters["w"], live_filters=filters["lv"],
        first_at=shown_time("a.first_at"),
        last_at=shown_time("a.last_key"),
        summary=_SUMMARY_COLUMNS, numbers=process_numbers("pg.pid"),
        camunda_columns=_CAMUNDA_COLUMNS if with_camunda else _NO_CAMUNDA_COLUMNS,
        camunda_join=_CAMUNDA_PAGE_JOIN.format(pid="pg.pid") if with_camunda else "")
    return sql.SQL(text), params  # fixed fragments only


# --- Stats ---------------------------------------------------------------------------------------

# The group of a rollup bucket (u) and of a live row (e): (text, time) columns.
_GROUPS: dict[StatsBy, tuple[str, str]] = {
    StatsBy.PROVIDER: ("u.ai_provider::text, NULL::timestamptz",
                       "e.ai_provider::text, NULL::timestamptz"),
    StatsBy.MODEL: ("u.model_used::text, NULL::timestamptz",
                    "e.model_used::text, NULL::timestamptz"),
    StatsBy.ACTIVITY: ("u.activity_id::text, NULL::timestamptz",
                       "e.activity_id::text, NULL::timestamptz"),
    StatsBy.DEFINITION: ("u.process_definition_key::text, NULL::timestamptz",
                         "e.definition::text, NULL::timestamptz"),
    StatsBy.HOUR: ("NULL::text, u.bucket_at",
                   "NULL::text, date_trunc('hour', e.created_at, 'UTC')"),
    StatsBy.DAY: ("NULL::text, date_trunc('day', u.bucket_at, 'UTC')",
                  "NULL::text, date_trunc('day', e.created_at, 'UTC')"),
}

# Per (group, provider, model): sums, a latency histogram, and the cost (linear in the tokens
# of split rows, so pricing the sums prices every row). Columns: core.triage.Partial's fields,
# and `series`: false for the report's grouping, true for the chart's (one statement reads
# the live rows once for both).
_ROLLED_PART = """
    SELECT {u_group}, u.ai_provider, u.model_used,
           sum(u.row_count) AS rows, sum(u.calls) AS calls, sum(u.split_rows) AS split_rows,
           sum(u.input_tokens) AS input_tokens, sum(u.output_tokens) AS output_tokens,
           sum(u.total_tokens) AS total_tokens, sum(u.unsplit_calls) AS unsplit_calls,
           sum(u.bytes) AS bytes, sum(u.cut_outputs) AS cut_outputs,
           max(u.max_latency_s) AS max_latency_s, {u_hist} AS hist,
           max(u.last_at) AS last_at, false AS live, {series} AS series
    FROM procos_ai_usage_rollup AS u
    WHERE {rolled}
    GROUP BY 1, 2, 3, 4"""
_LIVE_PART = """
    SELECT {e_group}, e.ai_provider, e.model_used,
           count(*), count(*) FILTER (WHERE e.is_call), count(e.inp),
           coalesce(sum(e.inp), 0), coalesce(sum(e.outp), 0), sum(e.tot),
           count(*) FILTER (WHERE e.is_call AND e.inp IS NULL), sum(e.bytes),
           count(*) FILTER (WHERE e.cut), max(e.latency_s),
           {e_hist}, max(e.created_at),
           true, {series}
    FROM enriched AS e
    GROUP BY 1, 2, 3, 4"""
_STATS = """
WITH {enriched},
parts AS ({parts}
)
SELECT parts.grp, {grp_at} AS grp_at, parts.ai_provider, parts.model_used, parts.rows,
       parts.calls, parts.split_rows, parts.input_tokens, parts.output_tokens,
       parts.total_tokens, parts.unsplit_calls, parts.bytes, parts.cut_outputs,
       parts.max_latency_s, parts.hist, {last_at} AS last_at, parts.live, parts.series,
       p.currency,
       CASE WHEN p.provider IS NOT NULL AND parts.split_rows > 0
            THEN parts.input_tokens * p.input_per_million * 0.000001
                 + parts.output_tokens * p.output_per_million * 0.000001 END AS cost,
       CASE WHEN p.provider IS NULL THEN parts.calls ELSE parts.unsplit_calls END
           AS unpriced_calls
FROM parts
LEFT JOIN procos_ai_model_prices() AS p
       ON p.provider = parts.ai_provider AND p.model_name = parts.model_used
"""
_GROUP_COLUMNS = ("grp", "grp_at")


def _hour_ceil(at: datetime) -> datetime:
    floor = at.replace(minute=0, second=0, microsecond=0)
    return floor if floor == at else floor + timedelta(hours=1)


def stats(since: datetime | None, until: datetime | None, by: StatsBy, state: RollupState,
          with_latency: bool = True, series_by: StatsBy | None = None
          ) -> tuple[sql.SQL, dict[str, Any]]:
    """Stats of [since, until) (None, None: every row, undated ones too) grouped by `by`:
    whole hours from the hourly rollup, the rest (the window's ragged ends, rows after the
    position) from the rows themselves. Without latency: no histograms (the maximum stays),
    which is most of the work over a long span. With `series_by` (another grouping than
    `by`), the same statement also returns the chart's rows (series true, no histograms)."""
    params: dict[str, Any] = {"pos_at": state.read_at, "pos_id": state.read_id}
    key = KEY.format(t="c")
    if since is None or until is None:
        rolled = "true"
        ranges: tuple[str, ...] = LIVE_RANGES
    else:
        whole_from = _hour_ceil(since)
        whole_to = until.replace(minute=0, second=0, microsecond=0)
        params.update(since=since, until=until, whole_from=whole_from, whole_to=whole_to)
        if whole_from < whole_to:
            rolled = "u.bucket_at >= %(whole_from)s AND u.bucket_at < %(whole_to)s"
            ranges = tuple(r for r, wanted in (
                (f"{key} >= %(since)s AND {key} < %(whole_from)s", since < whole_from),
                (f"{key} >= %(whole_to)s AND {key} < %(until)s", whole_to < until),
                (f"{key} >= %(whole_from)s AND {key} < %(whole_to)s"
                 f" AND ({key}, c.id) > (%(pos_at)s::timestamptz, %(pos_id)s::uuid)", True),
            ) if wanted)
        else:
            rolled = "false"
            ranges = (f"{key} >= %(since)s AND {key} < %(until)s",)
    groupings = [(by, with_latency, "false")]
    if series_by is not None and series_by is not by:
        groupings.append((series_by, False, "true"))
    parts = []
    for group_by, latency, series in groupings:
        u_group, e_group = _GROUPS[group_by]
        parts.append(_ROLLED_PART.format(
            u_group=_aliased(u_group), rolled=rolled, series=series,
            u_hist="procos_ai_hist_sum(u.latency_hist)" if latency else "'{}'::int[]"))
        parts.append(_LIVE_PART.format(
            e_group=_aliased(e_group), series=series,
            e_hist="procos_ai_latency_hist(procos_ai_latency_bucket(e.latency_s))"
            if latency else "'{}'::int[]"))
    text = _STATS.format(enriched=enriched(ranges, state.has_camunda),
                         parts="\n    UNION ALL".join(parts),
                         grp_at=shown_time("parts.grp_at"), last_at=shown_time("parts.last_at"))
    return sql.SQL(text), params  # fixed fragments only


def _aliased(group: str) -> str:
    text, at = _split_top(group)
    return f"{text} AS grp, {at} AS grp_at"


def _split_top(expr: str) -> tuple[str, str]:
    """'a, f(b, c)' -> ('a', 'f(b, c)'): the two group expressions, split at the top comma."""
    depth = 0
    for i, ch in enumerate(expr):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            return expr[:i].strip(), expr[i + 1:].strip()
    raise ValueError(expr)


# --- values that exist (completion, "did you mean") ----------------------------------------------

_VALUE_COLUMNS = {"provider": ("ai_provider", "ai_provider"),
                  "model": ("model_used", "model_used"),
                  "activity": ("activity_id", "activity_id"),
                  "definition": ("process_definition_key", "definition")}

FILTER_VALUES = """
WITH {enriched}
SELECT v FROM (
    SELECT DISTINCT u.{u_column}::text AS v FROM procos_ai_usage_rollup AS u
    UNION
    SELECT DISTINCT e.{e_column}::text FROM enriched AS e
) AS vals
WHERE v IS NOT NULL
ORDER BY v
LIMIT 5000
"""


def filter_values(field: str, state: RollupState) -> tuple[sql.SQL, dict[str, Any]]:
    u_column, e_column = _VALUE_COLUMNS[field]
    text = FILTER_VALUES.format(enriched=enriched(LIVE_RANGES, state.has_camunda),
                                u_column=u_column, e_column=e_column)
    return sql.SQL(text), {"pos_at": state.read_at, "pos_id": state.read_id}


# --- check: do the rollups agree with their rows? -------------------------------------------------

# The rows up to the position against the rollups' count (index-only on the activity index).
ROLLUP_COUNTS = f"""
SELECT (SELECT count(*) FROM procos_ai_context AS c
        WHERE {KEY.format(t='c')} > '-infinity'::timestamptz
          AND ({KEY.format(t='c')}, c.id) <= (s.read_at, s.read_id)) AS base_rows,
       (SELECT coalesce(sum(row_count), 0) FROM procos_ai_process_rollup) AS process_rows,
       (SELECT coalesce(sum(row_count), 0) FROM procos_ai_usage_rollup) AS hour_rows,
       s.read_at::text AS read_at, s.refreshed_at
FROM procos_ai_rollup_state AS s
"""

# A sample of instances summed again from their rows up to the position.
ROLLUP_SAMPLE = f"""
SELECT r.process_instance_id,
       r.row_count, r.calls, r.total_tokens, r.input_tokens, r.output_tokens, r.bytes,
       r.cut_outputs,
       b.row_count AS base_row_count, b.calls AS base_calls,
       b.total_tokens AS base_total_tokens, b.input_tokens AS base_input_tokens,
       b.output_tokens AS base_output_tokens, b.bytes AS base_bytes,
       b.cut_outputs AS base_cut_outputs
FROM (SELECT * FROM procos_ai_process_rollup ORDER BY random() LIMIT %(sample)s) AS r
CROSS JOIN procos_ai_rollup_state AS s
LEFT JOIN LATERAL (
    SELECT count(*) AS row_count, count(*) FILTER (WHERE c.context_type = 'output') AS calls,
           coalesce(sum(c.t[3]), 0) AS total_tokens, coalesce(sum(c.t[1]), 0) AS input_tokens,
           coalesce(sum(c.t[2]), 0) AS output_tokens, coalesce(sum(c.bytes), 0) AS bytes,
           count(*) FILTER (WHERE c.cut) AS cut_outputs
    FROM (SELECT {_BASE_COLUMNS} FROM procos_ai_context AS c
          WHERE c.process_instance_id = r.process_instance_id) AS c
    WHERE c.key_at > '-infinity'::timestamptz AND (c.key_at, c.id) <= (s.read_at, s.read_id)
) AS b ON true
"""

ROLLUP_CHECKED = ("row_count", "calls", "total_tokens", "input_tokens", "output_tokens",
                  "bytes", "cut_outputs")

REFRESH_ROLLUPS_STEP = """
SELECT procos_ai_refresh_rollups(%(max_rows)s) AS rows_read
"""

REBUILD_ROLLUPS = "SELECT procos_ai_rebuild_rollups()"


# --- rows -> typed pages ------------------------------------------------------------------------


def summary_of(r: dict[str, Any]) -> ProcessSummary:
    """A ProcessSummary from a page row (columns named as its fields)."""
    cost = r["cost"]
    return ProcessSummary(
        process_instance_id=r["process_instance_id"], last_at=r["last_at"],
        first_at=r["first_at"], entry_count=r["entry_count"], output_count=r["output_count"],
        providers=tuple(r["providers"]), models=tuple(r["models"]),
        total_tokens=r["total_tokens"], suspect_outputs=r["suspect_outputs"],
        business_key=r["business_key"], process_definition_key=r["process_definition_key"],
        input_tokens=r["input_tokens"], output_tokens=r["output_tokens"], bytes=r["bytes"],
        cost=None if cost is None else Decimal(cost), currency=r["currency"],
        unpriced_calls=r["unpriced_calls"], max_latency_s=r["max_latency_s"])


def page_from_rows(rows: list[dict[str, Any]], limit: int, window: int,
                   sort: ProcessSort) -> ProcessPage:
    """The typed page from a page query asked for limit + 1: every row starts with how far the
    walk went; the instance's columns are NULL when the window held no match."""
    rollup = sort.key.from_rollup
    edge_value, edge_key = ("edge_value", "edge_pid") if rollup else ("edge_at", "edge_id")
    value, key = ("key_value", "process_instance_id") if rollup else ("key_at", "key_id")
    first: dict[str, Any] = rows[0] if rows else {"walked_count": 0, edge_value: None,
                                                   edge_key: None}
    found = [r for r in rows if r["process_instance_id"] is not None]
    summaries = tuple(summary_of(r) for r in found[:limit])

    def cursor(at: str, row: str) -> ProcessCursor:
        return ProcessCursor(at, row, sort.key.value, sort.descending)

    if len(found) > limit:  # a full page, and at least one more instance
        last = found[limit - 1]
        return ProcessPage(summaries, cursor(last[value], last[key]))
    if first["walked_count"] >= window and first[edge_value] is not None:
        return ProcessPage(summaries, cursor(first[edge_value], first[edge_key]))
    return ProcessPage(summaries, None)
