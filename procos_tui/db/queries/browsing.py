"""Browsing: the server's facts, the process list, one instance's rows, Camunda's view of it.

Column aliases are the field names of the core.types dataclasses the rows become (the session
binds rows by name with psycopg's row factories). All values travel as parameters; the only
composed SQL is the choice of which filter clauses apply, built from fixed fragments with
psycopg.sql (never from user text).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from procos_tui.core.types import (
    DEFAULT_SORT,
    ProcessCursor,
    ProcessFilter,
    ProcessPage,
    SortKey,
)
from procos_tui.db.queries import triage
from procos_tui.db.queries.fragments import shown_time

# --- session ------------------------------------------------------------------------------------

# A standby's replay lag: nothing received and not replayed is no lag at all (an idle primary
# sends nothing, and the last replayed commit only grows old); else the age of the last
# transaction replayed. NULL on a primary.
REPLAY_LAG = """
SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN pg_last_wal_receive_lsn() IS NOT NULL
                 AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END
"""
REPLAY_LAG_NOW = f"SELECT ({REPLAY_LAG}) AS replay_lag_s"

# Whether our startup options reached the server (a pooler told to ignore them drops them):
# settings only a client's options set, so a role or database default cannot pass for them.
# A boolean, so that SQL_ASCII's bytes do not matter.
OPTIONS_ARRIVED = """
SELECT count(*) = 2 FROM pg_settings
WHERE source = 'client' AND name IN ('statement_timeout', 'jit')
"""

# Its columns are the fields of core.types.ServerFacts (but `pooled`, which is ours); it runs
# in a READ ONLY transaction, whose own setting `read_only` reports.
SERVER_FACTS = f"""
SELECT current_setting('server_version') AS server_version,
       current_setting('transaction_read_only') = 'on' AS read_only,
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
           AND to_regclass('procos_ai_usage_rollup') IS NOT NULL AS has_rollups,
       pg_is_in_recovery() AS standby,
       ({REPLAY_LAG}) AS replay_lag_s
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

# The start of a big body, so that the pane's first screen need not wait for the rest:
# substr() from the first character reads (and decompresses) only the first TOAST chunks of
# the value, so this costs the same at 20 MB as at 20 KB. Nothing else that would read the
# whole value (content_data, content_is_text); INTERACTION_CONTENT follows with every byte.
INTERACTION_HEAD = ("""
SELECT id::text AS id, process_instance_id, task_id, activity_id, context_type,
       ai_provider, model_used, substr(content_text, 1, %(head_chars)s) AS content_text,
       NULL::text AS content_data_json,
       token_usage::text AS token_usage_json, {created_at} AS created_at,
       {updated_at} AS updated_at, false AS content_is_text
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


# --- moving between instances -------------------------------------------------------------------

# One instance's place in the list's order, as the page queries compare it (a ProcessCursor's
# two values): for the activity orders its latest (or earliest) row, for the others its number
# summed from its own rows, the same arithmetic as the rollups the page walks. The neighbour
# is then the first row of a page after that cursor: found by key, never by offset.
_KEY = triage.KEY.format(t="c")
PROCESS_LAST_ROW = f"""
SELECT {_KEY}::text AS at, c.id::text AS row_id
FROM procos_ai_context AS c
WHERE c.process_instance_id = %(process_instance_id)s
ORDER BY {_KEY} DESC, c.id DESC
LIMIT 1
"""

PROCESS_FIRST_ROW = f"""
SELECT {_KEY}::text AS at, c.id::text AS row_id
FROM procos_ai_context AS c
WHERE c.process_instance_id = %(process_instance_id)s
ORDER BY {_KEY}, c.id
LIMIT 1
"""

# The rollup column of each number order, from process_numbers()'s columns.
_SORT_VALUES = {
    SortKey.CALLS: "a.output_count", SortKey.TOTAL_TOKENS: "a.total_tokens",
    SortKey.INPUT_TOKENS: "a.input_tokens", SortKey.OUTPUT_TOKENS: "a.output_tokens",
    SortKey.BYTES: "a.bytes", SortKey.CUT_OUTPUTS: "a.suspect_outputs",
    SortKey.MAX_LATENCY: "coalesce(a.max_latency_s, -1)", SortKey.COST: "coalesce(a.cost, -1)",
    SortKey.DURATION: "coalesce(extract(epoch FROM a.last_key - a.first_at)::float8, -1)",
}


def process_position(key: SortKey) -> str:
    """The statement giving (at, row_id) of %(process_instance_id)s in the order `key`; no
    row when the instance has no AI context."""
    if key is SortKey.LAST_ACTIVITY:
        return PROCESS_LAST_ROW
    if key is SortKey.FIRST_ACTIVITY:
        return PROCESS_FIRST_ROW
    return (f"SELECT ({_SORT_VALUES[key]})::text AS at, "
            "%(process_instance_id)s::text AS row_id FROM (SELECT 1) AS one "
            f"{triage.process_numbers('%(process_instance_id)s')} WHERE a.entry_count > 0")


# --- go to: an id, an id prefix in any case, a Camunda business key -----------------------------

# Distinct instances whose id starts with one of the spellings (as typed, lower, upper case):
# each a range of the process_instance_id index, stopping at %(limit)s.
PROCESSES_BY_ID_PREFIX = """
SELECT pid AS process_instance_id FROM (
    (SELECT DISTINCT c.process_instance_id AS pid FROM procos_ai_context AS c
     WHERE c.process_instance_id COLLATE "C" LIKE %(as_typed)s
     ORDER BY 1 LIMIT %(limit)s)
    UNION
    (SELECT DISTINCT c.process_instance_id FROM procos_ai_context AS c
     WHERE c.process_instance_id COLLATE "C" LIKE %(lower)s
     ORDER BY 1 LIMIT %(limit)s)
    UNION
    (SELECT DISTINCT c.process_instance_id FROM procos_ai_context AS c
     WHERE c.process_instance_id COLLATE "C" LIKE %(upper)s
     ORDER BY 1 LIMIT %(limit)s)
) AS found
ORDER BY 1
LIMIT %(limit)s
"""

# Camunda's instances named by what was typed: the id in any case, or the business key
# exactly; whether ProcOS stored AI context for each.
CAMUNDA_PROCESSES_BY_NAME = """
SELECT h.proc_inst_id_ AS process_instance_id, h.business_key_ AS business_key,
       CASE WHEN h.business_key_ = %(typed)s THEN 'business key' ELSE 'id' END AS matched_by,
       EXISTS (SELECT 1 FROM procos_ai_context AS c
               WHERE c.process_instance_id = h.proc_inst_id_) AS has_ai_context
FROM act_hi_procinst AS h
WHERE h.business_key_ = %(typed)s
   OR h.proc_inst_id_ IN (%(typed)s, %(lower_id)s, %(upper_id)s)
ORDER BY h.start_time_ DESC NULLS LAST, h.proc_inst_id_
LIMIT %(limit)s
"""

# The business keys of instances found by id (for the pick list).
CAMUNDA_BUSINESS_KEYS = """
SELECT proc_inst_id_ AS process_instance_id, business_key_ AS business_key
FROM act_hi_procinst
WHERE proc_inst_id_ = ANY(%(ids)s)
"""
