"""The home screen: process instances with AI context, newest activity first (or sorted by
any of the triage numbers), paged by key in every order."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.suggester import Suggester
from textual.widgets import Static

from procos_tui.core.errors import ConnectionFailed, DatabaseError
from procos_tui.core.filters import (
    NAMED_KEYS,
    FilterError,
    complete,
    format_filter,
    is_empty,
    parse_filter,
    unknown_value,
)
from procos_tui.core.follow import TailFilter
from procos_tui.core.keymap import PROCESS_LIST
from procos_tui.core.pricing import format_cost
from procos_tui.core.sanitize import clip, human_size, sanitize_plain
from procos_tui.core.types import (
    DEFAULT_SORT,
    ProcessCursor,
    ProcessFilter,
    ProcessPage,
    ProcessSort,
    ProcessSummary,
    SortKey,
)
from procos_tui.core.units import format_seconds, whole_count
from procos_tui.db.prefetch import PAGE_SIZE
from procos_tui.ui.follow import Follower, Following
from procos_tui.ui.footer import WholeFooter
from procos_tui.ui.gateway_access import host
from procos_tui.ui.keys import bindings
from procos_tui.ui.messages import OpenProcess
from procos_tui.ui.rowlist import RowList
from procos_tui.ui.status import StatusLine

if TYPE_CHECKING:
    from procos_tui.db.prefetch import Prefetched

# How long the first frame may wait for the prefetching child before painting without rows.
PREFETCH_PATIENCE_S = 0.25
# Load the next page when the cursor comes this close to the last loaded row.
PREFETCH_ROWS = 20

_T = TypeVar("_T")

# Narrow, telling columns first: at 80 columns the id, time, calls, cut mark and tokens fit.
COLUMNS = ("Process instance", "Last activity", "Calls", "Cut?", "Tokens", "Cost", "Slowest",
           "Size", "Providers / models", "Business key", "Definition")
# The orders whose number has no column of its own: shown right after the id while sorted.
EXTRA_COLUMNS = {SortKey.FIRST_ACTIVITY: "First activity", SortKey.INPUT_TOKENS: "In tokens",
                 SortKey.OUTPUT_TOKENS: "Out tokens", SortKey.DURATION: "Duration"}
SORTED_COLUMN = {SortKey.LAST_ACTIVITY: "Last activity", SortKey.CALLS: "Calls",
                 SortKey.CUT_OUTPUTS: "Cut?", SortKey.TOTAL_TOKENS: "Tokens",
                 SortKey.COST: "Cost", SortKey.MAX_LATENCY: "Slowest", SortKey.BYTES: "Size",
                 **EXTRA_COLUMNS}
# The sort dialog's order: the numbers an operator triages by first.
SORT_CHOICES = (SortKey.LAST_ACTIVITY, SortKey.TOTAL_TOKENS, SortKey.COST,
                SortKey.MAX_LATENCY, SortKey.CALLS, SortKey.BYTES, SortKey.DURATION,
                SortKey.CUT_OUTPUTS, SortKey.INPUT_TOKENS, SortKey.OUTPUT_TOKENS,
                SortKey.FIRST_ACTIVITY)


def _sorted_first(items: list[_T], sort: ProcessSort) -> list[_T]:
    """The sorted column moves next to the id, where 80 columns always show it."""
    names = list(COLUMNS)
    if sort.key in EXTRA_COLUMNS:
        return items  # inserted there already
    at = names.index(SORTED_COLUMN[sort.key])
    return [items[0], items[at], *items[1:at], *items[at + 1:]] if at > 1 else items


def columns_for(sort: ProcessSort) -> tuple[str, ...]:
    """The header: the sorted column next to the id, marked with its direction."""
    names = list(COLUMNS)
    if sort.key in EXTRA_COLUMNS:
        names.insert(1, EXTRA_COLUMNS[sort.key])
    arrow = " ↓" if sort.descending else " ↑"
    marked = [n + arrow if n == SORTED_COLUMN[sort.key] else n for n in names]
    return tuple(_sorted_first(marked, sort))


def _models_cell(summary: ProcessSummary) -> Text:
    label = ", ".join(summary.providers)
    if summary.models:
        label += " / " + ", ".join(summary.models)
    return Text(clip(label, 36))


def _when(at: object) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else "—"  # type: ignore[attr-defined]


def cost_cell(s: ProcessSummary) -> Text:
    """The cost as exact as stored; '—' with no priced call; '*' when some calls had no
    price (their cost is unknown, not zero)."""
    text = format_cost(s.cost, s.currency)
    if s.unpriced_calls and s.cost is not None:
        text += "*"
    return Text(text, justify="right")


def _extra_cell(s: ProcessSummary, key: SortKey) -> Text:
    if key is SortKey.FIRST_ACTIVITY:
        return Text(_when(s.first_at))
    if key is SortKey.INPUT_TOKENS:
        return Text(f"{s.input_tokens:,}", justify="right")
    if key is SortKey.OUTPUT_TOKENS:
        return Text(f"{s.output_tokens:,}", justify="right")
    return Text(format_seconds(s.duration_s), justify="right")


def summary_cells(s: ProcessSummary, sort: ProcessSort = DEFAULT_SORT) -> tuple[Text, ...]:
    suspect = (Text(f"⚠ {s.suspect_outputs}", style="bold yellow") if s.suspect_outputs
               else Text(""))
    cells = [
        Text(clip(s.process_instance_id, 40)),
        Text(_when(s.last_at)),
        Text(str(s.output_count or s.entry_count), justify="right"),
        suspect,
        Text(f"{s.total_tokens:,}", justify="right"),
        cost_cell(s),
        Text(format_seconds(s.max_latency_s), justify="right"),
        Text(human_size(s.bytes), justify="right"),
        _models_cell(s),
        Text(clip(s.business_key or "", 24)),
        Text(clip(s.process_definition_key or "", 24)),
    ]
    if sort.key in EXTRA_COLUMNS:
        cells.insert(1, _extra_cell(s, sort.key))
    return tuple(_sorted_first(cells, sort))


class _ValueSuggester(Suggester):
    """Completes `model:gp` to a model rows have, from the values fetched when the filter
    dialog opened."""

    def __init__(self, known: dict[str, list[str]]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.known = known

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self.known)


class ProcessesScreen(Following):
    """One row per process instance; scrolling near the end fetches the next page by key.
    Following (F), new rows read the first page again for a reader at the top, and only
    count for one further down: the cursor never moves under the reader."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("ProcessesScreen", PROCESS_LIST, {
        "open": "open", "filter": "filter", "refresh": "refresh", "last": "last_row",
        "sort": "sort", "reverse_sort": "reverse_sort", "follow": "follow",
        "back": [("clear_filter", "Clear filter")],
    })
    CSS = """
    ProcessesScreen RowList { height: 1fr; }
    #summary { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, flt: ProcessFilter | None = None,
                 sort: ProcessSort | None = None) -> None:
        super().__init__()
        self.filter = flt or ProcessFilter()
        self.sort = sort or DEFAULT_SORT
        self.cursor: ProcessCursor | None = None
        self.loaded = 0
        self.exhausted = False
        self.fetching = False
        self.unpriced_shown = False  # a row with '*': the summary explains it
        self.summaries: list[ProcessSummary] = []  # the rows shown, for their marks
        self.follower = Follower(TailFilter())
        self.marked: set[str] = set()  # instances with rows stored since following began
        self.follow_pending = 0  # new rows not shown yet (the reader is further down)
        self._summary_parts: tuple[str, list[str]] = ("Loading process instances…", [])

    def compose(self) -> ComposeResult:
        yield Static("Loading process instances…", id="summary")
        yield RowList(columns_for(self.sort))
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        # The mouse wheel scrolls without moving the cursor: near the end loads more too.
        self.watch(self.query_one(RowList), "scroll_y", self._scrolled, init=False)
        # The forked child has usually answered by now: its rows go into the first frame
        # rather than into a second full repaint.
        answer = (host(self.app).gateway.prefetched_now(self.filter, PREFETCH_PATIENCE_S)
                  if self.sort == DEFAULT_SORT else None)
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
            if first and self.sort == DEFAULT_SORT and \
                    (answer := await gateway.prefetched(self.filter)) is not None:
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
                                              PAGE_SIZE, sort=self.sort)
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
        table = self.query_one(RowList)
        if first:
            table.clear()
            table.set_columns(columns_for(self.sort))
            self.loaded = 0
            self.unpriced_shown = False
            self.summaries = []
        self.summaries += page.rows
        table.set_marked(self.marked)
        table.add_rows([(s.process_instance_id, summary_cells(s, self.sort))
                        for s in page.rows])
        self.unpriced_shown = self.unpriced_shown or any(
            s.unpriced_calls and s.cost is not None for s in page.rows)
        self.loaded += len(page.rows)
        self.cursor = page.next_cursor
        self.exhausted = page.next_cursor is None
        described = format_filter(self.filter)
        flt = [f"matching {sanitize_plain(described)}"] if described else []
        # A short page with more behind it is a filtered scan under way: go on by itself.
        scanning = not self.exhausted and len(page.rows) < PAGE_SIZE
        more = [] if self.exhausted else (["searching further…"] if scanning
                                          else ["more below"])
        unpriced = ["* = unpriced calls"] if self.unpriced_shown else []
        self._summary_parts = (f"{self.loaded} process instances",
                               [*flt, f"by {self.sort.label}", *more, *unpriced])
        self._show_summary()
        if scanning:
            self.load_page(first=False)

    def _show_summary(self) -> None:
        """The count (and filter), what following brought, then order and more: each part
        whole or left out with a final "…" (at 80 columns the end goes, never half a part),
        again on every resize."""
        count, rest = self._summary_parts
        shown = sum(s.process_instance_id in self.marked for s in self.summaries)
        follow = ([f"● {shown} with new rows"] if shown else []) + (
            [f"{self.follow_pending:,} new rows above: Home shows them"]
            if self.follow_pending else [])
        summary = self.query_one("#summary", Static)
        width = summary.content_region.width or self.size.width - 2
        parts = [count, *follow, *rest]
        if rest and rest[0].startswith("matching ") and whole_count(parts, width) < 2 + len(
                follow):
            # A filter longer than the line: say there is one (f shows it whole).
            parts = [count, *follow, "filtered (f shows the filter)", *rest[1:]]
        keep = max(1, whole_count(parts, width))
        text = Text()
        for n, part in enumerate(parts[:keep]):
            text.append(" · " if n else "")
            text.append(part, style="bold green" if part in follow else "")
        if keep < len(parts):
            text.append(" · …")
        summary.update(text)

    def on_resize(self) -> None:
        self._show_summary()

    # --- following ---------------------------------------------------------------------------

    async def followed(self, rows: list[dict[str, object]]) -> None:
        self.marked |= {str(r["process_instance_id"]) for r in rows}
        if self.query_one(RowList).cursor_row == 0:
            self._reload()  # a reader at the top follows the top
        else:
            self.follow_pending += len(rows)
            self._show_summary()

    def follow_stopped(self) -> None:
        self.marked.clear()
        self.follow_pending = 0
        self.query_one(RowList).set_marked(set())
        self._show_summary()

    def _reload(self) -> None:
        self.follow_pending = 0
        self.cursor = None
        self.exhausted = False
        self.load_page(first=True)

    def _failed(self, error: str, *, fatal: bool) -> None:
        if fatal:
            host(self.app).fail(error)
            return
        self.notify(sanitize_plain(error), title="Database", severity="error", markup=False)

    async def _mount_footer(self) -> None:
        if not self.is_attached:  # the app left before the next frame (a fatal start)
            return
        await self.mount(WholeFooter())
        self.refresh_bindings()  # a footer mounted late waits for this signal to show keys

    def _scrolled(self, scroll_y: float) -> None:
        table = self.query_one(RowList)
        if (not self.exhausted and not self.fetching
                and scroll_y + table.size.height >= table.virtual_size.height - PREFETCH_ROWS):
            self.load_page(first=False)

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        if event.row == 0 and self.follow_pending:
            self._reload()  # back at the top: what came meanwhile
            return
        if (not self.exhausted and not self.fetching
                and event.row >= self.loaded - PREFETCH_ROWS):
            self.load_page(first=False)

    def action_refresh(self) -> None:
        self.marked.clear()  # seen: read again, the marks start over
        self._reload()

    def action_last_row(self) -> None:
        table = self.query_one(RowList)
        table.move_cursor(table.row_count - 1)

    def on_row_list_selected(self, event: RowList.Selected) -> None:
        self.post_message(OpenProcess(event.key))

    def action_open(self) -> None:
        self.query_one(RowList).action_open()

    def action_sort(self) -> None:
        from procos_tui.ui.dialogs import PickScreen  # a dialog: not on the first frame

        def chosen(value: str | None) -> None:
            if value is not None:
                key = SortKey(value)
                # A new column starts with its largest (or newest) first; O turns it round.
                self.sort = ProcessSort(key, self.sort.descending if key is self.sort.key
                                        else True)
                self.action_refresh()

        self.app.push_screen(PickScreen(
            "Sort process instances by", [(k.value, k.label) for k in SORT_CHOICES],
            current=self.sort.key.value,
            hint="Enter sorts (largest or newest first); O turns the order round; Esc "
                 "cancels"), chosen)

    def action_reverse_sort(self) -> None:
        self.sort = ProcessSort(self.sort.key, not self.sort.descending)
        self.action_refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":  # Esc: only while there is a filter to clear
            return not is_empty(self.filter)
        return True

    def action_clear_filter(self) -> None:
        self.filter = ProcessFilter()
        self.refresh_bindings()
        self.action_refresh()

    def action_filter(self) -> None:
        self._open_filter(format_filter(self.filter))

    @work(exclusive=True, group="filter-dialog")
    async def _open_filter(self, line: str, error: str = "") -> None:
        from procos_tui.ui.dialogs import PromptScreen  # a dialog: not on the first frame

        known = await self._known_values()

        def check(value: str) -> str | None:
            try:
                parse_filter(value)
            except FilterError as exc:
                return str(exc)
            return None

        def chosen(value: str | None) -> None:
            if value is not None:
                self._apply_filter(value, known)

        self.app.push_screen(PromptScreen(
            "Filter process instances", line,
            hint="provider: model: activity: def: key: id: since:2d until:yesterday "
                 "tokens:>5k calls:>3 cost:>0.5 size:>10MB latency:>30s cut:yes "
                 "(a bare word is an id prefix; → completes a name; empty shows all)",
            check=check, suggester=_ValueSuggester(known), error=error), chosen)

    async def _known_values(self) -> dict[str, list[str]]:
        """The names rows hold, for completion and "did you mean"; none (no check) when the
        database cannot say (no rollups yet, or an error: the filter still works)."""
        gateway = host(self.app).gateway
        known: dict[str, list[str]] = {}
        try:
            for field in NAMED_KEYS.values():
                known[field] = await gateway.filter_values(field)
        except DatabaseError:
            return {}
        return known

    def _apply_filter(self, line: str, known: dict[str, list[str]]) -> None:
        flt = parse_filter(line)
        problems = [problem for field in NAMED_KEYS.values()
                    if field in known and (value := getattr(flt, field)) is not None
                    and (problem := unknown_value(field, value, known[field]))]
        if problems:  # back to the line, with what is wrong: never a silent empty list
            self._open_filter(line, "; ".join(problems))
            return
        self.filter = flt
        self.refresh_bindings()
        self.action_refresh()
