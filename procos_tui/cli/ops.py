"""The guide's operations on the command line: `check --format openmetrics`, `check
--roundtrip`, `backup verify`. Imports stay inside the commands, as in main.py."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from procos_tui.db.conninfo import Target

CHECK_FORMATS = ("text", "json", "openmetrics")


def add_check_options(check: argparse.ArgumentParser) -> None:
    check.add_argument("--format", choices=CHECK_FORMATS, default=None,
                       help="text (default); json (as --json); openmetrics: the Prometheus "
                            "text exposition format, for node_exporter's textfile collector")
    check.add_argument("--roundtrip", action="store_true",
                       help="write 1, 10 and 50 MB AI context rows in a transaction that is "
                            "always rolled back, read them back and compare byte for byte")
    check.add_argument("--sizes", default="1,10,50", metavar="MB,...",
                       help="the round trip's body sizes in MB (default 1,10,50)")
    check.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                       help="never write (refuses --roundtrip)")


def _usage(message: str) -> int:
    from procos_tui.cli.main import CliError

    raise CliError(message)


def cmd_check_ops(args: argparse.Namespace, target: Callable[[argparse.Namespace], Target]
                  ) -> int | None:
    """The check's operations forms; None for the text and JSON reports (cmd_check's)."""
    if args.json and args.format not in (None, "json"):
        return _usage(f"--json and --format {args.format} contradict each other")
    args.format = "json" if args.json else (args.format or "text")
    args.json = args.format == "json"
    if args.roundtrip:
        if args.format != "text":
            return _usage("--roundtrip prints a text report only")
        return cmd_roundtrip(args, target)
    if args.format == "openmetrics":
        return cmd_check_openmetrics(args, target(args))
    return None


def cmd_check_openmetrics(args: argparse.Namespace, target: Target) -> int:
    import psycopg

    from procos_tui.cli.main import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.openmetrics import render
    from procos_tui.db.connect import connect_sync, one_line
    from procos_tui.db.gateway import HEALTH_TIMEOUT_MS
    from procos_tui.db.health import run_check
    from procos_tui.db.metrics import check_up, collect

    visible = sys.stdout.isatty()
    started = time.monotonic()
    try:
        with connect_sync(target, read_only=True, statement_timeout_ms=HEALTH_TIMEOUT_MS) as conn:
            report = run_check(conn)
            metrics = collect(conn, report)
    except (DatabaseError, psycopg.Error) as exc:
        # The collector still gets a file that says the check is down.
        sys.stdout.write(render(check_up(False), visible_controls=visible))
        sys.stdout.flush()
        message = str(exc) if isinstance(exc, DatabaseError) else (
            f"check failed on {target.display}: {one_line(exc)}")
        print(f"procos-tui: {message}", file=sys.stderr)
        return EXIT_USAGE
    metrics = check_up(True, time.monotonic() - started) + metrics
    sys.stdout.write(render(metrics, visible_controls=visible))
    sys.stdout.flush()
    return EXIT_FINDINGS if report.findings else EXIT_OK


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or any(not 0 < size <= 1024 for size in sizes):
        _usage("--sizes takes whole megabytes from 1 to 1024, separated by commas")
    return sizes


def cmd_roundtrip(args: argparse.Namespace, target: Callable[[argparse.Namespace], Target]
                  ) -> int:
    from procos_tui.cli.main import EXIT_FINDINGS, EXIT_OK

    sizes = _sizes(args.sizes)
    if args.read_only:
        return _usage("check --roundtrip writes (and rolls back) rows: refused under "
                      "--read-only")
    import psycopg

    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.roundtrip import NOT_STORABLE, RoundtripRefused
    from procos_tui.core.sanitize import human_size
    from procos_tui.db.connect import connect_sync, one_line
    from procos_tui.db.roundtrip import run_roundtrip

    where = target(args)

    def progress(message: str) -> None:
        print(f"procos-tui: {message}", file=sys.stderr, flush=True)

    try:
        # No statement timeout: 50 MB through the trigram index may rightly take a while.
        with connect_sync(where, read_only=False, statement_timeout_ms=0,
                          lock_timeout_ms=10_000) as conn:
            report = run_roundtrip(conn, sizes, progress)
    except RoundtripRefused as exc:
        return _usage(str(exc))
    except DatabaseError as exc:
        return _usage(str(exc))
    except psycopg.Error as exc:
        return _usage(f"round trip failed on {where.display} (nothing was committed): "
                      f"{one_line(exc)}")
    print(f"procos-tui check --roundtrip of {where.display} ({report.server}), "
          "in a transaction rolled back at the end:")
    for row in report.rows:
        verdict = "same" if row.same else "DIFFERS"
        print(f"  {human_size(row.size_bytes):>8} {verdict}: {row.detail}; "
              f"write {row.write_mb_s:.1f} MB/s, read {row.read_mb_s:.1f} MB/s")
    print(f"  every body holds the sanitiser's {report.hostile_count} hostile characters "
          f"and multi-byte text (not storable, so not sent: {NOT_STORABLE})")
    print(f"  JSONB nested 200 deep with hostile keys: {report.json_detail}")
    for line in report.camunda:
        print(f"  {line}")
    print("  nothing was committed; the rolled-back rows are dead tuples until (auto)vacuum")
    return EXIT_OK if report.ok else EXIT_FINDINGS


def add_backup_parser(sub: Any, connection_options: Callable[..., None]) -> None:
    backup = sub.add_parser("backup", help="check backups of the AI tables")
    actions = backup.add_subparsers(dest="backup_command", metavar="ACTION", required=True)
    verify = actions.add_parser(
        "verify", help="read a pg_dump (plain, gzip, custom, directory or tar) and check that "
                       "the AI tables and their rows are in it, whole (exit 0 all there, "
                       "1 findings, 2 not a dump or unreadable)",
        epilog="Archives are read with pg_restore: from PG_BINDIR when set, else the newest of "
               "the one on PATH and the embedded server's (the `embedded` extra). With --dsn "
               "(or --profile) every row's body is compared with the database's, by length "
               "and md5 computed on the server.")
    verify.add_argument("dump", metavar="DUMP", help="the dump file (or directory)")
    verify.add_argument("--json", action="store_true", help="one JSON object on stdout")
    connection_options(verify, top=False)


def cmd_backup(args: argparse.Namespace, target: Callable[[argparse.Namespace], Target]
               ) -> int:
    import json
    from pathlib import Path

    import psycopg

    from procos_tui.cli.main import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
    from procos_tui.core.backup import DumpUnreadable
    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.sanitize import sanitize_plain
    from procos_tui.db.backup import verify
    from procos_tui.db.connect import connect_sync, one_line

    path = Path(args.dump)
    shown = sanitize_plain(args.dump)
    conn_factory = None
    if args.dsn or args.profile:
        where = target(args)

        def conn_factory() -> Any:
            return connect_sync(where, read_only=True, statement_timeout_ms=0)

    def progress(message: str) -> None:
        print(f"procos-tui: {message}", file=sys.stderr, flush=True)

    try:
        report = verify(path, conn_factory, progress)
    except DumpUnreadable as exc:
        print(f"procos-tui: {shown}: {sanitize_plain(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except DatabaseError as exc:
        return _usage(str(exc))
    except psycopg.Error as exc:
        return _usage(f"comparing with the database failed: {one_line(exc)}")
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return EXIT_FINDINGS if report.findings else EXIT_OK
    facts = report.facts
    made = ", ".join(x for x in (
        report.format,
        f"pg_dump {facts['Dumped by pg_dump version']}"
        if facts.get("Dumped by pg_dump version") else "",
        f"database {facts['dbname']}" if facts.get("dbname") else "",
        f"made {facts['created']}" if facts.get("created") else "") if x)
    print(f"procos-tui backup verify of {shown} ({sanitize_plain(made)}):")
    for table in report.tables.values():
        if not (table.defined or table.data or table.live_rows):
            continue
        live = "" if table.live_rows is None else f" (database: {table.live_rows:,})"
        print(f"  {table.table:<30} definition {'yes' if table.defined else 'NO ':<3}  "
              f"data {'yes' if table.data else 'NO ':<3}  {table.rows:,} rows{live}")
    if report.compared:
        newer = (f"; {report.newer_than_dump:,} newer rows in the database than the dump"
                 if report.newer_than_dump else "")
        print(f"  bodies compared with the database by length and md5{newer}")
    elif report.suspects:
        for row_id, pid, chars in report.suspects:
            print(f"  cut-looking output {sanitize_plain(row_id)} of "
                  f"{sanitize_plain(pid)}: {chars} characters")
    rate = report.bytes_read / 1e6 / report.seconds if report.seconds else 0.0
    print(f"  read {report.bytes_read / 1e6:,.1f} MB of table data in {report.seconds:.1f} s "
          f"({rate:,.0f} MB/s)")
    for finding in report.findings:
        print(f"  finding: {sanitize_plain(finding)}")
    if not report.findings:
        print("  the AI data is all there")
    return EXIT_FINDINGS if report.findings else EXIT_OK


def add_partition_parser(sub: Any, connection_options: Callable[..., None]) -> None:
    from procos_tui.core.partitioning import DEFAULT_BATCH_ROWS, DEFAULT_MONTHS_AHEAD

    part = sub.add_parser(
        "partition", help="partition procos_ai_context by month of created_at: print the plan "
                          "(default), --apply it, or --ensure the months ahead (from cron)",
        epilog="--apply copies the rows in committed batches while ProcOS goes on writing, "
               "then swaps the tables under a lock held for milliseconds. It needs a session "
               "of its own (not a transaction pooler) and free disk for a copy of the table. "
               "Stopped halfway, it goes on from where it stopped when run again.")
    what = part.add_mutually_exclusive_group()
    what.add_argument("--apply", action="store_true", help="carry out the plan")
    what.add_argument("--ensure", type=int, metavar="N",
                      help="create the partitions of every month up to N months ahead "
                           "(0-120) and move rows that belong to them out of the default")
    part.add_argument("--months-ahead", type=int, default=DEFAULT_MONTHS_AHEAD, metavar="N",
                      help=f"partitions created ahead of now by --apply "
                           f"(default {DEFAULT_MONTHS_AHEAD})")
    part.add_argument("--batch-rows", type=int, default=DEFAULT_BATCH_ROWS, metavar="N",
                      help=f"rows per committed batch of the copy (default "
                           f"{DEFAULT_BATCH_ROWS:,})")
    part.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                      help="refuse --apply and --ensure")
    connection_options(part, top=False)


def cmd_partition(args: argparse.Namespace, target: Callable[[argparse.Namespace], Target]
                  ) -> int:
    from procos_tui.cli.main import EXIT_OK

    ahead = args.ensure if args.ensure is not None else args.months_ahead
    if not 0 <= ahead <= 120:
        return _usage("the months ahead are a whole number from 0 to 120")
    if not 1_000 <= args.batch_rows <= 10_000_000:
        return _usage("--batch-rows is a whole number from 1000 to 10000000")
    writes = args.apply or args.ensure is not None
    if writes and getattr(args, "read_only", False):
        return _usage("partition --apply and --ensure write: refused under --read-only")
    import psycopg

    from procos_tui.core.errors import DatabaseError
    from procos_tui.db import partition
    from procos_tui.db.connect import connect_sync, one_line, write_refusal

    where = target(args)

    def progress(message: str) -> None:
        print(f"procos-tui: {message}", file=sys.stderr, flush=True)

    try:
        with connect_sync(where, read_only=not writes, statement_timeout_ms=0,
                          lock_timeout_ms=10_000, session=writes) as conn:
            if not writes:
                for line in partition.plan(conn, args.months_ahead, args.batch_rows).lines():
                    print(line)
                return EXIT_OK
            refusal = write_refusal(conn)
            if refusal:
                return _usage(f"partition cannot write to {where.display}: {refusal}")
            if partition.layout(conn) == "missing":
                return _usage("procos_ai_context does not exist: run procos-tui init-db first")
            if args.ensure is not None:
                if partition.layout(conn) != "partitioned":
                    return _usage("procos_ai_context is not partitioned: procos-tui partition "
                                  "prints the plan, --apply carries it out")
                made = partition.ensure(conn, ahead)
                print(f"partitions up to {ahead} months ahead: "
                      + (f"created {', '.join(made)}" if made else "all there already"))
                return EXIT_OK
            result = partition.migrate(conn, progress, args.months_ahead, args.batch_rows)
    except DatabaseError as exc:
        return _usage(str(exc))
    except psycopg.Error as exc:
        return _usage(f"partition failed on {where.display} (committed batches stay; run it "
                      f"again to go on): {one_line(exc)}")
    if not result.rows_copied and not result.lock_attempts:
        print("procos_ai_context is partitioned already: nothing to do")
        return EXIT_OK
    print(f"procos_ai_context is partitioned by month of created_at: {result.rows_copied:,} "
          f"rows copied in {result.copy_seconds:.1f} s ({result.rows_per_second:,.0f} rows/s); "
          f"the swap held its lock {result.lock_ms} ms (attempt {result.lock_attempts}); "
          f"{result.total_seconds:.1f} s in all")
    print("The old table is kept as procos_ai_context_unpartitioned: DROP TABLE "
          "procos_ai_context_unpartitioned; once you no longer need it. Create the months "
          "ahead from cron: procos-tui partition --ensure 3")
    return EXIT_OK
