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
