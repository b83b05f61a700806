"""The `procos-tui` command line. Imports stay inside the commands: `--help` and `--version`
answer without loading psycopg or Textual, and the TUI's first frame pays only for what it uses."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from procos_tui import __version__

if TYPE_CHECKING:
    from procos_tui.db.conninfo import Target

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A one-line message for stderr, then exit 2."""


def _connection_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--dsn", default=default, metavar="DSN",
                        help="libpq connection string or URI (beats PROCOS_DSN and --profile)")
    parser.add_argument("--profile", default=default, metavar="NAME",
                        help="named connection profile from the config file")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="procos-tui",
        description="Read, search and check the AI conversations ProcOS stores in PostgreSQL.",
        epilog="Connection: --dsn > PROCOS_DSN > --profile > libpq environment "
               "(PGHOST, PGSERVICE, ~/.pgpass). Browsing is read-only at the server.",
    )
    parser.add_argument("--version", action="version", version=f"procos-tui {__version__}")
    _connection_options(parser, top=True)
    parser.add_argument("--process", metavar="ID", help="open straight on one process instance")
    parser.add_argument("--read-only", action="store_true",
                        help="never write, not even from the model editor")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="embedded PostgreSQL with demo data, then the TUI")
    demo.add_argument("--reset", action="store_true", help="rebuild the demo database")
    demo.add_argument("--no-tui", action="store_true",
                      help="prepare the demo database, print its DSN and leave the server "
                           "running for other clients (stop it with --stop)")
    demo.add_argument("--stop", action="store_true", help="stop a demo server left running")

    init = sub.add_parser("init-db", help="apply scripts/init-db.sql to the database")
    _connection_options(init, top=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "init-db":
            return cmd_init_db(args)
        if args.command == "demo":
            return cmd_demo(args)
        return cmd_tui(args)
    except CliError as exc:
        print(f"procos-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _target(args: argparse.Namespace) -> Target:
    from procos_tui.db.conninfo import ConnInfoError, resolve

    try:
        return resolve(dsn=args.dsn, profile=args.profile)
    except ConnInfoError as exc:
        raise CliError(str(exc)) from None


def cmd_init_db(args: argparse.Namespace) -> int:
    from procos_tui.db.connect import DatabaseError, connect_sync, one_line
    from procos_tui.db.schema import apply_schema, init_sql_path

    target = _target(args)
    try:
        with connect_sync(target, read_only=False, lock_timeout_ms=10_000) as conn:
            result = apply_schema(conn)
    except DatabaseError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # psycopg.Error from the script itself
        raise CliError(f"init-db failed on {target.display}: {one_line(exc)}") from None
    print(f"Applied {init_sql_path().name} to {target.display} "
          f"(PostgreSQL {result.server_version}, database {result.database}):")
    for notice in result.notices:
        print(f"  {notice}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from procos_tui.db.conninfo import Target
    from procos_tui.db.embedded import EmbeddedUnavailable, demo_pgdata, stop_if_running
    from procos_tui.demo.load import prepare_demo

    if args.stop:
        stopped = stop_if_running(demo_pgdata())
        print("demo server stopped" if stopped else "no demo server was running")
        return EXIT_OK

    def progress(message: str) -> None:
        print(f"procos-tui demo: {message}", file=sys.stderr, flush=True)

    try:
        server, conninfo = prepare_demo(demo_pgdata(), reset=args.reset,
                                        keep_running=args.no_tui, progress=progress)
    except EmbeddedUnavailable as exc:
        raise CliError(str(exc)) from None
    if args.no_tui:
        print(conninfo)
        return EXIT_OK
    try:
        return _run_app(Target(conninfo, "embedded demo"), args)
    finally:
        server.stop()


def cmd_tui(args: argparse.Namespace) -> int:
    return _run_app(_target(args), args)


def _run_app(target: Target, args: argparse.Namespace) -> int:
    from procos_tui.ui.app import ProcosApp

    app = ProcosApp(target, read_only=args.read_only, process_id=args.process)
    app.run()
    if app.fatal_error:
        print(f"procos-tui: {app.fatal_error}", file=sys.stderr)
        return EXIT_USAGE
    return app.return_code or EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
