"""Styles for one line at a time: Markdown structure, fenced code by Pygments, JSON tokens.

Stylers never change the text, only colour it, so offsets (find, selection, copy) are the
same in every view. Work is done for the lines being painted: a fenced block is lexed when
one of its lines is first shown, and blocks or lines too large to lex quickly stay plain.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rich.style import Style

from procos_tui.core.document import Document

if TYPE_CHECKING:
    from pygments.token import _TokenType

StyleSpan = tuple[int, int, "str | Style"]

# Beyond these sizes colouring would cost more than a keystroke may: shown plain instead.
MAX_LEXED_BLOCK = 48 * 1024  # Pygments takes ~0.25 s for this much Python
MAX_STYLED_LINE = 20_000

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n]*")

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
_LIST = re.compile(r"^[ \t]*([-*+]|\d{1,9}[.)])[ \t]")
_QUOTE = re.compile(r"^ {0,3}>")
# Bounded spans and possessive strings keep every pattern linear in the line: a stored line
# of 20,000 unmatched quotes or backticks must not cost seconds (ReDoS).
_INLINE = re.compile(r"(`{1,3})([^`\n]{1,400}?)\1|\*\*(?=\S)(.{1,400}?)(?<=\S)\*\*"
                     r"|\[([^\]\n]{1,200})\]\(([^)\s]{1,500})\)")
_JSON = re.compile(r'("(?:[^"\\]|\\.)*+(?:"|\\?$))(\s*:)?|(-?\d++(?:\.\d++)?(?:[eE][+-]?\d++)?)'
                   r"|\b(true|false|null)\b|([{}\[\],])")

HEADING = Style(bold=True, color="bright_cyan")
MARKER = Style(color="bright_magenta", bold=True)
FENCE = Style(dim=True)
QUOTE = Style(italic=True, dim=True)
INLINE_CODE = Style(color="bright_yellow")
BOLD = Style(bold=True)
LINK = Style(underline=True, color="bright_blue")
JSON_KEY = Style(color="bright_cyan", bold=True)
JSON_STRING = Style(color="green")
JSON_NUMBER = Style(color="bright_magenta")
JSON_LITERAL = Style(color="yellow", bold=True)
JSON_PUNCT = Style(dim=True)


class Styler:
    """No colour: raw view."""

    def line_spans(self, doc: Document, index: int) -> list[StyleSpan]:
        return []


def json_line_spans(line: str) -> list[StyleSpan]:
    if len(line) > MAX_STYLED_LINE:
        return []
    spans: list[StyleSpan] = []
    for m in _JSON.finditer(line):
        if m.group(1) is not None:
            spans.append((m.start(1), m.end(1), JSON_KEY if m.group(2) else JSON_STRING))
        elif m.group(3) is not None:
            spans.append((m.start(), m.end(), JSON_NUMBER))
        elif m.group(4) is not None:
            spans.append((m.start(), m.end(), JSON_LITERAL))
        else:
            spans.append((m.start(), m.end(), JSON_PUNCT))
    return spans


class JsonStyler(Styler):
    def __init__(self) -> None:
        self._cache: OrderedDict[int, list[StyleSpan]] = OrderedDict()

    def line_spans(self, doc: Document, index: int) -> list[StyleSpan]:
        if doc.line_length(index) > MAX_STYLED_LINE:
            return []  # before doc.line(): copying a 10 MB line per painted row costs 25 ms
        spans = self._cache.get(index)
        if spans is None:
            # A long line is painted as many rows: tokenise it once, not once a row.
            spans = self._cache[index] = json_line_spans(doc.line(index))
            if len(self._cache) > 1024:
                self._cache.popitem(last=False)
        return spans


class _Block:
    def __init__(self, first: int, last: int, language: str, closed: bool) -> None:
        self.first, self.last, self.language = first, last, language  # fence lines included
        self.closed = closed
        self.lines: list[list[StyleSpan]] | None = None


def find_blocks(doc: Document) -> list[_Block]:
    """Fenced code blocks (CommonMark's rules, roughly): an unclosed one runs to the end."""
    blocks: list[_Block] = []
    open_at: tuple[int, str, str] | None = None  # line, fence, language
    text = doc.text
    # str.find is far faster over megabytes than any pattern (an alternation or ^ anchor
    # makes re try every position).
    for at in heapq.merge(_runs(text, "```"), _runs(text, "~~~")):
        line = doc.line_of(at)
        line_start = doc.starts[line]
        if at - line_start > 3 or text[line_start:at].strip(" "):
            continue
        m = _FENCE.match(text, line_start)
        if m is None or m.start(1) != at:
            continue
        fence, info = m.group(1), m.group(2)
        if open_at is None:
            open_at = (line, fence, info)
        elif (fence[0] == open_at[1][0] and len(fence) >= len(open_at[1])
              and m.group(0).strip() == fence):
            blocks.append(_Block(open_at[0], line, open_at[2], True))
            open_at = None
    if open_at is not None:
        blocks.append(_Block(open_at[0], doc.line_count - 1, open_at[2], False))
    return blocks


def _runs(text: str, mark: str) -> Iterator[int]:
    """Start of each maximal run of mark's character that is at least as long as mark."""
    at = text.find(mark)
    while at >= 0:
        end = at + len(mark)
        while end < len(text) and text[end] == mark[0]:
            end += 1
        yield at
        at = text.find(mark, end)


class MarkdownStyler(Styler):
    """Headings, list markers, quotes, inline code/bold/links; fenced blocks via Pygments."""

    def __init__(self, doc: Document, dark: bool = True) -> None:
        self.blocks = find_blocks(doc)
        self._firsts = [b.first for b in self.blocks]
        self.theme = "monokai" if dark else "friendly"
        self._cache: OrderedDict[int, list[StyleSpan]] = OrderedDict()

    def block_of(self, index: int) -> _Block | None:
        i = bisect_right(self._firsts, index) - 1
        if i >= 0 and self.blocks[i].first <= index <= self.blocks[i].last:
            return self.blocks[i]
        return None

    def line_spans(self, doc: Document, index: int) -> list[StyleSpan]:
        cached = self._cache.get(index)
        if cached is not None:
            return cached
        spans = self._compute(doc, index)
        self._cache[index] = spans
        if len(self._cache) > 4096:
            self._cache.popitem(last=False)
        return spans

    def _compute(self, doc: Document, index: int) -> list[StyleSpan]:
        block = self.block_of(index)
        if block is not None:
            if index == block.first or (index == block.last and block.closed):
                return [(0, doc.line_length(index), FENCE)]
            if block.lines is None:
                block.lines = self._lex(doc, block)
            offset = index - block.first - 1
            return block.lines[offset] if 0 <= offset < len(block.lines) else []
        if doc.line_length(index) > MAX_STYLED_LINE:
            return []
        line = doc.line(index)
        heading = _HEADING.match(line)
        if heading:
            return [(0, len(line), HEADING), (heading.start(1), heading.end(1), MARKER)]
        spans: list[StyleSpan] = []
        if _QUOTE.match(line):
            spans.append((0, len(line), QUOTE))
        marker = _LIST.match(line)
        if marker:
            spans.append((marker.start(1), marker.end(1), MARKER))
        for m in _INLINE.finditer(line):
            if m.group(1):
                spans.append((m.start(), m.end(), INLINE_CODE))
            elif m.group(3):
                spans.append((m.start(), m.end(), BOLD))
            else:
                spans.append((m.start(4), m.end(4), LINK))
        return spans

    def _lex(self, doc: Document, block: _Block) -> list[list[StyleSpan]]:
        first, last = block.first + 1, block.last - 1 if block.closed else block.last
        count = max(0, last - first + 1)
        plain: list[list[StyleSpan]] = [[] for _ in range(count)]
        if count == 0:
            return plain
        start = doc.starts[first]
        end = doc.starts[last] + doc.line_length(last)
        if end - start > MAX_LEXED_BLOCK:
            return plain
        code = doc.text[start:end]
        lexer = _lexer(block.language, code)
        if lexer is None:
            return plain
        from rich.syntax import PygmentsSyntaxTheme

        theme = PygmentsSyntaxTheme(self.theme)
        lines = plain
        row, col = 0, 0
        for _, token_type, value in lexer.get_tokens_unprocessed(code):
            style = _token_style(theme, token_type)
            for k, piece in enumerate(value.split("\n")):
                if k:
                    row, col = row + 1, 0
                if piece and style is not None and row < count:
                    lines[row].append((col, col + len(piece), style))
                col += len(piece)
        return lines


def _token_style(theme: Any, token_type: _TokenType) -> Style | None:
    style: Style = theme.get_style_for_token(token_type)
    # The theme's background would paint blocks; the pane keeps its own.
    return Style(color=style.color, bold=style.bold, italic=style.italic) if style else None


def _lexer(language: str, code: str) -> Any:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    name = language.strip().lower() or ""
    if not name:
        stripped = code.lstrip()
        name = "json" if stripped[:1] in "{[" else ""
    if not name:
        return None
    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def looks_like_json(text: str) -> bool:
    head = text.lstrip()[:1]
    return head in ("{", "[")
