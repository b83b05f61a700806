"""The search screen: one line of terms and filters, hits newest first, Enter lands on the match.

It runs on the gateway's search connection, so a search never waits behind browsing and
cancelling it (new typing, Esc) stops exactly that query at the server.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Header, Input, Static

from procos_tui.core.compare import side_of
from procos_tui.core.conversation import group_interactions
from procos_tui.core.errors import DatabaseError, QueryCancelled, QueryTimedOut
from procos_tui.core.keymap import SEARCH
from procos_tui.core.landing import landing_for
from procos_tui.core.sanitize import sanitize_plain
from procos_tui.core.search_syntax import (
    SearchMode,
    SearchRequest,
    SearchSyntaxError,
    parse_search,
)
from procos_tui.ui.compare_marks import compare_with_marked, mark
from procos_tui.ui.footer import WholeFooter
from procos_tui.ui.gateway_access import host
from procos_tui.ui.keys import bindings
from procos_tui.ui.messages import OpenProcess
from procos_tui.ui.search_hits import NARROW, WIDE, hit_cells
from procos_tui.ui.status import StatusLine

if TYPE_CHECKING:
    from procos_tui.core.types import Hit
    from procos_tui.db.search import SearchRun

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
# Typing pauses this long before the search runs (each run cancels the one before).
DEBOUNCE_S = 0.35
PLACEHOLDER = 'words or "a phrase"; filters: type:output model: provider: since: until: id:'
EMPTY_HELP = ('Every word must occur, any case; "a phrase" is one. Filters: type:input|output '
              "model: provider: since: until: (ISO dates) id:PREFIX mode:fuzzy|regex")


class SearchScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("SearchScreen", SEARCH, {
        "back": [("cancel_search", "Cancel search"), ("to_query", "To the query"),
                 ("escape", "Back")],
        "search_mode": "cycle_mode", "edit_query": "focus_query", "rerun": "rerun",
        "last": "last", "to_hits": "focus_hits", "mark": "mark", "compare": "compare",
    })
    DEFAULT_CSS = """
    SearchScreen #query { margin: 0 0; }
    SearchScreen #mode { height: 1; padding: 0 1; color: $text-muted; }
    SearchScreen #progress { height: auto; max-height: 2; padding: 0 1; }
    SearchScreen #notes { height: auto; max-height: 3; padding: 0 1; }
    SearchScreen #hits { height: 1fr; }
    """

    # The mode line follows the mode, however it changed (^t, or mode: in the line).
    mode: reactive[SearchMode] = reactive(SearchMode.SUBSTRING, init=False)

    def __init__(self, line: str = "", mode: SearchMode | None = None) -> None:
        super().__init__()
        self.initial = line
        self.set_reactive(SearchScreen.mode, mode or SearchMode.SUBSTRING)
        self.request: SearchRequest | None = None
        self.run_state: SearchRun | None = None
        self.hits: list[Hit] = []
        self.generation = 0
        self.busy_since: float | None = None
        self._debounce: Timer | None = None
        self._ticker: Timer | None = None
        self._last_line: tuple[str, SearchMode] | None = None
        self._match_width = 40
        self._previous: SearchRun | None = None  # a search still running when a new one starts
        self._focus_hits = False  # Enter came before the hits

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(self.initial, placeholder=PLACEHOLDER, id="query")
        yield Static(id="mode")
        yield Static(id="progress")
        yield Static(id="notes")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="hits")
        yield StatusLine(id="status")
        yield WholeFooter()

    def on_resize(self) -> None:
        self._layout()

    def _columns(self) -> tuple[tuple[str, int], ...]:
        return WIDE if self.size.width >= 110 else NARROW

    def _layout(self) -> None:
        """Fixed column widths, the match taking the rest: rows are cut to fit, with '…'."""
        table = self.query_one("#hits", DataTable)
        columns = self._columns()
        # Each column has one cell of padding either side; the scrollbar takes 2.
        fixed = sum(w for _, w in columns) + 2 * len(columns) + 2
        self._match_width = max(10, self.size.width - fixed)
        row = table.cursor_row
        table.clear(columns=True)
        for label, width in columns:
            table.add_column(label, width=width or self._match_width)
        for n, hit in enumerate(self.hits):
            table.add_row(*hit_cells(hit, columns, self._match_width), key=str(n))
        if self.hits:
            table.move_cursor(row=min(row, len(self.hits) - 1))

    def on_mount(self) -> None:
        self._layout()
        self.sub_title = "search"
        self._show_mode()
        self.query_one("#query", Input).focus()
        if self.initial:
            self.start_search()

    # --- the query line --------------------------------------------------------------------

    def watch_mode(self) -> None:
        self._show_mode()

    def _show_mode(self) -> None:
        others = ", ".join(m.value for m in SearchMode if m is not self.mode)
        self.query_one("#mode", Static).update(Text.assemble(
            ("mode ", "dim"), (self.mode.value, "bold"), (f" (^t: {others}) · ", "dim"),
            ("F1 keys · Enter/↓ hits · Esc cancel, back", "dim"),
            no_wrap=True, overflow="ellipsis"))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "query":
            return
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_S, self.start_search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "query":
            return
        if self._debounce is not None:
            self._debounce.stop()
        if self._last_line != (event.value, self.mode) or (
                self.run_state is not None and self.run_state.cancelled):
            self.start_search(force=True)
        if self.hits and self.busy_since is None:
            self.query_one("#hits", DataTable).focus()
        else:
            self._focus_hits = True  # when they come

    def action_cycle_mode(self) -> None:
        self.mode = self.mode.next()
        self.start_search()

    def action_focus_query(self) -> None:
        self.query_one("#query", Input).focus()

    def action_focus_hits(self) -> None:
        if self.hits:
            self.query_one("#hits", DataTable).focus()

    def action_last(self) -> None:
        table = self.query_one("#hits", DataTable)
        if self.hits:
            table.focus()
            table.move_cursor(row=len(self.hits) - 1)  # near the end: the next page loads

    def action_rerun(self) -> None:
        self.start_search(force=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Esc's variants, in the order action_escape tries them: the footer names the one.
        if action == "cancel_search":
            return self.busy_since is not None
        if action == "to_query":
            return self.busy_since is None and self.focused is not None \
                and self.focused.id == "hits"
        return True

    def action_cancel_search(self) -> None:
        self.action_escape()

    def action_to_query(self) -> None:
        self.action_escape()

    def action_escape(self) -> None:
        if self.busy_since is not None:
            self.cancel_search("cancelled (ctrl+r runs it again)")
            return
        if self.focused is not None and self.focused.id == "hits":
            self.action_focus_query()
            return
        self.dismiss()

    # --- running ---------------------------------------------------------------------------

    def start_search(self, force: bool = False) -> None:
        line = self.query_one("#query", Input).value
        if not force and self._last_line == (line, self.mode):
            return
        self._last_line = (line, self.mode)
        try:
            request = parse_search(line, self.mode)
        except SearchSyntaxError as exc:
            self.cancel_search(None)
            self.run_state = None
            self._clear_hits()  # the hits of an earlier line would look like this one's
            self.query_one("#notes", Static).update("")
            self._say(Text(sanitize_plain(str(exc)), style="bold red"))
            return
        if request.mode is not self.mode:  # mode: in the line wins
            self.mode = request.mode
        self._last_line = (line, self.mode)
        host(self.app).last_search = (line, self.mode)  # the next Search opens on it again
        self.generation += 1
        self.request = request
        self._clear_hits()
        self.query_one("#notes", Static).update("")
        if request.empty:
            self._stop_ticker()
            self._say(Text("Filters narrow a search: add a word or a \"phrase\" to find."
                           if line.strip() else EMPTY_HELP, style="dim"))
            self.cancel_at_server()
            return
        if self.run_state is not None and self.busy_since is not None:
            self._previous = self.run_state
        self.run_state = host(self.app).gateway.search(request)
        self.fetch_page(self.generation, first=True)

    def cancel_search(self, message: str | None) -> None:
        """Stop the running query at the server; its worker ends with QueryCancelled."""
        self.generation += 1
        if self.run_state is not None:
            self.run_state.cancel()  # no further reads, even between two of them
        self._stop_ticker()
        if message:
            self._say(Text(message, style="yellow"))
        self.cancel_at_server()

    @work(group="search-cancel")
    async def cancel_at_server(self) -> None:
        try:
            await host(self.app).gateway.cancel_search()
        except DatabaseError as exc:
            self._say(Text(sanitize_plain(str(exc)), style="bold red"))

    @work(group="search")
    async def fetch_page(self, generation: int, first: bool = False) -> None:
        gateway = host(self.app).gateway
        run = self.run_state
        if run is None or run.done or run.cancelled:
            return  # a cancelled search stays as it is: ctrl+r runs it again
        self.busy_since = time.monotonic()
        self.refresh_bindings()  # Esc: cancel while it runs
        self._start_ticker()
        try:
            if first and self._previous is not None:
                self._previous.cancel()  # the previous search gives way at once
                self._previous = None
                await gateway.cancel_search()
            hits = await run.next_page()
        except QueryCancelled:
            return
        except QueryTimedOut as exc:
            if generation == self.generation:
                seconds = gateway.search_timeout_s
                self._failed(f"stopped after {seconds:g} s (statement timeout): narrow it with "
                             "type:, since:, model:, id: or a longer term")
            del exc
            return
        except DatabaseError as exc:
            if generation == self.generation:
                self._failed(sanitize_plain(str(exc)))
            return
        if generation != self.generation:
            return
        self.busy_since = None
        self.refresh_bindings()  # Esc: cancel while it runs
        self._stop_ticker()
        self._add_hits(hits)
        self._summary()
        if self._focus_hits and self.hits:
            self._focus_hits = False
            self.query_one("#hits", DataTable).focus()

    def _failed(self, message: str) -> None:
        self.busy_since = None
        self.refresh_bindings()  # Esc: cancel while it runs
        self._stop_ticker()
        self._say(Text(message, style="bold red"))

    def _start_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self._tick)
        self._tick()

    def _stop_ticker(self) -> None:
        self.busy_since = None
        self.refresh_bindings()  # Esc: cancel while it runs
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def _tick(self) -> None:
        if self.busy_since is None:
            return
        elapsed = time.monotonic() - self.busy_since
        frame = SPINNER[int(elapsed * 10) % len(SPINNER)]
        more = " more" if self.hits else ""
        self._say(Text(f"{frame} searching{more}… {elapsed:.1f} s   (Esc cancels)",
                       style="bold"))

    def _say(self, text: Text) -> None:
        self.query_one("#progress", Static).update(text)

    def _summary(self) -> None:
        run = self.run_state
        if run is None:
            return
        total = run.total
        shown = len(self.hits)
        if total is not None:
            head = f"{total:,} hit{'s' if total != 1 else ''}"
            if shown < total:
                head += f" · {shown:,} shown, more as you scroll"
        else:
            head = f"{shown:,} hits so far, more as you scroll"
        order = "closest word, then newest" if run.request.mode is SearchMode.FUZZY \
            else "newest first"
        self._say(Text.assemble((head, "bold"), f" · {order} · {run.elapsed:.2f} s",
                                no_wrap=True, overflow="ellipsis"))
        notes = Text()
        if run.close_words:
            words = "; ".join(
                f"{t} → " + (", ".join(f"{w} {s:.2f}" for w, s in found[:8]) or "no close word")
                for t, found in run.close_words.items())
            notes.append(sanitize_plain(words), style="bold")
        for note in run.notes:
            notes.append(("\n" if notes else "") + sanitize_plain(note), style="yellow")
        self.query_one("#notes", Static).update(notes)

    # --- hits ------------------------------------------------------------------------------

    def _clear_hits(self) -> None:
        self.hits = []
        self.query_one("#hits", DataTable).clear()

    def _add_hits(self, hits: list[Hit]) -> None:
        table = self.query_one("#hits", DataTable)
        for hit in hits:
            self.hits.append(hit)
            table.add_row(*hit_cells(hit, self._columns(), self._match_width),
                          key=str(len(self.hits) - 1))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        run = self.run_state
        if event.data_table.id == "hits" and run is not None and not run.done \
                and self.busy_since is None and event.cursor_row >= len(self.hits) - 10:
            self.fetch_page(self.generation)

    # --- comparing a hit's interaction (x, X: typed into the query line they are letters) --

    def action_mark(self) -> None:
        self._hit_side(compare=False)

    def action_compare(self) -> None:
        self._hit_side(compare=True)

    @work(exclusive=True, group="hit-side")
    async def _hit_side(self, compare: bool) -> None:
        table = self.query_one("#hits", DataTable)
        if not 0 <= table.cursor_row < len(self.hits):
            self.notify("No hit here to compare.", severity="warning")
            return
        hit = self.hits[table.cursor_row]
        try:
            headers = await host(self.app).gateway.interactions(hit.process_instance_id)
        except DatabaseError as exc:
            self.notify(sanitize_plain(str(exc)), title="Database", severity="error",
                        markup=False)
            return
        found = next(((n, i) for n, i in enumerate(group_interactions(headers), 1)
                      if i.holds(hit.id)), None)
        if found is None:
            self.notify("That row is gone (deleted since the search read it).",
                        severity="warning")
            return
        side = side_of(found[0], hit.process_instance_id, found[1])
        (compare_with_marked if compare else mark)(self, side)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id != "hits" or not 0 <= event.cursor_row < len(self.hits):
            return
        hit = self.hits[event.cursor_row]
        run = self.run_state
        landing = landing_for(hit, run.request if run is not None else None,
                              run.close_words if run is not None else {})
        self.post_message(OpenProcess(hit.process_instance_id, focus_row=hit.id,
                                      landing=landing))
