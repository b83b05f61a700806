"""The Health screen: what `procos-tui check` finds, with Enter to open the instance concerned."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.events import DescendantFocus
from textual.screen import Screen
from textual.widgets import DataTable, Header, Static

from procos_tui.core.compare import CompareSide
from procos_tui.core.errors import DatabaseError
from procos_tui.core.keymap import HEALTH
from procos_tui.core.sanitize import clip, human_size, sanitize_plain
from procos_tui.core.units import ago
from procos_tui.ui.dialogs import ChoiceScreen
from procos_tui.ui.footer import WholeFooter
from procos_tui.ui.gateway_access import host
from procos_tui.ui.keys import bindings
from procos_tui.ui.messages import CompareInteractions, OpenProcess, ShowCutView
from procos_tui.ui.status import StatusLine

if TYPE_CHECKING:
    from procos_tui.core.health import Finding, Report, Stats

COLUMNS = ("Kind", "Concerns", "Finding")
TABLE_COLUMNS = ("Table (procos_ai_…)", "Size", "Rows", "Dead", "Vacuumed", "Analysed",
                 "Needs")
PREFIX = "procos_ai_"


def _names(names: list[str]) -> str:
    return ", ".join(sanitize_plain(name) for name in names)


def _fill(table: DataTable[Text], columns: tuple[str, ...], rows: Sequence[tuple[Text, ...]]
          ) -> None:
    """Rows, with each column as wide as its widest cell: DataTable's own measure is clamped
    by the shared console's options and squeezed columns now and then."""
    table.clear(columns=True)
    for i, label in enumerate(columns):
        table.add_column(label, width=max([cell_len(label)] + [r[i].cell_len for r in rows]))
    for cells in rows:
        table.add_row(*cells)


def _short(table: str) -> str:
    return table.removeprefix(PREFIX) if table.startswith(PREFIX) else table


class HealthScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("HealthScreen", HEALTH, {
        "back": "back", "open": "open", "cut_view": "cut_view", "optimize": "optimize",
        "analyze": "analyze", "refresh": "refresh",
    })
    CSS = """
    HealthScreen #findings { height: 1fr; }
    HealthScreen #tables { height: auto; max-height: 8; }
    HealthScreen #summary { height: auto; padding: 0 1; text-wrap: nowrap;
                            text-overflow: ellipsis; }
    HealthScreen #detail { height: auto; max-height: 8; padding: 0 1; background: $panel; }
    HealthScreen.-clean #detail { height: 1fr; max-height: 100%; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[Finding] = []
        self.missing_indexes: list[str] = []
        self.stats: Stats | None = None
        # What the last a / o did, kept on the summary line after the check that follows
        # (a toast alone is gone before the eyes are back from the dialog).
        self.outcome: Text | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Checking schema, truncation and Camunda copies…", style="italic"),
                     id="summary")
        tables: DataTable[Text] = DataTable(cursor_type="row", id="tables")
        tables.add_columns(*TABLE_COLUMNS)
        yield tables
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True,
                                           id="findings")
        table.add_columns(*COLUMNS)
        yield table
        yield Static(id="detail")
        yield StatusLine(id="status")
        yield WholeFooter()

    def on_mount(self) -> None:
        self.sub_title = "Health"
        self.query_one("#findings", DataTable).focus()
        self.run_check()

    @work(exclusive=True, group="health")
    async def run_check(self) -> None:
        try:
            report = await host(self.app).gateway.check()
        except DatabaseError as exc:  # shown on the screen; the app goes on
            self._failed(str(exc))
            return
        if self.is_attached:
            self._show(report)

    def _failed(self, message: str) -> None:
        self.query_one("#summary", Static).update(
            Text(f"Check failed: {sanitize_plain(message)}", style="bold red"))

    def _show(self, report: Report) -> None:
        self.findings = report.findings
        self.stats = report.stats
        self.missing_indexes = list(report.stats.camunda_indexes_missing)
        table = self.query_one("#findings", DataTable)
        # No findings: the tables and their detail get the rows the empty list would take.
        table.display = bool(report.findings)
        self.set_class(not report.findings, "-clean")
        _fill(table, COLUMNS, [(Text(f.kind.value), Text(clip(f.subject, 44)),
                                Text(clip(f.detail, 90))) for f in report.findings])
        self._show_tables(report.stats)
        # One line, clipped visibly: the findings and the tables below carry the details.
        summary = Text(no_wrap=True, overflow="ellipsis")
        count = len(report.findings)
        summary.append(f"{count} finding(s)" if count else "No findings: schema as init-db.sql "
                       "makes it, no truncation found", style="bold red" if count else
                       "bold green")
        summary.append(f" · Camunda: {sanitize_plain(report.camunda)}")
        if self.outcome is not None:
            summary = Text.assemble(self.outcome, " · ", summary, no_wrap=True,
                                    overflow="ellipsis")
        if self.missing_indexes:
            summary.append(f"\noptimize_camunda_for_ai() would create "
                           f"{_names(self.missing_indexes)}: o creates them",
                           style="bold yellow")
        self.query_one("#summary", Static).update(summary)
        if count:
            self._detail(0)
        elif report.stats.tables:
            self.query_one("#tables", DataTable).focus()
            self._table_detail(0)

    def _show_tables(self, stats: Stats) -> None:
        """Per AI table: size, rows, dead tuples, last (auto)vacuum and analyse, and what it
        needs by autovacuum's own thresholds. Catalog names are sanitised like stored text."""
        now = datetime.now(UTC)
        rows = []
        for t in stats.tables:
            need = t.advice().action
            count = "?" if t.rows_estimate is None else f"{t.rows_estimate:,}"
            rows.append((
                Text(sanitize_plain(_short(t.label))), Text(human_size(t.bytes), justify="right"),
                Text(count, justify="right"), Text(t.dead_text, justify="right"),
                Text(ago(t.last_vacuumed, now, "")), Text(ago(t.last_analyzed, now, "")),
                Text(need, style="green" if need == "ok" else "bold yellow")))
        _fill(self.query_one("#tables", DataTable), TABLE_COLUMNS, rows)

    def _detail(self, row: int) -> None:
        if not 0 <= row < len(self.findings):
            return
        finding = self.findings[row]
        text = Text(sanitize_plain(f"{finding.kind.value} · {finding.subject}"), style="bold")
        text.append("\n" + sanitize_plain(finding.detail))
        if finding.fix:
            text.append("\nfix: " + sanitize_plain(finding.fix), style="green")
        if finding.kind.concerns_instance:
            text.append("\nEnter opens this process instance", style="dim")
        if finding.cut_variable is not None:
            text.append(" · v shows where the Camunda copy ends", style="dim")
        self.query_one("#detail", Static).update(text)

    def _table_detail(self, row: int) -> None:
        """The table's maintenance in full: the advice, and its indexes' use."""
        if self.stats is None or not 0 <= row < len(self.stats.tables):
            return
        t = self.stats.tables[row]
        now = datetime.now(UTC)
        advice = t.advice()
        text = Text(sanitize_plain(f"{t.table} · {human_size(t.bytes)} · {t.rows_text} · "
                                   f"{t.dead_tuples:,} dead ({t.dead_text}) · vacuumed "
                                   f"{ago(t.last_vacuumed, now)} · analysed "
                                   f"{ago(t.last_analyzed, now)}"), style="bold")
        text.append("\n" + sanitize_plain(advice.why),
                    style="green" if advice.action == "ok" else "yellow")
        indexes = self.stats.indexes_of(t.table)
        unused = [i for i in indexes if not i.scans and i.valid]
        invalid = [i for i in indexes if not i.valid]
        if indexes:
            text.append(f"\n{len(indexes)} index(es), {human_size(sum(i.bytes for i in indexes))}"
                        f"; unused since the statistics were reset: "
                        f"{_names([i.index for i in unused]) or 'none'}", style="dim")
        if invalid:
            text.append(f"\ninvalid: {_names([i.index for i in invalid])} (see its finding)",
                        style="bold red")
        self.query_one("#detail", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if not event.data_table.has_focus:  # rows added to the other list: not a move
            return
        if event.data_table.id == "tables":
            self._table_detail(event.cursor_row)
        else:
            self._detail(event.cursor_row)

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        # Tab between the two lists: the detail follows the one in focus.
        if isinstance(event.widget, DataTable):
            row = event.widget.cursor_row
            if event.widget.id == "tables":
                self._table_detail(row)
            else:
                self._detail(row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "findings":
            self.action_open()

    def action_open(self) -> None:
        finding = self._current()
        if finding is not None and finding.process_instance_id is not None:
            self.post_message(OpenProcess(finding.process_instance_id))

    def _current(self) -> Finding | None:
        row = self.query_one("#findings", DataTable).cursor_row
        return self.findings[row] if 0 <= row < len(self.findings) else None

    def action_cut_view(self) -> None:
        finding = self._current()
        if finding is not None and finding.differing_variable is not None:
            self._compare_copy(finding.subject, finding.differing_variable)
            return
        if finding is None or finding.cut_variable is None:
            self.notify("Choose a Camunda copy that is cut or differs first.",
                        severity="warning")
            return
        self._cut_view(finding.subject, finding.cut_variable)

    @work(exclusive=True, group="cut-view")
    async def _compare_copy(self, process_instance_id: str, variable: str) -> None:
        """A copy that differs: ProcOS's value against Camunda's, in the compare view."""
        try:
            pair = await host(self.app).gateway.copy_pair(process_instance_id, variable)
        except DatabaseError as exc:
            self.notify(sanitize_plain(str(exc)), severity="error", markup=False)
            return
        if pair is None:
            self.notify("That copy is gone now: r checks again.", severity="warning")
            return
        procos, row_id, camunda = pair
        self.post_message(CompareInteractions(
            CompareSide(f"ProcOS: {variable} of {process_instance_id} (row {row_id})",
                        process_instance_id, text=procos),
            CompareSide(f"Camunda's copy of {variable} (act_hi_varinst)",
                        process_instance_id, text=camunda)))

    @work(exclusive=True, group="cut-view")
    async def _cut_view(self, process_instance_id: str, variable: str) -> None:
        try:
            view = await host(self.app).gateway.cut_view(process_instance_id, variable)
        except DatabaseError as exc:  # a notice, not a crash
            self.notify(sanitize_plain(str(exc)), severity="error", markup=False)
            return
        if view is not None:
            self.post_message(ShowCutView(process_instance_id, view))

    def _refused(self) -> bool:
        """Writes this session will not try (before any confirmation), said with the reason."""
        if host(self.app).read_only_flag:
            self.notify("Cannot write: started with --read-only.", severity="warning")
            return True
        facts = host(self.app).gateway.facts
        if facts is not None and facts.standby:
            self.notify("Not on a standby: it is a read-only replica; run it on the primary.",
                        severity="warning")
            return True
        return False

    def action_optimize(self) -> None:
        if not self.missing_indexes:
            self.notify("Nothing to create: the Camunda indexes are there (or Camunda is not).")
            return
        if self._refused():
            return

        def chosen(key: str | None) -> None:
            if key == "y":
                self._optimize()

        self.app.push_screen(ChoiceScreen(
            "Run optimize_camunda_for_ai()?",
            Text("Creates " + _names(self.missing_indexes) + " on Camunda's tables and "
                 "analyses the AI tables (init-db.sql's function)."), {"y": "run it"}), chosen)

    @work(exclusive=True, group="optimize")
    async def _optimize(self) -> None:
        try:
            said = await host(self.app).gateway.optimize_camunda()
        except DatabaseError as exc:  # a refusal (replica, rights) is a notice
            self.notify(sanitize_plain(str(exc)), title="Not done", severity="error",
                        markup=False)
            return
        self.notify(sanitize_plain(said), title="optimize_camunda_for_ai()", markup=False)
        self.action_refresh()

    def action_analyze(self) -> None:
        if self._refused():
            return
        if self.stats is None or not self.stats.tables:
            self.notify("No AI tables to analyse (yet): wait for the check, or init-db.",
                        severity="warning")
            return
        names = _names([t.table for t in self.stats.tables])

        def chosen(key: str | None) -> None:
            if key == "y":
                self._analyze()

        self.app.push_screen(ChoiceScreen(
            "Run ANALYZE on the AI tables?",
            Text(f"Samples {names} for the planner's statistics (it reads, it does not "
                 "change rows; autovacuum may be doing the same). Then the check runs "
                 "again."), {"y": "analyse"}), chosen)

    @work(exclusive=True, group="analyze")
    async def _analyze(self) -> None:
        self.query_one("#summary", Static).update(Text("Analysing the AI tables…",
                                                       style="italic"))
        try:
            said = await host(self.app).gateway.analyze_tables()
        except DatabaseError as exc:  # a refusal (replica, rights, a lock) is a notice
            self.notify(sanitize_plain(str(exc)), title="Not analysed", severity="error",
                        markup=False)
            self.action_refresh()
            return
        at = datetime.now().strftime("%H:%M:%S")
        if said:
            self.outcome = Text(f"ANALYZE at {at}: {len(said)} warning(s)", style="bold yellow")
            self.notify("\n".join(said), title="ANALYZE said", severity="warning",
                        markup=False)
        else:
            self.outcome = Text(f"ANALYZE done at {at}", style="bold green")
            self.notify("ANALYZE done: the planner's statistics are fresh.", title="ANALYZE")
        self.action_refresh()

    def action_refresh(self) -> None:
        self.query_one("#summary", Static).update(Text("Checking again…", style="italic"))
        self.run_check()

    def action_back(self) -> None:
        self.app.pop_screen()
