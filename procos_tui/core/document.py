"""A text of any size held once, addressed by line, searched and soft-wrapped without copies.

The pane widget asks only for the rows it paints, so everything here is built to answer
"which characters are on visual row r" in O(log n) after one linear pass over the text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

from rich.cells import cell_len, get_character_cell_size, split_graphemes

from procos_tui.core.sanitize import CONTROL_STYLE, TAB_SIZE, visible_escape

# Characters the display replaces: C0 (tab included: expanded), DEL, C1, and the format
# characters the sanitiser shows as <U+...>. Kept in step with core.sanitize by a test.
_SPECIAL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f"
    "\u2028\u2029\ud800-\udfff\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]")

Span = tuple[int, int, str]  # start, end (offsets in one line), Rich style


class Document:
    """The whole text plus the offset at which each line starts ('\\n' separates lines)."""

    def __init__(self, text: str) -> None:
        self.text = text
        lengths = (len(line) + 1 for line in text.split("\n"))
        self.starts: list[int] = list(accumulate(lengths, initial=0))[:-1]

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line(self, index: int) -> str:
        start = self.starts[index]
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.text)
        return self.text[start:end]

    def line_length(self, index: int) -> int:
        end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(self.text)
        return end - self.starts[index]

    def line_of(self, offset: int) -> int:
        return max(0, bisect_right(self.starts, offset) - 1)

    def lines_between(self, first: int, last: int) -> str:
        """Lines first..last inclusive, exactly as stored (for copying a selection)."""
        start = self.starts[first]
        end = self.starts[last + 1] - 1 if last + 1 < len(self.starts) else len(self.text)
        return self.text[start:end]


@dataclass
class Shown:
    """One line as displayed: stand-ins for specials, tabs expanded, plus the offset map."""

    plain: str
    escapes: list[tuple[int, int]]
    breaks: list[tuple[int, int]]  # (source offset, display offset) after each special

    def to_display(self, offset: int) -> int:
        if not self.breaks:
            return offset
        i = bisect_right(self.breaks, (offset, 1 << 62)) - 1
        src, disp = self.breaks[i]
        return disp + offset - src


def shown(line: str) -> Shown:
    if not _SPECIAL.search(line):
        return Shown(line, [], [])
    out: list[str] = []
    escapes: list[tuple[int, int]] = []
    breaks = [(0, 0)]
    pos = disp = column = 0
    for match in _SPECIAL.finditer(line):
        chunk = line[pos:match.start()]
        out.append(chunk)
        disp += len(chunk)
        column += cell_len(chunk)
        ch = match.group()
        if ch == "\t":
            rep = " " * (TAB_SIZE - column % TAB_SIZE)
        else:
            rep = visible_escape(ch)
            escapes.append((disp, disp + len(rep)))
        out.append(rep)
        disp += len(rep)
        column += cell_len(rep)
        pos = match.end()
        breaks.append((pos, disp))
    out.append(line[pos:])
    return Shown("".join(out), escapes, breaks)


# Ranges to look for one-cell characters in (Latin, Greek, Cyrillic, punctuation, symbols).
_NARROW_RANGES = ((0x20, 0x7E), (0xA0, 0x2FF), (0x370, 0x52F), (0x1E00, 0x1FFF),
                  (0x2010, 0x205E), (0x20A0, 0x20C0), (0x2100, 0x2BFF))


@lru_cache(maxsize=1)
def _narrow() -> frozenset[str]:
    """Characters that Rich lays out as exactly one cell on their own and the display keeps."""
    return frozenset(ch for lo, hi in _NARROW_RANGES for ch in map(chr, range(lo, hi + 1))
                     if get_character_cell_size(ch) == 1 and not _SPECIAL.match(ch))


def _simple(line: str) -> bool:
    """Every character is its own single cell and shown as itself."""
    return (line.isascii() and line.isprintable()) or _narrow().issuperset(line)


def _all_simple(text: str) -> bool:
    if text.isascii():
        return "\t" not in text and _ascii_printable_lines(text)
    narrow = _narrow() | {"\n"}
    return all(narrow.issuperset(text[i:i + (1 << 16)]) for i in range(0, len(text), 1 << 16))


def _graphemes(plain: str) -> Iterator[tuple[int, int, int]]:
    """Rich's grapheme split, a window at a time: a list for a whole 2 MB line costs 200 MB."""
    window = 1 << 14
    at = 0
    while at < len(plain):
        end = min(len(plain), at + window)
        # Cut before an ASCII character, where no grapheme continues across the cut.
        while end < len(plain) and not plain[end].isascii():
            end += 1
        graphemes, _ = split_graphemes(plain[at:end])
        for start, stop, cells in graphemes:
            yield at + start, at + stop, cells
        at = end


@lru_cache(maxsize=1)
def _odd_runs() -> re.Pattern[str]:
    """Runs of characters outside _narrow(): only these need Rich's grapheme widths."""
    points = sorted(map(ord, _narrow()))
    ranges: list[tuple[int, int]] = []
    for cp in points:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    inside = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)
    return re.compile(f"[^{inside}]+")


def _row_starts(plain: str, width: int) -> list[int]:
    """Display offsets where each wrapped row of one (complex) line begins.

    Word wrap: a full row breaks after its last space, else exactly at the width. Runs of
    one-cell characters are measured by length; only the other runs pay for graphemes.
    """
    starts = [0]
    used = 0

    def full(at: int) -> int:
        """The row is full before `at`: start the next one; return the cells already on it."""
        row_start = starts[-1]
        space = plain.rfind(" ", row_start, at)
        cut = space + 1 if space >= row_start else at
        starts.append(cut)
        return cell_len(plain[cut:at]) if cut < at else 0

    def narrow(a: int, b: int) -> None:
        nonlocal used
        while a < b:
            room = width - used
            if b - a <= room:
                used += b - a
                return
            a += room
            used = full(a)

    pos = 0
    for run in _odd_runs().finditer(plain):
        narrow(pos, run.start())
        for start, _end, cells in _graphemes(run.group()):
            at = run.start() + start
            if used + cells > width and used > 0:
                used = full(at)
                if used + cells > width and used > 0:
                    starts.append(at)
                    used = 0
            used += cells
        pos = run.end()
    narrow(pos, len(plain))
    return starts


def _word_rows(text: str, start: int, end: int, width: int) -> list[int]:
    """Row starts (relative to start) of a simple line text[start:end], broken after spaces."""
    rows = [0]
    at = start
    while end - at > width:
        space = text.rfind(" ", at + 1, at + width)
        at = space + 1 if space >= 0 else at + width
        rows.append(at - start)
    return rows


class WrapLayout:
    """Visual rows of a Document at one width: row -> (line, display range) and back."""

    def __init__(self, doc: Document, width: int) -> None:
        self.doc = doc
        self.width = max(2, width)
        self._rows: dict[int, list[int]] = {}  # row starts of lines that take several rows
        self._complex: set[int] = set()  # lines shown with stand-ins or wide characters
        self._shown: OrderedDict[int, Shown] = OrderedDict()
        text, w = doc.text, self.width
        counts = [1] * doc.line_count
        if _all_simple(text):
            ends = [*doc.starts[1:], len(text) + 1]
            for index, (s, e) in enumerate(zip(doc.starts, ends, strict=True)):
                if e - s - 1 > w:
                    rows = _word_rows(text, s, e - 1, w)
                    self._rows[index] = rows
                    counts[index] = len(rows)
        else:
            offset = 0
            for index, line in enumerate(text.split("\n")):
                if _simple(line):
                    if len(line) > w:
                        rows = _word_rows(text, offset, offset + len(line), w)
                        self._rows[index] = rows
                        counts[index] = len(rows)
                else:
                    self._complex.add(index)
                    rows = _row_starts(self.shown(index, line).plain, w)
                    if len(rows) > 1:
                        self._rows[index] = rows
                        counts[index] = len(rows)
                offset += len(line) + 1
        self.cum: list[int] = list(accumulate(counts, initial=0))

    @property
    def row_count(self) -> int:
        return self.cum[-1]

    def shown(self, index: int, line: str | None = None) -> Shown:
        cached = self._shown.get(index)
        if cached is not None:
            self._shown.move_to_end(index)
            return cached
        result = shown(self.doc.line(index) if line is None else line)
        self._shown[index] = result
        if len(self._shown) > 512:
            self._shown.popitem(last=False)
        return result

    def is_complex(self, index: int) -> bool:
        return index in self._complex

    def locate(self, row: int) -> tuple[int, int]:
        """(line index, row within the line) of a visual row."""
        line = bisect_right(self.cum, row) - 1
        return line, row - self.cum[line]

    def row_span(self, line: int, sub: int) -> tuple[int, int]:
        """Display offsets [start, end) of one row of a line."""
        length = (len(self.shown(line).plain) if line in self._complex
                  else self.doc.line_length(line))
        rows = self._rows.get(line)
        if rows is None:
            return 0, length
        return rows[sub], rows[sub + 1] if sub + 1 < len(rows) else length

    def row_start_offset(self, row: int) -> int:
        """Source offset in the text of the first character on a visual row (roughly, for
        lines shown with stand-ins: their start)."""
        line, sub = self.locate(row)
        if line in self._complex:
            return self.doc.starts[line]
        return self.doc.starts[line] + self.row_span(line, sub)[0]

    def row_of_offset(self, offset: int) -> int:
        """The visual row that shows the character at a source offset of the text."""
        line = self.doc.line_of(offset)
        within = offset - self.doc.starts[line]
        rows = self._rows.get(line)
        if rows is None:
            return self.cum[line]
        if line in self._complex:
            within = self.shown(line).to_display(within)
        return self.cum[line] + bisect_right(rows, within) - 1


def _ascii_printable_lines(text: str) -> bool:
    # isprintable() is False for '\n' itself, so test the text without its newlines.
    return text.replace("\n", "").isprintable() if len(text) < 1 << 16 else all(
        text[i:i + (1 << 16)].replace("\n", "").isprintable()
        for i in range(0, len(text), 1 << 16))


def escape_spans(item: Shown) -> list[Span]:
    return [(a, b, CONTROL_STYLE) for a, b in item.escapes]


@dataclass(frozen=True)
class Matches:
    """Where a term occurs in a Document: sorted start offsets and the term's length each."""

    term: str
    starts: list[int]
    ends: list[int]

    def __len__(self) -> int:
        return len(self.starts)

    def in_range(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """(index, start, end) of the matches that overlap [start, end)."""
        first = max(0, bisect_right(self.starts, start) - 1)
        out = []
        for i in range(first, len(self.starts)):
            if self.starts[i] >= end:
                break
            if self.ends[i] > start:
                out.append((i, self.starts[i], self.ends[i]))
        return out

    def next_after(self, offset: int, backwards: bool = False) -> int | None:
        if not self.starts:
            return None
        if backwards:
            i = bisect_right(self.starts, offset - 1) - 1
            return i if i >= 0 else len(self.starts) - 1
        i = bisect_right(self.starts, offset)
        return i if i < len(self.starts) else 0


def find_all(doc: Document, term: str) -> Matches:
    """Every occurrence of term; case-insensitive unless the term has a capital (smart case)."""
    if not term:
        return Matches(term, [], [])
    flags = 0 if any(ch.isupper() for ch in term) else re.IGNORECASE
    starts: list[int] = []
    ends: list[int] = []
    for match in re.finditer(re.escape(term), doc.text, flags):
        if match.end() > match.start():
            starts.append(match.start())
            ends.append(match.end())
    return Matches(term, starts, ends)
