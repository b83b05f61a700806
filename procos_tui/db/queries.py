"""Every SQL statement procos-tui sends, named after the question it answers.

All values travel as parameters; the only composed SQL is the choice of which filter clauses
apply, built from fixed fragments with psycopg.sql (never from user text).
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from procos_tui.db.types import ProcessCursor, ProcessFilter, ProcessPage, ProcessSummary

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


# --- the model registry (procos_ai_models) ------------------------------------------------------

# The edit token: updated_at to the microsecond in UTC, as text, so that it means the same to
# every session whatever its TimeZone. A save succeeds only while the row still has it.
_MODEL_TOKEN = ("coalesce(to_char(m.updated_at AT TIME ZONE 'UTC',"
                " 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '')")
_MODEL_COLUMNS = """m.id::text, m.model_name, m.provider, m.version, m.config_data::text,
       m.performance_stats::text, m.is_active, {created_at}, {updated_at}, {token}
""".format(created_at=shown_time("m.created_at"), updated_at=shown_time("m.updated_at"),
           token=_MODEL_TOKEN)

MODELS = f"""
SELECT {_MODEL_COLUMNS}
FROM procos_ai_models AS m
ORDER BY m.provider, m.model_name, m.version NULLS FIRST, m.id
"""

# Usage by one grouped pass over procos_ai_context (not a query per model): calls are outputs.
# Seconds on a large table (no index serves it), so the screen shows the models first.
MODEL_USAGE = f"""
SELECT ai_provider, model_used,
       count(*) FILTER (WHERE context_type = 'output'),
       coalesce(sum(procos_ai_token_total(token_usage)), 0),
       max({shown_time("created_at")})
FROM procos_ai_context
WHERE (ai_provider, model_used) IN (SELECT provider, model_name FROM procos_ai_models)
GROUP BY ai_provider, model_used
"""

MODEL_BY_ID = f"SELECT {_MODEL_COLUMNS} FROM procos_ai_models AS m WHERE m.id = %(id)s"

# The UNIQUE constraint lets rows differ by a NULL version only; the editor does not.
MODEL_SAME_KEY = f"""
SELECT {_MODEL_COLUMNS} FROM procos_ai_models AS m
WHERE m.model_name = %(model_name)s AND m.provider = %(provider)s
  AND m.version IS NOT DISTINCT FROM %(version)s
  AND m.id IS DISTINCT FROM %(id)s
LIMIT 1
"""

MODEL_INSERT = f"""
INSERT INTO procos_ai_models AS m (model_name, provider, version, config_data,
                                    performance_stats, is_active)
VALUES (%(model_name)s, %(provider)s, %(version)s, %(config_data)s::jsonb,
        %(performance_stats)s::jsonb, %(is_active)s)
RETURNING {_MODEL_COLUMNS}
"""

MODEL_UPDATE = f"""
UPDATE procos_ai_models AS m
SET model_name = %(model_name)s, provider = %(provider)s, version = %(version)s,
    config_data = %(config_data)s::jsonb, performance_stats = %(performance_stats)s::jsonb,
    is_active = %(is_active)s
WHERE m.id = %(id)s AND ({_MODEL_TOKEN} = %(token)s OR %(force)s)
RETURNING {_MODEL_COLUMNS}
"""

MODEL_DELETE = f"""
DELETE FROM procos_ai_models AS m
WHERE m.id = %(id)s AND {_MODEL_TOKEN} = %(token)s
RETURNING m.id::text
"""

SERVER_IN_RECOVERY = "SELECT pg_is_in_recovery()"

# Asked on a connection without our read-only option: the server's and role's own defaults.
SERVER_WRITABLE = """
SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only') = 'on'
"""


# --- truncation detective: Camunda copies of AI values ------------------------------------------

CAMUNDA_HAS_HISTORY = "SELECT to_regclass('act_hi_varinst') IS NOT NULL"

# The AI variables Camunda keeps for one instance (history, and runtime for running ones):
# strings in text_, JSON and object values in act_ge_bytearray. By the index
# (proc_inst_id_, name_) that Camunda's schema and init-db.sql provide.
CAMUNDA_AI_VARIABLES = """
SELECT v.name_, coalesce(v.var_type_, ''), 'history', v.text_, b.bytes_
FROM act_hi_varinst AS v
LEFT JOIN act_ge_bytearray AS b ON b.id_ = v.bytearray_id_
WHERE v.proc_inst_id_ = %(pid)s AND v.name_ IN ('query', 'context', 'content')
{runtime}
ORDER BY 1, 3
"""

CAMUNDA_AI_RUNTIME_VARIABLES = """
UNION ALL
SELECT v.name_, coalesce(v.type_, ''), 'runtime', v.text_, b.bytes_
FROM act_ru_variable AS v
LEFT JOIN act_ge_bytearray AS b ON b.id_ = v.bytearray_id_
WHERE v.proc_inst_id_ = %(pid)s AND v.name_ IN ('query', 'context', 'content')
"""

# How one Camunda value stands against the instance's ProcOS values of the same name
# (content_data->>name, and content_text for 'content'), compared on the server: a 20 MB
# body is never sent for this.
PROCOS_AGAINST_COPY = """
WITH p AS (
    SELECT x.v
    FROM procos_ai_context AS c,
         LATERAL (VALUES (c.content_data ->> %(name)s),
                         (CASE WHEN %(name)s = 'content' THEN c.content_text END)) AS x(v)
    WHERE c.process_instance_id = %(pid)s AND x.v IS NOT NULL
)
SELECT count(*),
       coalesce(bool_or(v = %(value)s), false),
       max(length(v)) FILTER (WHERE length(v) > length(%(value)s)
                              AND left(v, length(%(value)s)) = %(value)s),
       max(length(v))
FROM p
"""

PROCOS_AI_NAMES = """
SELECT n.name, max(length(x.v))
FROM (VALUES ('query'), ('context'), ('content')) AS n(name)
JOIN procos_ai_context AS c ON c.process_instance_id = %(pid)s
CROSS JOIN LATERAL (VALUES (c.content_data ->> n.name),
                           (CASE WHEN n.name = 'content' THEN c.content_text END)) AS x(v)
WHERE x.v IS NOT NULL
GROUP BY n.name
"""


# --- health: schema drift, truncation suspects, growth -----------------------------------------

# What init-db.sql creates, as the catalog describes it (key -> definition). The expected set
# lives in db/expected_schema.py; a test applies init-db.sql and checks the two are equal.
SCHEMA_OBJECTS = """
SELECT 'index ' || indexname, indexdef FROM pg_indexes
WHERE schemaname = 'public' AND tablename IN ('procos_ai_context', 'procos_ai_models')
UNION ALL
SELECT 'trigger ' || t.tgname, pg_get_triggerdef(t.oid)
FROM pg_trigger AS t JOIN pg_class AS r ON r.oid = t.tgrelid
JOIN pg_namespace AS n ON n.oid = r.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = 'public'
  AND r.relname IN ('procos_ai_context', 'procos_ai_models')
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text, ''
FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
  AND p.proname IN ('update_updated_at_column', 'procos_ai_token_total', 'optimize_camunda_for_ai')
UNION ALL
SELECT 'column ' || c.table_name || '.' || c.column_name,
       c.data_type || coalesce('(' || c.character_maximum_length || ')', '')
FROM information_schema.columns AS c
WHERE c.table_schema = 'public' AND c.table_name IN ('procos_ai_context', 'procos_ai_models')
UNION ALL
SELECT 'view ' || viewname, '' FROM pg_views
WHERE schemaname = 'public' AND viewname = 'procos_ai_conversations'
UNION ALL
SELECT 'extension ' || extname, '' FROM pg_extension WHERE extname = 'pg_trgm'
"""

# The guide's check (outputs under 50 characters), without detoasting big bodies: the octet
# length comes from the TOAST header, so length() runs on short values only.
TRUNCATION_SUSPECTS = """
SELECT process_instance_id, id::text, length(content_text)
FROM procos_ai_context
WHERE context_type = 'output' AND octet_length(content_text) < 200
  AND length(content_text) < 50
ORDER BY created_at DESC NULLS LAST, id
"""

CAMUNDA_INSTANCES_WITH_AI_VARIABLES = """
SELECT DISTINCT proc_inst_id_ FROM act_hi_varinst
WHERE name_ IN ('query', 'context', 'content') AND proc_inst_id_ IS NOT NULL
ORDER BY 1
"""

TABLE_SIZES = """
SELECT c.relname, pg_total_relation_size(c.oid), c.reltuples::bigint,
       greatest(s.last_analyze, s.last_autoanalyze)
FROM pg_class AS c LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid
WHERE c.relname IN ('procos_ai_context', 'procos_ai_models') AND c.relkind = 'r'
ORDER BY 1
"""

INDEX_USAGE = """
SELECT indexrelname, idx_scan, pg_relation_size(indexrelid)
FROM pg_stat_user_indexes
WHERE relname IN ('procos_ai_context', 'procos_ai_models') OR indexrelname LIKE 'idx_act_%'
ORDER BY 1
"""

PROVIDER_STATS = """
SELECT ai_provider, count(*), count(DISTINCT process_instance_id)
FROM procos_ai_context GROUP BY ai_provider ORDER BY 2 DESC
"""

# What optimize_camunda_for_ai() would create: Camunda tables present, its index missing.
CAMUNDA_INDEXES_MISSING = """
SELECT name FROM (VALUES ('act_ru_variable', 'idx_act_ru_variable_name_text'),
                         ('act_hi_varinst', 'idx_act_hi_varinst_proc_inst_ai')) AS x(tab, name)
WHERE to_regclass(tab) IS NOT NULL AND to_regclass(name) IS NULL
"""

OPTIMIZE_CAMUNDA = "SELECT optimize_camunda_for_ai()"

# Around the cut: the ProcOS value that the Camunda copy is a prefix of, from shortly before
# the copy's end to shortly after (substr counts from 1).
PROCOS_AROUND_CUT = """
WITH p AS (
    SELECT x.v
    FROM procos_ai_context AS c,
         LATERAL (VALUES (c.content_data ->> %(name)s),
                         (CASE WHEN %(name)s = 'content' THEN c.content_text END)) AS x(v)
    WHERE c.process_instance_id = %(pid)s AND x.v IS NOT NULL
)
SELECT substr(v, greatest(1, length(%(value)s) - %(before)s + 1),
              %(before)s + %(after)s), length(v)
FROM p
WHERE length(v) > length(%(value)s) AND left(v, length(%(value)s)) = %(value)s
ORDER BY length(v) DESC
LIMIT 1
"""

# Camunda cuts job and external-task error messages at 666 characters: a message of exactly
# that length was cut. Asked only of the tables and columns that exist (not every install, nor
# the schema subset the tests use, has them).
CAMUNDA_ERROR_SOURCES = (
    ("act_ru_ext_task", "proc_inst_id_", "error_msg_", "external task error"),
    ("act_ru_job", "process_instance_id_", "exception_msg_", "job exception"),
)
COLUMNS_PRESENT = """
SELECT count(*) = 2 FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = %(table)s
  AND column_name IN (%(pid_column)s, %(message_column)s)
"""
CUT_ERROR_MESSAGES = """
SELECT {pid_column}, count(*) FROM {table}
WHERE length({message_column}) = 666 GROUP BY 1 ORDER BY 1
"""
