"""Triage on a real database: the list's first page in every order, Stats for 30 days by
model, model usage, the rollup refresh, and readers with rows not rolled up yet.

    python benchmarks/generate.py --dsn postgresql://postgres@127.0.0.1/bench --processes 100000
    python benchmarks/triage.py --dsn postgresql://postgres@127.0.0.1/bench

Each figure is printed beside its reference, measured in the same run on the same database: a
plain GROUP BY over procos_ai_context answering the same question without rollups. Server
times are EXPLAIN ANALYZE's Execution Time; wall times include the client round trips.
The script empties and refills the rollups (procos_ai_rebuild_rollups) to time the refresh.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import psycopg
from psycopg.rows import class_row

from procos_tui.core import triage
from procos_tui.core.triage import StatsBy, StatsWindow
from procos_tui.core.types import ProcessFilter, ProcessSort, SortKey
from procos_tui.db.connect import session_options
from procos_tui.db.conninfo import Target
from procos_tui.db.queries import registry as registry_sql
from procos_tui.db.queries import triage as triage_sql
from procos_tui.db.session import BrowseSession

REPEAT = 5


def server_ms(conn: psycopg.Connection[Any], build: Callable[[Any], tuple[Any, Any]]) -> float:
    """EXPLAIN ANALYZE's execution time of the statement `build(state)` makes, in the same
    REPEATABLE READ snapshot as the rollup state it read (as the session does)."""
    with conn.transaction():
        conn.execute(triage_sql.REPEATABLE_READ)
        state = conn.cursor(row_factory=class_row(triage_sql.RollupState)).execute(
            triage_sql.ROLLUP_STATE).fetchone()
        query, params = build(state)
        rendered = query.as_string(conn) if hasattr(query, "as_string") else query
        plan = [r[0] for r in conn.execute(("EXPLAIN (ANALYZE) " + rendered).encode(),
                                           params).fetchall()]
    line = next(ln for ln in plan if "Execution Time" in ln)
    return float(line.split(":")[1].split()[0])


def timed_sql(conn: psycopg.Connection[Any], query: str, params: Any = None) -> float:
    times = []
    for _ in range(2):
        started = time.perf_counter()
        conn.execute(query.encode(), params).fetchall()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


async def wall_ms(work: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def refresh_all(conn: psycopg.Connection[Any], leave: int = 0) -> tuple[int, float]:
    conn.execute("SELECT procos_ai_rebuild_rollups()")
    total = conn.execute("SELECT count(*) FROM procos_ai_context").fetchone()[0]  # type: ignore[index]
    started = time.perf_counter()
    row = conn.execute("SELECT procos_ai_refresh_rollups(%s, 5000, '0 seconds')",
                       (max(0, total - leave) if leave else None,)).fetchone()
    return int(row[0]) if row else 0, time.perf_counter() - started


async def readers(dsn: str, window: StatsWindow, label: str) -> None:
    session = BrowseSession(Target(dsn, "benchmark"), statement_timeout_ms=600_000)
    await session.open()
    try:
        # With the app's own session settings (jit off among them), as the wall times have.
        with psycopg.connect(dsn, autocommit=True,
                             options=session_options(True, 600_000)) as conn:
            for key in SortKey:
                sort = ProcessSort(key)

                def build(state: Any, sort: ProcessSort = sort) -> tuple[Any, Any]:
                    if sort.key.from_rollup:
                        return triage_sql.rollup_page(ProcessFilter(), None, 101, sort, state,
                                                      False)
                    return triage_sql.activity_page(ProcessFilter(), None, 101, sort, False)

                server = statistics.median(server_ms(conn, build) for _ in range(3))
                wall = await wall_ms(lambda sort=sort: session.process_page(  # type: ignore[misc]
                    None, None, 100, sort=sort))
                print(f"  {label} first page by {key.value:<15} server {server:7.1f} ms,"
                      f" wall {wall:7.1f} ms")

            step = triage.series_step(window)
            series_by = StatsBy.HOUR if step <= timedelta(hours=1) else StatsBy.DAY

            def stats_build(state: Any) -> tuple[Any, Any]:
                return triage_sql.stats(window.since, window.until, StatsBy.MODEL, state,
                                        series_by=series_by)

            server = statistics.median(server_ms(conn, stats_build) for _ in range(3))
        wall = await wall_ms(lambda: session.stats(window, StatsBy.MODEL))
        print(f"  {label} stats 30 days by model: server {server:.1f} ms,"
              f" wall {wall:.1f} ms (table and chart series, one statement)")
        wall = await wall_ms(session.model_usage)
        print(f"  {label} models usage: wall {wall:.1f} ms")
    finally:
        await session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--live-rows", type=int, default=50_000,
                        help="rows left out of the rollups for the last round (default 50000)")
    args = parser.parse_args()
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        rows, processes, newest = conn.execute(
            "SELECT count(*), count(DISTINCT process_instance_id), max(created_at)"
            " FROM procos_ai_context").fetchone()  # type: ignore[misc]
        print(f"procos_ai_context: {rows:,} rows, {processes:,} process instances; "
              f"server {conn.info.parameter_status('server_version')}")
        read, secs = refresh_all(conn)
        print(f"refresh (rebuild, then every row): {read:,} rows in {secs:.1f} s = "
              f"{secs / max(read, 1) * 10_000 * 1000:.0f} ms per 10,000 rows")
        conn.execute("ANALYZE procos_ai_process_rollup, procos_ai_process_model_rollup,"
                     " procos_ai_usage_rollup")
        window = StatsWindow(newest - timedelta(days=30), newest + timedelta(seconds=1))
        print("references (plain GROUP BY over procos_ai_context, no rollup):")
        ref = timed_sql(conn, "SELECT process_instance_id,"
                        " sum(procos_ai_token_total(token_usage)) AS t FROM procos_ai_context"
                        " GROUP BY 1 ORDER BY 2 DESC LIMIT 100")
        print(f"  first page by total tokens: {ref:.0f} ms")
        ref = timed_sql(conn, "SELECT ai_provider, model_used, count(*),"
                        " sum(procos_ai_token_total(token_usage)) FROM procos_ai_context"
                        " WHERE created_at >= %s AND created_at < %s GROUP BY 1, 2",
                        (window.since, window.until))
        print(f"  stats 30 days by model (counts and tokens only): {ref:.0f} ms")
        ref = timed_sql(conn, registry_sql.MODEL_USAGE)
        print(f"  models usage (the query before the rollups): {ref:.0f} ms")
    print("with every row rolled up:")
    asyncio.run(readers(args.dsn, window, "rolled up:"))
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        read, secs = refresh_all(conn, leave=args.live_rows)
        print(f"with {args.live_rows:,} rows not rolled up yet (refreshed {read:,}):")
    asyncio.run(readers(args.dsn, window, f"{args.live_rows // 1000}k live:"))
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        started = time.perf_counter()
        row = conn.execute("SELECT procos_ai_refresh_rollups(NULL, 5000, '0 seconds')"
                           ).fetchone()
        secs = time.perf_counter() - started
        read = int(row[0]) if row else 0
        print(f"incremental refresh of those rows: {read:,} rows in {secs:.2f} s = "
              f"{secs / max(read, 1) * 10_000 * 1000:.0f} ms per 10,000 rows")


if __name__ == "__main__":
    main()
