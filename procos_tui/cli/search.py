"""`procos-tui search`, and the word list's part of `procos-tui refresh`."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from typing import Any

EXIT_HITS, EXIT_NONE, EXIT_ERROR = 0, 1, 2


def escape_unsafe_json(text: str) -> str:
    """JSON text with every character a terminal would obey written as its \\u escape (the
    same JSON value): for any JSON of outside text we print (search hits, check's report)."""
    # json.dumps of one character, ASCII only: \\u00XX, a surrogate pair past U+FFFF.
    return _unsafe_in_json().sub(lambda m: json.dumps(m.group())[1:-1], text)


def _unsafe_in_json() -> re.Pattern[str]:
    """What the sanitiser replaces, but newline (the JSON's own line breaks; json.dumps has
    already escaped every other C0 control). Valid JSON may still carry characters a terminal
    obeys (C1 controls, bidi overrides, tags): written as \\u escapes they stay the same JSON
    value."""
    from procos_tui.core.sanitize import unsafe_class  # with the output: not at startup

    return re.compile(f"[{unsafe_class(keep=chr(10))}]")


def _seconds(value: str) -> float:
    """A statement timeout: a finite number of seconds above zero (0 would mean none)."""
    import argparse
    import math

    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not math.isfinite(seconds) or seconds <= 0 or seconds > 86_400:
        raise argparse.ArgumentTypeError(
            f"give a number of seconds above 0 and at most 86400, not {value!r}")
    return seconds


def add_parsers(sub: Any, connection_options: Any) -> None:
    search = sub.add_parser(
        "search", help="search every stored prompt and response "
                       "(exit 0 hits, 1 none, 2 error)",
        description="Search content_text of procos_ai_context through its trigram index.")
    search.add_argument("term", metavar="TERM",
                        help="the text to find, taken literally in substring mode "
                             "(%%, _ and \\ included); a pattern in regex mode")
    search.add_argument("--mode", choices=("substring", "fuzzy", "regex"),
                        default="substring")
    search.add_argument("--type", choices=("input", "output", "system"), dest="context_type")
    search.add_argument("--provider", metavar="NAME")
    search.add_argument("--model", metavar="NAME")
    search.add_argument("--since", metavar="ISO", help="created at or after")
    search.add_argument("--until", metavar="ISO", help="created before")
    search.add_argument("--id", metavar="PREFIX", dest="process_prefix",
                        help="process instance ids starting with PREFIX")
    search.add_argument("--limit", type=int, default=50, metavar="N",
                        help="at most N hits (default 50)")
    search.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS",
                        help="statement_timeout for each query (default 30)")
    search.add_argument("--json", action="store_true", help="a JSON array of hits on stdout")
    connection_options(search, top=False)


def _request(args: argparse.Namespace) -> Any:
    from procos_tui.core.search_syntax import (
        SearchMode,
        SearchRequest,
        SearchSyntaxError,
        parse_when,
    )

    if args.limit < 1:
        raise ValueError("--limit must be at least 1")
    if not args.term:
        raise ValueError("TERM is empty")
    try:
        since = parse_when("--since", args.since) if args.since else None
        until = parse_when("--until", args.until) if args.until else None
    except SearchSyntaxError as exc:
        raise ValueError(str(exc)) from None
    if since and until and since >= until:
        raise ValueError("--since must be before --until")
    return SearchRequest((args.term,), SearchMode(args.mode), args.context_type,
                         args.provider, args.model, since, until, args.process_prefix)


def cmd_search(args: argparse.Namespace, target: Any) -> int:
    try:
        req = _request(args)
    except ValueError as exc:
        print(f"procos-tui search: {exc}", file=sys.stderr)
        return EXIT_ERROR
    from procos_tui.core.errors import DatabaseError

    try:
        hits, notes, more = asyncio.run(_search(target, req, args.limit, args.timeout))
    except DatabaseError as exc:
        print(f"procos-tui search: {exc}", file=sys.stderr)
        return EXIT_ERROR
    from procos_tui.core.sanitize import sanitize_plain

    for note in notes:  # close words come from stored text
        print(f"procos-tui search: {sanitize_plain(note)}", file=sys.stderr)
    try:
        if args.json:
            print(_json(hits))
        else:
            _print_lines(hits)
        sys.stdout.flush()
    except BrokenPipeError:
        # `| head`: the reader has what it wanted; say nothing more (Python's advice).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_HITS if hits else EXIT_NONE
    if not hits:
        print("procos-tui search: no hits", file=sys.stderr)
    elif more:
        print(f"procos-tui search: the first {len(hits)} hits; there are more "
              "(--limit N shows more)", file=sys.stderr)
    return EXIT_HITS if hits else EXIT_NONE


async def _search(target: Any, req: Any, limit: int, timeout: float
                  ) -> tuple[list[Any], list[str], bool]:
    from procos_tui.db.search import SearchRun
    from procos_tui.db.session import BrowseSession

    session = BrowseSession(target, statement_timeout_ms=max(1, int(timeout * 1000)))
    try:
        await session.open()
        run = SearchRun(session, req, page=min(limit, 200))
        hits: list[Any] = []
        while len(hits) < limit and not run.done:
            hits += await run.next_page()
        notes = list(run.notes)
        for term, close in run.close_words.items():
            words = ", ".join(f"{w} {s:.2f}" for w, s in close) or "no close word"
            notes.insert(0, f"fuzzy: {term} → {words}")
        return hits[:limit], notes, len(hits) > limit or not run.done
    finally:
        await session.close()


def _json(hits: list[Any]) -> str:
    rows = [{
        "id": h.id, "process_instance_id": h.process_instance_id,
        "context_type": h.context_type,
        "created_at": h.created_at.isoformat() if h.created_at else None,
        "snippet": h.snippet, "match_start": h.match_start, "match_length": h.match_len,
        "position": h.position, "ai_provider": h.ai_provider, "model_used": h.model_used,
        "chars": h.chars, **({"matched_word": h.matched, "similarity": h.similarity}
                             if h.matched is not None else {}),
    } for h in hits]
    return escape_unsafe_json(json.dumps(rows, ensure_ascii=False, indent=2))


def _print_lines(hits: list[Any]) -> None:
    import shutil

    from procos_tui.core.sanitize import sanitize_plain
    from procos_tui.core.snippets import snippet_parts

    bold = sys.stdout.isatty()
    # A preview, not the text: cut to the terminal (or 200 columns), visibly.
    width = shutil.get_terminal_size((200, 24)).columns if bold else 200
    for h in hits:
        when = h.created_at.strftime("%Y-%m-%d %H:%M:%S") if h.created_at else "-"
        before, match, after = (sanitize_plain(p) for p in
                                snippet_parts(h.snippet, h.match_start, h.match_len))
        if bold and match:
            match = f"\x1b[1;7m{match}\x1b[0m"
        head = "  ".join((when, sanitize_plain(h.context_type),
                          sanitize_plain(h.process_instance_id),
                          sanitize_plain(h.model_used or "-"), ""))
        room = max(20, width - len(head) - len(before) - len(match))
        if len(after) > room:
            after = after[:room - 1] + "…"
        print(head + before + match + after)


# Rows per committed step: progress survives Ctrl+C, and no transaction lasts minutes.
REFRESH_STEP_ROWS = 20_000


def cmd_refresh_words(target: Any) -> int:
    from psycopg import errors as pg_errors

    from procos_tui.core.errors import DatabaseError
    from procos_tui.db.connect import connect_sync, one_line, write_refusal
    from procos_tui.db.queries import search as search_sql
    from procos_tui.db.rows import fetch_one

    started = time.monotonic()
    print(f"procos-tui refresh-words: adding the words of new rows of {target.display} to "
          "the fuzzy search's word list (about 1 s per 10 MB of new text)…", file=sys.stderr,
          flush=True)
    total = 0
    refused = f"procos-tui refresh-words: cannot write the word list to {target.display}: "
    try:
        with connect_sync(target, read_only=False, statement_timeout_ms=0) as conn:
            refusal = write_refusal(conn)
            if refusal:
                print(refused + refusal, file=sys.stderr)
                return EXIT_ERROR
            resume = False
            while True:
                step = fetch_one(conn, search_sql.REFRESH_WORDS_STEP,
                                 {"max_rows": REFRESH_STEP_ROWS, "resume": resume})
                conn.commit()  # each step its own (a no-op in autocommit; pooled, it is not)
                read = int(step["rows_read"]) if step else 0
                if read < 0:
                    print("another refresh is running; nothing done")
                    return 0
                total += read
                if read < REFRESH_STEP_ROWS:
                    break
                resume = True
                print(f"procos-tui refresh-words: {total:,} rows read "
                      f"({time.monotonic() - started:.0f} s)…", file=sys.stderr, flush=True)
            words = fetch_one(conn, search_sql.WORDS_COUNT)
    except DatabaseError as exc:
        print(f"procos-tui refresh-words: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except pg_errors.ReadOnlySqlTransaction as exc:  # made read-only past our question
        print(f"{refused}{one_line(exc)}; run this against the primary", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # psycopg.Error: missing function, rights
        print(f"procos-tui refresh-words: {one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    print(f"read {total:,} rows in {time.monotonic() - started:.1f} s; "
          f"the word list holds {words['words'] if words else 0:,} words")
    return 0
