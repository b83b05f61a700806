"""The home screen: process instances with AI context, newest activity first, paged by key."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from procos_tui.core.errors import ConnectionFailed, DatabaseError
from procos_tui.core.filters import FilterError, format_filter, parse_filter
from procos_tui.core.keymap import PROCESS_LIST
from procos_tui.core.sanitize import clip, sanitize_plain
from procos_tui.core.types import ProcessCursor, ProcessFilter, ProcessPage, ProcessSummary
from procos_tui.db.prefetch import PAGE_SIZE
from procos_tui.ui.gateway_access import host
from procos_tui.ui.keys import bindings
from procos_tui.ui.messages import OpenProcess
from procos_tui.ui.processlist import ProcessList
from procos_tui.ui.status import StatusLine

if TYPE_CHECKING:
    from procos_tui.db.prefetch import Prefetched

# How long the first frame may wait for the prefetching child before painting without rows.
PREFETCH_PATIENCE_S = 0.25
# Load the next page when the cursor comes this close to the last loaded row.
PREFETCH_ROWS = 20

# Narrow, telling columns first: at 80 columns the id, time, calls, cut mark and tokens fit.
COLUMNS = ("Process instance", "Last activity", "Calls", "Cut?", "Tokens", "Providers / models",
           "Business key", "Definition")


def _models_cell(summary: ProcessSummary) -> Text:
    label = ", ".join(summary.providers)
    if summary.models:
        label += " / " + ", ".join(summary.models)
    return Text(clip(label, 36))


def summary_cells(s: ProcessSummary) -> tuple[Text, ...]:
    when = s.last_at.strftime("%Y-%m-%d %H:%M") if s.last_at else "—"
    suspect = (Text(f"⚠ {s.suspect_outputs}", style="bold yellow") if s.suspect_outputs
               else Text(""))
    return (
        Text(clip(s.process_instance_id, 40)),
        Text(when),
        Text(str(s.output_count or s.entry_count), justify="right"),
        suspect,
        Text(f"{s.total_tokens:,}", justify="right"),
        _models_cell(s),
        Text(clip(s.business_key or "", 24)),
        Text(clip(s.process_definition_key or "", 24)),
    )


class ProcessesScreen(Screen[None]):
    """One row per process instance; scrolling near the end fetches the next page by key."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("ProcessesScreen", PROCESS_LIST, {
        "open": "open", "filter": "filter", "refresh": "refresh", "last": "last_row",
    })
    CSS = """
    ProcessesScreen ProcessList { height: 1fr; }
    #summary { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, flt: ProcessFilter | None = None) -> None:
        super().__init__()
        self.filter = flt or ProcessFilter()
        self.cursor: ProcessCursor | None = None
        self.loaded = 0
        self.exhausted = False
        self.fetching = False

    def compose(self) -> ComposeResult:
        yield Static("Loading process instances…", id="summary")
        yield ProcessList(COLUMNS)
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        # The mouse wheel scrolls without moving the cursor: near the end loads more too.
        self.watch(self.query_one(ProcessList), "scroll_y", self._scrolled, init=False)
        # The forked child has usually answered by now: its rows go into the first frame
        # rather than into a second full repaint.
        answer = host(self.app).gateway.prefetched_now(self.filter, PREFETCH_PATIENCE_S)
        if answer is not None and answer.error:
            self._failed(answer.error, fatal=True)  # no footer: the app is leaving
            return
        # The footer comes one frame after the rows: building its keys is a good part of the
        # first frame's cost, and the rows are what the user is waiting for.
        self.call_after_refresh(self._mount_footer)
        if answer is not None:
            self._show_prefetched(answer)
            return
        # Paint the screen first: the data layer's imports (psycopg) come after the first frame.
        self.call_after_refresh(self.load_page, first=True)

    @work(exclusive=True, group="process-page")
    async def load_page(self, first: bool) -> None:
        app = host(self.app)
        gateway = app.gateway
        self.fetching = True
        try:
            # The page the forked child fetched while the UI started, if there is one (if
            # the child failed: the normal path).
            if first and (answer := await gateway.prefetched(self.filter)) is not None:
                self.fetching = False
                self._show_prefetched(answer)
                return
            if gateway.facts is None:
                facts = await gateway.open()
                app.server_facts(facts)
                problem = gateway.schema_problem(facts)
                if problem:
                    self._failed(problem, fatal=True)
                    return
            page = await gateway.process_page(self.filter, None if first else self.cursor,
                                              PAGE_SIZE)
        except ConnectionFailed as exc:
            self._failed(str(exc), fatal=first and self.loaded == 0)
            return
        except DatabaseError as exc:
            self._failed(str(exc), fatal=False)
            return
        finally:
            self.fetching = False
        app.server_facts(gateway.facts)  # a reconnect may have met another server
        self._show_page(page, first)

    def _show_prefetched(self, answer: Prefetched) -> None:
        host(self.app).server_facts(answer.facts, answer.label)
        if answer.error:
            self._failed(answer.error, fatal=True)
        elif answer.page is not None:
            self._show_page(answer.page, True)

    def _show_page(self, page: ProcessPage, first: bool) -> None:
        table = self.query_one(ProcessList)
        if first:
            table.clear()
            self.loaded = 0
        table.add_rows([(s.process_instance_id, summary_cells(s)) for s in page.rows])
        self.loaded += len(page.rows)
        self.cursor = page.next_cursor
        self.exhausted = page.next_cursor is None
        described = format_filter(self.filter)
        flt = f" matching {sanitize_plain(described)}" if described else ""
        # A short page with more behind it is a filtered scan under way: go on by itself.
        scanning = not self.exhausted and len(page.rows) < PAGE_SIZE
        more = "" if self.exhausted else (" (searching further…)" if scanning
                                          else " (more below: scroll to load)")
        self.query_one("#summary", Static).update(
            Text(f"{self.loaded} process instances{flt}{more}"))
        if scanning:
            self.load_page(first=False)

    def _failed(self, error: str, *, fatal: bool) -> None:
        if fatal:
            host(self.app).fail(error)
            return
        self.notify(sanitize_plain(error), title="Database", severity="error", markup=False)

    async def _mount_footer(self) -> None:
        if not self.is_attached:  # the app left before the next frame (a fatal start)
            return
        await self.mount(Footer())
        self.refresh_bindings()  # a footer mounted late waits for this signal to show keys

    def _scrolled(self, scroll_y: float) -> None:
        table = self.query_one(ProcessList)
        if (not self.exhausted and not self.fetching
                and scroll_y + table.size.height >= table.virtual_size.height - PREFETCH_ROWS):
            self.load_page(first=False)

    def on_process_list_highlighted(self, event: ProcessList.Highlighted) -> None:
        if (not self.exhausted and not self.fetching
                and event.row >= self.loaded - PREFETCH_ROWS):
            self.load_page(first=False)

    def action_refresh(self) -> None:
        self.cursor = None
        self.exhausted = False
        self.load_page(first=True)

    def action_last_row(self) -> None:
        table = self.query_one(ProcessList)
        table.move_cursor(table.row_count - 1)

    def on_process_list_selected(self, event: ProcessList.Selected) -> None:
        self.post_message(OpenProcess(event.key))

    def action_open(self) -> None:
        self.query_one(ProcessList).action_open()

    def action_filter(self) -> None:
        from procos_tui.ui.dialogs import PromptScreen  # a dialog: not on the first frame

        def check(value: str) -> str | None:
            try:
                parse_filter(value)
            except FilterError as exc:
                return str(exc)
            return None

        def chosen(value: str | None) -> None:
            if value is not None:
                self.filter = parse_filter(value)
                self.action_refresh()

        self.app.push_screen(PromptScreen(
            "Filter process instances", format_filter(self.filter),
            hint="provider:NAME model:NAME since:2026-11-01 until:2026-11-20T08:00 id:PREFIX "
                 "(a bare word is an id prefix; empty shows all)", check=check), chosen)
