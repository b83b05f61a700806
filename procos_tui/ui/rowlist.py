"""A list of rows as a light Line-API widget (the process list, the Stats table): a row is one
Text painted when visible.

Textual's DataTable renders each cell through Rich's full layout, which made its first paint
most of the time from start to rows on screen; the home screen is the startup path, so it
gets this lean list (keys, cursor, mouse, zebra rows, a header that lines up).

It never shows part of a column: the first column (the id) stays in place, the others are
drawn whole while they fit, and → / ← move by a screenful of columns. A number cut at the
edge reads as another number ("1,914" as "1,91"); columns out of sight are marked in the
header (‹ ›).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from procos_tui.core import keymap
from procos_tui.core.keymap import PROCESS_LIST
from procos_tui.ui.keys import bindings

_GAP = 2

# The list's actions by keymap name. A screen's own list binds those its context has:
# `bindings(name, CONTEXT, moves(CONTEXT))`, with inherit_bindings=False.
MOVES = {
    "up": "cursor(-1)", "down": "cursor(1)", "page_up": "page(-1)", "page_down": "page(1)",
    "list_page_down": "page(1)", "first": "first_row", "last": "last_row", "open": "open",
    "scroll_left": "scroll_left", "scroll_right": "scroll_right",
}


def moves(context: str) -> dict[str, str]:
    """MOVES that the keymap gives `context` (the models' Space is theirs, not Page down)."""
    actions = keymap.by_name(keymap.DEFAULTS)
    return {name: method for name, method in MOVES.items() if context in actions[name].where}


class RowList(ScrollView, can_focus=True):
    """Rows of cells (already sanitised Text) under a header; Enter or a second click opens."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("RowList", PROCESS_LIST,
                                                     moves(PROCESS_LIST))
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-list--header", "row-list--cursor", "row-list--stripe"}
    DEFAULT_CSS = """
    RowList { background: $surface; }
    RowList > .row-list--header { text-style: bold; background: $panel; }
    RowList > .row-list--cursor { background: $block-cursor-background;
        color: $block-cursor-foreground; text-style: bold; }
    RowList:blur > .row-list--cursor { background: $block-cursor-blurred-background; }
    RowList > .row-list--stripe { background: $surface-lighten-1; }
    """

    class Highlighted(Message):
        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    class Selected(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, columns: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = tuple(columns)
        self.widths = [cell_len(c) for c in self.columns]
        self.rows: list[tuple[Text, ...]] = []
        self.keys: list[str] = []
        self.cursor_row = 0
        self.first_col = 1  # the first column shown after the pinned one
        # Rows marked ● in the margin (follow mode's new rows): no column grows for it.
        self.marked: set[str] = set()
        self._cache: dict[tuple[int, int], Strip] = {}

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def clear(self) -> None:
        self.rows.clear()
        self.keys.clear()
        self.cursor_row = 0
        self.first_col = 1
        self._changed()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def set_columns(self, columns: Sequence[str]) -> None:
        """A new header (another sort): the widths start again from it and the rows."""
        self.columns = tuple(columns)
        self.widths = [cell_len(c) for c in self.columns]
        for cells in self.rows:
            for i, cell in enumerate(cells):
                self.widths[i] = max(self.widths[i], cell.cell_len)
        self._changed()

    def add_rows(self, rows: Sequence[tuple[str, tuple[Text, ...]]]) -> None:
        for key, cells in rows:
            self.keys.append(key)
            self.rows.append(cells)
            for i, cell in enumerate(cells):
                self.widths[i] = max(self.widths[i], cell.cell_len)
        self._changed()

    def replace_rows(self, rows: Sequence[tuple[str, tuple[Text, ...]]]) -> None:
        """The rows again (new ones, or marks changed), the cursor on the same row number and
        the view where it was: nothing moves under the reader."""
        self.rows.clear()
        self.keys.clear()
        self.widths = [cell_len(c) for c in self.columns]
        self.add_rows(rows)
        self.cursor_row = max(0, min(self.cursor_row, len(self.rows) - 1))

    def set_marked(self, keys: set[str]) -> None:
        if keys != self.marked:
            self.marked = set(keys)
            self._changed()

    def key_at(self, row: int) -> str | None:
        return self.keys[row] if 0 <= row < len(self.keys) else None

    def _changed(self) -> None:
        self._cache.clear()
        # One line more than the rows: the header is line 0. No wider than the screen: the
        # columns that do not fit are a → away (a screenful of them at a time).
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows) + 1)
        self.refresh()

    def on_resize(self) -> None:
        # Every row is laid out for the width it is painted at: a resize repaints them all,
        # from the first column again when they all fit now.
        if len(self.shown_columns(1)) == len(self.widths):
            self.first_col = 1
        self._changed()

    def shown_columns(self, first: int | None = None) -> list[int]:
        """The columns drawn from `first` on: the pinned one, then whole columns while they
        fit (at least one, so a narrow terminal still moves)."""
        first = self.first_col if first is None else first
        width = self.scrollable_content_region.width - 2  # the margin, the "more" mark
        used = self.widths[0] if self.widths else 0
        shown = [0] if self.widths else []
        for i in range(max(1, first), len(self.widths)):
            if used + _GAP + self.widths[i] > width and len(shown) > 1:
                break
            used += _GAP + self.widths[i]
            shown.append(i)
        return shown

    # --- painting ---------------------------------------------------------------------------

    def _line(self, cells: Sequence[Text | str], style: Style, header: bool = False,
              mark: bool = False) -> Strip:
        width = self.scrollable_content_region.width
        shown = self.shown_columns()
        # A margin, as the rest of the screen has; ● there for a marked row.
        text = Text("●" if mark else " ", style="bold green" if mark else "", no_wrap=True,
                    end="")
        for n, i in enumerate(shown):
            cell = cells[i]
            col = self.widths[i]
            piece = cell if isinstance(cell, Text) else Text(cell)
            pad = col - piece.cell_len
            if piece.justify == "right":
                text.append(" " * pad)
                text.append_text(piece)
            else:
                text.append_text(piece)
                text.append(" " * pad)
            if n + 1 < len(shown):
                # After the pinned column, '‹' says columns are hidden to the left.
                text.append(" ‹" if header and i == 0 and self.first_col > 1 else " " * _GAP)
        if header and shown and shown[-1] + 1 < len(self.widths):
            text.append(" " * max(0, width - 1 - text.cell_len) + "›")
        strip = Strip(text.render(self.app.console)).crop_extend(0, width, None)
        return strip.apply_style(style)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:  # the header stays in place while the rows scroll
            style = base + self.get_component_rich_style("row-list--header")
            return self._line(self.columns, style, header=True)
        row = int(self.scroll_y) + y - 1
        if row >= len(self.rows):
            return Strip([Segment(" " * width, base)], width)
        cached = self._cache.get((row, self.first_col))
        if cached is None:
            style = base
            if row % 2:
                style += self.get_component_rich_style("row-list--stripe")
            if row == self.cursor_row:
                style += self.get_component_rich_style("row-list--cursor")
            cached = self._cache[row, self.first_col] = self._line(
                self.rows[row], style, mark=self.keys[row] in self.marked)
        return cached

    # --- moving -----------------------------------------------------------------------------

    def move_cursor(self, row: int) -> None:
        if not self.rows:
            return
        row = max(0, min(row, len(self.rows) - 1))
        old, self.cursor_row = self.cursor_row, row
        for key in [k for k in self._cache if k[0] in (old, row)]:
            del self._cache[key]
        visible = max(1, self.scrollable_content_region.height - 1)
        if row < self.scroll_y:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= self.scroll_y + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(row))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self.move_cursor(self.cursor_row + direction *
                         max(1, self.scrollable_content_region.height - 2))

    def action_first_row(self) -> None:
        self.move_cursor(0)

    def action_last_row(self) -> None:
        self.move_cursor(len(self.rows) - 1)

    def action_scroll_right(self) -> None:
        shown = self.shown_columns()
        if shown and shown[-1] + 1 < len(self.widths):
            self.first_col = shown[-1] + 1 if len(shown) > 1 else self.first_col + 1
            self._changed()

    def action_page_right(self) -> None:  # ScrollView's Ctrl+PgDn: the same screenful
        self.action_scroll_right()

    def action_page_left(self) -> None:
        self.action_scroll_left()

    def action_scroll_left(self) -> None:
        if self.first_col <= 1:
            return
        # The screenful that ends just before the first column shown now.
        first = self.first_col - 1
        while first > 1 and self.first_col - 1 in self.shown_columns(first - 1):
            first -= 1
        self.first_col = first
        self._changed()

    def action_open(self) -> None:
        key = self.key_at(self.cursor_row)
        if key is not None:
            self.post_message(self.Selected(key))

    def on_click(self, event: Click) -> None:
        row = int(self.scroll_y) + event.y - 1
        if event.y == 0 or not 0 <= row < len(self.rows):
            return
        if row == self.cursor_row or event.chain > 1:
            self.move_cursor(row)
            self.action_open()
        else:
            self.move_cursor(row)
