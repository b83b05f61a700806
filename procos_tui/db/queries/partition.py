"""SQL of the partitioned layout: which layout a database has, the migration's plan and its
steps (the functions scripts/partition-ai-context.sql installs), and what `check` asks of it.
"""

from __future__ import annotations

# 'p' partitioned, 'r' a plain table, NULL no table; and a migration under way.
LAYOUT = """
SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass('procos_ai_context'))
           AS relkind,
       to_regclass('procos_ai_context_partitioned') IS NOT NULL AS migrating,
       to_regclass('procos_ai_context_unpartitioned') IS NOT NULL AS old_table_kept
"""

# What the plan needs to know, from statistics and the activity index's ends (no table scan).
PLAN_FACTS = """
SELECT greatest(c.reltuples, 0)::bigint AS rows_estimate,
       pg_total_relation_size(c.oid) AS bytes,
       (SELECT x.created_at FROM procos_ai_context AS x
        WHERE coalesce(x.created_at, '-infinity'::timestamptz) > '-infinity'::timestamptz
        ORDER BY coalesce(x.created_at, '-infinity'::timestamptz), x.id LIMIT 1) AS oldest,
       (SELECT x.created_at FROM procos_ai_context AS x
        ORDER BY coalesce(x.created_at, '-infinity'::timestamptz) DESC, x.id DESC LIMIT 1)
           AS newest,
       now() AS now,
       (SELECT count(*) FROM pg_index WHERE indrelid = c.oid AND NOT indisunique) AS indexes
FROM pg_class AS c WHERE c.oid = to_regclass('procos_ai_context')
"""

# A migration stopped halfway: how far its copy got.
MIGRATION_STATE = """
SELECT started_at, copied, copy_seconds, synced_from
FROM procos_ai_partition_migration
"""
MIGRATION_STATE_PRESENT = (
    "SELECT to_regclass('procos_ai_partition_migration') IS NOT NULL AS present")

PREPARE = "SELECT procos_ai_partition_prepare(%(months_ahead)s) AS said"
COPY = "CALL procos_ai_partition_copy(%(batch_rows)s)"
INDEX = "SELECT procos_ai_partition_index() AS done"
UPDATED_AT_INDEX = ("CREATE INDEX CONCURRENTLY IF NOT EXISTS procos_ai_context_migrating_updated_at"
                    " ON procos_ai_context (updated_at)")
UPDATED_AT_INDEX_INVALID = """
SELECT NOT i.indisvalid AS invalid FROM pg_index AS i
WHERE i.indexrelid = to_regclass('procos_ai_context_migrating_updated_at')
"""
DROP_INVALID_UPDATED_AT_INDEX = ("DROP INDEX CONCURRENTLY IF EXISTS"
                                 " procos_ai_context_migrating_updated_at")
# The sync's mark is the oldest open transaction's start, which pg_stat_activity shows for
# other roles' sessions only to these.
SEES_EVERY_TRANSACTION = """
SELECT r.rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') AS sees
FROM pg_roles AS r WHERE r.rolname = current_user
"""
VACUUM_OLD = "VACUUM procos_ai_context"
VACUUM_NEW = "VACUUM procos_ai_context_partitioned"
SYNC = "SELECT procos_ai_partition_sync() AS counts"
SWAP = "SELECT procos_ai_partition_swap() AS said"
ANALYZE = "ANALYZE procos_ai_context"
DROP_UPDATED_AT_INDEX = "DROP INDEX IF EXISTS procos_ai_context_migrating_updated_at_old"
ENSURE = "SELECT procos_ai_partition_ensure(%(months_ahead)s) AS made"

# Each partition with its bounds (NULL for the default one) and size.
PARTITIONS = """
SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
       pg_total_relation_size(c.oid) AS bytes
FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
WHERE i.inhparent = to_regclass('procos_ai_context')
ORDER BY c.relname
"""

# Partitions that lack an index of the parent's (an ATTACH of a partition that failed
# halfway, an index created ON ONLY the parent): the parent's index then is invalid too.
PARTITION_INDEXES_MISSING = """
SELECT p.relname AS partition_name, pi.relname AS index_name
FROM pg_inherits AS ip
JOIN pg_class AS p ON p.oid = ip.inhrelid
CROSS JOIN (SELECT i.indexrelid, c.relname
            FROM pg_index AS i JOIN pg_class AS c ON c.oid = i.indexrelid
            WHERE i.indrelid = to_regclass('procos_ai_context')) AS pi
WHERE ip.inhparent = to_regclass('procos_ai_context')
  AND NOT EXISTS (SELECT 1 FROM pg_inherits AS ii JOIN pg_index AS ci ON ci.indexrelid = ii.inhrelid
                  WHERE ii.inhparent = pi.indexrelid AND ci.indrelid = p.oid)
ORDER BY 1, 2
"""

# The months from the first partition's to next month that no partition covers (their rows
# land in the default partition, and every later ATTACH must scan them). A bound is
# MINVALUE, MAXVALUE or a quoted timestamp.
_BOUNDS = """
WITH bounds AS (
    SELECT CASE WHEN lo = 'MINVALUE' THEN '-infinity' ELSE btrim(lo, '''') END::timestamptz AS lo,
           CASE WHEN hi = 'MAXVALUE' THEN 'infinity' ELSE btrim(hi, '''') END::timestamptz AS hi
    FROM (SELECT substring(pg_get_expr(c.relpartbound, c.oid) FROM 'FROM \\((.*)\\) TO') AS lo,
                 substring(pg_get_expr(c.relpartbound, c.oid) FROM ' TO \\((.*)\\)$') AS hi
          FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
          WHERE i.inhparent = to_regclass('procos_ai_context')
            AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT') AS b
)
"""
MONTHS_UNCOVERED = _BOUNDS + """
SELECT to_char(m AT TIME ZONE 'UTC', 'YYYY-MM') AS month
FROM generate_series(
        (SELECT date_trunc('month', greatest(min(lo), now() - interval '10 years')
                                    AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' FROM bounds),
        date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 month',
        interval '1 month') AS m
WHERE NOT EXISTS (SELECT 1 FROM bounds WHERE lo <= m AND m < hi)
ORDER BY m
"""

# Rows that sit in the default partition though a month's partition could hold them: those
# older than the ten years partitions go back to (a wrong clock) stay there by design.
DEFAULT_DATED_ROWS = """
SELECT count(*) AS dated_rows, min(created_at) AS oldest, max(created_at) AS newest
FROM ONLY {default_partition}
WHERE created_at >= date_trunc('month', (now() - interval '10 years') AT TIME ZONE 'UTC')
                    AT TIME ZONE 'UTC'
"""
DEFAULT_PARTITION = """
SELECT n.nspname AS schema_name, c.relname AS name
FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE i.inhparent = to_regclass('procos_ai_context')
  AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'
"""

OLD_TABLE_SIZE = """
SELECT pg_total_relation_size(to_regclass('procos_ai_context_unpartitioned')) AS bytes
"""
