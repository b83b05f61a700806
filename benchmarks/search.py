"""Search speed on a generated database: first page per mode, the plans, and cancel latency.

    python benchmarks/search.py --dsn "host=127.0.0.1 user=postgres dbname=bench_100k"

Targets (issue 6, ~700k rows): a selective substring's first page within 300 ms, a term that
matches most rows within 1 s, a fuzzy word within 1 s, cancel at the server within 200 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import contextlib

from procos_tui.core.errors import QueryCancelled
from procos_tui.core.search_syntax import SearchMode, SearchRequest
from procos_tui.db.conninfo import Target
from procos_tui.db.queries import search as sql
from procos_tui.db.search import SearchRun
from procos_tui.db.session import BrowseSession


async def first_page(session: BrowseSession, req: SearchRequest) -> tuple[float, int, str]:
    run = SearchRun(session, req)
    t0 = time.perf_counter()
    hits = await run.next_page()
    return time.perf_counter() - t0, len(hits), "; ".join(run.plans[:2])


async def timed(session: BrowseSession, label: str, req: SearchRequest, repeat: int) -> None:
    times = []
    hits, plan = 0, ""
    for _ in range(repeat):
        took, hits, plan = await first_page(session, req)
        times.append(took)
    print(f"{label:<44} first page {statistics.median(times) * 1000:7.0f} ms median "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; {repeat} runs) "
          f"{hits} hits; plan: {plan}")


def psql_like(dsn: str, term: str) -> None:
    with psycopg.connect(dsn) as conn:
        t0 = time.perf_counter()
        row = conn.execute("SELECT count(*) FROM procos_ai_context WHERE content_text ILIKE %s",
                           (f"%{term}%",)).fetchone()
        took = time.perf_counter() - t0
    print(f"{'plain ILIKE count(*) of ' + term:<44} {took * 1000:7.0f} ms ({row[0] if row else 0}"
          " rows; no limit, no order)")


def plan_of_probe(dsn: str, term: str) -> None:
    req = SearchRequest((term,))
    cond = sql.filters(req)
    sql.text_condition(req, cond)
    with psycopg.connect(dsn) as conn:
        conn.execute(sql.PIN_BITMAP)
        query, params = sql.probe(cond, 5000)
        plan = [r[0] for r in conn.execute(sql.explain(query), params)]
    used = [line.strip() for line in plan if "Index Scan" in line]
    print(f"EXPLAIN probe {term!r}: {' | '.join(used)}")


async def cancel_latency(dsn: str, runs: int) -> None:
    took = []
    with psycopg.connect(dsn, autocommit=True) as watch:
        for _ in range(runs):
            session = BrowseSession(Target(dsn, "bench"))
            await session.open()
            pid = session.backend_pid
            run = SearchRun(session, SearchRequest((r"(q)\1\1\1\1\1\1\1",), SearchMode.REGEX))
            task = asyncio.ensure_future(run.next_page())
            await asyncio.sleep(0.5)
            state = watch.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,))
            assert (state.fetchone() or ("",))[0] == "active", "the search was not running"
            t0 = time.perf_counter()
            await session.cancel()
            while (watch.execute("SELECT state FROM pg_stat_activity WHERE pid = %s",
                                 (pid,)).fetchone() or ("",))[0] == "active":
                await asyncio.sleep(0.002)
            took.append(time.perf_counter() - t0)
            with contextlib.suppress(QueryCancelled):
                await task
            await session.close()
    print(f"{'cancel: backend leaves active':<44} {statistics.median(took) * 1000:7.0f} ms "
          f"median (max {max(took) * 1000:.0f}; {runs} runs)")


async def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--needle", default="needle-000123")
    ap.add_argument("--common", default="the")
    ap.add_argument("--middling", default="zenquade",
                    help="a term in ~1%% of rows: over the index cap, too rare for a quick look")
    ap.add_argument("--fuzzy", default="complaince")
    ap.add_argument("--fuzzy-rare", default="zenquada")
    args = ap.parse_args(argv)
    with psycopg.connect(args.dsn) as conn:
        rows = conn.execute("SELECT count(*) FROM procos_ai_context").fetchone()
        words = conn.execute("SELECT count(*) FROM procos_ai_search_words").fetchone()
    print(f"procos_ai_context: {rows[0] if rows else 0:,} rows; "
          f"word list: {words[0] if words else 0:,} words")
    plan_of_probe(args.dsn, args.needle)
    psql_like(args.dsn, args.needle)
    session = BrowseSession(Target(args.dsn, "bench"))
    await session.open()
    try:
        await timed(session, f"substring, selective ({args.needle})",
                    SearchRequest((args.needle,)), args.repeat)
        await timed(session, f"substring, common ({args.common})",
                    SearchRequest((args.common,)), args.repeat)
        await timed(session, f"substring, middling ({args.middling})",
                    SearchRequest((args.middling,)), args.repeat)
        await timed(session, f"substring + filter (type:output {args.common})",
                    SearchRequest((args.common,), context_type="output"), args.repeat)
        await timed(session, "regex (needle-00012[0-9])",
                    SearchRequest(("needle-00012[0-9]",), SearchMode.REGEX), args.repeat)
        await timed(session, f"fuzzy, one misspelt word ({args.fuzzy})",
                    SearchRequest((args.fuzzy,), SearchMode.FUZZY), args.repeat)
        await timed(session, f"fuzzy, a misspelt rare word ({args.fuzzy_rare})",
                    SearchRequest((args.fuzzy_rare,), SearchMode.FUZZY), args.repeat)
        # The hard case: rare, yet made of common trigrams. Both plans must read thousands
        # of bodies; printed so that nobody is surprised by it.
        await timed(session, '"zenquade cortangels" (a rare phrase)',
                    SearchRequest(("zenquade cortangels",)), 1)
        await timed(session, "zenquade cortangels (two words, rare together)",
                    SearchRequest(("zenquade", "cortangels")), 1)
    finally:
        await session.close()
    await cancel_latency(args.dsn, 5)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
