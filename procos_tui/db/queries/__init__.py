"""Every SQL statement procos-tui sends, named after the question it answers.

All values travel as parameters; the only composed SQL is the choice of which filter clauses
apply, built from fixed fragments with psycopg.sql (never from user text).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from procos_tui.core.types import ProcessCursor, ProcessFilter, ProcessPage, ProcessSummary

# --- session ------------------------------------------------------------------------------------

SERVER_FACTS = """
SELECT current_setting('server_version') AS server_version,
       current_setting('default_transaction_read_only') = 'on' AS read_only,
       current_database() AS database,
       to_regclass('procos_ai_context') IS NOT NULL AS has_procos,
       to_regprocedure('procos_ai_token_total(jsonb)') IS NOT NULL
           AND to_regclass('idx_procos_ai_context_activity') IS NOT NULL
           AND to_regclass('idx_procos_ai_context_proc_inst_activity') IS NOT NULL
           AS has_list_support,
       to_regclass('act_hi_procinst') IS NOT NULL AS has_camunda_history,
       to_regclass('act_ru_variable') IS NOT NULL AS has_camunda_runtime
"""


def shown_time(expr: str) -> str:
    """A timestamp for the screen, NULL where Python's datetime cannot hold it (infinity, BC,
    after 9999): one odd row must not break a whole page."""
    return (f"CASE WHEN {expr} BETWEEN '0001-01-02 00:00:00+00'::timestamptz"
            f" AND '9999-12-30 00:00:00+00'::timestamptz THEN {expr} END")


# --- process list -------------------------------------------------------------------------------

# Newest activity first, one page, at any table size: walk idx_procos_ai_context_activity
# backwards and keep a row only when it is the latest of its instance (one probe of
# idx_procos_ai_context_proc_inst_activity); then aggregate just the page's instances. A row
# without created_at counts as -infinity; (time, id) makes the order total, so it is the cursor.
_ACTIVITY = "coalesce({t}.created_at, '-infinity'::timestamptz)"

# Instance filters (provider, model) probe other rows of the instance, and the planner cannot
# know how rare a match is: so one request walks a bounded window of instances (%(window)s),
# keeps the matching ones, and reports how far it walked. A rare filter then costs several
# short requests, each answering quickly, instead of one scan of the whole table.
_PROCESS_PAGE = """
WITH walked AS MATERIALIZED (
    SELECT c.process_instance_id, {c_activity} AS key_at, c.id AS key_id
    FROM procos_ai_context AS c
    WHERE NOT EXISTS (
            SELECT 1 FROM procos_ai_context AS n
            WHERE n.process_instance_id COLLATE "C" = c.process_instance_id COLLATE "C"
              AND ({n_activity}, n.id) > ({c_activity}, c.id))
      {walk_filters}
    ORDER BY {c_activity} DESC, c.id DESC
    LIMIT %(window)s
),
edge AS (
    SELECT (SELECT count(*) FROM walked) AS walked_count,
           last.key_at::text AS edge_at, last.key_id::text AS edge_id
    FROM (SELECT 1) AS one
    LEFT JOIN LATERAL (SELECT key_at, key_id FROM walked
                       ORDER BY key_at, key_id LIMIT 1) AS last ON true
),
latest AS (
    SELECT w.process_instance_id, w.key_at, w.key_id
    FROM walked AS w
    WHERE true {instance_filters}
    ORDER BY w.key_at DESC, w.key_id DESC
    LIMIT %(limit)s
)
SELECT e.walked_count, e.edge_at, e.edge_id,
       l.process_instance_id,
       {last_at} AS last_at,
       l.key_at::text AS key_at, l.key_id::text AS key_id,
       {first_at} AS first_at,
       a.entry_count, a.output_count, a.providers, a.models, a.total_tokens,
       a.suspect_outputs,
       {camunda_columns}
FROM edge AS e
LEFT JOIN latest AS l ON true
LEFT JOIN LATERAL (
    SELECT min(r.created_at) AS first_at,
           count(*) AS entry_count,
           count(*) FILTER (WHERE r.context_type = 'output') AS output_count,
           coalesce(array_agg(DISTINCT r.ai_provider::text)
                    FILTER (WHERE r.ai_provider IS NOT NULL), '{{}}') AS providers,
           coalesce(array_agg(DISTINCT r.model_used::text)
                    FILTER (WHERE r.model_used IS NOT NULL), '{{}}') AS models,
           coalesce(sum(procos_ai_token_total(r.token_usage)), 0)::bigint AS total_tokens,
           -- the guide's check (under 50 characters); octet_length reads no body, so only
           -- short ones are measured
           count(*) FILTER (WHERE r.context_type = 'output'
                              AND octet_length(r.content_text) < 200
                              AND length(r.content_text) < 50) AS suspect_outputs
    FROM procos_ai_context AS r
    WHERE r.process_instance_id = l.process_instance_id
) AS a ON true
{camunda_join}
ORDER BY l.key_at DESC, l.key_id DESC
"""

# How many instances one filtered request looks at.
FILTER_WINDOW = 2000

_CAMUNDA_COLUMNS = "h.business_key_ AS business_key, h.proc_def_key_ AS process_definition_key"
_NO_CAMUNDA_COLUMNS = "NULL::text AS business_key, NULL::text AS process_definition_key"
_CAMUNDA_JOIN = "LEFT JOIN act_hi_procinst AS h ON h.proc_inst_id_ = l.process_instance_id"

# Columns of a process_page row: the walk's extent first, then the instance (NULL when the
# window held no match).
PAGE_WALKED, PAGE_EDGE_AT, PAGE_EDGE_ID, PAGE_FIRST_INSTANCE_COLUMN = 0, 1, 2, 3

# Filters on the walked row itself (index conditions) ...
_WALK_FILTERS: dict[str, str] = {
    "since": " AND {c_activity} >= %(since)s",
    "until": " AND {c_activity} < %(until)s",
    "id_prefix": " AND c.process_instance_id COLLATE \"C\" LIKE %(id_like)s",
}
# ... and filters on the instance, checked once per instance found.
# A scalar subquery, not EXISTS: EXISTS may become a hashed semi-join that reads every row of
# the provider once (a scan of the table when the value is rare); this stays one probe of the
# instance's rows per instance walked.
_INSTANCE_FILTERS: dict[str, str] = {
    "provider": " AND coalesce((SELECT true FROM procos_ai_context AS f"
                " WHERE f.process_instance_id = w.process_instance_id"
                " AND f.ai_provider = %(provider)s LIMIT 1), false)",
    "model": " AND coalesce((SELECT true FROM procos_ai_context AS f"
             " WHERE f.process_instance_id = w.process_instance_id"
             " AND f.model_used = %(model)s LIMIT 1), false)",
}

_AFTER_CURSOR = " AND ({c_activity}, c.id) < (%(cursor_at)s::timestamptz, %(cursor_id)s::uuid)"


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching strings that start with prefix, its wildcards taken literally."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def process_page(flt: ProcessFilter, after: ProcessCursor | None, limit: int,
                 with_camunda: bool, filter_window: int = FILTER_WINDOW
                 ) -> tuple[sql.SQL, dict[str, Any]]:
    """The newest process instances matching the filter, after the cursor, at most `limit`,
    and how far the walk went (see _PROCESS_PAGE)."""
    params: dict[str, Any] = {"limit": limit, "window": limit}
    walk, instance = "", ""
    for name, clause in (*_WALK_FILTERS.items(), *_INSTANCE_FILTERS.items()):
        value = getattr(flt, name)
        if value is None or value == "":
            continue
        if name in _WALK_FILTERS:
            walk += clause
        else:
            instance += clause
            params["window"] = max(limit, filter_window)
        if name == "id_prefix":
            params["id_like"] = like_prefix(value)
        else:
            params[name] = value
    if after is not None:
        walk += _AFTER_CURSOR
        params["cursor_at"] = after.last_at
        params["cursor_id"] = after.row_id
    c_activity, n_activity = _ACTIVITY.format(t="c"), _ACTIVITY.format(t="n")
    text = _PROCESS_PAGE.format(
        walk_filters=walk.format(c_activity=c_activity), instance_filters=instance,
        c_activity=c_activity, n_activity=n_activity,
        last_at=shown_time("l.key_at"), first_at=shown_time("a.first_at"),
        camunda_columns=_CAMUNDA_COLUMNS if with_camunda else _NO_CAMUNDA_COLUMNS,
        camunda_join=_CAMUNDA_JOIN if with_camunda else "")
    return sql.SQL(text), params  # built from the fixed fragments above only


def page_from_rows(rows: list[tuple[Any, ...]], limit: int, window: int) -> ProcessPage:
    """The typed page from what the process_page() query (asked for limit + 1) returned."""
    walked, edge_at, edge_id = rows[0][:3] if rows else (0, None, None)
    found = [r[PAGE_FIRST_INSTANCE_COLUMN:] for r in rows if r[3] is not None]
    summaries = tuple(
        ProcessSummary(
            process_instance_id=r[0], last_at=r[1], first_at=r[4], entry_count=r[5],
            output_count=r[6], providers=tuple(r[7]), models=tuple(r[8]),
            total_tokens=r[9], suspect_outputs=r[10], business_key=r[11],
            process_definition_key=r[12])
        for r in found[:limit])
    if len(found) > limit:  # a full page, and at least one more instance
        cursor: ProcessCursor | None = ProcessCursor(found[limit - 1][2], found[limit - 1][3])
    elif walked >= window and edge_at is not None:  # window used up: go on from its edge
        cursor = ProcessCursor(edge_at, edge_id)
    else:
        cursor = None
    return ProcessPage(summaries, cursor)


# --- one process instance -----------------------------------------------------------------------

# Sizes come from octet_length (the TOAST header, no detoasting) and the preview from a slice:
# listing an instance never reads a 20 MB body.
INTERACTIONS_OF_PROCESS = ("""
SELECT id::text, process_instance_id, task_id, activity_id, context_type,
       ai_provider, model_used, token_usage::text, procos_ai_token_total(token_usage),
       {created_at},
       octet_length(content_text) AS text_bytes,
       pg_column_size(content_data) AS data_bytes,
       left(content_text, %(preview_chars)s) AS preview
FROM procos_ai_context
WHERE process_instance_id = %(process_instance_id)s
ORDER BY coalesce(created_at, '-infinity'::timestamptz),
         CASE context_type WHEN 'system' THEN 0 WHEN 'input' THEN 1 ELSE 2 END,
         id
""".format(created_at=shown_time("created_at")))

# content_data comes along only when it is small: for ProcOS's usual rows it repeats
# content_text (content_is_text says so, computed by the server), and a 10 MB body fetched twice
# costs a tenth of a second and 40 MB. INTERACTION_DATA fetches it when a view needs it.
INTERACTION_CONTENT = ("""
SELECT id::text, process_instance_id, task_id, activity_id, context_type,
       ai_provider, model_used, content_text,
       CASE WHEN pg_column_size(content_data) <= %(inline_data_bytes)s
            THEN content_data::text END,
       token_usage::text, {created_at}, {updated_at},
       coalesce(jsonb_typeof(content_data->'content') = 'string'
                AND content_data->>'content' = content_text, false)
FROM procos_ai_context
WHERE id = %(id)s
""".format(created_at=shown_time("created_at"), updated_at=shown_time("updated_at")))

INTERACTION_DATA = """
SELECT content_data::text FROM procos_ai_context WHERE id = %(id)s
"""

PROCESS_EXISTS = """
SELECT EXISTS (SELECT 1 FROM procos_ai_context WHERE process_instance_id = %(process_instance_id)s)
"""

# --- Camunda ------------------------------------------------------------------------------------

# Camunda's columns are `timestamp` without zone; ranges and infinity as for ours.
CAMUNDA_INSTANCE_FROM_HISTORY = """
SELECT business_key_, proc_def_key_, proc_def_id_, state_,
       CASE WHEN start_time_ BETWEEN '0001-01-02' AND '9999-12-30' THEN start_time_ END,
       CASE WHEN end_time_ BETWEEN '0001-01-02' AND '9999-12-30' THEN end_time_ END
FROM act_hi_procinst
WHERE proc_inst_id_ = %(process_instance_id)s
"""

CAMUNDA_INSTANCE_FROM_RUNTIME = """
SELECT e.business_key_, coalesce(e.proc_def_key_, d.key_), e.proc_def_id_,
       'ACTIVE'::text, NULL::timestamp, NULL::timestamp
FROM act_ru_execution AS e
LEFT JOIN act_re_procdef AS d ON d.id_ = e.proc_def_id_
WHERE e.id_ = %(process_instance_id)s
"""

CAMUNDA_HISTORY_VARIABLES = """
SELECT v.name_, coalesce(v.var_type_, ''), 'history',
       length(v.text_), octet_length(b.bytes_)
FROM act_hi_varinst AS v
LEFT JOIN act_ge_bytearray AS b ON b.id_ = v.bytearray_id_
WHERE v.proc_inst_id_ = %(process_instance_id)s
"""

CAMUNDA_RUNTIME_VARIABLES = """
SELECT v.name_, v.type_, 'runtime', length(v.text_), octet_length(b.bytes_)
FROM act_ru_variable AS v
LEFT JOIN act_ge_bytearray AS b ON b.id_ = v.bytearray_id_
WHERE v.proc_inst_id_ = %(process_instance_id)s
"""

# --- export -------------------------------------------------------------------------------------

# Every column of an instance's rows, in the order the instance screen shows them. Times are
# ISO 8601 text made by the server, so values Python's datetime cannot hold (infinity, BC, after
# 9999) are exported too instead of failing the export; BC years keep PostgreSQL's " BC" suffix.
# jsonb comes as its text: it is valid JSON, and parsing it in Python could hit the recursion
# limit on deeply nested values.
EXPORT_ROWS_OF_PROCESS = """
SELECT id::text, process_instance_id, task_id, activity_id, context_type,
       content_data::text, content_text, ai_provider, model_used, token_usage::text,
       CASE WHEN created_at = 'infinity' THEN 'infinity'
            WHEN created_at = '-infinity' THEN '-infinity'
            ELSE to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                 || CASE WHEN created_at < '0001-01-01 00:00:00+00' THEN ' BC' ELSE '' END
       END AS created_at,
       CASE WHEN updated_at = 'infinity' THEN 'infinity'
            WHEN updated_at = '-infinity' THEN '-infinity'
            ELSE to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                 || CASE WHEN updated_at < '0001-01-01 00:00:00+00' THEN ' BC' ELSE '' END
       END AS updated_at
FROM procos_ai_context
WHERE process_instance_id = %(process_instance_id)s
ORDER BY coalesce(created_at, '-infinity'::timestamptz),
         CASE context_type WHEN 'system' THEN 0 WHEN 'input' THEN 1 ELSE 2 END,
         id
"""
