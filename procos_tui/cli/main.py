"""The `procos-tui` command line. Imports stay inside the commands: `--help` and `--version`
answer without loading psycopg or Textual, and the TUI's first frame pays only for what it uses."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from procos_tui import __version__

if TYPE_CHECKING:
    from procos_tui.core.keymap import Action
    from procos_tui.db.conninfo import Target
    from procos_tui.db.prefetch import Prefetch

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
    parser.add_argument("--demo", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help="the demo's database (its embedded server started if needed, "
                             "and left running; `procos-tui demo --stop` stops it)")


def _tui_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    # Accepted before and after a subcommand: `procos-tui demo --process ID` reads naturally.
    default: object = None if top else argparse.SUPPRESS
    parser.add_argument("--process", default=default, metavar="ID",
                        help="open straight on one process instance")
    parser.add_argument("--read-only", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help="never write, not even from the model editor")
    parser.add_argument("--follow", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help="start in follow mode: the list (or --process's conversation) "
                             "shows rows as they are stored (F stops it)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="procos-tui",
        description="Read, search and check the AI conversations ProcOS stores in PostgreSQL.",
        epilog="Connection: --dsn > PROCOS_DSN > --profile > libpq environment "
               "(PGHOST, PGSERVICE, ~/.pgpass). Browsing is read-only at the server.",
    )
    parser.add_argument("--version", action="version", version=f"procos-tui {__version__}")
    _connection_options(parser, top=True)
    _tui_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="embedded PostgreSQL with demo data, then the TUI")
    demo.add_argument("--reset", action="store_true", help="rebuild the demo database")
    demo.add_argument("--no-tui", action="store_true",
                      help="prepare the demo database, print its DSN and leave the server "
                           "running for other clients (stop it with --stop)")
    demo.add_argument("--stop", action="store_true", help="stop a demo server left running")
    _tui_options(demo, top=False)

    init = sub.add_parser("init-db", help="apply scripts/init-db.sql to the database, then "
                                           "fill the fuzzy search's word list and the "
                                           "triage rollups")
    init.add_argument("--no-words", action="store_true",
                      help="skip filling the word list and the rollups (minutes on millions "
                           "of rows; `procos-tui refresh` does it later)")
    _connection_options(init, top=False)

    check = sub.add_parser(
        "check", help="schema drift against init-db.sql and truncation findings "
                      "(exit 0 none, 1 findings, 2 cannot connect)")
    check.add_argument("--json", action="store_true", help="one JSON object on stdout")
    _connection_options(check, top=False)
    from procos_tui.cli.ops import add_check_options

    add_check_options(check)

    export = sub.add_parser("export", help="write one process instance's AI context as "
                                           "Markdown or JSON")
    export.add_argument("process_instance_id", metavar="ID", help="process instance id")
    export.add_argument("--format", choices=("md", "json"), default="md",
                        help="md (default): for reading; json: every column, exact values")
    export.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE, replacing it only once the export is complete "
                             "(default: stdout)")
    _connection_options(export, top=False)

    keys = sub.add_parser("keys", help="print the keymap in force (the defaults with "
                                        "config.toml's [keys]); exit 2 when [keys] is wrong")
    keys.add_argument("--json", action="store_true",
                      help="a JSON array of {action, keys, where, description}")

    from procos_tui.cli.search import add_parsers
    from procos_tui.cli.triage import add_parsers as add_triage_parsers

    add_parsers(sub, _connection_options)
    from procos_tui.cli.ops import add_backup_parser

    add_backup_parser(sub, _connection_options)
    from procos_tui.cli.ops import add_partition_parser

    add_partition_parser(sub, _connection_options)
    add_triage_parsers(sub, _connection_options)
    from procos_tui.cli.compare import add_diff_parser

    add_diff_parser(sub, _connection_options)
    from procos_tui.cli.tail import add_tail_parser

    add_tail_parser(sub, _connection_options)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _refuse_undecodable(args)
        if args.command == "init-db":
            return cmd_init_db(args)
        if args.command == "check":
            from procos_tui.cli.ops import cmd_check_ops

            done = cmd_check_ops(args, _target)
            return cmd_check(args) if done is None else done
        if args.command == "demo" or (args.command is None and args.demo):
            if args.command is None:  # `procos-tui --demo`: the same as `procos-tui demo`
                args.reset = args.no_tui = args.stop = False
            return cmd_demo(args)
        if args.command == "export":
            return cmd_export(args)
        if args.command == "keys":
            return cmd_keys(args)
        if args.command == "search":
            from procos_tui.cli.search import cmd_search

            return cmd_search(args, _target(args))
        if args.command == "backup":
            from procos_tui.cli.ops import cmd_backup

            return cmd_backup(args, _target)
        if args.command == "partition":
            from procos_tui.cli.ops import cmd_partition

            return cmd_partition(args, _target)
        if args.command in ("refresh", "refresh-words"):
            from procos_tui.cli.triage import cmd_refresh

            return cmd_refresh(_target(args), args.rebuild, args.command)
        if args.command == "processes":
            from procos_tui.cli.triage import cmd_processes

            return cmd_processes(args, _target(args))
        if args.command == "tail":
            from procos_tui.cli.tail import cmd_tail

            return cmd_tail(args, _target(args))
        if args.command == "diff":
            from procos_tui.cli.compare import cmd_diff

            return cmd_diff(args, _target(args))
        if args.command == "stats":
            from procos_tui.cli.triage import cmd_stats

            return cmd_stats(args, _target(args))
        return cmd_tui(args)
    except CliError as exc:
        print(f"procos-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _refuse_undecodable(args: argparse.Namespace) -> None:
    """An argument whose bytes are not UTF-8 arrives with surrogate escapes, which no query
    and no file name of ours can carry: say so at once rather than fail halfway."""
    for name, value in vars(args).items():
        if isinstance(value, str) and any("\udc80" <= c <= "\udcff" for c in value):
            from procos_tui.core.sanitize import sanitize_plain

            shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            raise CliError(f"{name.replace('_', ' ')} is not valid UTF-8: "
                           f"{sanitize_plain(shown)!r}")


def _target(args: argparse.Namespace) -> Target:
    from procos_tui.db.conninfo import ConnInfoError, Target, resolve

    if getattr(args, "demo", False):
        if args.dsn or args.profile:
            raise CliError("--demo names the database already: give it without --dsn and "
                           "--profile")
        from procos_tui.db.embedded import EmbeddedUnavailable, demo_pgdata
        from procos_tui.demo.load import prepare_demo

        def progress(message: str) -> None:
            print(f"procos-tui demo: {message}", file=sys.stderr, flush=True)

        try:
            _, conninfo = prepare_demo(demo_pgdata(), reset=False, keep_running=True,
                                       progress=progress)
        except EmbeddedUnavailable as exc:
            raise CliError(str(exc)) from None
        return Target(conninfo, "embedded demo")
    try:
        return resolve(dsn=args.dsn, profile=args.profile)
    except ConnInfoError as exc:
        raise CliError(str(exc)) from None


def cmd_init_db(args: argparse.Namespace) -> int:
    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.sanitize import sanitize_plain
    from procos_tui.db.connect import connect_sync, one_line, write_refusal
    from procos_tui.db.schema import apply_schema, build_indexes_concurrently, init_sql_path

    target = _target(args)
    try:
        with connect_sync(target, read_only=False, lock_timeout_ms=10_000,
                          session=True) as conn:
            refusal = write_refusal(conn)
            if refusal:
                raise CliError(f"init-db cannot write to {target.display}: {refusal}")
            built = build_indexes_concurrently(conn)
            result = apply_schema(conn)
    except DatabaseError as exc:
        raise CliError(str(exc)) from None
    except CliError:
        raise
    except Exception as exc:  # psycopg.Error from the script itself
        raise CliError(f"init-db failed on {target.display}: {one_line(exc)}") from None
    # The server's words (its version, the database's name, the script's notices) are outside
    # text like any stored row.
    print(f"Applied {init_sql_path().name} to {target.display} "
          f"(PostgreSQL {sanitize_plain(result.server_version)}, "
          f"database {sanitize_plain(result.database)}):")
    for line in built:
        print(f"  {sanitize_plain(line)}")
    for notice in result.notices:
        print(f"  {sanitize_plain(notice)}")
    if args.no_words:
        print("Skipped the search word list and the rollups (--no-words): run "
              "procos-tui refresh")
        return EXIT_OK
    from procos_tui.cli.triage import cmd_refresh

    return cmd_refresh(target)


def cmd_export(args: argparse.Namespace) -> int:
    import psycopg

    from procos_tui.core.errors import DatabaseError, UnknownProcess
    from procos_tui.core.sanitize import sanitize_plain
    from procos_tui.db.connect import connect_sync, one_line
    from procos_tui.db.export import export_process, export_to_file

    target = _target(args)
    to_file = args.output not in (None, "-")
    # Raw bytes would drive the terminal (escape sequences, bidi reordering); a file or a pipe
    # gets them exactly.
    visible = not to_file and sys.stdout.isatty()
    try:
        # No statement timeout: reading a large instance may rightly take long.
        with connect_sync(target, read_only=True, statement_timeout_ms=0) as conn:
            if to_file:
                result = export_to_file(conn, args.process_instance_id, args.format,
                                        args.output)
            else:
                result = export_process(conn, args.process_instance_id, args.format,
                                        sys.stdout.buffer, visible_controls=visible)
                sys.stdout.flush()
    except UnknownProcess as exc:
        print(f"procos-tui: {sanitize_plain(str(exc))}", file=sys.stderr)
        return EXIT_FINDINGS
    except DatabaseError as exc:
        raise CliError(str(exc)) from None
    except psycopg.Error as exc:
        raise CliError(f"export failed on {target.display}: {one_line(exc)}") from None
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours. Point stdout at /dev/null so
        # that flushing at exit does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        raise CliError(f"cannot write {sanitize_plain(args.output or 'stdout')}: "
                       f"{exc.strerror or exc}") from None
    for note in result.notes:
        print(f"procos-tui: {note}", file=sys.stderr)
    rows = f"{result.rows} row{'s' if result.rows != 1 else ''}"
    if to_file:
        print(f"procos-tui: wrote {rows}, {result.bytes_written} bytes to "
              f"{sanitize_plain(args.output)}", file=sys.stderr)
    elif visible:
        what = ("control characters were made visible" if args.format == "md"
                else "control characters were written as \\u escapes")
        print(f"procos-tui: {what}; use -o FILE for the exact bytes", file=sys.stderr)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    import json

    import psycopg

    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.sanitize import sanitize_plain
    from procos_tui.db.connect import connect_sync, one_line
    from procos_tui.db.gateway import HEALTH_TIMEOUT_MS
    from procos_tui.db.health import run_check

    target = _target(args)
    try:
        with connect_sync(target, read_only=True, statement_timeout_ms=HEALTH_TIMEOUT_MS) as conn:
            report = run_check(conn)
    except DatabaseError as exc:
        raise CliError(str(exc)) from None
    except psycopg.Error as exc:
        raise CliError(f"check failed on {target.display}: {one_line(exc)}") from None
    if args.json:
        from procos_tui.cli.search import escape_unsafe_json

        # Catalog names and stored ids are outside text: the same escapes as search --json.
        print(escape_unsafe_json(json.dumps(report.as_json(), ensure_ascii=False, indent=2,
                                            default=str)))
        return EXIT_FINDINGS if report.findings else EXIT_OK
    # Everything below may quote the catalog (index, table, database names) or stored ids.
    shown = sanitize_plain
    print(f"procos-tui check of {shown(target.display)}: {len(report.findings)} finding(s)")
    for finding in report.findings:
        print(f"  {finding.kind.value:<19} {shown(finding.subject)}: {shown(finding.detail)}")
        if finding.fix:
            print(f"  {'':<19} fix: {shown(finding.fix)}")
    print(f"  Camunda: {shown(report.camunda)}")
    for skipped in report.skipped:
        print(f"  skipped on a standby: {shown(skipped)}")
    for table in report.stats.tables:
        if report.skipped:
            print(f"  table {shown(table.label)}: {table.bytes:,} bytes, {table.rows_text}")
            continue
        advice = table.advice()
        print(f"  table {shown(table.label)}: {table.bytes:,} bytes, {table.rows_text}, "
              f"{table.dead_tuples:,} dead ({table.dead_text}), vacuumed "
              f"{shown(table.last_vacuumed or 'never')}, analysed "
              f"{shown(table.last_analyzed or 'never')}: {advice.action}"
              + ("" if advice.action == "ok" else f" ({shown(advice.why)})"))
    missing = report.stats.camunda_indexes_missing
    if missing:
        print(f"  optimize_camunda_for_ai() would create {shown(', '.join(missing))} "
              "(run `procos-tui init-db`, or the function, as a role that owns them)")
    unused = report.stats.unused_indexes
    if unused:
        print(f"  indexes not used since statistics were reset: {shown(', '.join(unused))}")
    return EXIT_FINDINGS if report.findings else EXIT_OK


def _keymap() -> tuple[Action, ...]:
    from procos_tui.db.conninfo import ConnInfoError, load_keys

    try:
        return load_keys()
    except ConnInfoError as exc:
        raise CliError(str(exc)) from None


def _cockpit_url() -> str | None:
    from procos_tui.db.conninfo import ConnInfoError, load_cockpit_url

    try:
        return load_cockpit_url()
    except ConnInfoError as exc:
        raise CliError(str(exc)) from None


def cmd_keys(args: argparse.Namespace) -> int:
    import json

    from procos_tui.core import keymap

    actions = _keymap()
    if args.json:
        print(json.dumps(keymap.as_json(actions), indent=2, ensure_ascii=True))
    else:
        print(keymap.text_table(actions), end="")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from procos_tui.db.conninfo import Target
    from procos_tui.db.embedded import EmbeddedUnavailable, demo_pgdata, stop_if_running
    from procos_tui.demo.load import prepare_demo

    if args.stop:
        stopped = stop_if_running(demo_pgdata())
        print("demo server stopped" if stopped else "no demo server was running")
        return EXIT_OK
    keys = None if args.no_tui else _keymap()  # a wrong [keys]: said before any work
    cockpit = None if args.no_tui else _cockpit_url()

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
        return _run_app(Target(conninfo, "embedded demo"), args, keys=keys,
                        cockpit_url=cockpit)
    finally:
        server.stop()


def cmd_tui(args: argparse.Namespace) -> int:
    from procos_tui.db.prefetch import Prefetch

    keys = _keymap()  # a wrong [keys] says so before the screen takes the terminal
    cockpit = _cockpit_url()
    # Forked before anything heavy is imported: the child connects while Textual starts.
    prefetch = None if args.process else Prefetch.start(args.dsn, args.profile)
    if prefetch is None:
        return _run_app(_target(args), args, keys=keys, cockpit_url=cockpit)
    from procos_tui.db.conninfo import ConnInfoError, resolve

    try:
        target = resolve(dsn=args.dsn, profile=args.profile, validate=False)
    except ConnInfoError as exc:
        prefetch.abandon()
        raise CliError(str(exc)) from None
    return _run_app(target, args, prefetch, keys, cockpit)


def _run_app(target: Target, args: argparse.Namespace, prefetch: Prefetch | None = None,
             keys: tuple[Action, ...] | None = None, cockpit_url: str | None = None) -> int:
    from procos_tui.db.gateway import Gateway
    from procos_tui.ui.app import ProcosApp

    app = ProcosApp(Gateway(target, read_only=args.read_only, prefetch=prefetch),
                    process_id=args.process, keys=keys, cockpit_url=cockpit_url,
                    follow=args.follow)
    app.run()
    if app.fatal_error:
        from procos_tui.core.sanitize import sanitize_plain

        # Often a server's words (a startup FATAL, a catalog name): never raw to the terminal.
        print(f"procos-tui: {sanitize_plain(app.fatal_error)}", file=sys.stderr)
        return EXIT_USAGE
    return app.return_code or EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
