"""The guide's operations on the command line: `check --format openmetrics`.
Imports stay inside the commands, as in main.py."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from procos_tui.db.conninfo import Target

CHECK_FORMATS = ("text", "json", "openmetrics")


def add_check_options(check: argparse.ArgumentParser) -> None:
    check.add_argument("--format", choices=CHECK_FORMATS, default=None,
                       help="text (default); json (as --json); openmetrics: the Prometheus "
                            "text exposition format, for node_exporter's textfile collector")


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
