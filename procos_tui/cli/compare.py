"""`procos-tui diff ROW_A ROW_B`: two stored rows compared, as diff(1) compares files."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_diff_parser(sub: Any, connection_options: Any) -> None:
    diff = sub.add_parser(
        "diff", help="compare two stored rows (exit 0 identical, 1 different, 2 error)",
        description="content_text line by line (unified, as diff -u), content_data and "
                    "token_usage path by path (added, removed, changed). Row ids as "
                    "`export --format json` prints them.")
    diff.add_argument("row_a", metavar="ROW_A")
    diff.add_argument("row_b", metavar="ROW_B")
    diff.add_argument("--context", type=int, default=3, metavar="N",
                      help="lines of context around each change (default 3)")
    diff.add_argument("--json", action="store_true",
                      help="one JSON object: every line and value whole")
    connection_options(diff, top=False)


def _value(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def _change_line(change: Any) -> str:
    from procos_tui.core.sanitize import sanitize_plain

    mark = {"added": "+", "removed": "-", "changed": "~"}[change.kind]
    long = [v for v in (change.before, change.after) if isinstance(v, str) and len(v) > 80]
    if change.kind == "changed" and long:
        # A body inside content_data: its lines are the text diff's business; the values
        # whole are in --json.
        sizes = " → ".join(f"{len(v):,}" if isinstance(v, str) else _value(v)
                           for v in (change.before, change.after))
        detail = f"a text changed ({sizes} characters; --json holds both whole)"
    elif change.kind == "changed":
        detail = f"{_value(change.before)} → {_value(change.after)}"
    else:
        detail = _value(change.after if change.kind == "added" else change.before)
    return sanitize_plain(f"  {mark} {change.path}: {detail}")


def cmd_diff(args: argparse.Namespace, target: Any) -> int:
    from procos_tui.cli.main import EXIT_FINDINGS, EXIT_OK, CliError
    from procos_tui.cli.search import escape_unsafe_json
    from procos_tui.core.compare import compare
    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.sanitize import sanitize_plain
    from procos_tui.db.compare import rows_for_compare
    from procos_tui.db.connect import connect_sync, one_line

    if args.context < 0:
        raise CliError("--context takes a count of lines, 0 or more")
    try:
        with connect_sync(target, read_only=True, statement_timeout_ms=0) as conn:
            a, b = rows_for_compare(conn, args.row_a, args.row_b)
    except DatabaseError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # psycopg.Error: the server's words, one line
        raise CliError(f"diff failed on {target.display}: {one_line(exc)}") from None
    result = compare(a, b, args.context)
    if args.json:
        print(escape_unsafe_json(json.dumps(result.as_json(), ensure_ascii=False)))
        return EXIT_OK if result.identical else EXIT_FINDINGS
    if result.identical:
        print(sanitize_plain(f"identical: {a.label} and {b.label}"))
        return EXIT_OK
    for line in result.text:  # each line escaped for the terminal, none cut
        print(sanitize_plain(line))
    for name, changes in (("content_data", result.content_data),
                          ("token_usage", result.token_usage)):
        if changes:
            print(f"{name}: {len(changes)} change(s)")
            for change in changes:
                print(_change_line(change))
        else:
            print(f"{name}: identical")
    return EXIT_FINDINGS
