"""Table statistics made for real, for the maintenance tests (db and UI)."""

from __future__ import annotations

from typing import Any


def flush_stats(conn: Any) -> None:
    """The cumulative statistics reach pg_stat_* when a backend flushes them (PostgreSQL 15
    and later: at once on request); the next read sees them."""
    if conn.info.server_version >= 150000:
        conn.execute("SELECT pg_stat_force_next_flush()")
    conn.execute("SELECT pg_stat_clear_snapshot()")


def leave_dead_tuples(conn: Any) -> None:
    """399 dead tuples and 1 live one in procos_ai_context, autovacuum kept away from them."""
    conn.execute("ALTER TABLE procos_ai_context SET (autovacuum_enabled = off)")
    conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                 "content_data, content_text) SELECT 'm-' || n, 'input', '{}', 'x' "
                 "FROM generate_series(1, 400) AS n")
    conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id <> 'm-1'")
    flush_stats(conn)
