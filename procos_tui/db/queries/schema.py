"""Applying scripts/init-db.sql: what the server says once the script has run."""

from __future__ import annotations

# Asked right after the script ran (the script itself is a file: see db/schema.py).
SERVER_AND_DATABASE = """
SELECT current_setting('server_version') AS server_version, current_database() AS database
"""
