"""The big-deployment numbers of one database, on whichever layout it has (plain or
partitioned): the list's first page, a sorted page deep down, opening a conversation, a
selective search, stats for 30 days, check, and the refresh of 10,000 new rows.

    python benchmarks/generate.py --dsn postgresql://postgres@127.0.0.1/bench10m \\
        --processes 1430000 --median-bytes 500 --no-search --huge 0
    psql -d bench10m -c "SELECT procos_ai_refresh_rollups(NULL, 50000, '0 seconds')"
    python benchmarks/scale.py --dsn postgresql://postgres@127.0.0.1/bench10m
    procos-tui partition --apply --dsn postgresql://postgres@127.0.0.1/bench10m
    python benchmarks/scale.py --dsn postgresql://postgres@127.0.0.1/bench10m

Each line shows the server's time (EXPLAIN ANALYZE's Execution Time, the median of three) and
the wall time through the app's own session (median of --repeat, round trips included),
beside its target and, as the reference measured in the same run, a bare round trip
(SELECT 1) on the same connection. With --write it then stores 10,000 rows under process
ids 'scale-refresh-…' (they stay) and times the rollup and word-list refresh that reads them.
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

from procos_tui.core.search_syntax import SearchRequest
from procos_tui.core.triage import StatsBy, StatsWindow, series_step
from procos_tui.core.types import ProcessFilter, ProcessSort, SortKey
from procos_tui.db.connect import session_options
from procos_tui.db.conninfo import Target
from procos_tui.db.health import run_check
from procos_tui.db.queries import browsing as browsing_sql
from procos_tui.db.queries import triage as triage_sql
from procos_tui.db.search import SearchRun
from procos_tui.db.session import BrowseSession

SORTED = ProcessSort(SortKey.COST)
DEEP_PAGES = 20


def explain_ms(conn: psycopg.Connection[Any], query: Any, params: Any) -> float:
    rendered = query.as_string(conn) if hasattr(query, "as_string") else query
    times = []
    for _ in range(3):
        with conn.transaction():
            conn.execute(triage_sql.REPEATABLE_READ)
            plan = [r[0] for r in conn.execute(
                ("EXPLAIN (ANALYZE) " + rendered).encode(), params).fetchall()]
        line = next(ln for ln in plan if "Execution Time" in ln)
        times.append(float(line.split(":")[1].split()[0]))
    return statistics.median(times)


def rollup_state(conn: psycopg.Connection[Any]) -> Any:
    return conn.cursor(row_factory=class_row(triage_sql.RollupState)).execute(
        triage_sql.ROLLUP_STATE).fetchone()


async def wall_ms(work: Callable[[], Awaitable[Any]], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def line(label: str, server: float | None, wall: float, target: str, ping: float) -> None:
    shown = f"server {server:8.1f} ms" if server is not None else " " * 20
    print(f"  {label:<34} {shown}  wall {wall:8.1f} ms   target {target:<12} "
          f"(round trip {ping:.2f} ms)")


async def readers(dsn: str, repeat: int, needle: str | None) -> None:
    session = BrowseSession(Target(dsn, "benchmark"), statement_timeout_ms=600_000)
    await session.open()
    try:
        with psycopg.connect(dsn, autocommit=True,
                             options=session_options(True, 600_000)) as conn:
            ping = await wall_ms(lambda: session.execute("SELECT 1"), repeat)
            flt = ProcessFilter()
            activity = ProcessSort(SortKey.LAST_ACTIVITY)
            query, params = triage_sql.activity_page(flt, None, 101, activity, False)
            line("list, first page (last activity)", explain_ms(conn, query, params),
                 await wall_ms(lambda: session.process_page(flt, None, 100), repeat),
                 "<= 50 ms", ping)

            cursor = None
            for _ in range(DEEP_PAGES - 1):
                page = await session.process_page(flt, cursor, 100, sort=SORTED)
                cursor = page.next_cursor
            with conn.transaction():
                conn.execute(triage_sql.REPEATABLE_READ)
                state = rollup_state(conn)
            query, params = triage_sql.rollup_page(flt, cursor, 101, SORTED, state, False)
            line(f"list by cost, page {DEEP_PAGES}", explain_ms(conn, query, params),
                 await wall_ms(lambda: session.process_page(flt, cursor, 100, sort=SORTED),
                               repeat), "<= 100 ms", ping)

            row = conn.execute(
                "SELECT process_instance_id FROM procos_ai_context"
                " WHERE coalesce(created_at, '-infinity') < now() - interval '20 days'"
                " ORDER BY coalesce(created_at, '-infinity') DESC, id DESC LIMIT 1").fetchone()
            assert row is not None
            pid = str(row[0])

            async def open_conversation() -> None:
                headers = await session.interactions(pid)
                await session.content_head(headers[0].id, 20_000)

            line("open a conversation", explain_ms(
                conn, browsing_sql.INTERACTIONS_OF_PROCESS,
                {"process_instance_id": pid, "preview_chars": 120}),
                await wall_ms(open_conversation, repeat), "<= 50 ms", ping)

            if needle:
                async def first_hits() -> None:
                    await SearchRun(session, SearchRequest((needle,))).next_page()

                line(f"search {needle!r}, first page", None,
                     await wall_ms(first_hits, repeat), "<= 300 ms", ping)
            else:
                print("  search: skipped (no trigram index: the set was made with --no-search;"
                      " `procos-tui init-db` builds it)")

            newest_row = conn.execute("SELECT max(created_at) FROM procos_ai_context"
                                      ).fetchone()
            assert newest_row is not None
            newest = newest_row[0]
            window = StatsWindow(newest - timedelta(days=30), newest + timedelta(seconds=1))
            series_by = (StatsBy.HOUR if series_step(window) <= timedelta(hours=1)
                         else StatsBy.DAY)
            query, params = triage_sql.stats(window.since, window.until, StatsBy.MODEL, state,
                                             series_by=series_by)
            line("stats, 30 days by model", explain_ms(conn, query, params),
                 await wall_ms(lambda: session.stats(window, StatsBy.MODEL), repeat),
                 "<= 1 s", ping)

            started = time.perf_counter()
            report = run_check(conn)
            line("check", None, (time.perf_counter() - started) * 1000, "<= 10 s", ping)
            print(f"    ({len(report.findings)} findings: "
                  f"{', '.join(sorted({f.kind.value for f in report.findings})) or 'none'})")
    finally:
        await session.close()


def refresh_10k(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 0")
        conn.execute("SELECT procos_ai_refresh_rollups(NULL, 50000, '0 seconds')")
        # A word list never filled (a set made with --no-search) would be filled whole here:
        # minutes on millions of rows, not the 10,000 rows this times.
        filled = conn.execute("SELECT covered_until IS NOT NULL FROM"
                              " procos_ai_search_words_state").fetchone()
        words_too = bool(filled and filled[0])
        if words_too:
            conn.execute("SELECT procos_ai_refresh_search_words()")
        tag = f"scale-refresh-{int(time.time())}"
        conn.execute(
            "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
            " content_text, ai_provider, model_used, token_usage)"
            " SELECT %s || '-' || (n / 7), CASE WHEN n %% 2 = 0 THEN 'input' ELSE 'output' END,"
            " '{}', 'refresh benchmark row ' || n || ' ' || md5(n::text), 'openai', 'gpt-4o',"
            " jsonb_build_object('input_tokens', 100, 'output_tokens', 50)"
            " FROM generate_series(1, 10000) AS n", (tag,))
        started = time.perf_counter()
        rolled = conn.execute("SELECT procos_ai_refresh_rollups(NULL, 5000, '0 seconds')"
                              ).fetchone()
        rollups = time.perf_counter() - started
        words_said = "word list skipped (never filled on this set)"
        if words_too:
            started = time.perf_counter()
            conn.execute("SELECT procos_ai_refresh_search_words()")
            words_said = f"word list {(time.perf_counter() - started) * 1000:.0f} ms"
    print(f"  refresh of 10,000 new rows: rollups {rollups * 1000:.0f} ms "
          f"({rolled[0] if rolled else 0:,} rows read), {words_said}; target <= 1 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", action="store_true",
                        help="also time the refresh of 10,000 rows it stores (they stay)")
    args = parser.parse_args()
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        facts = conn.execute(
            "SELECT c.relkind::text,"
            " (SELECT count(*) FROM pg_inherits WHERE inhparent = c.oid),"
            " (SELECT sum(greatest(k.reltuples, 0))::bigint FROM pg_class AS k"
            "  WHERE (c.relkind <> 'p' AND k.oid = c.oid) OR k.oid IN (SELECT inhrelid"
            "  FROM pg_inherits WHERE inhparent = c.oid)),"
            " to_regclass('idx_procos_ai_context_content_search') IS NOT NULL,"
            " current_setting('server_version')"
            " FROM pg_class AS c WHERE c.oid = 'procos_ai_context'::regclass").fetchone()
        assert facts is not None
        kind, partitions, rows, trigram, version = facts
        needle = None
        if trigram:
            found = conn.execute("SELECT substring(content_text from 'needle-[0-9]{6}')"
                                 " FROM procos_ai_context WHERE content_text LIKE '%%needle-0%%'"
                                 " LIMIT 1").fetchone()
            needle = found[0] if found else None
    layout = f"partitioned ({partitions} partitions)" if kind == "p" else "plain"
    print(f"procos_ai_context: ~{rows:,} rows, {layout}; PostgreSQL {version}")
    asyncio.run(readers(args.dsn, args.repeat, needle))
    if args.write:
        refresh_10k(args.dsn)


if __name__ == "__main__":
    main()
