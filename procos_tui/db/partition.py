"""The partitioned layout: its plan, the migration (scripts/partition-ai-context.sql's steps,
run in order on a session of its own), the months ahead, and the layout's findings for check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from procos_tui.core.errors import DatabaseError
from procos_tui.core.health import Finding, FindingKind
from procos_tui.core.partitioning import (
    DEFAULT_BATCH_ROWS,
    DEFAULT_MONTHS_AHEAD,
    MigrationProgress,
    MigrationResult,
    PartitionPlan,
    months_to_create,
)
from procos_tui.core.sanitize import human_size, sanitize_plain
from procos_tui.db.queries import partition as partition_sql
from procos_tui.db.rows import fetch_all, fetch_one
from procos_tui.db.schema import script_path

SCRIPT_NAME = "partition-ai-context.sql"
# The swap waits this long for its lock, then lets ProcOS's queued inserts through and tries
# again: a waiting ACCESS EXCLUSIVE request holds up every later insert behind it.
SWAP_LOCK_TIMEOUT_MS = 1000
SWAP_ATTEMPTS = 30
ENSURE_FIX = ("procos-tui partition --ensure 3 (from cron; or SELECT "
              "procos_ai_partition_ensure(3); after installing scripts/partition-ai-context.sql)")

Progress = Callable[[str], None]


def layout(conn: Any) -> str:
    """'partitioned', 'plain' or 'missing' (no procos_ai_context)."""
    row = fetch_one(conn, partition_sql.LAYOUT)
    kind = row["relkind"] if row else None
    return {"p": "partitioned", None: "missing"}.get(kind, "plain")


def install(conn: Any) -> None:
    """The script's functions (CREATE OR REPLACE: harmless to repeat), in one transaction."""
    with conn.cursor() as cur:
        cur.execute(script_path(SCRIPT_NAME).read_text(encoding="utf-8").encode("utf-8"))
    if not conn.autocommit:
        conn.commit()


def plan(conn: Any, months_ahead: int = DEFAULT_MONTHS_AHEAD,
         batch_rows: int = DEFAULT_BATCH_ROWS) -> PartitionPlan:
    """What --apply would do, from the catalog and the activity index's two ends (reads only)."""
    state = fetch_one(conn, partition_sql.LAYOUT)
    kind = layout(conn)
    if kind != "plain":
        return PartitionPlan(kind, old_table_kept=bool(state and state["old_table_kept"]))
    facts = fetch_one(conn, partition_sql.PLAN_FACTS)
    assert facts is not None
    under_way = None
    present = fetch_one(conn, partition_sql.MIGRATION_STATE_PRESENT)
    if state and state["migrating"] and present and present["present"]:
        row = fetch_one(conn, partition_sql.MIGRATION_STATE)
        if row:
            under_way = MigrationProgress(row["started_at"], int(row["copied"]),
                                          row["synced_from"] is not None)
    return PartitionPlan(
        "plain", int(facts["rows_estimate"]), int(facts["bytes"]), facts["oldest"],
        facts["newest"], months_to_create(facts["oldest"], facts["now"], months_ahead),
        months_ahead, batch_rows, int(facts["indexes"]), under_way)


def migrate(conn: psycopg.Connection[Any], progress: Progress,
            months_ahead: int = DEFAULT_MONTHS_AHEAD, batch_rows: int = DEFAULT_BATCH_ROWS,
            lock_timeout_ms: int = SWAP_LOCK_TIMEOUT_MS) -> MigrationResult:
    """Carry out the plan on an autocommit session connection (never through a transaction
    pooler: the copy commits inside a CALL, VACUUM and CREATE INDEX CONCURRENTLY need a
    session). Resumes a migration that stopped halfway."""
    assert conn.autocommit
    started = time.monotonic()
    said: list[str] = []

    def notice(diag: psycopg.errors.Diagnostic) -> None:
        if diag.message_primary:
            progress(sanitize_plain(diag.message_primary))

    conn.execute("SET statement_timeout = 0")
    sees = fetch_one(conn, partition_sql.SEES_EVERY_TRANSACTION)
    if not (sees and sees["sees"]):
        # Asked before hours of copying, not at the sync that needs it.
        raise DatabaseError(
            "partition --apply must see every session's open transaction (to catch the "
            "updates they commit late): run it as a superuser or a member of "
            "pg_read_all_stats")
    install(conn)
    first = fetch_one(conn, partition_sql.PREPARE, {"months_ahead": months_ahead})
    said.append(sanitize_plain(str(first["said"] if first else "")))
    progress(said[-1])
    if layout(conn) == "partitioned":
        return MigrationResult(0, 0.0, 0, 0, time.monotonic() - started, said)
    conn.add_notice_handler(notice)
    try:
        conn.execute(partition_sql.COPY, {"batch_rows": batch_rows})
    finally:
        conn.remove_notice_handler(notice)
    copied = fetch_one(conn, partition_sql.MIGRATION_STATE)
    assert copied is not None
    progress("building the indexes on the copy…")
    step = time.monotonic()
    built = fetch_one(conn, partition_sql.INDEX)
    names = [sanitize_plain(n) for n in (built["done"] if built else [])]
    said.append(f"indexes built in {time.monotonic() - step:.1f} s: {', '.join(names) or 'none'}")
    progress(said[-1])
    progress("catching up with ProcOS's writes (index on updated_at, VACUUM, sync)…")
    step = time.monotonic()
    stale = fetch_one(conn, partition_sql.UPDATED_AT_INDEX_INVALID)
    if stale and stale["invalid"]:  # left by an interrupted run: of no use, and in the way
        conn.execute(partition_sql.DROP_INVALID_UPDATED_AT_INDEX)
    conn.execute(partition_sql.UPDATED_AT_INDEX)
    conn.execute(partition_sql.VACUUM_OLD)
    conn.execute(partition_sql.VACUUM_NEW)
    synced = fetch_one(conn, partition_sql.SYNC)
    ins, upd, dele = synced["counts"] if synced else (0, 0, 0)
    said.append(f"caught up in {time.monotonic() - step:.1f} s without a lock: {ins:,} rows "
                f"added, {upd:,} updated, {dele:,} deleted since they were copied")
    progress(said[-1])
    swap, attempts = _swap(conn, progress, lock_timeout_ms)
    said.append(sanitize_plain(swap))
    progress(said[-1])
    conn.execute(partition_sql.DROP_UPDATED_AT_INDEX)
    progress("ANALYZE procos_ai_context…")
    conn.execute(partition_sql.ANALYZE)
    lock_ms = _lock_ms(swap)
    return MigrationResult(int(copied["copied"]), float(copied["copy_seconds"]), lock_ms,
                           attempts, time.monotonic() - started, said)


def _swap(conn: psycopg.Connection[Any], progress: Progress, lock_timeout_ms: int
          ) -> tuple[str, int]:
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with conn.transaction():
                conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(
                    sql.Literal(f"{int(lock_timeout_ms)}ms")))
                row = fetch_one(conn, partition_sql.SWAP)
            return str(row["said"] if row else ""), attempt
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected) as exc:
            why = ("a deadlock with a reader, which the server ended on our side"
                   if isinstance(exc, psycopg.errors.DeadlockDetected)
                   else f"no lock within {lock_timeout_ms} ms")
            progress(f"procos_ai_context is busy ({why}, attempt {attempt} of "
                     f"{SWAP_ATTEMPTS}); trying again in 1 s")
            time.sleep(1)
    raise DatabaseError(
        f"no lock on procos_ai_context in {SWAP_ATTEMPTS} attempts: a long transaction holds "
        "it; run procos-tui partition --apply again (it goes on from here)")


def _lock_ms(said: str) -> int:
    tail = said.rsplit("held the lock ", 1)[-1].split(" ", 1)[0]
    return int(tail) if tail.isdigit() else -1


def ensure(conn: Any, months_ahead: int) -> list[str]:
    """The partitions of every month from the first to months_ahead ahead; those it made."""
    install(conn)
    row = fetch_one(conn, partition_sql.ENSURE, {"months_ahead": months_ahead})
    if not conn.autocommit:
        conn.commit()
    return [sanitize_plain(n) for n in (row["made"] if row else [])]


def layout_findings(conn: Any) -> list[Finding]:
    """On the partitioned layout: partitions without an index of the parent's, months without
    a partition up to next month, dated rows stuck in the default partition, and the old
    table a migration left. Nothing on the plain layout."""
    if layout(conn) != "partitioned":
        return []
    out = [Finding(FindingKind.PARTITIONING, f"{sanitize_plain(r['partition_name'])}",
                   f"partition {sanitize_plain(r['partition_name'])} lacks index "
                   f"{sanitize_plain(r['index_name'])} of procos_ai_context (queries on that "
                   "month scan it whole)",
                   "procos-tui init-db (builds it CONCURRENTLY on the partition and attaches "
                   "it)", {"partition": r["partition_name"], "index": r["index_name"]})
           for r in fetch_all(conn, partition_sql.PARTITION_INDEXES_MISSING)]
    months = [r["month"] for r in fetch_all(conn, partition_sql.MONTHS_UNCOVERED)]
    if months:
        shown = ", ".join(months[:6]) + (f" and {len(months) - 6} more" if len(months) > 6 else "")
        out.append(Finding(FindingKind.PARTITIONING, "months without a partition",
                           f"no partition for {shown}: their rows land in the default "
                           "partition", ENSURE_FIX, {"months": months}))
    default = fetch_one(conn, partition_sql.DEFAULT_PARTITION)
    if default is None:
        out.append(Finding(FindingKind.PARTITIONING, "default partition",
                           "procos_ai_context has no default partition: an insert dated "
                           "outside every partition (or without a date) fails",
                           "CREATE TABLE procos_ai_context_default PARTITION OF "
                           "procos_ai_context DEFAULT;"))
    else:
        query = sql.SQL(partition_sql.DEFAULT_DATED_ROWS).format(
            default_partition=sql.Identifier(default["schema_name"], default["name"]))
        dated = fetch_one(conn, query)
        if dated and dated["dated_rows"]:
            out.append(Finding(
                FindingKind.PARTITIONING, sanitize_plain(default["name"]),
                f"{dated['dated_rows']:,} dated rows in the default partition (created_at "
                f"{dated['oldest']:%Y-%m-%d} to {dated['newest']:%Y-%m-%d}); a month's "
                "partition cannot be created while they are there, except by --ensure, "
                "which moves them", ENSURE_FIX, {"rows": dated["dated_rows"]}))
    old = fetch_one(conn, partition_sql.OLD_TABLE_SIZE)
    if old and old["bytes"] is not None:
        out.append(Finding(FindingKind.PARTITIONING, "procos_ai_context_unpartitioned",
                           f"the table from before partitioning is still there "
                           f"({human_size(int(old['bytes']))})",
                           "DROP TABLE procos_ai_context_unpartitioned; once you no longer "
                           "need it", {"bytes": old["bytes"]}))
    return out
