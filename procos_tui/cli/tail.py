"""`procos-tui tail`: each interaction's row as it is stored, for a terminal or a pipe."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

# The export's row fields, in its order; bodies only with --bodies.
JSON_FIELDS = ("id", "process_instance_id", "task_id", "activity_id", "context_type",
               "ai_provider", "model_used", "created_at", "token_usage")


def add_tail_parser(sub: Any, connection_options: Any) -> None:
    tail = sub.add_parser(
        "tail", help="print rows as ProcOS stores them, until Ctrl+C",
        description="Follows procos_ai_context by (created_at, id), polling at most 2 s "
                    "apart; a lost connection is retried and resumes after the last row "
                    "printed (no gap, no duplicate). Rows without a finite created_at are "
                    "not followed.")
    tail.add_argument("--process", metavar="ID", help="only this process instance")
    tail.add_argument("--provider", metavar="NAME")
    tail.add_argument("--model", metavar="NAME")
    tail.add_argument("--type", choices=("input", "output", "system"), dest="context_type")
    tail.add_argument("--activity", metavar="ID", help="only this BPMN activity")
    tail.add_argument("--since", metavar="T",
                      help="start at T (ISO, today, yesterday, or an age: 10m, 2h, 1d) "
                           "instead of now")
    tail.add_argument("--json", action="store_true", help="JSON Lines: one object per row")
    tail.add_argument("--bodies", action="store_true",
                      help="with each row its content_text and content_data, whole")
    connection_options(tail, top=False)


def _line(row: dict[str, Any]) -> str:
    from procos_tui.core.sanitize import human_size, sanitize_plain

    model = "/".join(v for v in (row["ai_provider"], row["model_used"]) if v) or "—"
    size = "NULL" if row["text_bytes"] is None else human_size(row["text_bytes"])
    return sanitize_plain(f"{row['created_at']}  {row['context_type'] or '?':<6}  "
                          f"{row['process_instance_id']}  {row['activity_id'] or '—'}  "
                          f"{model}  {size}  {row['id']}")


def _json(row: dict[str, Any], bodies: bool) -> str:
    from procos_tui.cli.search import escape_unsafe_json

    out: dict[str, Any] = {k: row[k] for k in JSON_FIELDS}
    out["token_usage"] = None if row["token_usage"] is None else json.loads(row["token_usage"])
    if bodies:
        out["content_text"] = row["content_text"]
        out["content_data"] = (None if row["content_data"] is None
                               else json.loads(row["content_data"]))
    return escape_unsafe_json(json.dumps(out, ensure_ascii=False))


def cmd_tail(args: argparse.Namespace, target: Any) -> int:
    from procos_tui.cli.main import EXIT_OK, CliError
    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.filters import FilterError, parse_time
    from procos_tui.core.follow import TailFilter
    from procos_tui.core.sanitize import sanitize_plain, sanitize_text
    from procos_tui.db.connect import one_line
    from procos_tui.db.tail import follow

    try:
        since = parse_time("--since", args.since) if args.since else None
    except FilterError as exc:
        raise CliError(str(exc)) from None
    flt = TailFilter(args.process, args.provider, args.model, args.context_type, args.activity)

    def notice(message: str) -> None:
        print(f"procos-tui tail: {sanitize_plain(message)}", file=sys.stderr, flush=True)

    try:
        for row in follow(target, flt, args.bodies, notice, since):
            if args.json:
                print(_json(row, args.bodies), flush=True)
                continue
            print(_line(row), flush=True)
            if args.bodies and row["content_text"] is not None:
                print(sanitize_text(row["content_text"]).plain, flush=True)
    except KeyboardInterrupt:
        return EXIT_OK
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        sys.stderr.close()
        return EXIT_OK
    except DatabaseError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # psycopg.Error: the server's words, one line
        raise CliError(f"tail failed on {target.display}: {one_line(exc)}") from None
    return EXIT_OK
