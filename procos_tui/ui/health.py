"""The Health screen: what `procos-tui check` finds, with Enter to open the instance concerned."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from procos_tui.core.errors import DatabaseError
from procos_tui.core.keymap import HEALTH
from procos_tui.core.sanitize import clip, human_size, sanitize_plain
from procos_tui.ui.dialogs import ChoiceScreen
from procos_tui.ui.gateway_access import host
from procos_tui.ui.keys import bindings
from procos_tui.ui.messages import OpenProcess, ShowCutView
from procos_tui.ui.status import StatusLine

if TYPE_CHECKING:
    from procos_tui.core.health import Finding, Report

COLUMNS = ("Kind", "Concerns", "Finding")


def _names(names: list[str]) -> str:
    return ", ".join(sanitize_plain(name) for name in names)


class HealthScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("HealthScreen", HEALTH, {
        "back": "back", "open": "open", "cut_view": "cut_view", "optimize": "optimize",
        "refresh": "refresh",
    })
    CSS = """
    HealthScreen DataTable { height: 1fr; }
    HealthScreen #summary { height: auto; padding: 0 1; }
    HealthScreen #detail { height: auto; max-height: 8; padding: 0 1; background: $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[Finding] = []
        self.missing_indexes: list[str] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Checking schema, truncation and Camunda copies…", style="italic"),
                     id="summary")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static(id="detail")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Health"
        self.query_one(DataTable).focus()
        self.run_check()

    @work(exclusive=True, group="health")
    async def run_check(self) -> None:
        try:
            report = await host(self.app).gateway.check()
        except DatabaseError as exc:  # shown on the screen; the app goes on
            self._failed(str(exc))
            return
        self._show(report)

    def _failed(self, message: str) -> None:
        self.query_one("#summary", Static).update(
            Text(f"Check failed: {sanitize_plain(message)}", style="bold red"))

    def _show(self, report: Report) -> None:
        self.findings = report.findings
        self.missing_indexes = list(report.stats.camunda_indexes_missing)
        table = self.query_one(DataTable)
        table.clear()
        for finding in report.findings:
            table.add_row(Text(finding.kind.value), Text(clip(finding.subject, 44)),
                          Text(clip(finding.detail, 90)))
        summary = Text()
        count = len(report.findings)
        summary.append(f"{count} finding(s)" if count else "No findings: schema as init-db.sql "
                       "makes it, no truncation found", style="bold red" if count else
                       "bold green")
        summary.append(f" · Camunda: {sanitize_plain(report.camunda)}")
        # Catalog names are anyone's to choose (CREATE INDEX "<ESC>]2;…"): shown like stored
        # text, as the findings' cells are.
        for t in report.stats.tables:
            summary.append("\n" + sanitize_plain(f"{t.table}: {human_size(t.bytes)}, "
                                                 f"{t.rows_text}, analysed "
                                                 f"{t.last_analyzed or 'never'}"))
        if self.missing_indexes:
            summary.append(f"\noptimize_camunda_for_ai() would create "
                           f"{_names(self.missing_indexes)}: o creates them",
                           style="bold yellow")
        unused = report.stats.unused_indexes
        if unused:
            summary.append(f"\nunused indexes (not findings): {_names(unused)}", style="dim")
        self.query_one("#summary", Static).update(summary)
        if count:
            self._detail(0)

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

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        finding = self._current()
        if finding is not None and finding.process_instance_id is not None:
            self.post_message(OpenProcess(finding.process_instance_id))

    def _current(self) -> Finding | None:
        row = self.query_one(DataTable).cursor_row
        return self.findings[row] if 0 <= row < len(self.findings) else None

    def action_cut_view(self) -> None:
        finding = self._current()
        if finding is None or finding.cut_variable is None:
            self.notify("Choose a cut Camunda copy first.", severity="warning")
            return
        self._cut_view(finding.subject, finding.cut_variable)

    @work(exclusive=True, group="cut-view")
    async def _cut_view(self, process_instance_id: str, variable: str) -> None:
        try:
            view = await host(self.app).gateway.cut_view(process_instance_id, variable)
        except DatabaseError as exc:  # a notice, not a crash
            self.notify(sanitize_plain(str(exc)), severity="error", markup=False)
            return
        if view is not None:
            self.post_message(ShowCutView(process_instance_id, view))

    def action_optimize(self) -> None:
        if not self.missing_indexes:
            self.notify("Nothing to create: the Camunda indexes are there (or Camunda is not).")
            return
        if host(self.app).read_only_flag:
            self.notify("Cannot write: started with --read-only.", severity="warning")
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

    def action_refresh(self) -> None:
        self.query_one("#summary", Static).update(Text("Checking again…", style="italic"))
        self.run_check()

    def action_back(self) -> None:
        self.app.pop_screen()
