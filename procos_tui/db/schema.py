"""scripts/init-db.sql: finding it (checkout or installed wheel) and applying it."""

from __future__ import annotations

import re
import time
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


# init-db.sql's indexes on ProcOS's own table: built CONCURRENTLY before the script runs.
_CONTEXT_INDEX = re.compile(
    r"CREATE INDEX IF NOT EXISTS (\w+)\s+ON procos_ai_context\b(.*?);", re.S)


def build_indexes_concurrently(conn: psycopg.Connection[Any]) -> list[str]:
    """Create the script's missing indexes on procos_ai_context CONCURRENTLY, and rebuild
    any left invalid by an interrupted build, each in its own autocommit statement: ProcOS's
    inserts go on meanwhile. The script then finds them (IF NOT EXISTS) and holds its locks
    only for the moment it takes. What was done, one line each."""
    assert conn.autocommit, "CREATE INDEX CONCURRENTLY cannot run inside a transaction"
    cur = conn.cursor(row_factory=dict_row)
    table = cur.execute(schema_sql.CONTEXT_TABLE_EXISTS).fetchone()
    if not (table and table["present"]):
        return []  # a new database: the script creates the table and its indexes at once
    done = []
    # The script's first statement, which the trigram index needs (a table made by an older
    # script may have come without it).
    cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    cur.execute("SET statement_timeout = 0")  # a build takes as long as the table needs
    try:
        for name, rest in _CONTEXT_INDEX.findall(init_sql()):
            state = cur.execute(schema_sql.INDEX_STATE, {"name": name}).fetchone()
            if state is not None and state["valid"]:
                continue
            started = time.monotonic()
            if state is None:
                cur.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
                            f"ON procos_ai_context{rest}".encode())
                verb = "created"
            else:
                cur.execute(f"REINDEX INDEX CONCURRENTLY {name}".encode())
                verb = "rebuilt (it was invalid)"
            done.append(f"index {name} {verb} concurrently in "
                        f"{time.monotonic() - started:.1f} s; ProcOS's writes went on")
    finally:
        cur.execute("RESET statement_timeout")
    return done
