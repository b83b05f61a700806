"""SQL of the health check: schema catalog, truncation suspects, Camunda copies, growth.

Column aliases are the names db/health.py and db/truncation.py read the rows by.
"""

from __future__ import annotations

from procos_tui.db.queries import metrics as metrics_sql

# --- truncation detective: Camunda copies of AI values ------------------------------------------

CAMUNDA_HAS_HISTORY = "SELECT to_regclass('act_hi_varinst') IS NOT NULL AS has_history"
CAMUNDA_HAS_RUNTIME = "SELECT to_regclass('act_ru_variable') IS NOT NULL AS has_runtime"

# The AI variables Camunda keeps for one instance (history, and runtime for running ones):
# strings in text_, JSON and object values in act_ge_bytearray. By the index
# (proc_inst_id_, name_) that Camunda's schema and init-db.sql provide.
CAMUNDA_AI_VARIABLES = """
SELECT v.name_ AS name, coalesce(v.var_type_, '') AS var_type, 'history' AS source,
       v.text_ AS text, b.bytes_ AS data
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
# The instance's ProcOS values of one name: content_data->>name, and content_text for content.
_PROCOS_VALUES = """
WITH p AS (
    SELECT x.v
    FROM procos_ai_context AS c,
         LATERAL (VALUES (c.content_data ->> %(name)s),
                         (CASE WHEN %(name)s = 'content' THEN c.content_text END)) AS x(v)
    WHERE c.process_instance_id = %(pid)s AND x.v IS NOT NULL
)
"""

PROCOS_AGAINST_COPY = _PROCOS_VALUES + """
SELECT count(*) AS procos_values,
       coalesce(bool_or(v = %(value)s), false) AS same,
       max(length(v)) FILTER (WHERE length(v) > length(%(value)s)
                              AND left(v, length(%(value)s)) = %(value)s) AS prefix_of,
       max(length(v)) AS longest
FROM p
"""

# ProcOS's value of that name to set beside a Camunda copy that differs: the longest.
PROCOS_LONGEST_VALUE = _PROCOS_VALUES.replace("SELECT x.v", "SELECT x.v, c.id") + """
SELECT v, id::text AS id FROM p ORDER BY length(v) DESC, id LIMIT 1
"""

PROCOS_AI_NAMES = """
SELECT n.name, max(length(x.v)) AS longest
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
# The tables and functions init-db.sql makes (names are fixed here, never from input).
_OUR_TABLES = ("procos_ai_context", "procos_ai_models", "procos_ai_search_words",
               "procos_ai_search_words_state", "procos_ai_rollup_state",
               "procos_ai_process_rollup", "procos_ai_process_model_rollup",
               "procos_ai_usage_rollup")
_OUR_FUNCTIONS = ("update_updated_at_column", "procos_ai_token_total", "optimize_camunda_for_ai",
                  "procos_ai_words", "procos_ai_word_pieces", "procos_ai_search_word",
                  "procos_ai_search_words_edge",
                  "procos_ai_refresh_search_words", "procos_ai_token_count",
                  "procos_ai_token_split", "procos_ai_token_input", "procos_ai_token_output",
                  "procos_ai_price_value", "procos_ai_model_prices",
                  "procos_ai_prices_digest", "procos_ai_latency_bucket",
                  "procos_ai_hist_step", "procos_ai_hist_add", "procos_ai_hist_pack",
                  "procos_ai_hist_merge", "procos_ai_latency_hist",
                  "procos_ai_hist_sum", "procos_ai_reprice_rollups", "procos_ai_refresh_rollups",
                  "procos_ai_rebuild_rollups", "procos_ai_refresh")


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"'{n}'" for n in names)


SCHEMA_OBJECTS = """
SELECT 'index ' || indexname AS key, indexdef AS definition FROM pg_indexes
WHERE schemaname = 'public'
  AND tablename IN ({tables})
UNION ALL
SELECT 'trigger ' || t.tgname, pg_get_triggerdef(t.oid)
FROM pg_trigger AS t JOIN pg_class AS r ON r.oid = t.tgrelid
JOIN pg_namespace AS n ON n.oid = r.relnamespace
WHERE NOT t.tgisinternal AND n.nspname = 'public'
  AND r.relname IN ({tables})
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text, ''
FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
  AND p.proname IN ({functions})
UNION ALL
SELECT 'column ' || c.table_name || '.' || c.column_name,
       c.data_type || coalesce('(' || c.character_maximum_length || ')', '')
FROM information_schema.columns AS c
WHERE c.table_schema = 'public'
  AND c.table_name IN ({tables})
UNION ALL
SELECT 'view ' || viewname, '' FROM pg_views
WHERE schemaname = 'public' AND viewname = 'procos_ai_conversations'
UNION ALL
SELECT 'extension ' || extname, '' FROM pg_extension WHERE extname = 'pg_trgm'
""".format(tables=_names(_OUR_TABLES), functions=_names(_OUR_FUNCTIONS))

# The guide's check (outputs under 50 characters), without detoasting big bodies: the octet
# length comes from the TOAST header, so length() runs on short values only.
TRUNCATION_SUSPECTS = """
SELECT process_instance_id, id::text AS id, length(content_text) AS chars
FROM procos_ai_context
WHERE context_type = 'output' AND octet_length(content_text) < 200
  AND length(content_text) < 50
ORDER BY created_at DESC NULLS LAST, id
"""

CAMUNDA_INSTANCES_WITH_AI_VARIABLES = """
SELECT DISTINCT proc_inst_id_ AS process_instance_id FROM act_hi_varinst
WHERE name_ IN ('query', 'context', 'content') AND proc_inst_id_ IS NOT NULL
ORDER BY 1
"""

# The tables that take ProcOS's writes or procos-tui's refreshes, so VACUUM and ANALYZE
# matter for them; found through search_path, as every other statement finds them.
MAINTAINED_TABLES = ("procos_ai_context", "procos_ai_models", "procos_ai_search_words",
                     "procos_ai_process_rollup", "procos_ai_process_model_rollup",
                     "procos_ai_usage_rollup")

TABLE_SIZES = """
SELECT t.name AS table_name, l.bytes, l.rows_estimate,
       greatest(s.last_analyze, s.last_autoanalyze) AS last_analyzed,
       l.last_vacuumed, l.live_tuples, l.dead_tuples,
       coalesce(s.n_mod_since_analyze, l.changed_since_analyze) AS changed_since_analyze,
       CASE WHEN c.relkind = 'p' THEN l.leaves ELSE 0 END AS partitions
FROM unnest(%(tables)s::text[]) WITH ORDINALITY AS t(name, n)
JOIN pg_class AS c ON c.oid = to_regclass(t.name) AND c.relkind IN ('r', 'p')
LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid
-- A partitioned table holds nothing itself: its partitions' sizes and counts add up (its
-- own ANALYZE, which autovacuum never runs on a partitioned table, stays its own).
CROSS JOIN LATERAL (
    SELECT sum(pg_total_relation_size(p.relid))::bigint AS bytes,
           CASE WHEN bool_and(pc.reltuples < 0) THEN -1
                ELSE sum(greatest(pc.reltuples, 0)) END::bigint AS rows_estimate,
           min(greatest(ps.last_vacuum, ps.last_autovacuum)) AS last_vacuumed,
           coalesce(sum(ps.n_live_tup), 0)::bigint AS live_tuples,
           coalesce(sum(ps.n_dead_tup), 0)::bigint AS dead_tuples,
           coalesce(sum(ps.n_mod_since_analyze), 0)::bigint AS changed_since_analyze,
           count(*) AS leaves
    FROM (SELECT c.oid AS relid WHERE c.relkind = 'r'
          UNION ALL
          SELECT tree.relid FROM pg_partition_tree(c.oid) AS tree
          WHERE c.relkind = 'p' AND tree.isleaf) AS p
    JOIN pg_class AS pc ON pc.oid = p.relid
    LEFT JOIN pg_stat_user_tables AS ps ON ps.relid = p.relid
) AS l
ORDER BY t.n
"""

# Every index on those tables (ours and any a DBA added), and init-db.sql's Camunda ones:
# the statement `check --format openmetrics` reads too.
INDEX_USAGE = metrics_sql.INDEX_METRICS

# ANALYZE of the maintained tables that exist (names from MAINTAINED_TABLES, never input).
ANALYZE_TABLE = "ANALYZE {table}"

# The same from the triage rollups and the rows after them (and the undated ones, never
# rolled up): what every reader of the rollups does, instead of a pass over every row.
PROVIDER_STATS_ROLLUP = """
WITH live AS (
    SELECT c.ai_provider, c.process_instance_id FROM procos_ai_context AS c
    WHERE coalesce(c.created_at, '-infinity'::timestamptz) > '-infinity'::timestamptz
      AND (coalesce(c.created_at, '-infinity'::timestamptz), c.id)
          > (%(pos_at)s::timestamptz, %(pos_id)s::uuid)
    UNION ALL
    SELECT c.ai_provider, c.process_instance_id FROM procos_ai_context AS c
    WHERE coalesce(c.created_at, '-infinity'::timestamptz) = '-infinity'::timestamptz
),
counted AS (
    SELECT u.ai_provider, sum(u.row_count)::bigint AS n
    FROM procos_ai_usage_rollup AS u GROUP BY 1
    UNION ALL
    SELECT l.ai_provider, count(*) FROM live AS l GROUP BY 1
),
instances AS (
    SELECT m.ai_provider, m.process_instance_id FROM procos_ai_process_model_rollup AS m
    UNION
    SELECT l.ai_provider, l.process_instance_id FROM live AS l
)
SELECT r.provider, r.rows, i.instances
FROM (SELECT ai_provider AS provider, sum(n)::bigint AS rows FROM counted GROUP BY 1) AS r
JOIN (SELECT ai_provider AS provider, count(DISTINCT process_instance_id) AS instances
      FROM instances GROUP BY 1) AS i ON i.provider IS NOT DISTINCT FROM r.provider
ORDER BY 2 DESC, 1
"""

PROVIDER_STATS = """
SELECT ai_provider AS provider, count(*) AS rows,
       count(DISTINCT process_instance_id) AS instances
FROM procos_ai_context GROUP BY ai_provider ORDER BY 2 DESC
"""

# What optimize_camunda_for_ai() would create: Camunda tables present, its index missing.
CAMUNDA_INDEXES_MISSING = """
SELECT name AS index_name FROM (VALUES ('act_ru_variable', 'idx_act_ru_variable_name_text'),
                         ('act_hi_varinst', 'idx_act_hi_varinst_proc_inst_ai')) AS x(tab, name)
WHERE to_regclass(tab) IS NOT NULL AND to_regclass(name) IS NULL
"""

OPTIMIZE_CAMUNDA = "SELECT optimize_camunda_for_ai() AS outcome"

# Around the cut: the ProcOS value that the Camunda copy is a prefix of, from shortly before
# the copy's end to shortly after (substr counts from 1).
PROCOS_AROUND_CUT = _PROCOS_VALUES + """
SELECT substr(v, greatest(1, length(%(value)s) - %(before)s + 1),
              %(before)s + %(after)s) AS procos_around,
       length(v) AS procos_length
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
SELECT count(*) = 2 AS present FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = %(table)s
  AND column_name IN (%(pid_column)s, %(message_column)s)
"""
CUT_ERROR_MESSAGES = """
SELECT {pid_column} AS process_instance_id, count(*) AS messages FROM {table}
WHERE length({message_column}) = 666 GROUP BY 1 ORDER BY 1
"""


# How far behind the fuzzy search's word list is (rows its refresh has not read yet); the
# bound travels as a parameter so that the planner sees it and uses the activity index.
SEARCH_WORDS_STATE = """
SELECT coalesce(covered_until, '-infinity'::timestamptz)::text AS covered_bound,
       covered_until::text AS covered_until, refreshed_at
FROM procos_ai_search_words_state
"""

SEARCH_WORDS_PRESENT = """
SELECT to_regclass('procos_ai_search_words_state') IS NOT NULL
       AND to_regprocedure('procos_ai_search_words_edge()') IS NOT NULL AS present
"""

# A standby (hot standby, in recovery): what check leaves to the primary.
IN_RECOVERY = "SELECT pg_is_in_recovery() AS standby"
