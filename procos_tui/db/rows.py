"""Rows by column name on a blocking connection (psycopg's dict_row), for the sync readers:
check, truncation, the registry's writes. The SQL's aliases are the names."""

from __future__ import annotations

from typing import Any

from psycopg.rows import dict_row


def fetch_all(conn: Any, query: Any, params: dict[str, Any] | None = None
              ) -> list[dict[str, Any]]:
    """The statement's rows, each a dict by column name."""
    rows: list[dict[str, Any]] = conn.cursor(row_factory=dict_row).execute(
        query, params).fetchall()
    return rows


def fetch_one(conn: Any, query: Any, params: dict[str, Any] | None = None
              ) -> dict[str, Any] | None:
    """The statement's first row as a dict by column name, or None."""
    row: dict[str, Any] | None = conn.cursor(row_factory=dict_row).execute(
        query, params).fetchone()
    return row
