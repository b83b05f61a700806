"""Applying scripts/init-db.sql: what the server says once the script has run."""

from __future__ import annotations

# Asked right after the script ran (the script itself is a file: see db/schema.py).
SERVER_AND_DATABASE = """
SELECT current_setting('server_version') AS server_version, current_database() AS database
"""

# An index of init-db.sql on procos_ai_context, as the catalog has it: absent (no row), or
# there and valid or not (an interrupted CREATE INDEX CONCURRENTLY leaves it invalid).
INDEX_STATE = """
SELECT i.indisvalid AS valid
FROM pg_class AS c JOIN pg_index AS i ON i.indexrelid = c.oid
WHERE c.oid = to_regclass(%(name)s)
"""

CONTEXT_TABLE_EXISTS = "SELECT to_regclass('procos_ai_context') IS NOT NULL AS present"

CONTEXT_KIND = """
SELECT c.relkind::text AS kind FROM pg_class AS c WHERE c.oid = to_regclass('procos_ai_context')
"""

# The leaf partitions of procos_ai_context without an index attached to the parent index
# %(name)s (all of them when the parent index does not exist yet).
PARTITIONS_LACKING_INDEX = """
SELECT n.nspname AS schema_name, c.relname AS partition_name
FROM pg_partition_tree('procos_ai_context') AS t
JOIN pg_class AS c ON c.oid = t.relid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE t.isleaf AND t.parentrelid = to_regclass('procos_ai_context')
  AND NOT EXISTS (
    SELECT 1
    FROM pg_inherits AS h
    JOIN pg_index AS i ON i.indexrelid = h.inhrelid
    WHERE h.inhparent = to_regclass(%(name)s) AND i.indrelid = t.relid)
ORDER BY c.relname
"""

# An index on the partition that the parent's could adopt: same definition once names are
# set aside. ATTACH PARTITION checks the match itself; this only finds the candidate.
PARTITION_INDEX_NAMED = """
SELECT c.relname AS name, i.indisvalid AS valid
FROM pg_class AS c JOIN pg_index AS i ON i.indexrelid = c.oid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema_name)s AND c.relname = %(index_name)s
"""
