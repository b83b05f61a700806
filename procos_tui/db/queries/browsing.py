"""Browsing: the server's facts, the process list, one instance's rows, Camunda's view of it.

Column aliases are the field names of the core.types dataclasses the rows become (the session
binds rows by name with psycopg's row factories). All values travel as parameters; the only
composed SQL is the choice of which filter clauses apply, built from fixed fragments with
psycopg.sql (never from user text).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from procos_tui.core.types import DEFAULT_SORT, ProcessCursor, ProcessFilter, ProcessPage
from procos_tui.db.queries import triage
from procos_tui.db.queries.fragments import shown_time

# --- session ------------------------------------------------------------------------------------

# Its columns are the fields of core.types.ServerFacts.
SERVER_FACTS = """
SELECT current_setting('server_version') AS server_version,
       current_setting('default_transaction_read_only') = 'on' AS read_only,
       current_database() AS database,
       to_regclass('procos_ai_context') IS NOT NULL AS has_procos,
       to_regprocedure('procos_ai_token_total(jsonb)') IS NOT NULL
           AND to_regprocedure('procos_ai_token_split(jsonb)') IS NOT NULL
           AND to_regprocedure('procos_ai_model_prices()') IS NOT NULL
           AND to_regclass('idx_procos_ai_context_activity') IS NOT NULL
           AND to_regclass('idx_procos_ai_context_proc_inst_activity') IS NOT NULL
           AS has_list_support,
       to_regclass('act_hi_procinst') IS NOT NULL AS has_camunda_history,
       to_regclass('act_ru_variable') IS NOT NULL AS has_camunda_runtime,
       to_regclass('procos_ai_rollup_state') IS NOT NULL
           AND to_regclass('procos_ai_process_rollup') IS NOT NULL
           AND to_regclass('procos_ai_usage_rollup') IS NOT NULL AS has_rollups
"""


# --- process list -------------------------------------------------------------------------------

# Newest activity first, one page, at any table size: walk idx_procos_ai_context_activity
# backwards and keep a row only when it is the latest of its instance (one probe of
# idx_procos_ai_context_proc_inst_activity); then sum just the page's instances. The walk (and
# the other orders) live in queries.triage; this is the list's first screen and the prefetch's.

# How many instances one filtered request looks at.
FILTER_WINDOW = triage.FILTER_WINDOW


def process_page(flt: ProcessFilter, after: ProcessCursor | None, limit: int,
                 with_camunda: bool, filter_window: int = FILTER_WINDOW
                 ) -> tuple[sql.SQL, dict[str, Any]]:
    """The newest process instances matching the filter, after the cursor, at most `limit`,
    and how far the walk went."""
    return triage.activity_page(flt, after, limit, DEFAULT_SORT, with_camunda, filter_window)


def page_from_rows(rows: list[dict[str, Any]], limit: int, window: int) -> ProcessPage:
    """The typed page from what process_page() (asked for limit + 1) returned."""
    return triage.page_from_rows(rows, limit, window, DEFAULT_SORT)


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
