"""One process instance's AI context as Markdown or JSON, for reading or archiving elsewhere.

Rows are streamed one at a time (single-row mode), so memory holds one row, however long the
instance and however large its bodies. Values are written exactly as stored; only when the output
goes to a terminal (visible_controls) are dangerous characters neutralised, because there the
bytes would drive the terminal rather than be read.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Generator, Iterator
from decimal import Decimal
from typing import Any, BinaryIO, Literal, TypeVar, cast

import psycopg
from psycopg.rows import dict_row

from procos_tui.core.errors import UnknownProcess
from procos_tui.core.sanitize import sanitize_plain, sanitize_text, visible_escape
from procos_tui.core.types import ExportResult
from procos_tui.db.queries.export import EXPORT_ROWS_OF_PROCESS

# Table column order: the JSON keys, and the names EXPORT_ROWS_OF_PROCESS returns them by.
COLUMNS = ("id", "process_instance_id", "task_id", "activity_id", "context_type", "content_data",
           "content_text", "ai_provider", "model_used", "token_usage", "created_at", "updated_at")
_JSON_COLUMNS = frozenset({"content_data", "token_usage"})

# One exported row, by column name (psycopg's dict_row).
Row = dict[str, Any]

# Encoding a 20 MB string whole would hold one more full copy of it; slices keep that small.
_WRITE_CHUNK = 1 << 20
# Short values of only these characters mean the same bare in Markdown as in a code span.
_BARE = re.compile(r"[A-Za-z0-9.:@+/-]+")
_TOKEN_PARTS = ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens")

T = TypeVar("T")


# Bytes of a SQL_ASCII database that are not UTF-8 arrive as lone surrogates U+DC80-U+DCFF
# (db/connect.py's policy). Markdown gets the byte back; JSON, which must stay valid UTF-8,
# gets the surrogate's \udcXX escape (Python's json reads it back to the same surrogate).
_UNDECODED = re.compile(r"[\udc80-\udcff]")


class _Sink:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.bytes_written = 0
        self.notes: dict[str, None] = {}  # ordered, each once

    def note(self, line: str) -> None:
        self.notes.setdefault(line)

    def write(self, text: str) -> None:
        for start in range(0, len(text), _WRITE_CHUNK):
            data = text[start : start + _WRITE_CHUNK].encode("utf-8", "surrogateescape")
            self.out.write(data)
            self.bytes_written += len(data)

    def write_all(self, pieces: Iterator[str]) -> None:
        for piece in pieces:
            self.write(piece)


def export_process(conn: psycopg.Connection[Any], process_instance_id: str,
                   fmt: Literal["md", "json"], out: BinaryIO, *,
                   visible_controls: bool = False) -> ExportResult:
    """Write every row of the instance to `out` as UTF-8, oldest first.

    Raises UnknownProcess, having written nothing, when the instance has no rows.
    """
    if fmt not in ("md", "json"):
        raise ValueError(f"unknown export format: {fmt!r}")
    sink = _Sink(out)
    with conn.cursor(row_factory=dict_row) as cur:
        # stream() is a generator: closing it, even on an error halfway, cancels the query and
        # leaves the connection usable.
        rows = cast("Generator[Row, None, None]", cur.stream(
            EXPORT_ROWS_OF_PROCESS, {"process_instance_id": process_instance_id}))
        with contextlib.closing(rows):
            count = _write_rows(rows, process_instance_id, fmt, sink, visible_controls)
    return ExportResult(rows=count, bytes_written=sink.bytes_written, notes=tuple(sink.notes))


def export_to_file(conn: psycopg.Connection[Any], process_instance_id: str, fmt: str,
                   path: str | os.PathLike[str]) -> ExportResult:
    """export_process into a file, which is replaced only by a complete export (exact bytes:
    a file is not a terminal). `fmt` is "md" or "json"."""
    if fmt not in ("md", "json"):
        raise ValueError(f"unknown export format: {fmt!r}")
    checked = cast('Literal["md", "json"]', fmt)
    # A terminal gets visible stand-ins for controls however it is named (-o /dev/tty);
    # a file gets the exact bytes.
    return write_atomically(path, lambda out: export_process(
        conn, process_instance_id, checked, out, visible_controls=out.isatty()))


class ExportToLink(OSError):
    """The export's name is a symbolic link: nothing was written."""

    def __init__(self, path: str, points_to: str) -> None:
        super().__init__(f"{sanitize_plain(path)} is a symbolic link (to "
                         f"{sanitize_plain(points_to)}); exports never write through a link: "
                         "remove it or choose another name")
        self.path = path


def write_atomically(path: str | os.PathLike[str], write: Callable[[BinaryIO], T]) -> T:
    """Call write() on a temporary file beside path, then rename it over path: readers see the
    old file or the complete new one, and a failed export leaves no half file behind.

    A device or pipe (/dev/stdout, /dev/tty, a FIFO) has no "beside" to write to: it gets the
    bytes directly. A symbolic link as the final name is refused (ExportToLink), dangling or
    not: following it would write where the user did not name, and replacing it would
    silently turn someone's link into a file."""
    real = os.path.realpath(path)
    if os.path.exists(real) and not os.path.isfile(real):
        with open(real, "wb") as direct:
            return write(direct)
    if os.path.islink(path):
        raise ExportToLink(os.fspath(path), os.readlink(path))
    directory, name = os.path.split(os.path.abspath(path))
    path = os.path.join(directory, name)
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            result = write(out)
            out.flush()
            os.fsync(out.fileno())  # else a crash just after the rename could leave it empty
        with contextlib.suppress(FileNotFoundError):
            # mkstemp makes the file private (conversations may hold personal data); a file
            # being replaced keeps its mode.
            os.chmod(temp, os.stat(path).st_mode & 0o7777)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return result


def _write_rows(rows: Iterator[Row], process_instance_id: str, fmt: str,
                sink: _Sink, visible: bool) -> int:
    row = next(rows, None)
    if row is None:
        raise UnknownProcess(process_instance_id)
    if fmt == "json":
        pid = _json_value(json.dumps(process_instance_id, ensure_ascii=False), visible, sink)
        sink.write(f'{{\n  "process_instance_id": {pid},\n  "rows": [\n')
    else:
        sink.write(f"# AI context of process instance {_inline(process_instance_id, visible)}\n")
    count = 0
    while row is not None:
        count += 1
        if fmt == "json":
            sink.write(",\n" if count > 1 else "")
            sink.write_all(_json_row(row, visible, sink))
        else:
            if _has_undecoded(row):
                sink.note(_UNDECODED_NOTE["shown" if visible else "md"])
            sink.write_all(_markdown_row(count, row, visible))
        # Dropped before the next row arrives, so two large bodies are never held at once.
        row = None
        row = next(rows, None)
    if fmt == "json":
        sink.write("\n  ]\n}\n")
    return count


def _has_undecoded(row: Row) -> bool:
    return any(isinstance(v, str) and _UNDECODED.search(v) for v in row.values())


# --- JSON ---------------------------------------------------------------------------------------

class _JsonEscapes(dict[int, str]):
    """str.translate table: each character sanitize deems dangerous becomes its JSON \\u escape,
    all others stay. The JSON value is unchanged, but the terminal sees no control sequence,
    while CJK and emoji stay readable. Filled lazily: there are too many code points to list."""

    def __missing__(self, cp: int) -> str:
        ch = chr(cp)
        if visible_escape(ch) == ch:
            shown = ch
        elif cp > 0xFFFF:
            high, low = divmod(cp - 0x10000, 0x400)
            shown = f"\\u{0xD800 + high:04x}\\u{0xDC00 + low:04x}"
        else:
            shown = f"\\u{cp:04x}"
        self[cp] = shown
        return shown


_JSON_ESCAPES = _JsonEscapes()


def _json_value(encoded: str, visible: bool, sink: _Sink | None = None) -> str:
    # Only ever applied to JSON values: there, every character may be written as an escape.
    undecoded = _UNDECODED.search(encoded) is not None
    if undecoded and sink is not None:
        sink.note(_UNDECODED_NOTE["json"])
    if visible:
        return encoded.translate(_JSON_ESCAPES)
    if undecoded:
        return _UNDECODED.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)
    return encoded


_UNDECODED_NOTE = {
    "json": "some values hold bytes that are not UTF-8 (a SQL_ASCII database): JSON has "
            "each as a \\udcXX escape (Python's json.loads and surrogateescape give the byte "
            "back)",
    "md": "some values hold bytes that are not UTF-8 (a SQL_ASCII database): written exactly "
          "as stored, so the file is not valid UTF-8",
    "shown": "some values hold bytes that are not UTF-8 (a SQL_ASCII database): shown as "
             "<U+DCxx>, the byte xx; use -o FILE for the exact bytes",
}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _is_json_text(value: str) -> bool:
    """Whether value is one JSON text as RFC 8259 has it (no NaN or Infinity)."""
    try:
        json.loads(value, parse_constant=_reject_constant)
    except (RecursionError, ValueError):
        return False
    return True


def _json_column(row: Row, name: str, value: str, sink: _Sink) -> bool:
    """Whether a JSON column's value can be embedded as JSON. A column that drifted to another
    type (token_usage made text) may hold anything: that is written as a JSON string, and said."""
    if row.get(f"{name}_is_json", True) or _is_json_text(value):
        return True
    sink.note(f"{name} is not JSON in some rows (the column's type is "
              f"{sanitize_plain(str(row.get(f'{name}_type') or '?'))}): written as a "
              "JSON string there")
    return False


def _json_row(row: Row, visible: bool, sink: _Sink) -> Iterator[str]:
    """One row as one line of pieces (not joined: that would copy a large body once more)."""
    for i, name in enumerate(COLUMNS):
        value = row[name]
        yield ("    {" if i == 0 else ", ") + json.dumps(name) + ": "
        if name in _JSON_COLUMNS and value is None:
            yield "null"
        elif name in _JSON_COLUMNS and _json_column(row, name, value, sink):
            # jsonb's text output is valid JSON: embedded verbatim, never parsed.
            yield _json_value(value, visible, sink)
        else:
            yield _json_value(json.dumps(value, ensure_ascii=False), visible, sink)
    yield "}"


# --- Markdown -----------------------------------------------------------------------------------

def _fence_length(text: str, minimum: int) -> int:
    """The shortest run of backticks, at least `minimum`, that does not occur in text.

    A run of n backticks occurring implies one of n - 1 does, so a doubling then a binary search
    need only a few C-speed substring searches, even for hostile text made of backticks.
    """
    if "`" * minimum not in text:
        return minimum
    present, absent = minimum, minimum * 2
    while "`" * absent in text:
        present, absent = absent, absent * 2
    while absent - present > 1:
        middle = (present + absent) // 2
        if "`" * middle in text:
            present = middle
        else:
            absent = middle
    return absent


def _code_span(text: str) -> str:
    fence = "`" * _fence_length(text, 1)
    # CommonMark strips one space from each end of a span that begins and ends with one; the
    # padding keeps edge backticks apart from the fence and the text's own spaces intact.
    if text[:1] == "`" or text[-1:] == "`" or (
            text[:1] == " " and text[-1:] == " " and text.strip(" ")):
        text = f" {text} "
    return fence + text + fence


def _inline(value: str | None, visible: bool) -> str:
    """A one-line value that reads the same once rendered: bare when harmless, else a code span
    (so no markup or HTML in it takes effect)."""
    if value is None:
        return "(none)"
    if visible:
        value = sanitize_plain(value)
    if _BARE.fullmatch(value):
        return value
    if not value or "\n" in value or "\r" in value:
        # A line break would end the heading or list item, and a code span cannot be empty;
        # as a JSON string the value stays on one line and exact.
        value = json.dumps(value, ensure_ascii=False)
    return _code_span(value)


def _fenced(text: str, info: str, visible: bool) -> str:
    if visible:
        text = sanitize_text(text).plain
    # Longer than any run of backticks in the text: no line of it can close the block, so the
    # bytes between the fence lines are the text, exactly.
    fence = "`" * _fence_length(text, 3)
    return f"{fence}{info}\n{text}\n{fence}\n"


def _exact_float(literal: str) -> float:
    value = float(literal)
    # jsonb numbers are decimals of any precision: a float that would print another number
    # (1e-400 as 0.0, a long fraction rounded) must not pass for the stored value.
    if Decimal(repr(value)) != Decimal(literal):
        raise ValueError(f"not exactly representable: {literal[:40]}")
    return value


def _pretty_json(raw: str) -> str:
    """jsonb text indented for reading; the raw text when Python cannot carry it exactly."""
    try:
        return json.dumps(json.loads(raw, parse_float=_exact_float), indent=2,
                          ensure_ascii=False)
    except (RecursionError, ValueError):  # deeply nested, huge ints, inexact floats
        return raw


def _token_total(raw: str | None) -> str:
    """Same reading as the database's procos_ai_token_total: total_tokens, else the parts."""
    if raw is None:
        return "(none)"
    try:
        usage = json.loads(raw)
    except (RecursionError, ValueError):
        usage = None
    if not isinstance(usage, dict):
        return "0"

    def number(key: str) -> int | None:
        value = usage.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        # half away from zero, as PostgreSQL's round(numeric)
        return math.floor(value + 0.5) if 0 <= value <= 1e15 else None

    total = number("total_tokens")
    if total is None:
        total = sum(n for n in map(number, _TOKEN_PARTS) if n is not None)
    return str(total)


def _markdown_row(n: int, row: Row, visible: bool) -> Iterator[str]:
    created = row["created_at"] or "(no time)"  # the server's ISO text: digits and [-T:.Z]
    yield (f"\n## {n}. {created} · {_inline(row['context_type'], visible)} · "
           f"{_inline(row['ai_provider'], visible)}/{_inline(row['model_used'], visible)}\n\n")
    yield (f"- activity: {_inline(row['activity_id'], visible)}\n"
           f"- task: {_inline(row['task_id'], visible)}\n"
           f"- id: {_inline(row['id'], visible)}\n"
           f"- tokens: {_token_total(row['token_usage'])}\n\n")
    if row["content_text"] is not None:
        yield _fenced(row["content_text"], "text", visible)
    else:
        yield "(content_text is NULL)\n\n"
        yield _fenced(_pretty_json(row["content_data"]), "json", visible)
    if row["context_type"] == "output":
        if row["token_usage"] is None:
            yield "\ntoken_usage: (none)\n"
        else:
            yield "\ntoken_usage:\n\n"
            yield _fenced(_pretty_json(row["token_usage"]), "json", visible)
