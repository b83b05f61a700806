"""Does `procos-tui tail --json` keep up with a fast writer? The writer's own rate is the
reference, measured in the same run.

    python benchmarks/tail.py --dsn postgresql://postgres@127.0.0.1/scratch   # init-db applied

A writer thread inserts --rows rows in committed batches of --batch as fast as the server
takes them (COPY); `procos-tui tail --json` runs beside it from the start. Prints the writer's
rows/s, tail's rows/s over the same rows, and how long after the last commit tail printed the
last row. The rows it writes are deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
import uuid

import psycopg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    tag = f"tail-bench-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen([sys.executable, "-m", "procos_tui", "tail", "--dsn", args.dsn,
                             "--json", "--process", tag], stdout=subprocess.PIPE, text=True)
    time.sleep(2.0)  # tail connected and at its start
    done_writing: list[float] = []

    def write() -> None:
        with psycopg.connect(args.dsn, autocommit=True) as conn:
            for start in range(0, args.rows, args.batch):
                with conn.transaction(), conn.cursor().copy(
                        "COPY procos_ai_context (process_instance_id, context_type, "
                        "content_data, content_text) FROM STDIN") as copy:
                    for n in range(start, min(args.rows, start + args.batch)):
                        copy.write_row((tag, "output", json.dumps({"n": n}), f"row {n}"))
        done_writing.append(time.perf_counter())

    began = time.perf_counter()
    writer = threading.Thread(target=write)
    writer.start()
    seen = 0
    assert proc.stdout is not None
    for _line in proc.stdout:
        seen += 1
        if seen == args.rows:
            break
    printed = time.perf_counter()
    writer.join()
    proc.terminate()
    proc.wait()
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id = %s", (tag,))
    wrote = done_writing[0] - began
    print(f"reference: writer {args.rows:,} rows in {wrote:.2f} s = {args.rows / wrote:,.0f} "
          f"rows/s (COPY, batches of {args.batch})")
    print(f"tail --json: {seen:,} rows in {printed - began:.2f} s = "
          f"{seen / (printed - began):,.0f} rows/s; the last row {printed - done_writing[0]:.2f} s "
          "after its commit")


if __name__ == "__main__":
    main()
