"""Process list paging cost on a real database: first page, later pages, and the plan.

    python benchmarks/process_list.py --dsn postgresql://postgres@127.0.0.1/bench_100k

Prints the median wall time of the page query (client round trip included), the server's
execution time from EXPLAIN ANALYZE, and whether the plan walks the activity index.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import psycopg

from procos_tui.core.types import ProcessCursor, ProcessFilter
from procos_tui.db.conninfo import Target
from procos_tui.db.queries import browsing as queries
from procos_tui.db.session import BrowseSession


async def page_times(dsn: str, pages: int, limit: int) -> tuple[list[float], list[float]]:
    session = BrowseSession(Target(dsn, "benchmark"))
    await session.open()
    firsts, laters = [], []
    for _ in range(5):
        started = time.perf_counter()
        page = await session.process_page(None, None, limit)
        firsts.append(time.perf_counter() - started)
    cursor = page.next_cursor
    for _ in range(pages):
        if cursor is None:
            break
        started = time.perf_counter()
        page = await session.process_page(None, cursor, limit)
        laters.append(time.perf_counter() - started)
        cursor = page.next_cursor
    await session.close()
    return firsts, laters


def explain(dsn: str, after: ProcessCursor | None, flt: ProcessFilter, limit: int) -> str:
    query, params = queries.process_page(flt, after, limit + 1, with_camunda=False)
    with psycopg.connect(dsn) as conn:
        rendered: Any = query.as_string(conn)
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + rendered, params).fetchall()
    return "\n".join(r[0] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    with psycopg.connect(args.dsn) as conn:
        count = conn.execute("SELECT count(DISTINCT process_instance_id)"
                             " FROM procos_ai_context").fetchone()
        rows = conn.execute("SELECT reltuples::bigint FROM pg_class "
                            "WHERE relname = 'procos_ai_context'").fetchone()
        # A row from the middle of the activity order stands for a cursor half way down.
        deep = conn.execute(
            "SELECT coalesce(created_at, '-infinity'::timestamptz)::text, id::text"
            " FROM procos_ai_context ORDER BY coalesce(created_at, '-infinity'::timestamptz)"
            " DESC, id DESC OFFSET %s LIMIT 1", (max(0, (rows[0] if rows else 0) // 2),)
        ).fetchone()
        some = conn.execute("SELECT process_instance_id FROM procos_ai_context"
                            " ORDER BY id LIMIT 1").fetchone()
    firsts, laters = asyncio.run(page_times(args.dsn, args.pages, args.limit))
    instances, approx_rows = (count[0] if count else 0), (rows[0] if rows else 0)
    print(f"process instances: {instances:,}; context rows ~{approx_rows:,}")
    print(f"first page ({args.limit} rows), median of {len(firsts)}: "
          f"{statistics.median(firsts) * 1000:.1f} ms")
    if laters:
        print(f"later pages, median of {len(laters)}: {statistics.median(laters) * 1000:.1f} ms"
              f" (max {max(laters) * 1000:.1f} ms)")
    for label, after, flt in (
            ("first page", None, ProcessFilter()),
            ("page from the middle", ProcessCursor(*deep) if deep else None, ProcessFilter()),
            ("first page, provider filter", None, ProcessFilter(provider="anthropic")),
            ("one instance by id (--process)", None,
             ProcessFilter(id_prefix=some[0] if some else "x")),
            ("id prefix of 4 characters", None,
             ProcessFilter(id_prefix=some[0][:4] if some else "x"))):
        plan = explain(args.dsn, after, flt, args.limit)
        uses_index = "idx_procos_ai_context_activity" in plan or (
            "idx_procos_ai_context_proc_inst_activity" in plan)
        exec_line = next((ln for ln in plan.splitlines() if "Execution Time" in ln), "")
        print(f"{label}: index scan={uses_index}; {exec_line.strip()}")


if __name__ == "__main__":
    main()
