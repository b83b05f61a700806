"""`procos-tui processes`, `procos-tui stats` and `procos-tui refresh`: triage for scripts and
cron. Exit 0 with results, 1 with none, 2 on an error (one line on stderr)."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

EXIT_RESULTS, EXIT_NONE, EXIT_ERROR = 0, 1, 2

# The `processes` fields, in order (the names; duration_s, currency and unpriced_calls
# follow them).
PROCESS_FIELDS = ("process_instance_id", "last_activity", "first_activity", "calls",
                  "input_tokens", "output_tokens", "total_tokens", "bytes", "cost",
                  "max_latency_s", "cut_outputs", "providers", "models", "business_key",
                  "definition", "duration_s", "currency", "unpriced_calls")
STATS_FIELDS = ("calls", "input_tokens", "output_tokens", "total_tokens", "cost", "currency",
                "unpriced_calls", "latency_p50_s", "latency_p95_s", "max_latency_s",
                "cut_outputs", "bytes", "rows")
BY_CHOICES = ("provider", "model", "activity", "definition", "day", "hour")


def _sort_keys() -> list[str]:
    from procos_tui.core.types import SortKey

    return [k.value for k in SortKey]


def add_parsers(sub: Any, connection_options: Callable[..., None]) -> None:
    processes = sub.add_parser(
        "processes", help="process instances with their numbers, in any order "
                          "(exit 0 some, 1 none, 2 error)",
        description="One line (--json: one object) per process instance, as the list shows "
                    "them. Filters as on the screen: provider:, model:, tokens:>N, calls:>N, "
                    "cost:>X, size:>10MB, latency:>30s, cut:yes, key: (business key prefix), "
                    "def: (definition key), activity:, since:/until: (ISO, today, yesterday, "
                    "1h, 2d), and a bare id prefix. Quote comparisons in a shell: "
                    "'tokens:>5000'.")
    processes.add_argument("filters", nargs="*", metavar="FILTER")
    processes.add_argument("--sort", default="last_activity", metavar="KEY",
                           help=f"one of {', '.join(_sort_keys())} (default last_activity)")
    order = processes.add_mutually_exclusive_group()
    order.add_argument("--desc", dest="descending", action="store_true", default=True,
                       help="largest or newest first (the default)")
    order.add_argument("--asc", dest="descending", action="store_false",
                       help="smallest or oldest first")
    processes.add_argument("--limit", type=int, default=50, metavar="N",
                           help="at most N instances (default 50)")
    _formats(processes)
    connection_options(processes, top=False)

    stats = sub.add_parser(
        "stats", help="calls, tokens, cost, latency per provider, model, activity, definition, "
                      "day or hour (exit 0 some, 1 none, 2 error)")
    stats.add_argument("--since", metavar="T", default="7d",
                       help="from (ISO, today, yesterday, or an age: 1h, 2d; default 7d)")
    stats.add_argument("--until", metavar="T", help="to, exclusive (default now)")
    stats.add_argument("--by", choices=BY_CHOICES, default="model")
    stats.add_argument("--write-model-stats", action="store_true",
                       help="also write the window's measured aggregates into "
                            "procos_ai_models.performance_stats (an explicit write)")
    stats.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                       help="refuse every write (--write-model-stats included)")
    _formats(stats)
    connection_options(stats, top=False)

    for name, text in (("refresh", "roll new rows up for sorting and Stats, and add their "
                                    "words to the fuzzy search's list (run it from cron; "
                                    "init-db runs it)"),
                       ("refresh-words", "the same as refresh (its former name)")):
        refresh = sub.add_parser(name, help=text)
        refresh.add_argument("--rebuild", action="store_true",
                             help="empty the rollups and roll every row up again (after "
                                  "retention jobs, or when check reports a disagreement)")
        connection_options(refresh, top=False)


def _formats(parser: argparse.ArgumentParser) -> None:
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON array on stdout")
    fmt.add_argument("--csv", action="store_true", help="CSV with a header line")


class _Usage(ValueError):
    pass


# --- output ------------------------------------------------------------------------------------

_EXACT = "\x00exact:"
_EXACT_JSON = re.compile(r'"\\u0000exact:(-?[0-9]+(?:\.[0-9]+)?)"')


def _plain(value: Any) -> Any:
    """A value for JSON and CSV: times as ISO 8601, Decimal exact."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _EXACT + format(value, "f")
    if isinstance(value, tuple):
        return list(value)
    return value


def _json_text(rows: list[dict[str, Any]]) -> str:
    from procos_tui.core.sanitize import unsafe_class

    text = json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows],
                      ensure_ascii=False, indent=2)
    text = _EXACT_JSON.sub(lambda m: m.group(1), text)  # money as a JSON number, exactly
    # Valid JSON may still carry characters a terminal obeys: as \u escapes, the same value.
    unsafe = re.compile(f"[{unsafe_class(keep=chr(10))}]")
    return unsafe.sub(lambda m: json.dumps(m.group())[1:-1], text)


def _write(rows: list[dict[str, Any]], fields: Sequence[str], args: argparse.Namespace) -> None:
    from procos_tui.core.sanitize import sanitize_plain

    tty = sys.stdout.isatty()
    if args.json:
        print(_json_text(rows))
        return
    if args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(fields)
        for r in rows:
            cells = []
            for f in fields:
                value = _plain(r.get(f))
                value = (";".join(value) if isinstance(value, list) else
                         value[len(_EXACT):] if isinstance(value, str) and value.startswith(
                             _EXACT) else "" if value is None else value)
                # a pipe or file gets the exact bytes; a terminal never gets raw controls
                cells.append(sanitize_plain(str(value)) if tty else value)
            writer.writerow(cells)
        return
    print("\t".join(fields))
    for r in rows:
        cells = []
        for f in fields:
            value = r.get(f)
            if isinstance(value, tuple):
                value = ",".join(value)
            elif isinstance(value, datetime):
                value = value.isoformat(timespec="seconds")
            elif isinstance(value, float):
                value = f"{value:.3f}"
            cells.append("-" if value is None else sanitize_plain(str(value)))
        print("\t".join(cells))


def _finish(write: Callable[[], None]) -> bool:
    """Run the writer; False when the reader went away (`| head`)."""
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return False
    return True


# --- processes ---------------------------------------------------------------------------------


def _process_row(s: Any) -> dict[str, Any]:
    return {"process_instance_id": s.process_instance_id, "last_activity": s.last_at,
            "first_activity": s.first_at, "calls": s.output_count,
            "input_tokens": s.input_tokens, "output_tokens": s.output_tokens,
            "total_tokens": s.total_tokens, "bytes": s.bytes, "cost": s.cost,
            "max_latency_s": None if s.max_latency_s is None else round(s.max_latency_s, 6),
            "cut_outputs": s.suspect_outputs, "providers": s.providers, "models": s.models,
            "business_key": s.business_key, "definition": s.process_definition_key,
            "duration_s": s.duration_s, "currency": s.currency,
            "unpriced_calls": s.unpriced_calls}


def cmd_processes(args: argparse.Namespace, target: Any) -> int:
    import shlex

    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.filters import FilterError, parse_filter
    from procos_tui.core.types import ProcessSort, SortKey

    try:
        if args.limit < 1:
            raise _Usage("--limit must be at least 1")
        if args.sort not in _sort_keys():
            raise _Usage(f"--sort {args.sort!r}: use one of {', '.join(_sort_keys())}")
        flt = parse_filter(shlex.join(args.filters))
    except (_Usage, FilterError) as exc:
        return _fail("processes", str(exc))
    sort = ProcessSort(SortKey(args.sort), args.descending)

    async def fetch() -> tuple[list[Any], list[str]]:
        from procos_tui.db.gateway import Gateway

        gateway = Gateway(target, read_only=True)
        try:
            problems = await unknown_values(gateway, flt)
            if problems:
                return [], problems
            out: list[Any] = []
            page = await gateway.process_page(flt, None, min(args.limit, 200), sort)
            out += page.rows
            while page.next_cursor is not None and len(out) < args.limit:
                page = await gateway.process_page(flt, page.next_cursor,
                                                  min(args.limit - len(out), 200), sort)
                out += page.rows
            return out[:args.limit], []
        finally:
            await gateway.close()

    try:
        found, problems = asyncio.run(fetch())
    except DatabaseError as exc:
        return _fail("processes", str(exc))
    if problems:
        return _fail("processes", "; ".join(problems))
    rows = [_process_row(s) for s in found]
    if not _finish(lambda: _write(rows, PROCESS_FIELDS, args)):
        return EXIT_RESULTS if rows else EXIT_NONE
    if not rows:
        print("procos-tui processes: no process instance matches", file=sys.stderr)
    return EXIT_RESULTS if rows else EXIT_NONE


async def unknown_values(gateway: Any, flt: Any) -> list[str]:
    """"no such model; did you mean …" for provider:, model:, activity: and def: values that
    no row has."""
    from procos_tui.core.filters import NAMED_KEYS, unknown_value

    out = []
    for field in NAMED_KEYS.values():
        value = getattr(flt, field)
        if value is not None and (problem := unknown_value(
                field, value, await gateway.filter_values(field))):
            out.append(problem)
    return out


# --- stats -------------------------------------------------------------------------------------


def stats_window(since: str | None, until: str | None, now: datetime | None = None) -> Any:
    from procos_tui.core.filters import parse_time
    from procos_tui.core.triage import DEFAULT_WINDOW, StatsWindow

    now = now or datetime.now(UTC)
    start = parse_time("--since", since, now) if since else now - DEFAULT_WINDOW
    end = parse_time("--until", until, now) if until else now
    if start >= end:
        raise _Usage("--since must be before --until")
    return StatsWindow(start, end)


def cmd_stats(args: argparse.Namespace, target: Any) -> int:
    from procos_tui.core.errors import DatabaseError
    from procos_tui.core.filters import FilterError
    from procos_tui.core.registry import WritesRefused
    from procos_tui.core.triage import StatsBy

    try:
        window = stats_window(args.since, args.until)
    except (_Usage, FilterError) as exc:
        return _fail("stats", str(exc))
    by = StatsBy(args.by)

    async def fetch() -> Any:
        from procos_tui.db.gateway import Gateway

        gateway = Gateway(target, read_only=bool(getattr(args, "read_only", False)))
        try:
            if args.write_model_stats:  # refused before anything is read
                refusal = await gateway.write_refusal()
                if refusal:
                    raise WritesRefused(f"--write-model-stats refused: {refusal}")
            report = await gateway.stats(window, by)
            written = (await gateway.write_model_stats(
                report if by is StatsBy.MODEL else await gateway.stats(window, StatsBy.MODEL))
                if args.write_model_stats else None)
            return report, written
        finally:
            await gateway.close()

    try:
        report, written = asyncio.run(fetch())
    except DatabaseError as exc:
        return _fail("stats", str(exc))
    rows = [r.as_json(by) for r in report.rows]
    fields = (by.value, *(("provider",) if by is StatsBy.MODEL else ()), *STATS_FIELDS)
    if not _finish(lambda: _write(rows, fields, args)):
        return EXIT_RESULTS if rows else EXIT_NONE
    print(f"procos-tui stats: {report.total.rows:,} rows from {window.since.isoformat()} "
          f"to {window.until.isoformat()}" + (f" ({report.live_rows:,} read live)"
                                              if report.live_rows else ""), file=sys.stderr)
    if written is not None:
        print(f"procos-tui stats: wrote performance_stats of {written} model(s)",
              file=sys.stderr)
    return EXIT_RESULTS if rows else EXIT_NONE


def _fail(command: str, message: str) -> int:
    from procos_tui.core.sanitize import sanitize_plain

    print(f"procos-tui {command}: {sanitize_plain(message)}", file=sys.stderr)
    return EXIT_ERROR


# --- refresh -----------------------------------------------------------------------------------

# Rows per committed step: progress survives Ctrl+C, and no transaction lasts minutes.
REFRESH_STEP_ROWS = 20_000


def cmd_refresh(target: Any, rebuild: bool = False, name: str = "refresh") -> int:
    """The word list, then the rollups, each in committed steps."""
    from procos_tui.cli.search import cmd_refresh_words
    from procos_tui.core.errors import DatabaseError
    from procos_tui.db.connect import connect_sync, one_line
    from procos_tui.db.queries import triage as triage_sql
    from procos_tui.db.rows import fetch_one

    status = cmd_refresh_words(target)
    if status != EXIT_RESULTS:
        return status
    started = time.monotonic()
    total = 0
    try:
        with connect_sync(target, read_only=False, statement_timeout_ms=0) as conn:
            if rebuild:
                fetch_one(conn, triage_sql.REBUILD_ROLLUPS)
                conn.commit()
                print(f"procos-tui {name}: rollups emptied; rolling every row up again "
                      "(readers stay exact meanwhile, reading rows live)", file=sys.stderr)
            while True:
                step = fetch_one(conn, triage_sql.REFRESH_ROLLUPS_STEP,
                                 {"max_rows": REFRESH_STEP_ROWS})
                conn.commit()
                read = int(step["rows_read"]) if step else 0
                if read < 0:
                    print("another rollup refresh is running; rollups left to it")
                    return EXIT_RESULTS
                total += read
                if read < REFRESH_STEP_ROWS:
                    break
                print(f"procos-tui {name}: {total:,} rows rolled up "
                      f"({time.monotonic() - started:.0f} s)…", file=sys.stderr, flush=True)
    except DatabaseError as exc:
        return _fail(name, str(exc))
    except Exception as exc:  # psycopg.Error: missing function, rights
        return _fail(name, one_line(exc))
    print(f"rolled up {total:,} rows in {time.monotonic() - started:.1f} s")
    return EXIT_RESULTS
