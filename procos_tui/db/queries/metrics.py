"""SQL of `check --format openmetrics`: per-table and per-index statistics, suspects counted,
the word list's lag. Column aliases are the names db/metrics.py reads."""

from __future__ import annotations

# The AI tables, found through search_path as every other statement finds them.
AI_TABLES = ("procos_ai_context", "procos_ai_models", "procos_ai_search_words",
             "procos_ai_search_words_state")

# Ages in seconds, NULL when never (the collector shows +Inf: "never" must alert).
# pg_table_size counts the heap and its TOAST, where the large bodies are.
TABLE_METRICS = """
SELECT t.name AS table_name,
       pg_table_size(c.oid) AS table_bytes, pg_indexes_size(c.oid) AS index_bytes,
       coalesce(s.n_live_tup, 0) AS live_tuples, coalesce(s.n_dead_tup, 0) AS dead_tuples,
       extract(epoch FROM clock_timestamp() - greatest(s.last_analyze, s.last_autoanalyze)
              )::float8 AS analyze_age,
       extract(epoch FROM clock_timestamp() - greatest(s.last_vacuum, s.last_autovacuum)
              )::float8 AS vacuum_age
FROM unnest(%(tables)s::text[]) AS t(name)
JOIN pg_class AS c ON c.oid = to_regclass(t.name)
LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid
ORDER BY 1
"""

# Every index on the tables named (ours, and any a DBA added), and init-db.sql's Camunda ones;
# an invalid one (a failed CREATE INDEX CONCURRENTLY) is kept up on every write, never read.
INDEX_METRICS = """
SELECT s.relname AS table_name, s.indexrelname AS index_name, s.idx_scan AS scans,
       pg_relation_size(s.indexrelid) AS bytes, i.indisvalid AS valid
FROM pg_stat_user_indexes AS s JOIN pg_index AS i ON i.indexrelid = s.indexrelid
WHERE s.relid = ANY (SELECT to_regclass(n) FROM unnest(%(tables)s::text[]) AS n)
   OR s.indexrelname IN ('idx_act_ru_variable_name_text', 'idx_act_hi_varinst_proc_inst_ai')
ORDER BY 1, 2
"""

# Every suspect counted (check lists the first instances only); the predicate is check's.
SUSPECT_COUNTS = """
SELECT count(*) AS outputs, count(DISTINCT process_instance_id) AS instances
FROM procos_ai_context
WHERE context_type = 'output' AND octet_length(content_text) < 200
  AND length(content_text) < 50
"""

# Rows the word list has not read yet, and how old the oldest of them is.
WORDS_LAG = """
SELECT count(*) AS rows_behind,
       greatest(0, coalesce(extract(epoch FROM clock_timestamp() - min(c.created_at)), 0)
               )::float8 AS seconds_behind
FROM procos_ai_context AS c
WHERE coalesce(c.created_at, '-infinity'::timestamptz)
      >= %(covered)s::timestamptz + interval '1 microsecond'
"""

WORDS_REFRESH_AGE = """
SELECT extract(epoch FROM clock_timestamp() - refreshed_at)::float8 AS refresh_age
FROM procos_ai_search_words_state
"""
