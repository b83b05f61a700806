"""Two interactions compared: prompt with prompt, response with response, side by side where
the terminal is wide enough and unified at 80 columns; the JSON (content_data, token_usage)
by path. n / N go from change to change; unchanged stretches are folded with their count.

The diff itself is core/compare.py's (fast-diff-match-patch: two 5 MB bodies in well under a
second), run off the event loop; Esc while it runs goes back at once.
"""

from __future__ import annotations

import asyncio
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
from textual.widgets import Footer, Header, Static

from procos_tui.core.compare import (
    CompareSide,
    DiffRow,
    PathChange,
    change_starts,
    diff_rows,
    json_changes,
)
from procos_tui.core.errors import DatabaseError
from procos_tui.core.keymap import COMPARE
from procos_tui.core.sanitize import human_size, sanitize_plain
from procos_tui.core.types import InteractionContent
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


def _side(text: str, marks: tuple[tuple[int, int], ...], base: Style, mark: Style) -> Text:
    out = Text(text, style=base, no_wrap=True, end="")
    for start, end in marks:
        out.stylize(mark, start, end)
    return out


def _wrap(text: Text, width: int) -> list[Text]:
    """Cut into pieces of `width` cells, whole: the compare view never hides a character."""
    if text.cell_len <= width:
        return [text]
    offsets, at = [], 0
    for piece in chop_cells(text.plain, width)[:-1]:
        at += len(piece)
        offsets.append(at)
    return list(text.divide(offsets))


def _pad(text: Text, width: int) -> Text:
    return text + Text(" " * max(0, width - text.cell_len), end="")


class DiffView(ScrollView, can_focus=True):
    """The comparison as lines, laid out for the width it is painted at (again on resize)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("DiffView", COMPARE, {
        "up": "scroll_up", "down": "scroll_down", "page_up": "page_up",
        "page_down": "page_down", "first": "scroll_home", "last": "scroll_end",
    })
    DEFAULT_CSS = "DiffView { background: $surface; }"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sections: list[Section] = []
        self.side_by_side = False
        self.lines: list[Text] = []
        self.change_lines: list[int] = []  # the first line of each run of changes
        self._cache: dict[int, Strip] = {}

    def show(self, sections: list[Section], side_by_side: bool) -> None:
        self.sections, self.side_by_side = sections, side_by_side
        self._layout()

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        width = max(20, self.scrollable_content_region.width or self.size.width or 80)
        lines: list[Text] = []
        changes: list[int] = []
        for section in self.sections:
            lines.append(_pad(Text(f" {section.title} ", style=_TITLE, end=""), width))
            if section.changes is not None:
                self._json_lines(section.changes, width, lines, changes)
                continue
            if not section.rows:
                lines.append(Text("  (no text on either side)", style=_DIM, end=""))
            starts = set(change_starts(section.rows))
            if not starts:
                lines.append(Text("  identical", style=_ADDED, end=""))
            digits = len(str(max((r.a_no or r.b_no or 0) for r in section.rows)
                             if section.rows else 1))
            for n, row in enumerate(section.rows):
                if n in starts:
                    changes.append(len(lines))
                lines += (self._pair(row, width, digits) if self.side_by_side
                          else self._unified(row, width, digits))
            lines.append(Text(""))
        self.lines, self.change_lines = lines, changes
        self._cache.clear()
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def _json_lines(self, changes: list[PathChange], width: int, lines: list[Text],
                    starts: list[int]) -> None:
        import json

        if not changes:
            lines.append(Text("  identical", style=_ADDED, end=""))
        for change in changes:
            starts.append(len(lines))
            path = sanitize_plain(change.path)
            text = Text(f"  {change.kind:<8} {path}", end="")
            if change.kind != "added":
                text.append(" " + sanitize_plain(json.dumps(change.before, ensure_ascii=False)),
                            style=_REMOVED)
            if change.kind == "changed":
                text.append(" →")
            if change.kind != "removed":
                text.append(" " + sanitize_plain(json.dumps(change.after, ensure_ascii=False)),
                            style=_ADDED)
            lines += _wrap(text, width)
        lines.append(Text(""))

    @staticmethod
    def _gutter(number: int | None, digits: int, sign: str, style: Style) -> Text:
        shown = f"{number:>{digits}}" if number is not None else " " * digits
        return Text(f"{shown} {sign} ", style=style if sign.strip() else _DIM, end="")

    def _unified(self, row: DiffRow, width: int, digits: int) -> list[Text]:
        if row.kind == "fold":
            return [self._fold(row, width)]
        room = max(10, width - digits - 3)
        out: list[Text] = []
        sides = []
        if row.kind in ("same",):
            sides.append((row.a_no, " ", _side(row.a, (), Style(), Style()), Style()))
        if row.kind in ("changed", "removed"):
            sides.append((row.a_no, "-", _side(row.a, row.a_marks, _REMOVED, _MARK_REMOVED),
                          _REMOVED))
        if row.kind in ("changed", "added"):
            sides.append((row.b_no, "+", _side(row.b, row.b_marks, _ADDED, _MARK_ADDED),
                          _ADDED))
        for number, sign, text, style in sides:
            for k, piece in enumerate(_wrap(text, room)):
                out.append(self._gutter(number if k == 0 else None, digits, sign, style)
                           + piece)
        return out

    def _pair(self, row: DiffRow, width: int, digits: int) -> list[Text]:
        if row.kind == "fold":
            return [self._fold(row, width)]
        half = (width - 1) // 2
        room = max(8, half - digits - 3)
        a_style = Style() if row.kind == "same" else _REMOVED
        b_style = Style() if row.kind == "same" else _ADDED
        left = _wrap(_side(row.a, row.a_marks, a_style, _MARK_REMOVED), room) \
            if row.kind != "added" else []
        right = _wrap(_side(row.b, row.b_marks, b_style, _MARK_ADDED), room) \
            if row.kind != "removed" else []
        a_sign = " " if row.kind == "same" else "-"
        b_sign = " " if row.kind == "same" else "+"
        out = []
        for k in range(max(len(left), len(right), 1)):
            a = (self._gutter(row.a_no if k == 0 else None, digits, a_sign, a_style)
                 + left[k]) if k < len(left) else Text("")
            b = (self._gutter(row.b_no if k == 0 else None, digits, b_sign, b_style)
                 + right[k]) if k < len(right) else Text("")
            out.append(_pad(a, half) + Text("│", style=_DIM, end="") + b)
        return out

    @staticmethod
    def _fold(row: DiffRow, width: int) -> Text:
        label = f" ⋯ {row.folded:,} unchanged line{'s' if row.folded != 1 else ''} (a: all) ⋯"
        return Text(label.center(width) if cell_len(label) < width else label, style=_DIM,
                    end="")

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_y) + y
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        strip = self._cache.get(index)
        if strip is None:
            strip = self._cache[index] = Strip(self.lines[index].render(self.app.console))
        return strip.crop_extend(int(self.scroll_x), int(self.scroll_x) + width,
                                 self.rich_style)


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
        yield Footer()

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
            if content is not None and content.content_data_json is None:
                from dataclasses import replace

                data = await gateway.content_data(row_id)
                content = replace(content, content_data_json=data or "null")
            if content is not None:
                self.rows[row_id] = content
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
                                                             CONTEXT_LINES, fold)))
            sections.append(Section("Text" if self._texts_only else "Response",
                                    diff_rows(resp_a, resp_b, CONTEXT_LINES,
                                                          fold)))
            return sections

        def compute_json() -> list[Section]:
            return [Section(title, [], json_changes(a, b)) for title, a, b in self.json_pairs]

        sections = await asyncio.to_thread(compute_json if self.json_view else compute)
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
