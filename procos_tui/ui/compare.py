"""Two interactions compared: prompt with prompt, response with response, side by side where
the terminal is wide enough and unified at 80 columns; the JSON (content_data, token_usage)
by path. n / N go from change to change; unchanged stretches are folded with their count.

The diff itself is core/compare.py's (fast-diff-match-patch: two 5 MB bodies in well under a
second), run off the event loop; Esc while it runs goes back at once.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, chop_cells
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.geometry import Size
from textual.reactive import reactive
from textual.screen import Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Header, Static

from procos_tui.core.compare import (
    CompareSide,
    DiffRow,
    PathChange,
    change_starts,
    diff_rows,
    json_changes,
    line_marks,
)
from procos_tui.core.errors import DatabaseError
from procos_tui.core.keymap import COMPARE
from procos_tui.core.sanitize import human_size, sanitize_plain
from procos_tui.core.types import InteractionContent
from procos_tui.ui.footer import WholeFooter
from procos_tui.ui.gateway_access import host
from procos_tui.ui.keys import bindings
from procos_tui.ui.status import StatusLine

# Side by side from this width: two halves of at least ~55 columns each.
SIDE_BY_SIDE_MIN = 120
CONTEXT_LINES = 3

_REMOVED = Style(color="red")
_ADDED = Style(color="green")
_MARK_REMOVED = Style(color="white", bgcolor="dark_red", bold=True)
_MARK_ADDED = Style(color="black", bgcolor="green", bold=True)
_DIM = Style(dim=True)
_TITLE = Style(bold=True, reverse=True)


@dataclass(frozen=True)
class Section:
    """One part of the comparison: the prompts, the responses, or a JSON column's paths."""

    title: str
    rows: list[DiffRow]
    changes: list[PathChange] | None = None  # the JSON view's sections


Marks = tuple[tuple[int, int], ...]


def _side(text: str, marks: Marks, base: Style, mark: Style) -> Text:
    out = Text(text, style=base, no_wrap=True, end="")
    for start, end in marks:
        out.stylize(mark, start, end)
    return out


def _pieces(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each piece of `width` cells: the compare view wraps, never cuts."""
    if text.isascii():  # escaped already: one cell per character
        return [(at, min(at + width, len(text))) for at in range(0, len(text), width)] \
            or [(0, 0)]
    if cell_len(text) <= width:
        return [(0, len(text))]
    out, at = [], 0
    for piece in chop_cells(text, width):
        out.append((at, at + len(piece)))
        at += len(piece)
    return out or [(0, 0)]


def _pad(text: Text, width: int) -> Text:
    return text + Text(" " * max(0, width - text.cell_len), end="")


@dataclass(frozen=True)
class _Line:
    """One line of the view, styled only when painted: a fixed Text (titles, folds, JSON),
    or a piece of a row: (row, a piece, b piece), each piece (start, end, first)."""

    text: Text | None = None
    row: DiffRow | None = None
    a: tuple[int, int, bool] | None = None
    b: tuple[int, int, bool] | None = None
    digits: int = 1


class DiffView(ScrollView, can_focus=True):
    """The comparison as lines, laid out for the width it is painted at (again on resize).
    Layout measures plain text only; word marks and styles are made for the lines painted,
    so a diff of thousands of changed lines opens as fast as one of a few."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("DiffView", COMPARE, {
        "up": "scroll_up", "down": "scroll_down", "page_up": "page_up",
        "page_down": "page_down", "first": "scroll_home", "last": "scroll_end",
    })
    # The scrollbar's room kept from the start: laid out before it appeared, the text
    # would run under it and lose the last two cells of each line.
    DEFAULT_CSS = """
    DiffView { background: $surface; scrollbar-gutter: stable; overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sections: list[Section] = []
        self.side_by_side = False
        self.lines: list[_Line] = []
        self.change_lines: list[int] = []  # the first line of each run of changes
        self._cache: dict[int, Strip] = {}
        self._marks: dict[int, tuple[Marks, Marks]] = {}

    def show(self, sections: list[Section], side_by_side: bool) -> None:
        self.sections, self.side_by_side = sections, side_by_side
        self._marks.clear()
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    @property
    def _text_width(self) -> int:
        return max(20, self.scrollable_content_region.width or self.size.width or 80)

    def _layout(self) -> None:
        width = self._text_width
        lines: list[_Line] = []
        changes: list[int] = []

        def fixed(text: Text) -> None:
            lines.append(_Line(text=text))

        for section in self.sections:
            fixed(_pad(Text(f" {section.title} ", style=_TITLE, end=""), width))
            if section.changes is not None:
                self._json_lines(section.changes, width, lines, changes)
                continue
            if not section.rows:
                fixed(Text("  (no text on either side)", style=_DIM, end=""))
            starts = set(change_starts(section.rows))
            if not starts:
                fixed(Text("  identical", style=_ADDED, end=""))
            digits = len(str(max((r.a_no or r.b_no or 0) for r in section.rows)
                             if section.rows else 1))
            for n, row in enumerate(section.rows):
                if n in starts:
                    changes.append(len(lines))
                if row.kind == "fold":
                    fixed(self._fold(row, width))
                elif self.side_by_side:
                    room = max(8, (width - 1) // 2 - digits - 3)
                    left = _pieces(row.a, room) if row.kind != "added" else []
                    right = _pieces(row.b, room) if row.kind != "removed" else []
                    for k in range(max(len(left), len(right))):
                        lines.append(_Line(
                            row=row, digits=digits,
                            a=(*left[k], k == 0) if k < len(left) else None,
                            b=(*right[k], k == 0) if k < len(right) else None))
                else:
                    room = max(10, width - digits - 3)
                    if row.kind in ("same", "changed", "removed"):
                        lines += [_Line(row=row, digits=digits, a=(start, end, k == 0))
                                  for k, (start, end) in enumerate(_pieces(row.a, room))]
                    if row.kind in ("changed", "added"):
                        lines += [_Line(row=row, digits=digits, b=(start, end, k == 0))
                                  for k, (start, end) in enumerate(_pieces(row.b, room))]
            fixed(Text(""))
        self.lines, self.change_lines = lines, changes
        self._cache.clear()
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def _json_lines(self, changes: list[PathChange], width: int, lines: list[_Line],
                    starts: list[int]) -> None:
        import json

        if not changes:
            lines.append(_Line(text=Text("  identical", style=_ADDED, end="")))
        for change in changes:
            starts.append(len(lines))
            text = Text(f"  {change.kind:<8} {sanitize_plain(change.path)}", end="")
            if change.kind != "added":
                text.append(" " + sanitize_plain(json.dumps(change.before, ensure_ascii=False)),
                            style=_REMOVED)
            if change.kind == "changed":
                text.append(" →")
            if change.kind != "removed":
                text.append(" " + sanitize_plain(json.dumps(change.after, ensure_ascii=False)),
                            style=_ADDED)
            lines += [_Line(text=text[start:end]) for start, end in _pieces(text.plain, width)]
        lines.append(_Line(text=Text("")))

    @staticmethod
    def _fold(row: DiffRow, width: int) -> Text:
        label = f" ⋯ {row.folded:,} unchanged line{'s' if row.folded != 1 else ''} (a: all) ⋯"
        return Text(label.center(width) if cell_len(label) < width else label, style=_DIM,
                    end="")

    # --- painting ---------------------------------------------------------------------------

    def _row_marks(self, row: DiffRow) -> tuple[Marks, Marks]:
        if row.kind != "changed":
            return (), ()
        if row.a_marks or row.b_marks:
            return row.a_marks, row.b_marks
        key = id(row)
        if key not in self._marks:
            self._marks[key] = line_marks(row.a, row.b)
        return self._marks[key]

    @staticmethod
    def _gutter(number: int | None, digits: int, sign: str, style: Style) -> Text:
        shown = f"{number:>{digits}}" if number is not None else " " * digits
        return Text(f"{shown} {sign} ", style=style if sign.strip() else _DIM, end="")

    def _piece(self, line: _Line, side: str) -> Text:
        row = line.row
        assert row is not None
        piece = line.a if side == "a" else line.b
        if piece is None:
            return Text("", end="")
        start, end, first = piece
        a_marks, b_marks = self._row_marks(row)
        same = row.kind == "same"
        if side == "a":
            sign, style, number = " " if same else "-", Style() if same else _REMOVED, row.a_no
            text = _side(row.a, a_marks, style, _MARK_REMOVED)
        else:
            sign, style, number = " " if same else "+", Style() if same else _ADDED, row.b_no
            text = _side(row.b, b_marks, style, _MARK_ADDED)
        return self._gutter(number if first else None, line.digits, sign, style) \
            + text[start:end]

    def line_text(self, index: int) -> Text:
        """Line `index` as painted (without the view's background)."""
        line = self.lines[index]
        if line.text is not None:
            return line.text
        if not self.side_by_side:
            return self._piece(line, "a" if line.a is not None else "b")
        half = (self._text_width - 1) // 2
        return _pad(self._piece(line, "a"), half) + Text("│", style=_DIM, end="") \
            + self._piece(line, "b")

    def plain(self) -> str:
        """Every line as text: what the view holds, for tests and checks."""
        return "\n".join(self.line_text(i).plain for i in range(len(self.lines)))

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_y) + y
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        strip = self._cache.get(index)
        if strip is None:
            strip = self._cache[index] = Strip(self.line_text(index).render(self.app.console))
        return strip.crop_extend(0, width, self.rich_style)


class CompareScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("CompareScreen", COMPARE, {
        "back": "back", "view": "toggle_json", "next_match": "change(1)",
        "previous_match": "change(-1)", "layout": "toggle_layout", "unfold": "toggle_fold",
    })
    CSS = """
    CompareScreen #heading { height: auto; max-height: 5; padding: 0 1; color: $text-muted; }
    CompareScreen DiffView { height: 1fr; }
    """

    json_view: reactive[bool] = reactive(False, init=False)
    fold: reactive[bool] = reactive(True, init=False)
    # None: side by side from SIDE_BY_SIDE_MIN columns; w turns it round.
    side_by_side: reactive[bool | None] = reactive(None, init=False)

    def __init__(self, a: CompareSide, b: CompareSide) -> None:
        super().__init__()
        self.a, self.b = a, b
        self.rows: dict[str, InteractionContent] = {}
        self.change = -1  # the change n / N went to last
        self.ready = False
        # (prompt a, prompt b), (response a, response b) once read; the JSON columns' pairs.
        self.texts: tuple[tuple[str | None, str | None], tuple[str | None, str | None]] = (
            (None, None), (None, None))
        self.json_pairs: list[tuple[str, str | None, str | None]] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._heading("loading both sides…"), id="heading")
        yield DiffView(id="diff")
        yield StatusLine(id="status")
        yield WholeFooter()

    def on_mount(self) -> None:
        self.sub_title = "compare"
        self.query_one(DiffView).focus()
        self.load()

    def _heading(self, state: str) -> Text:
        """Where the reader is first (80 columns wrap the labels: ids are never cut)."""
        text = Text(state, style="bold")
        text.append("\n- a ", style="bold red")
        text.append(sanitize_plain(self.a.label))
        text.append("\n+ b ", style="bold green")
        text.append(sanitize_plain(self.b.label))
        return text

    async def _content(self, row_id: str | None) -> InteractionContent | None:
        if row_id is None:
            return None
        if row_id not in self.rows:
            gateway = host(self.app).gateway
            content = await gateway.content(row_id)
            if content is not None:
                self.rows[row_id] = await gateway.with_data(content)
        return self.rows.get(row_id)

    @work(exclusive=True, group="compare")
    async def load(self) -> None:
        try:
            pa, pb = await self._content(self.a.prompt_id), await self._content(self.b.prompt_id)
            ra, rb = (await self._content(self.a.response_id),
                      await self._content(self.b.response_id))
        except DatabaseError as exc:
            self.query_one("#heading", Static).update(self._heading(
                f"the load failed: {sanitize_plain(str(exc))}"))
            return
        size = sum(len(c.content_text or "") for c in (pa, pb, ra, rb) if c is not None)
        self.query_one("#heading", Static).update(self._heading(
            f"comparing {human_size(size)} of text… (Esc goes back)"))
        text_a = self.a.text if self.a.text is not None else (
            ra.content_text if ra is not None else None)
        text_b = self.b.text if self.b.text is not None else (
            rb.content_text if rb is not None else None)
        self.texts = ((pa.content_text if pa else None, pb.content_text if pb else None),
                      (text_a, text_b))
        self.json_pairs = [
            ("Prompt content_data", pa.content_data_json if pa else None,
             pb.content_data_json if pb else None),
            ("Response content_data", ra.content_data_json if ra else None,
             rb.content_data_json if rb else None),
            ("Response token_usage", ra.token_usage_json if ra else None,
             rb.token_usage_json if rb else None),
        ]
        if self._texts_only:  # a Camunda copy: only the texts compare
            self.json_pairs = []
        await self._build()

    async def _build(self) -> None:
        fold = self.fold
        (prompt_a, prompt_b), (resp_a, resp_b) = self.texts

        def compute() -> list[Section]:
            sections = []
            if not self._texts_only:
                sections.append(Section("Prompt", diff_rows(prompt_a, prompt_b,
                                                             CONTEXT_LINES, fold, marks=False)))
            sections.append(Section("Text" if self._texts_only else "Response",
                                    diff_rows(resp_a, resp_b, CONTEXT_LINES, fold,
                                              marks=False)))
            return sections

        def compute_json() -> list[Section]:
            return [Section(title, [], json_changes(a, b)) for title, a, b in self.json_pairs]

        started = time.monotonic()
        size = sum(len(t or "") for pair in self.texts for t in pair)

        def tick() -> None:  # a big comparison says it is working, and how to leave
            self.query_one("#heading", Static).update(self._heading(
                f"comparing {human_size(size)} of text… {time.monotonic() - started:.1f} s "
                "(Esc goes back)"))

        ticker = self.set_interval(0.25, tick)
        try:
            sections = await asyncio.to_thread(compute_json if self.json_view else compute)
        finally:
            ticker.stop()
        if not self.is_attached:
            return
        view = self.query_one(DiffView)
        view.show(sections, self._side_by_side())
        self.change = -1
        self.ready = True
        self._state()

    @property
    def _texts_only(self) -> bool:
        return self.a.text is not None or self.b.text is not None

    def _side_by_side(self) -> bool:
        if self.side_by_side is not None:
            return self.side_by_side
        return self.size.width >= SIDE_BY_SIDE_MIN

    def _state(self) -> None:
        view = self.query_one(DiffView)
        count = len(view.change_lines)
        where = f"change {self.change + 1} of {count}" if self.change >= 0 else (
            f"{count} change{'s' if count != 1 else ''}" if count else "identical")
        layout = "JSON by path" if self.json_view else (
            "side by side" if view.side_by_side else "unified")
        keys = ("n / N change · " if count else "") + (
            "w: unified" if view.side_by_side else "w: side by side") + (
            "" if self.json_view else " · a: " + ("all lines" if self.fold else "fold"))
        self.query_one("#heading", Static).update(self._heading(
            " · ".join(p for p in (where, layout, keys) if p)))

    def on_resize(self) -> None:
        if self.ready and self.side_by_side is None:
            view = self.query_one(DiffView)
            if view.side_by_side != self._side_by_side():
                view.show(view.sections, self._side_by_side())
                self._state()

    def action_back(self) -> None:
        self.dismiss()

    def action_change(self, step: int) -> None:
        view = self.query_one(DiffView)
        if not view.change_lines:
            self.notify("No changes to go to.", severity="information")
            return
        self.change = (self.change + step) % len(view.change_lines)
        view.scroll_to(y=max(0, view.change_lines[self.change] - 2), animate=False)
        self._state()

    def action_toggle_json(self) -> None:
        if not self.ready:
            return
        if self._texts_only:
            self.notify("A Camunda copy is text only: no JSON to compare.")
            return
        self.json_view = not self.json_view

    def action_toggle_layout(self) -> None:
        if self.ready:
            self.side_by_side = not self.query_one(DiffView).side_by_side

    def action_toggle_fold(self) -> None:
        if self.ready:
            self.fold = not self.fold

    def watch_json_view(self) -> None:
        self._rebuild()

    def watch_fold(self) -> None:
        self._rebuild()

    def watch_side_by_side(self) -> None:
        view = self.query_one(DiffView)
        view.show(view.sections, self._side_by_side())
        self._state()

    @work(exclusive=True, group="compare")
    async def _rebuild(self) -> None:
        await self._build()
