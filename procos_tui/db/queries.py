"""Every SQL statement procos-tui sends, named after the question it answers.

All values travel as parameters; the only composed SQL is the choice of which filter clauses
apply, built from fixed fragments with psycopg.sql (never from user text).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from procos_tui.db.types import ProcessCursor, ProcessFilter

# --- session ------------------------------------------------------------------------------------

# Settings every browsing session runs with, sent after connecting (not as startup options, so
# the user's own options, PGOPTIONS and service entries, and poolers, are left alone).
SESSION_SETUP = """
SELECT set_config('default_transaction_read_only', 'on', false),
       set_config('statement_timeout', %(statement_timeout)s, false),
       set_config('idle_in_transaction_session_timeout', '60000', false),
       set_config('DateStyle', 'ISO, MDY', false),
       set_config('IntervalStyle', 'postgres', false)
"""

# init-db and other writers from the command line: no statement timeout (a first init-db on a
# large table builds indexes for minutes), a bounded wait for locks ProcOS may hold.
WRITER_SETUP = """
SELECT set_config('statement_timeout', '0', false),
       set_config('lock_timeout', %(lock_timeout)s, false),
       set_config('DateStyle', 'ISO, MDY', false)
"""

SERVER_FACTS = """
SELECT current_setting('server_version') AS server_version,
       current_setting('default_transaction_read_only') = 'on' AS read_only,
       current_database() AS database,
       to_regclass('procos_ai_context') IS NOT NULL AS has_procos,
       to_regprocedure('procos_ai_token_total(jsonb)') IS NOT NULL
           AND to_regclass('idx_procos_ai_context_activity') IS NOT NULL AS has_list_support,
       to_regclass('act_hi_procinst') IS NOT NULL AS has_camunda_history,
       to_regclass('act_ru_variable') IS NOT NULL AS has_camunda_runtime
"""

# --- process list -------------------------------------------------------------------------------

# Newest activity first, one page, at any table size: walk idx_procos_ai_context_activity
# backwards and keep a row only when it is the latest of its instance (one probe of
# idx_procos_ai_context_proc_inst_activity); then aggregate just the page's instances. A row
# without created_at counts as -infinity; (time, id) makes the order total, so it is the cursor.
_ACTIVITY = "coalesce({t}.created_at, '-infinity'::timestamptz)"

_PROCESS_PAGE = """
WITH latest AS (
    SELECT c.process_instance_id, {c_activity} AS key_at, c.id AS key_id
    FROM procos_ai_context AS c
    WHERE NOT EXISTS (
            SELECT 1 FROM procos_ai_context AS n
            WHERE n.process_instance_id COLLATE "C" = c.process_instance_id COLLATE "C"
              AND ({n_activity}, n.id) > ({c_activity}, c.id))
      {filters}
    ORDER BY {c_activity} DESC, c.id DESC
    LIMIT %(limit)s
)
SELECT l.process_instance_id,
       CASE WHEN isfinite(l.key_at) THEN l.key_at END AS last_at,
       l.key_at::text AS key_at, l.key_id::text AS key_id,
       CASE WHEN isfinite(a.first_at) THEN a.first_at END AS first_at,
       a.entry_count, a.output_count, a.providers, a.models, a.total_tokens,
       a.suspect_outputs,
       {camunda_columns}
FROM latest AS l
CROSS JOIN LATERAL (
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
) AS a
{camunda_join}
ORDER BY l.key_at DESC, l.key_id DESC
"""

_CAMUNDA_COLUMNS = "h.business_key_ AS business_key, h.proc_def_key_ AS process_definition_key"
_NO_CAMUNDA_COLUMNS = "NULL::text AS business_key, NULL::text AS process_definition_key"
_CAMUNDA_JOIN = "LEFT JOIN act_hi_procinst AS h ON h.proc_inst_id_ = l.process_instance_id"

_FILTERS: dict[str, str] = {
    "provider": " AND EXISTS (SELECT 1 FROM procos_ai_context AS f"
                " WHERE f.process_instance_id = c.process_instance_id"
                " AND f.ai_provider = %(provider)s)",
    "model": " AND EXISTS (SELECT 1 FROM procos_ai_context AS f"
             " WHERE f.process_instance_id = c.process_instance_id"
             " AND f.model_used = %(model)s)",
    "since": " AND {c_activity} >= %(since)s",
    "until": " AND {c_activity} < %(until)s",
    "id_prefix": " AND c.process_instance_id COLLATE \"C\" LIKE %(id_like)s",
}

_AFTER_CURSOR = " AND ({c_activity}, c.id) < (%(cursor_at)s::timestamptz, %(cursor_id)s::uuid)"


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching strings that start with prefix, its wildcards taken literally."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def process_page(flt: ProcessFilter, after: ProcessCursor | None, limit: int,
                 with_camunda: bool) -> tuple[sql.SQL, dict[str, Any]]:
    """The newest process instances matching the filter, after the cursor, one page long."""
    params: dict[str, Any] = {"limit": limit}
    filters = ""
    for name, clause in _FILTERS.items():
        value = getattr(flt, name)
        if value is not None and value != "":
            filters += clause
            if name == "id_prefix":
                params["id_like"] = like_prefix(value)
            else:
                params[name] = value
    if after is not None:
        filters += _AFTER_CURSOR
        params["cursor_at"] = after.last_at
        params["cursor_id"] = after.row_id
    c_activity, n_activity = _ACTIVITY.format(t="c"), _ACTIVITY.format(t="n")
    text = _PROCESS_PAGE.format(
        filters=filters.format(c_activity=c_activity), c_activity=c_activity,
        n_activity=n_activity,
        camunda_columns=_CAMUNDA_COLUMNS if with_camunda else _NO_CAMUNDA_COLUMNS,
        camunda_join=_CAMUNDA_JOIN if with_camunda else "")
    return sql.SQL(text), params  # built from the fixed fragments above only


PROVIDERS_AND_MODELS = """
SELECT DISTINCT ai_provider, model_used
FROM procos_ai_context
WHERE ai_provider IS NOT NULL OR model_used IS NOT NULL
ORDER BY 1, 2
"""

# --- one process instance -----------------------------------------------------------------------

# Sizes come from octet_length (the TOAST header, no detoasting) and the preview from a slice:
# listing an instance never reads a 20 MB body.
INTERACTIONS_OF_PROCESS = """
SELECT id::text, process_instance_id, task_id, activity_id, context_type,
       ai_provider, model_used, token_usage::text, procos_ai_token_total(token_usage),
       CASE WHEN isfinite(created_at) THEN created_at END,
       octet_length(content_text) AS text_bytes,
       pg_column_size(content_data) AS data_bytes,
       left(content_text, %(preview_chars)s) AS preview
FROM procos_ai_context
WHERE process_instance_id = %(process_instance_id)s
ORDER BY coalesce(created_at, '-infinity'::timestamptz),
         CASE context_type WHEN 'system' THEN 0 WHEN 'input' THEN 1 ELSE 2 END,
         id
"""

INTERACTION_CONTENT = """
SELECT id::text, process_instance_id, task_id, activity_id, context_type,
       ai_provider, model_used, content_text, content_data::text, token_usage::text,
       CASE WHEN isfinite(created_at) THEN created_at END,
       CASE WHEN isfinite(updated_at) THEN updated_at END
FROM procos_ai_context
WHERE id = %(id)s
"""

PROCESS_EXISTS = """
SELECT EXISTS (SELECT 1 FROM procos_ai_context WHERE process_instance_id = %(process_instance_id)s)
"""

# --- Camunda ------------------------------------------------------------------------------------

CAMUNDA_INSTANCE_FROM_HISTORY = """
SELECT business_key_, proc_def_key_, proc_def_id_, state_,
       CASE WHEN isfinite(start_time_) THEN start_time_ END,
       CASE WHEN isfinite(end_time_) THEN end_time_ END
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
