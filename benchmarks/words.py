"""The fuzzy search's word list: how fast `procos-tui refresh-words` fills it, against references.

    python benchmarks/words.py --dsn "host=127.0.0.1 user=postgres dbname=bench" --rows 200000

Fills the word list from nothing over the oldest --rows rows, in the command's own committed-step
calls (20,000 rows each), inside one transaction that is rolled back: the database is left as it
was (the word list is locked meanwhile, so run it on a benchmark database). In the same run, over
the same rows: the previous way (each row's distinct words, then the batch's, which is what the
refresh did before it split whole batches in parallel workers), and reading the text alone.

Target (issue 15): at least 10 MB/s of text, resumable.
"""

from __future__ import annotations

import argparse
import sys
import time

import psycopg

STEP_ROWS = 20_000  # the command's step (cli/search.py REFRESH_STEP_ROWS)
OLDEST = """
    SELECT c.content_text FROM procos_ai_context AS c
    ORDER BY coalesce(c.created_at, '-infinity'::timestamptz), c.id LIMIT %(rows)s
"""


def mb_s(nbytes: int, secs: float) -> str:
    return f"{nbytes / 1e6 / secs:6.1f} MB/s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--rows", type=int, default=200_000)
    args = ap.parse_args(argv)
    with psycopg.connect(args.dsn) as conn:
        conn.execute("SET statement_timeout = 0")
        row = conn.execute(f"SELECT count(*), coalesce(sum(octet_length(content_text)), 0)"
                           f" FROM ({OLDEST}) AS o", {"rows": args.rows}).fetchone()
        rows, nbytes = (int(row[0]), int(row[1])) if row else (0, 0)
        workers = conn.execute("SHOW max_parallel_workers_per_gather").fetchone()
        print(f"{rows:,} rows, {nbytes / 1e6:,.1f} MB of text; "
              f"max_parallel_workers_per_gather = {workers[0] if workers else '?'}")

        t0 = time.perf_counter()
        conn.execute(f"SELECT sum(octet_length(lower(o.content_text))) FROM ({OLDEST}) AS o",
                     {"rows": args.rows})
        read = time.perf_counter() - t0
        print(f"{'reading the text alone (lower())':<46} {read:7.1f} s  {mb_s(nbytes, read)}")

        t0 = time.perf_counter()
        old = conn.execute(f"SELECT count(DISTINCT w) FROM ({OLDEST}) AS o,"
                           " procos_ai_words(o.content_text) AS w", {"rows": args.rows}
                           ).fetchone()
        before = time.perf_counter() - t0
        print(f"{'before: distinct words row by row':<46} {before:7.1f} s  "
              f"{mb_s(nbytes, before)}  ({old[0] if old else 0:,} words)")

        conn.execute("TRUNCATE procos_ai_search_words")
        conn.execute("UPDATE procos_ai_search_words_state"
                     " SET covered_until = NULL, read_at = NULL, read_id = NULL")
        t0 = time.perf_counter()
        done, resume = 0, False
        while done < rows:
            step = conn.execute("SELECT procos_ai_refresh_search_words(%s, %s)",
                                (min(STEP_ROWS, rows - done), resume)).fetchone()
            got = int(step[0]) if step else 0
            if got <= 0:
                break
            done, resume = done + got, True
        took = time.perf_counter() - t0
        words = conn.execute("SELECT count(*) FROM procos_ai_search_words").fetchone()
        print(f"{'procos_ai_refresh_search_words, in steps':<46} {took:7.1f} s  "
              f"{mb_s(nbytes, took)}  ({words[0] if words else 0:,} words, {done:,} rows); "
              f"{before / took:.1f}x before")
        conn.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
