"""scripts/init-db.sql: finding it (checkout or installed wheel) and applying it."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from procos_tui.db.queries import schema as schema_sql

SCRIPT_NAME = "init-db.sql"


def init_sql_path() -> Path:
    """The schema script: inside the installed package, else the checkout's scripts/."""
    packaged = resources.files("procos_tui.db").joinpath(SCRIPT_NAME)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "scripts" / SCRIPT_NAME
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"{SCRIPT_NAME} is neither in the package nor in scripts/")


def init_sql() -> str:
    return init_sql_path().read_text(encoding="utf-8")


@dataclass(frozen=True)
class SchemaResult:
    notices: tuple[str, ...]
    server_version: str
    database: str

def apply_schema(conn: psycopg.Connection[Any]) -> SchemaResult:
    """Run init-db.sql as one implicit transaction (simple protocol: all of it or nothing)."""
    notices: list[str] = []

    def collect(diag: psycopg.errors.Diagnostic) -> None:
        if diag.message_primary:
            notices.append(diag.message_primary)

    conn.add_notice_handler(collect)
    try:
        with conn.cursor() as cur:
            cur.execute(init_sql().encode("utf-8"))
        with conn.cursor(row_factory=dict_row) as cur:
            server = cur.execute(schema_sql.SERVER_AND_DATABASE).fetchone()
            assert server is not None
    finally:
        conn.remove_notice_handler(collect)
    if not conn.autocommit:
        conn.commit()
    return SchemaResult(tuple(notices), server["server_version"], server["database"])
