"""The single gate through which stored (untrusted) text reaches the screen.

Prompts and responses are attacker-controlled. Written raw they could drive the terminal (OSC 52
clipboard writes, OSC 2 window titles, screen clears) or reorder what the reader sees; parsed as
markup they could trigger actions (``[@click=app.quit]``). So every dangerous character becomes a
visible stand-in styled CONTROL_STYLE, and Text is built directly: markup is never parsed.
"""

from __future__ import annotations

import re
from itertools import accumulate, repeat

from rich.cells import cell_len, split_graphemes
from rich.text import Span, Text

# Reverse video stays distinct on monochrome and NO_COLOR terminals, where colour alone would not.
CONTROL_STYLE = "reverse"
TAB_SIZE = 4
NEWLINE_MARK = "⏎"

_CONTROLS = ((0x00, 0x1F), (0x7F, 0x9F))  # C0, DEL, C1
# Bidi marks, embeddings, overrides, isolates and the deprecated shaping/swapping controls
# U+206A-F change the visual order, so the screen would not show what is stored (Trojan Source).
_REORDER = ((0x061C, 0x061C), (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x206F))
# U+2028/9: some terminals break lines on them, others do not, so they fake line structure.
# U+FEFF, interlinear annotations U+FFF9-B and tags U+E0000-7F are invisible carriers of hidden
# text; tag "ASCII smuggling" hides instructions to a model from its human reviewer (cost: the
# England/Scotland/Wales flag emoji show their tags). Lone surrogates cannot be encoded to UTF-8
# and would crash the writer. ZWJ/ZWNJ stay (emoji, Persian, Indic need them), as do ZWSP, word
# joiner and soft hyphen: line-breaking hints that can neither reorder nor hide other text.
_HIDE = ((0x2028, 0x2029), (0xD800, 0xDFFF), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0xE0000, 0xE007F))
_FORMAT = _REORDER + _HIDE

# Every character the sanitiser replaces (a tab is expanded to spaces rather than replaced by a
# stand-in). The one definition: each other "unsafe" pattern in procos-tui derives from it with
# unsafe_class(keep=...), saying next to it which characters it keeps and why.
UNSAFE_RANGES: tuple[tuple[int, int], ...] = _CONTROLS + _FORMAT


def visible_escape(ch: str) -> str:
    """Return the visible stand-in for one dangerous character, or ``ch`` itself if harmless.

    C0 controls map to Unicode Control Pictures (ESC -> '␛', BEL -> '␇'), DEL -> '␡',
    C1 controls to a literal ``\\x9b``, format characters to ``<U+202E>``.
    """
    if len(ch) != 1:
        raise ValueError(f"expected one character, got {len(ch)}")
    cp = ord(ch)
    if cp < 0x20:
        return chr(0x2400 + cp)
    if cp == 0x7F:
        return "␡"
    if 0x80 <= cp <= 0x9F:
        return f"\\x{cp:02x}"
    if any(lo <= cp <= hi for lo, hi in _FORMAT):
        return f"<U+{cp:04X}>"
    return ch


def _without(ranges: tuple[tuple[int, int], ...], keep: set[int]
             ) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for lo, hi in ranges:
        start = lo
        for cp in sorted(k for k in keep if lo <= k <= hi):
            if start < cp:
                out.append((start, cp - 1))
            start = cp + 1
        if start <= hi:
            out.append((start, hi))
    return tuple(out)


def unsafe_class(keep: str = "") -> str:
    """The body of a regex character class (for use inside ``[...]``) matching every character
    the sanitiser replaces except those in ``keep``. Written as ``\\U`` escapes, so the pattern
    source itself holds no control character."""
    kept = _without(UNSAFE_RANGES, {ord(c) for c in keep})
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in kept)


# Every character the sanitiser replaces, for use inside [...].
UNSAFE_CLASS = unsafe_class()

_LINE_CLASS = unsafe_class(keep="\t")  # one line: tabs are expanded, not replaced
_TEXT_CLASS = unsafe_class(keep="\t\n")  # multi-line text also keeps its line breaks
# Clean text, the common case, pays only for the single-character search, which is about twice
# as fast as searching for "[...]+".
_ANY_LINE, _ANY_TEXT = re.compile(f"[{_LINE_CLASS}]"), re.compile(f"[{_TEXT_CLASS}]")
_RUN_LINE = re.compile(f"([{_LINE_CLASS}]+)")
_RUN_TEXT = re.compile(f"([{_TEXT_CLASS}]+)")
_TABS = re.compile("\t+")


class _StandIns(dict[int, str]):
    """str.translate's table, filled on first use: building all 2,500 entries up front would
    cost the TUI's first frame several milliseconds."""

    def __missing__(self, cp: int) -> str:
        # Only reached in single-line mode for '\n': _RUN_TEXT never matches it.
        self[cp] = value = NEWLINE_MARK if cp == 0x0A else visible_escape(chr(cp))
        return value


_TABLE = _StandIns()


def _expand_tabs(text: str, single_line: bool) -> str:
    """Expand tabs to the next multiple of TAB_SIZE cells of the *shown* line.

    Done before escaping, so control spans never move; widths are those of the stand-ins.
    """
    any_bad = _ANY_LINE if single_line else _ANY_TEXT
    lines = [text] if single_line else text.split("\n")
    for i, line in enumerate(lines):
        if "\t" not in line:
            continue
        if line.isascii() and not any_bad.search(line):
            lines[i] = line.expandtabs(TAB_SIZE)  # exact: every character is one cell
            continue
        parts: list[str] = []
        column = pos = 0
        for tabs in _TABS.finditer(line):
            chunk = line[pos : tabs.start()]
            column += cell_len(chunk.translate(_TABLE))
            pad = TAB_SIZE - column % TAB_SIZE + TAB_SIZE * (len(tabs.group()) - 1)
            parts += (chunk, " " * pad)
            column += pad
            pos = tabs.end()
        parts.append(line[pos:])
        lines[i] = "".join(parts)
    return "\n".join(lines)


def _escape(text: str, single_line: bool) -> tuple[str, list[Span]]:
    """Return the safe string and the spans of its stand-ins."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # a lone '\r' stays and is escaped as '␍'
    if "\t" in text:
        text = _expand_tabs(text, single_line)
    if not (_ANY_LINE if single_line else _ANY_TEXT).search(text):
        return text, []
    # Split and rejoin at C speed: a Python callback per match costs seconds on 20 MB of
    # colourised tool output. The capturing group puts each run at the odd indices.
    pieces = (_RUN_LINE if single_line else _RUN_TEXT).split(text)
    pieces[1::2] = map(str.translate, pieces[1::2], repeat(_TABLE))
    offsets = list(accumulate(map(len, pieces), initial=0))
    spans = list(map(Span, offsets[1::2], offsets[2::2], repeat(CONTROL_STYLE)))
    return "".join(pieces), spans


def _to_text(plain: str, spans: list[Span], style: str) -> Text:
    # Text(plain) would re-run Rich's own strip of BEL/BS/VT/FF/CR: a no-op here (_escape left
    # none), but a per-character dict lookup costing ~0.7 s per 16 M non-ASCII characters.
    # Text has __slots__, so if Rich renames these fields this fails loudly, not silently.
    text = Text(style=style, spans=spans)
    text._text = [plain]
    text._length = len(plain)
    return text


def sanitize_line(line: str, style: str = "") -> Text:
    """One display line as Rich ``Text``; a stray newline shows as a styled '⏎'."""
    return _to_text(*_escape(line, single_line=True), style)


def sanitize_text(text: str, style: str = "") -> Text:
    """Multi-line text as Rich ``Text``: '\\n' and '\\r\\n' break lines, all else as a line."""
    return _to_text(*_escape(text, single_line=False), style)


def sanitize_plain(text: str) -> str:
    """Single-line plain ``str`` (titles, notifications); equals ``sanitize_line(text).plain``."""
    return _escape(text, single_line=True)[0]


# Widest stand-in ('<U+E007F>') plus a full tab, with margin.
_MAX_SHOWN_CELLS = 16


def clip(text: str, width: int) -> str:
    """One-line preview at most ``width`` cells; ends with '…' exactly when cut."""
    if width <= 0:
        # Nothing fits but text of no width at all (a lone combining mark or modifier).
        plain = sanitize_plain(text[:256]) if len(text) <= 256 else "x"
        return plain if cell_len(plain) == 0 else ""
    # Previews of multi-megabyte messages must not sanitise the whole message: each shown
    # character is usually at least one cell, so a short head decides the result, unless the
    # head is mostly zero-width (combining marks), in which case fall back to the full text.
    head = text[: 4 * width + 256]
    plain = sanitize_plain(head)
    if len(head) < len(text) and cell_len(plain) <= width + _MAX_SHOWN_CELLS:
        plain = sanitize_plain(text)
    if cell_len(plain) <= width:
        return plain
    budget = width - 1  # one cell for the ellipsis
    keep = used = 0
    graphemes, _ = split_graphemes(plain)
    # Whole graphemes only, so combining marks and ZWJ emoji are never torn apart.
    for _start, end, cells in graphemes:
        if used + cells > budget:
            break
        used += cells
        keep = end
    kept = plain[:keep]
    # split_graphemes and cell_len disagree on some ZWJ oddities; cell_len is what layout uses.
    while kept and cell_len(kept) > budget:
        kept = kept[:-1]
    return kept + "…"


_UNITS = ("KB", "MB", "GB", "TB", "PB", "EB")


def human_size(n_bytes: int) -> str:
    """'812 B', '1.5 KB', '20.0 MB': 1024-based, one decimal above bytes."""
    if n_bytes < 0:
        raise ValueError(f"negative size: {n_bytes}")
    if n_bytes < 1024:
        return f"{n_bytes} B"
    value = n_bytes / 1024
    for unit in _UNITS[:-1]:
        if round(value, 1) < 1024:  # promote rather than print '1024.0 KB'
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} {_UNITS[-1]}"
