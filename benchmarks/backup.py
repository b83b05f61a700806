"""`procos-tui backup verify` against the floor it cannot beat: pg_restore reading the same
custom-format dump to /dev/null, timed in the same run.

    python benchmarks/backup.py                      # the demo database (built if needed)
    python benchmarks/backup.py --dsn postgresql://postgres@127.0.0.1/bench

Dumps the AI tables with the newest pg_dump found (as verify finds its tools), then prints
the medians of --runs runs: pg_restore --data-only to /dev/null; verify without --dsn
(structure, counts, suspects); verify with --dsn (every body's length and md5 compared with
the server's). MB/s count the table data pg_restore writes out.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _seconds(argv: list[str], runs: int, ok: tuple[int, ...] = (0,)) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if done.returncode not in ok:
            raise SystemExit(f"{argv[0]} failed ({done.returncode}): "
                             f"{done.stderr.decode(errors='replace')[:500]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", help="the database to dump (default: the demo's)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from procos_tui.db.pgtools import find_tool

    dsn = args.dsn or subprocess.run([str(BIN / "procos-tui"), "demo", "--no-tui"],
                                     capture_output=True, text=True,
                                     check=True).stdout.strip().splitlines()[-1]
    pg_dump, pg_restore = find_tool("pg_dump"), find_tool("pg_restore")
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "ai.dump"
        started = time.perf_counter()
        subprocess.run([str(pg_dump.path), "-Fc", "--table=procos_ai_context",
                        "--table=procos_ai_models", "--table=procos_ai_search_words",
                        "--table=procos_ai_search_words_state", "-f", str(dump), "-d", dsn],
                       check=True)
        dump_s = time.perf_counter() - started
        data = subprocess.run([str(pg_restore.path), "--data-only", "-f", "-", str(dump)],
                              capture_output=True, check=True).stdout
        mb = len(data) / 1e6
        del data
        floor = _seconds([str(pg_restore.path), "--data-only", "-f", "/dev/null", str(dump)],
                         args.runs)
        alone = _seconds([str(BIN / "procos-tui"), "backup", "verify", str(dump)], args.runs,
                         ok=(0, 1))
        compared = _seconds([str(BIN / "procos-tui"), "backup", "verify", str(dump),
                             "--dsn", dsn], args.runs, ok=(0, 1))
        print(f"dump: {dump.stat().st_size / 1e6:.1f} MB custom format, {mb:.1f} MB of table "
              f"data, pg_dump {pg_dump.version} in {dump_s:.1f} s")
        print(f"reference: pg_restore --data-only > /dev/null   {floor:6.2f} s "
              f"({mb / floor:6.1f} MB/s)")
        print(f"backup verify (no --dsn)                        {alone:6.2f} s "
              f"({mb / alone:6.1f} MB/s, {alone / floor:.2f}x the reference)")
        print(f"backup verify --dsn (every body compared)       {compared:6.2f} s "
              f"({mb / compared:6.1f} MB/s, {compared / floor:.2f}x the reference)")


if __name__ == "__main__":
    main()
