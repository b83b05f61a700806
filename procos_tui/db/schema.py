"""scripts/init-db.sql: finding it (checkout or installed wheel) and applying it."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from procos_tui.db.queries import schema as schema_sql

SCRIPT_NAME = "init-db.sql"


def script_path(name: str) -> Path:
    """One of the shipped SQL scripts: inside the installed package, else the checkout's
    scripts/."""
    packaged = resources.files("procos_tui.db").joinpath(name)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "scripts" / name
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"{name} is neither in the package nor in scripts/")


def init_sql_path() -> Path:
    """The schema script."""
    return script_path(SCRIPT_NAME)


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
    kind = cur.execute(schema_sql.CONTEXT_KIND).fetchone()
    partitioned = bool(kind and kind["kind"] == "p")
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
            if partitioned:
                built = _build_on_partitions(cur, name, rest, state is None)
                done.append(f"index {name} {built} in {time.monotonic() - started:.1f} s; "
                            "ProcOS's writes went on")
                continue
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


_INDEX_PREFIX = "idx_procos_ai_context_"
_NAME_MAX = 63  # NAMEDATALEN - 1: a longer name would be cut by the server, silently


def partition_index_name(partition: str, index: str) -> str:
    """The name of `index`'s counterpart on one partition: the partition's name and what
    tells the index apart (procos_ai_context_p2026_01_activity)."""
    name = f"{partition}_{index.removeprefix(_INDEX_PREFIX)}"
    if len(name.encode()) <= _NAME_MAX:
        return name
    digest = hashlib.md5(name.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{name.encode()[:_NAME_MAX - 9].decode(errors='ignore')}_{digest}"


def _build_on_partitions(cur: Any, name: str, rest: str, parent_missing: bool) -> str:
    """A partitioned table takes no CREATE INDEX CONCURRENTLY: build the index on each leaf
    partition concurrently, then create the parent's ON ONLY (a catalog entry, no build) and
    attach each partition's, which makes the parent's valid once every partition has one.
    Only the attach and the ON ONLY take locks, each for a catalog update's moment."""
    lacking = cur.execute(schema_sql.PARTITIONS_LACKING_INDEX, {"name": name}).fetchall()
    children = []
    for row in lacking:
        child = partition_index_name(row["partition_name"], name)
        existing = cur.execute(schema_sql.PARTITION_INDEX_NAMED, {
            "schema_name": row["schema_name"], "index_name": child}).fetchone()
        if existing is not None and not existing["valid"]:
            # Left by an interrupted build: it blocks nothing but is no use, and cannot be
            # attached.
            cur.execute(sql.SQL("DROP INDEX CONCURRENTLY {}").format(
                sql.Identifier(row["schema_name"], child)))
        cur.execute(sql.SQL("CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON {}{}").format(
            sql.Identifier(child), sql.Identifier(row["schema_name"], row["partition_name"]),
            sql.SQL(rest)))
        children.append(sql.Identifier(row["schema_name"], child))
    if parent_missing:
        cur.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON ONLY procos_ai_context{}").format(
            sql.Identifier(name), sql.SQL(rest)))
    for child_id in children:
        cur.execute(sql.SQL("ALTER INDEX {} ATTACH PARTITION {}").format(
            sql.Identifier(name), child_id))
    verb = "created" if parent_missing else "completed (it was invalid)"
    return (f"{verb} on {len(children)} partition{'s' if len(children) != 1 else ''} "
            "concurrently, then attached")
