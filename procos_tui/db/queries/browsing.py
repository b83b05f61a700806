"""Browsing: the server's facts, the process list, one instance's rows, Camunda's view of it.

Column aliases are the field names of the core.types dataclasses the rows become (the session
binds rows by name with psycopg's row factories). All values travel as parameters; the only
composed SQL is the choice of which filter clauses apply, built from fixed fragments with
psycopg.sql (never from user text).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from procos_tui.core.types import ProcessCursor, ProcessFilter, ProcessPage, ProcessSummary
from procos_tui.db.queries.fragments import like_prefix, shown_time

# --- session ------------------------------------------------------------------------------------

# Its columns are the fields of core.types.ServerFacts.
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


def page_from_rows(rows: list[dict[str, Any]], limit: int, window: int) -> ProcessPage:
    """The typed page from what the process_page() query (asked for limit + 1) returned, its
    rows as dicts by column name (psycopg's dict_row). Every row starts with the walk's extent
    (walked_count, edge_at, edge_id); the instance's columns are NULL when the window held no
    match, and the others are named as ProcessSummary's fields."""
    first: dict[str, Any] = rows[0] if rows else {"walked_count": 0, "edge_at": None,
                                                   "edge_id": None}
    found = [r for r in rows if r["process_instance_id"] is not None]
    summaries = tuple(
        ProcessSummary(
            process_instance_id=r["process_instance_id"], last_at=r["last_at"],
            first_at=r["first_at"], entry_count=r["entry_count"],
            output_count=r["output_count"], providers=tuple(r["providers"]),
            models=tuple(r["models"]), total_tokens=r["total_tokens"],
            suspect_outputs=r["suspect_outputs"], business_key=r["business_key"],
            process_definition_key=r["process_definition_key"])
        for r in found[:limit])
    if len(found) > limit:  # a full page, and at least one more instance
        last = found[limit - 1]
        cursor: ProcessCursor | None = ProcessCursor(last["key_at"], last["key_id"])
    elif first["walked_count"] >= window and first["edge_at"] is not None:
        cursor = ProcessCursor(first["edge_at"], first["edge_id"])  # window used up: go on
    else:
        cursor = None
    return ProcessPage(summaries, cursor)


# --- one process instance -----------------------------------------------------------------------

# Sizes come from octet_length (the TOAST header, no detoasting) and the preview from a slice:
# listing an instance never reads a 20 MB body. Columns: core.types.InteractionHeader's fields.
INTERACTIONS_OF_PROCESS = ("""
SELECT id::text AS id, process_instance_id, task_id, activity_id, context_type,
       ai_provider, model_used, token_usage::text AS token_usage_json,
       procos_ai_token_total(token_usage) AS total_tokens,
       {created_at} AS created_at,
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
# Columns: core.types.InteractionContent's fields.
INTERACTION_CONTENT = ("""
SELECT id::text AS id, process_instance_id, task_id, activity_id, context_type,
       ai_provider, model_used, content_text,
       CASE WHEN pg_column_size(content_data) <= %(inline_data_bytes)s
            THEN content_data::text END AS content_data_json,
       token_usage::text AS token_usage_json, {created_at} AS created_at,
       {updated_at} AS updated_at,
       coalesce(jsonb_typeof(content_data->'content') = 'string'
                AND content_data->>'content' = content_text, false) AS content_is_text
FROM procos_ai_context
WHERE id = %(id)s
""".format(created_at=shown_time("created_at"), updated_at=shown_time("updated_at")))

INTERACTION_DATA = """
SELECT content_data::text AS content_data_json FROM procos_ai_context WHERE id = %(id)s
"""

PROCESS_EXISTS = """
SELECT EXISTS (SELECT 1 FROM procos_ai_context WHERE process_instance_id = %(process_instance_id)s)
       AS process_exists
"""

# --- Camunda ------------------------------------------------------------------------------------

# Camunda's columns are `timestamp` without zone; ranges and infinity as for ours. Columns of
# the two instance queries: CAMUNDA_INSTANCE_COLUMNS, fields of core.types.CamundaDetails.
CAMUNDA_INSTANCE_COLUMNS = ("business_key", "process_definition_key", "process_definition_id",
                            "state", "started_at", "ended_at")

CAMUNDA_INSTANCE_FROM_HISTORY = """
SELECT business_key_ AS business_key, proc_def_key_ AS process_definition_key,
       proc_def_id_ AS process_definition_id, state_ AS state,
       CASE WHEN start_time_ BETWEEN '0001-01-02' AND '9999-12-30' THEN start_time_ END
           AS started_at,
       CASE WHEN end_time_ BETWEEN '0001-01-02' AND '9999-12-30' THEN end_time_ END AS ended_at
FROM act_hi_procinst
WHERE proc_inst_id_ = %(process_instance_id)s
"""

CAMUNDA_INSTANCE_FROM_RUNTIME = """
SELECT e.business_key_ AS business_key,
       coalesce(e.proc_def_key_, d.key_) AS process_definition_key,
       e.proc_def_id_ AS process_definition_id, 'ACTIVE'::text AS state,
       NULL::timestamp AS started_at, NULL::timestamp AS ended_at
FROM act_ru_execution AS e
LEFT JOIN act_re_procdef AS d ON d.id_ = e.proc_def_id_
WHERE e.id_ = %(process_instance_id)s
"""

# Columns of the two variable queries: core.types.CamundaVariable's fields.
CAMUNDA_HISTORY_VARIABLES = """
SELECT v.name_ AS name, coalesce(v.var_type_, '') AS type, 'history' AS source,
       length(v.text_) AS text_length, octet_length(b.bytes_) AS bytes_length
FROM act_hi_varinst AS v
LEFT JOIN act_ge_bytearray AS b ON b.id_ = v.bytearray_id_
WHERE v.proc_inst_id_ = %(process_instance_id)s
"""

CAMUNDA_RUNTIME_VARIABLES = """
SELECT v.name_ AS name, v.type_ AS type, 'runtime' AS source,
       length(v.text_) AS text_length, octet_length(b.bytes_) AS bytes_length
FROM act_ru_variable AS v
LEFT JOIN act_ge_bytearray AS b ON b.id_ = v.bytearray_id_
WHERE v.proc_inst_id_ = %(process_instance_id)s
"""
