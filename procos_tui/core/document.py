"""A text of any size held once, addressed by line, searched and soft-wrapped without copies.

The pane widget asks only for the rows it paints, so everything here is built to answer
"which characters are on visual row r" in O(log n) after one linear pass over the text.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterator
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
        self.starts: list[int] = [0]
        # A window at a time: split() of the whole text would hold a second copy of it.
        window = 1 << 20
        for at in range(0, len(text), window):
            parts = text[at:at + window].split("\n")
            if len(parts) > 1:
                # The j-th newline of the window sits after parts 0..j and j newlines.
                ends = list(accumulate(map(len, parts[:-1]), initial=at))[1:]
                self.starts += [end + j + 1 for j, end in enumerate(ends)]

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


class Shown:
    """One line as displayed: stand-ins for specials, tabs expanded, plus the offset map."""

    def __init__(self, plain: str, escapes: list[tuple[int, int]],
                 breaks: list[tuple[int, int]] | None, source: str = "") -> None:
        self.plain = plain
        self.escapes = escapes
        self._breaks = breaks  # (source offset, display offset) after each special
        self._source = source  # kept only while breaks are still to be worked out

    @property
    def breaks(self) -> list[tuple[int, int]]:
        if self._breaks is None:
            self._breaks = shown(self._source, lazy=False)._breaks or []
            self._source = ""
        return self._breaks

    def to_source(self, display: int) -> int:
        """The source offset of the character shown at a display offset (a stand-in's cells
        all map to the one character they stand for)."""
        breaks = self.breaks
        if not breaks:
            return display
        i = bisect_right([d for _, d in breaks], display) - 1
        src, disp = breaks[i]
        following = breaks[i + 1] if i + 1 < len(breaks) else None
        if following is not None:
            special = following[0] - 1  # the special character that ends this stretch
            if src + (display - disp) >= special:
                return special
        return src + display - disp

    def to_display(self, offset: int) -> int:
        breaks = self.breaks
        if not breaks:
            return offset
        i = bisect_right(breaks, (offset, 1 << 62)) - 1
        src, disp = breaks[i]
        return disp + offset - src


def shown(line: str, lazy: bool = True) -> Shown:
    if not _SPECIAL.search(line):
        return Shown(line, [], [])
    if lazy and _is_narrow(line.replace("\t", "")):
        # Tabs in one-cell text, the common case: expandtabs is exact; the offset map waits
        # until a find or a jump needs it.
        return Shown(line.expandtabs(TAB_SIZE), [], None, line)
    out: list[str] = []
    escapes: list[tuple[int, int]] = []
    breaks = [(0, 0)]
    pos = disp = column = 0
    # Between the specials, one-cell text (the usual case) is measured by its length.
    width = len if _is_narrow(_SPECIAL.sub("", line)) else cell_len
    for match in _SPECIAL.finditer(line):
        chunk = line[pos:match.start()]
        out.append(chunk)
        disp += len(chunk)
        column += width(chunk)
        ch = match.group()
        if ch == "\t":
            rep = " " * (TAB_SIZE - column % TAB_SIZE)
        else:
            rep = visible_escape(ch)
            escapes.append((disp, disp + len(rep)))
        out.append(rep)
        disp += len(rep)
        column += len(rep)  # stand-ins are one-cell characters
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


def _is_narrow(text: str) -> bool:
    """Only one-cell characters shown as themselves (str and set methods: C speed)."""
    return (text.isascii() and text.isprintable()) or _narrow().issuperset(text)


def _graphemes(plain: str) -> Iterator[tuple[int, int, int]]:
    """Rich's grapheme split, a window at a time: a list for a whole 2 MB line costs 200 MB."""
    window = 1 << 14
    at = 0
    while at < len(plain):
        end = min(len(plain), at + window)
        # Cut before an ASCII character, where no grapheme continues across the cut.
        while end < len(plain) and not plain[end].isascii():
            end += 1
        piece = plain[at:end]
        graphemes, _ = split_graphemes(piece)
        for start, stop, _cells in graphemes:
            # cell_len, not split_graphemes' own count: the renderer measures with cell_len,
            # and the two disagree on odd sequences (a joiner with nothing before it).
            yield at + start, at + stop, cell_len(piece[start:stop])
        at = end


@lru_cache(maxsize=1)
def _odd_runs() -> re.Pattern[str]:
    """Runs of characters outside _narrow(): only these need Rich's grapheme widths."""
    points = sorted(map(ord, _narrow() | {"\n"}))
    ranges: list[tuple[int, int]] = []
    for cp in points:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    inside = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)
    return re.compile(f"[^{inside}]+")


def _row_starts(plain: str, width: int) -> array[int]:
    """Display offsets where each wrapped row of one (complex) line begins.

    Word wrap: a full row breaks after its last space, else exactly at the width. Runs of
    one-cell characters are measured by length; only the other runs pay for graphemes.
    """
    if _is_narrow(plain):
        return array("q", [0]) if len(plain) <= width else _word_rows(plain, 0, len(plain),
                                                                       width)
    starts = array("q", [0])
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

    # Each run goes with its neighbours: a variation selector or joiner changes the width of
    # the character before it, a joiner joins the one after. Overlapping windows merge.
    windows: list[list[int]] = []
    for run in _odd_runs().finditer(plain):
        first, last = max(0, run.start() - 1), min(len(plain), run.end() + 1)
        if windows and first <= windows[-1][1]:
            windows[-1][1] = last
        else:
            windows.append([first, last])
    pos = 0
    for first, last in windows:
        narrow(pos, first)
        for start, _end, cells in _graphemes(plain[first:last]):
            at = first + start
            if used + cells > width and used > 0:
                used = full(at)
                if used + cells > width and used > 0:
                    starts.append(at)
                    used = 0
            used += cells
        pos = last
    narrow(pos, len(plain))
    return starts


def _word_rows(text: str, start: int, end: int, width: int) -> array[int]:
    """Row starts (relative to start) of a simple line text[start:end], broken after spaces."""
    rows = array("q", [0])
    at = start
    while end - at > width:
        space = text.rfind(" ", at + 1, at + width)
        at = space + 1 if space >= 0 else at + width
        rows.append(at - start)
    return rows


def _complex_lines(doc: Document) -> set[int]:
    """Lines holding anything but one-cell characters shown as themselves.

    A window of lines at a time, tested by str methods at C speed: a regex over the text
    costs ~10 ns a character, 0.1 s per 10 MB.
    """
    text, starts, narrow = doc.text, doc.starts, _narrow()
    out: set[int] = set()
    first = 0
    while first < len(starts):
        after = bisect_left(starts, starts[first] + (1 << 20), lo=first + 1)
        end = starts[after] - 1 if after < len(starts) else len(text)
        lines = text[starts[first]:end].split("\n")
        for k, (plain_ascii, printable) in enumerate(zip(map(str.isascii, lines),
                                                         map(str.isprintable, lines), strict=True)):
            if not (plain_ascii and printable) and not (
                    printable and narrow.issuperset(lines[k])):
                out.add(first + k)
        first = after
    return out


class WrapLayout:
    """Visual rows of a Document at one width: row -> (line, display range) and back."""

    def __init__(self, doc: Document, width: int) -> None:
        self.doc = doc
        self.width = max(2, width)
        self._rows: dict[int, array[int]] = {}  # row starts of lines that take several rows
        self._shown: OrderedDict[int, Shown] = OrderedDict()
        text, w, starts = doc.text, self.width, doc.starts
        # Lines with anything but one-cell characters shown as themselves: one regex pass
        # over the text finds them, all others are measured by their length.
        self._complex = _complex_lines(doc)
        counts = [1] * doc.line_count
        ends = [*starts[1:], len(text) + 1]
        for index in [i for i, (s, e) in enumerate(zip(starts, ends, strict=True))
                      if e - s - 1 > w]:
            if index not in self._complex:
                rows = _word_rows(text, starts[index], ends[index] - 1, w)
                self._rows[index] = rows
                counts[index] = len(rows)
        for index in self._complex:
            rows = _row_starts(self.shown(index).plain, w)
            if len(rows) > 1:
                self._rows[index] = rows
                counts[index] = len(rows)
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
        """Source offset in the text of the first character on a visual row."""
        line, sub = self.locate(row)
        start = self.row_span(line, sub)[0]
        if line in self._complex:
            start = self.shown(line).to_source(start)
        return self.doc.starts[line] + start

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


def escape_spans(item: Shown) -> list[Span]:
    return [(a, b, CONTROL_STYLE) for a, b in item.escapes]
