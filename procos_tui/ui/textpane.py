"""The big-text pane: any size of text, soft-wrapped, painted a visible row at a time.

Textual's TextArea, Markdown and Static cost O(document) per repaint; this pane keeps the text
once (core.document), maps visual rows to characters through a wrap index, colours lines as
they are painted (core.highlight) and caches the rows it painted. Every character reaches the
screen through the sanitiser's stand-ins: nothing stored is ever written raw to the terminal.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar

from rich.style import Style
from rich.text import Span, Text
from textual import work
from textual.actions import SkipAction
from textual.binding import BindingType
from textual.events import MouseDown, MouseMove, MouseUp, Resize
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from procos_tui.core.document import Document, WrapLayout, escape_spans
from procos_tui.core.find import REGEX_DEADLINE_S, Matches, find_all_bounded
from procos_tui.core.highlight import Styler, StyleSpan
from procos_tui.core.keymap import PANE
from procos_tui.core.sanitize import sanitize_plain
from procos_tui.ui.keys import bindings

_CACHE_ROWS = 2048


class TextPane(ScrollView, can_focus=True):
    """Read-only view of one text with find, line selection and follow-the-match scrolling."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("TextPane", PANE, {
        "first": "top", "last": "bottom", "down": "scroll_down", "up": "scroll_up",
        "page_down": "page_down", "page_up": "page_up", "next_match": "next_match",
        "previous_match": "previous_match", "select": "toggle_selection", "clear": "clear",
    })
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "text-pane--match", "text-pane--current", "text-pane--selection", "text-pane--empty"}
    DEFAULT_CSS = """
    TextPane { background: $surface; scrollbar-gutter: stable; overflow-x: hidden; }
    TextPane:focus { background: $boost; }
    TextPane > .text-pane--match { background: $warning 45%; }
    TextPane > .text-pane--current { background: $accent; color: $text; text-style: bold; }
    TextPane > .text-pane--selection { background: $primary 35%; }
    TextPane > .text-pane--empty { color: $text-muted; text-style: italic; }
    """

    class Moved(Message):
        """The view moved to another row (for the position in the screen's title)."""

        def __init__(self, pane: TextPane) -> None:
            super().__init__()
            self.pane = pane

    class FindChanged(Message):
        """The matches or the current match changed (for the screen's counter)."""

        def __init__(self, pane: TextPane) -> None:
            super().__init__()
            self.pane = pane

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clearable = False
        self.doc = Document("")
        self.styler = Styler()
        self.empty_message = ""
        self.matches: Matches | None = None
        self.current: int | None = None
        self.selection: tuple[int, int] | None = None  # anchor line, cursor line
        self.finding: str | None = None  # a find under way
        # Only the head of the text is here, the rest on its way: the end (G) waits for it.
        self.partial = False
        self._pending_bottom = False
        self._pending_show = False
        self._layout: WrapLayout | None = None
        self._cache: OrderedDict[int, Strip] = OrderedDict()

    # --- content ----------------------------------------------------------------------------

    def set_text(self, doc: Document, styler: Styler, empty_message: str = "",
                 keep_find: bool = True, *, partial: bool = False,
                 keep_place: bool = False) -> None:
        """Show `doc`. partial: only its head has come (the end waits for the rest).
        keep_place: the same text grown (the rest of a head): stay on the same character
        and keep the selection, rather than going back to the top."""
        term = (self.finding or (self.matches.term if self.matches else "")) if keep_find \
            else ""
        anchor = self._top_offset() if keep_place else 0
        selection = self.selection if keep_place else None
        self.doc, self.styler, self.empty_message = doc, styler, empty_message
        self.partial = partial
        self.selection = selection if selection is None or selection[1] < doc.line_count \
            else None
        self._layout = None
        self.matches, self.current = None, None
        self._invalidate()
        if anchor and self.size.width:
            self.scroll_to(y=self.layout_now().row_of_offset(min(anchor, len(doc.text))),
                           animate=False, immediate=True)
        else:
            self.scroll_to(0, 0, animate=False, immediate=True)
        if not partial and self._pending_bottom:
            self._pending_bottom = False
            self.call_after_refresh(self.action_bottom)
        if term:
            self.find(term)
        self.post_message(self.Moved(self))

    @property
    def text(self) -> str:
        return self.doc.text

    def selected_text(self) -> str | None:
        if self.selection is None:
            return None
        first, last = sorted(self.selection)
        return self.doc.lines_between(first, last)

    # --- layout -----------------------------------------------------------------------------

    def _wrap_width(self) -> int:
        return max(2, self.scrollable_content_region.width)

    def layout_now(self) -> WrapLayout:
        width = self._wrap_width()
        if self._layout is None or self._layout.width != width:
            had_layout = self._layout is not None
            anchor = self._top_offset()
            self._layout = WrapLayout(self.doc, width)
            self._cache.clear()
            self.virtual_size = Size(width, self._layout.row_count)
            if had_layout:  # a resize: keep the same text at the top
                self.scroll_to(y=self._layout.row_of_offset(anchor), animate=False,
                               immediate=True)
        return self._layout

    def _top_offset(self) -> int:
        if self._layout is None:
            return 0
        return self._layout.row_start_offset(min(int(self.scroll_y),
                                                 max(0, self._layout.row_count - 1)))

    def on_resize(self, event: Resize) -> None:
        if not self.size.width:
            return
        self.layout_now()
        if self._pending_show:
            self._pending_show = False
            self._show_current()
        # The position label's percent depends on the view's height, not only on the scroll.
        self.post_message(self.Moved(self))

    def _invalidate(self) -> None:
        self._cache.clear()
        self.refresh()
        clearable = self.selection is not None or self.matches is not None
        if clearable != self._clearable:
            self._clearable = clearable
            self.call_after_refresh(self.refresh_bindings)  # Esc: clear here, else back

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Nothing to clear: Esc passes to the screen (back), and the footer says so.
        if action == "clear":
            return self.selection is not None or self.matches is not None
        return True

    # --- painting ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        layout = self.layout_now()
        width = self.scrollable_content_region.width
        row = int(self.scroll_y) + y
        base = self.rich_style
        if not self.doc.text and self.empty_message and y == 0:
            text = Text(self.empty_message, style=self.get_component_rich_style("text-pane--empty"))
            return Strip(text.render(self.app.console)).crop_extend(0, width, base)
        if row >= layout.row_count:
            return Strip.blank(width, base)
        cached = self._cache.get(row)
        if cached is not None:
            return cached
        strip = self._paint(layout, row).crop_extend(0, width, base).apply_style(base)
        self._cache[row] = strip
        if len(self._cache) > _CACHE_ROWS:
            self._cache.popitem(last=False)
        return strip

    def _paint(self, layout: WrapLayout, row: int) -> Strip:
        line, sub = layout.locate(row)
        start, end = layout.row_span(line, sub)
        line_start = self.doc.starts[line]
        spans: list[StyleSpan] = list(self.styler.line_spans(self.doc, line))
        if self.selection is not None:
            first, last = sorted(self.selection)
            if first <= line <= last:
                spans.append((0, self.doc.line_length(line),
                               self.get_component_rich_style("text-pane--selection")))
        if self.matches:
            complex_line = layout.is_complex(line)
            lo = line_start if complex_line else line_start + start
            hi = line_start + (self.doc.line_length(line) if complex_line else end)
            match_style = self.get_component_rich_style("text-pane--match")
            current_style = self.get_component_rich_style("text-pane--current")
            for index, a, b in self.matches.in_range(lo, hi):
                spans.append((a - line_start, b - line_start,
                              current_style if index == self.current else match_style))
        if layout.is_complex(line):
            shown = layout.shown(line)
            plain = shown.plain[start:end]
            spans = [(shown.to_display(a), shown.to_display(b), s) for a, b, s in spans]
            spans += escape_spans(shown)
        else:
            plain = self.doc.text[line_start + start:line_start + end]
        rich_spans = [Span(max(a, start) - start, min(b, end) - start, s)
                      for a, b, s in spans if a < end and b > start]
        text = Text(plain, spans=rich_spans, no_wrap=True, end="")
        return Strip(text.render(self.app.console))

    # --- find -------------------------------------------------------------------------------

    def find(self, term: str, *, regex: bool = False, ignore_case: bool | None = None) -> None:
        """Highlight every match of term and go to the first one from the top of the view.

        The scan runs off the event loop (20 MB take most of a second), a regular expression
        in a child process that is killed at a deadline: the matches then say `gave_up`. A
        newer find or another text makes its answer moot. A regex Python cannot read
        (PostgreSQL's dialect differs in places) finds nothing rather than failing."""
        self.finding = term or None
        if not term:
            self._found(self.doc, None)
            return
        self._scan(self.doc, term, regex, ignore_case)
        self.post_message(self.FindChanged(self))

    @work(exclusive=True, group="find", exit_on_error=False)
    async def _scan(self, doc: Document, term: str, regex: bool,
                    ignore_case: bool | None) -> None:
        self._found(doc, await find_all_bounded(doc, term, regex=regex,
                                                ignore_case=ignore_case))

    def _found(self, doc: Document, matches: Matches | None) -> None:
        if doc is not self.doc or (matches is not None and matches.term != self.finding):
            return
        self.finding = None
        self.matches, self.current = matches, None
        if matches:
            self.current = matches.next_after(self._top_offset() - 1)
            self._show_current()
        self._invalidate()
        self.post_message(self.FindChanged(self))

    def _show_current(self) -> None:
        if self.matches is None or self.current is None:
            return
        if not self.size.width:
            self._pending_show = True  # hidden (zoomed out): lay out when it is shown
            return
        row = self.layout_now().row_of_offset(self.matches.starts[self.current])
        height = self.scrollable_content_region.height
        if not (self.scroll_y <= row < self.scroll_y + height):
            self.scroll_to(y=max(0, row - height // 3), animate=False, immediate=True)

    def action_next_match(self, backwards: bool = False) -> None:
        if not self.matches:
            raise SkipAction()
        here = (self.matches.starts[self.current] if self.current is not None
                else self._top_offset())
        self.current = self.matches.next_after(here, backwards=backwards)
        self._show_current()
        self._invalidate()
        self.post_message(self.FindChanged(self))

    def action_previous_match(self) -> None:
        self.action_next_match(backwards=True)

    def go_to_offset(self, offset: int) -> None:
        row = self.layout_now().row_of_offset(offset)
        self.scroll_to(y=max(0, row - self.scrollable_content_region.height // 3),
                       animate=False, immediate=True)

    # --- moving and selecting ---------------------------------------------------------------

    def action_top(self) -> None:
        self.scroll_home(animate=False, immediate=True)

    def action_bottom(self) -> None:
        if self.partial:
            # Only the head is here: its end is not the text's end. Go there once it is.
            self._pending_bottom = True
            self.notify("The end comes when the rest of the text has arrived…", timeout=2)
        self.layout_now()
        self.scroll_end(animate=False, immediate=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if int(old_value) != int(new_value):
            self.post_message(self.Moved(self))

    def position(self) -> str:
        """'line 1,234/56,789 12%': the first line in view, the last line, and how far down
        the view's bottom is (as less shows it); 'line 1/1,686+' while only the head is
        here."""
        if not self.doc.text or not self.size.width:
            return ""
        layout = self.layout_now()
        rows = max(1, layout.row_count)
        height = max(1, self.scrollable_content_region.height)
        top = min(int(self.scroll_y), rows - 1)
        percent = 100 if rows <= height else min(100, (top + height) * 100 // rows)
        line = layout.locate(top)[0] + 1
        if self.partial:  # more lines are coming: neither the total nor a percent is known
            return f"line {line:,}/{self.doc.line_count:,}+"
        return f"line {line:,}/{self.doc.line_count:,} {percent}%"

    def current_line(self) -> int:
        """The 1-based line of the current find match, else of the top of the view."""
        if self.matches and self.current is not None:
            return self.doc.line_of(self.matches.starts[self.current]) + 1
        if not self.doc.text:
            return 1
        return self._visible_line() + 1

    def _visible_line(self) -> int:
        layout = self.layout_now()
        return layout.locate(min(int(self.scroll_y), max(0, layout.row_count - 1)))[0]

    def action_toggle_selection(self) -> None:
        if self.selection is None:
            line = self._visible_line()
            self.selection = (line, line)
        else:
            self.selection = None
        self._invalidate()

    def _move_selection(self, delta: int) -> None:
        assert self.selection is not None
        anchor, cursor = self.selection
        cursor = min(max(0, cursor + delta), self.doc.line_count - 1)
        self.selection = (anchor, cursor)
        layout = self.layout_now()
        top, bottom = layout.cum[cursor], layout.cum[cursor + 1]
        height = self.scrollable_content_region.height
        if top < self.scroll_y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif bottom > self.scroll_y + height:
            self.scroll_to(y=max(top, bottom - height), animate=False, immediate=True)
        self._invalidate()

    def action_scroll_down(self) -> None:
        if self.selection is not None:
            self._move_selection(1)
        else:
            super().action_scroll_down()

    def action_scroll_up(self) -> None:
        if self.selection is not None:
            self._move_selection(-1)
        else:
            super().action_scroll_up()

    def action_clear(self) -> None:
        if self.selection is not None:
            self.selection = None
        elif self.matches is not None:
            self.matches, self.current = None, None
            self.post_message(self.FindChanged(self))
        else:
            raise SkipAction()
        self._invalidate()

    def _line_at(self, y: int) -> int | None:
        layout = self.layout_now()
        row = int(self.scroll_y) + y
        return layout.locate(row)[0] if 0 <= row < layout.row_count else None

    def on_mouse_down(self, event: MouseDown) -> None:
        line = self._line_at(event.y) if event.button == 1 else None
        if line is not None:
            self.selection = (line, line)
            self.capture_mouse()
            self._invalidate()

    def on_mouse_move(self, event: MouseMove) -> None:
        if self.selection is not None and event.button == 1 and self.app.mouse_captured is self:
            line = self._line_at(max(0, event.y))
            if line is not None and line != self.selection[1]:
                self.selection = (self.selection[0], line)
                self._invalidate()

    def on_mouse_up(self, event: MouseUp) -> None:
        if self.app.mouse_captured is self:
            self.release_mouse()
        if self.selection is not None and self.selection[0] == self.selection[1]:
            # A plain click focuses; it selects nothing.
            self.selection = None
            self._invalidate()


def match_status(pane: TextPane) -> Text:
    if pane.finding:
        return Text(f"finding {sanitize_plain(pane.finding)!r}…", style="italic")
    if pane.matches is None:
        return Text("")
    count = len(pane.matches)
    if pane.matches.gave_up:
        return Text(f"gave up on {sanitize_plain(pane.matches.term)!r} after "
                    f"{REGEX_DEADLINE_S:g} s", style=Style(color="yellow"))
    if not count:
        return Text(f"no match for {sanitize_plain(pane.matches.term)!r}",
                    style=Style(color="red"))
    shown = (pane.current or 0) + 1
    return Text(f"match {shown:,}/{count:,}")
