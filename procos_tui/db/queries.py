"""Every SQL statement procos-tui sends, named after the question it answers.

All values travel as parameters; the only composed SQL is the choice of which filter clauses
apply, built from fixed fragments with psycopg.sql (never from user text).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from procos_tui.db.types import ProcessCursor, ProcessFilter

# --- session ------------------------------------------------------------------------------------

SERVER_FACTS = """
SELECT current_setting('server_version') AS server_version,
       current_setting('default_transaction_read_only') = 'on' AS read_only,
       current_database() AS database,
       to_regclass('procos_ai_context') IS NOT NULL AS has_procos,
       to_regclass('procos_ai_process_summary') IS NOT NULL AS has_summary,
       to_regclass('act_hi_procinst') IS NOT NULL AS has_camunda_history,
       to_regclass('act_ru_variable') IS NOT NULL AS has_camunda_runtime
"""

# --- process list -------------------------------------------------------------------------------

# Served by idx_procos_ai_process_summary_last: a backward range scan that stops after the page,
# whatever the table size. Filters are checked on the summary rows as the scan meets them.
_PROCESS_PAGE_HEAD = """
SELECT s.process_instance_id,
       s.first_at,
       CASE WHEN isfinite(s.last_at) THEN s.last_at END AS last_at,
       s.last_at::text AS last_at_key,
       s.entry_count, s.output_count, s.providers, s.models,
       s.total_tokens, s.suspect_outputs,
       {camunda_columns}
FROM procos_ai_process_summary AS s
{camunda_join}
WHERE true
"""

_CAMUNDA_COLUMNS = "h.business_key_ AS business_key, h.proc_def_key_ AS process_definition_key"
_NO_CAMUNDA_COLUMNS = "NULL::text AS business_key, NULL::text AS process_definition_key"
_CAMUNDA_JOIN = "LEFT JOIN act_hi_procinst AS h ON h.proc_inst_id_ = s.process_instance_id"

_FILTERS: dict[str, str] = {
    "provider": " AND %(provider)s = ANY (s.providers)",
    "model": " AND %(model)s = ANY (s.models)",
    "since": " AND s.last_at >= %(since)s",
    "until": " AND s.last_at < %(until)s",
    "id_prefix": " AND starts_with(s.process_instance_id, %(id_prefix)s)",
}

_AFTER_CURSOR = (" AND (s.last_at, s.process_instance_id)"
                 " < (%(cursor_at)s::timestamptz, %(cursor_id)s)")

_PROCESS_PAGE_TAIL = " ORDER BY s.last_at DESC, s.process_instance_id DESC LIMIT %(limit)s"


def process_page(flt: ProcessFilter, after: ProcessCursor | None, limit: int,
                 with_camunda: bool) -> tuple[sql.Composed, dict[str, Any]]:
    """The newest process instances matching the filter, after the cursor, one page long."""
    head = _PROCESS_PAGE_HEAD.format(
        camunda_columns=_CAMUNDA_COLUMNS if with_camunda else _NO_CAMUNDA_COLUMNS,
        camunda_join=_CAMUNDA_JOIN if with_camunda else "",
    )
    parts = [head]
    params: dict[str, Any] = {"limit": limit}
    for name, clause in _FILTERS.items():
        value = getattr(flt, name)
        if value is not None and value != "":
            parts.append(clause)
            params[name] = value
    if after is not None:
        parts.append(_AFTER_CURSOR)
        params["cursor_at"] = after.last_at
        params["cursor_id"] = after.process_instance_id
    parts.append(_PROCESS_PAGE_TAIL)
    return sql.SQL("".join(parts)).format(), params


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
       ai_provider, model_used, token_usage, created_at,
       octet_length(content_text) AS text_bytes,
       pg_column_size(content_data) AS data_bytes,
       left(content_text, %(preview_chars)s) AS preview
FROM procos_ai_context
WHERE process_instance_id = %(process_instance_id)s
ORDER BY created_at ASC NULLS FIRST,
         CASE context_type WHEN 'system' THEN 0 WHEN 'input' THEN 1 ELSE 2 END,
         id
"""

INTERACTION_CONTENT = """
SELECT id::text, process_instance_id, task_id, activity_id, context_type,
       ai_provider, model_used, content_text, content_data::text, token_usage::text,
       created_at, updated_at
FROM procos_ai_context
WHERE id = %(id)s
"""

PROCESS_EXISTS = """
SELECT EXISTS (SELECT 1 FROM procos_ai_context WHERE process_instance_id = %(process_instance_id)s)
"""

# --- Camunda ------------------------------------------------------------------------------------

CAMUNDA_INSTANCE_FROM_HISTORY = """
SELECT business_key_, proc_def_key_, proc_def_id_, state_, start_time_, end_time_
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
