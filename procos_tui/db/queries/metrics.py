"""SQL of `check --format openmetrics`: per-table and per-index statistics, suspects counted,
the word list's lag. Column aliases are the names db/metrics.py reads."""

from __future__ import annotations

# The AI tables, found through search_path as every other statement finds them.
AI_TABLES = ("procos_ai_context", "procos_ai_models", "procos_ai_search_words",
             "procos_ai_search_words_state")

# Ages in seconds, NULL when never (the collector shows +Inf: "never" must alert).
# pg_table_size counts the heap and its TOAST, where the large bodies are.
TABLE_METRICS = """
SELECT t.name AS table_name, l.table_bytes, l.index_bytes, l.live_tuples, l.dead_tuples,
       extract(epoch FROM clock_timestamp() - greatest(s.last_analyze, s.last_autoanalyze)
              )::float8 AS analyze_age,
       extract(epoch FROM clock_timestamp() - l.vacuumed)::float8 AS vacuum_age
FROM unnest(%(tables)s::text[]) AS t(name)
JOIN pg_class AS c ON c.oid = to_regclass(t.name)
LEFT JOIN pg_stat_user_tables AS s ON s.relid = c.oid
-- A partitioned table's sizes, counts and vacuum (the oldest partition's) are its
-- partitions'; its ANALYZE is its own (autovacuum never analyses a partitioned parent).
CROSS JOIN LATERAL (
    SELECT sum(pg_table_size(p.relid))::bigint AS table_bytes,
           sum(pg_indexes_size(p.relid))::bigint AS index_bytes,
           coalesce(sum(ps.n_live_tup), 0)::bigint AS live_tuples,
           coalesce(sum(ps.n_dead_tup), 0)::bigint AS dead_tuples,
           min(greatest(ps.last_vacuum, ps.last_autovacuum)) AS vacuumed
    FROM (SELECT c.oid AS relid WHERE c.relkind <> 'p'
          UNION ALL
          SELECT tree.relid FROM pg_partition_tree(c.oid) AS tree
          WHERE c.relkind = 'p' AND tree.isleaf) AS p
    LEFT JOIN pg_stat_user_tables AS ps ON ps.relid = p.relid
) AS l
ORDER BY 1
"""

# Every index on the tables named (ours, and any a DBA added), and init-db.sql's Camunda ones;
# an invalid one (a failed CREATE INDEX CONCURRENTLY) is kept up on every write, never read.
INDEX_METRICS = """
WITH leaf AS (
    SELECT p.relid, to_regclass(n) AS parent
    FROM unnest(%(tables)s::text[]) AS n, pg_partition_tree(to_regclass(n)) AS p
    WHERE p.isleaf AND p.level > 0
)
-- On the partitioned layout each partition's index counts under the parent's index it is
-- attached to: one line per index of the table, as on the plain layout.
SELECT coalesce(pt.relname, s.relname) AS table_name,
       coalesce(pi.relname, s.indexrelname) AS index_name,
       sum(s.idx_scan)::bigint AS scans, sum(pg_relation_size(s.indexrelid))::bigint AS bytes,
       bool_and(i.indisvalid) AS valid
FROM pg_stat_user_indexes AS s
JOIN pg_index AS i ON i.indexrelid = s.indexrelid
LEFT JOIN leaf ON leaf.relid = s.relid
LEFT JOIN pg_class AS pt ON pt.oid = leaf.parent
LEFT JOIN pg_inherits AS h ON leaf.relid IS NOT NULL AND h.inhrelid = s.indexrelid
LEFT JOIN pg_class AS pi ON pi.oid = h.inhparent
WHERE s.relid = ANY (SELECT to_regclass(n) FROM unnest(%(tables)s::text[]) AS n)
   OR leaf.relid IS NOT NULL
   OR s.indexrelname IN ('idx_act_ru_variable_name_text', 'idx_act_hi_varinst_proc_inst_ai')
GROUP BY 1, 2
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
