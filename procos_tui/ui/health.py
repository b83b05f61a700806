"""The Health screen: what `procos-tui check` finds, with Enter to open the instance concerned."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from procos_tui.core.sanitize import clip, human_size, sanitize_plain

if TYPE_CHECKING:
    from procos_tui.db.health import Finding, Report
    from procos_tui.ui.app import ProcosApp

COLUMNS = ("Kind", "Concerns", "Finding")


class HealthScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("enter", "open", "Open instance", show=False),
        Binding("v", "cut_view", "Where the copy ends"),
        Binding("o", "optimize", "Create Camunda indexes"),
        Binding("r", "refresh", "Run again"),
    ]
    CSS = """
    HealthScreen DataTable { height: 1fr; }
    HealthScreen #summary { height: auto; padding: 0 1; }
    HealthScreen #detail { height: auto; max-height: 8; padding: 0 1; background: $panel; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.findings: list[Finding] = []
        self.missing_indexes: list[str] = []

    @property
    def procos(self) -> ProcosApp:
        return cast("ProcosApp", self.app)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Checking schema, truncation and Camunda copies…", style="italic"),
                     id="summary")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table
        yield Static(id="detail")
        yield Static(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Health"
        self.query_one("#status", Static).update(self.procos.status_text())
        self.query_one(DataTable).focus()
        self.run_check()

    def run_check(self) -> None:
        target = self.procos.target

        def work() -> None:
            from procos_tui.db.connect import connect_sync, one_line
            from procos_tui.db.health import run_check

            try:
                with connect_sync(target, read_only=True, statement_timeout_ms=120_000) as conn:
                    report = run_check(conn)
            except Exception as exc:  # shown on the screen; the app goes on
                self.app.call_from_thread(self._failed, one_line(exc))
                return
            self.app.call_from_thread(self._show, report)

        self.run_worker(work, thread=True, exclusive=True, group="health", exit_on_error=False)

    def _failed(self, message: str) -> None:
        self.query_one("#summary", Static).update(
            Text(f"Check failed: {sanitize_plain(message)}", style="bold red"))

    def _show(self, report: Report) -> None:
        self.findings = report.findings
        self.missing_indexes = list(report.stats.get("camunda_indexes_missing", []))
        table = self.query_one(DataTable)
        table.clear()
        for finding in report.findings:
            table.add_row(Text(finding.kind), Text(clip(finding.subject, 44)),
                          Text(clip(finding.detail, 90)))
        summary = Text()
        count = len(report.findings)
        summary.append(f"{count} finding(s)" if count else "No findings: schema as init-db.sql "
                       "makes it, no truncation found", style="bold red" if count else
                       "bold green")
        summary.append(f" · Camunda: {sanitize_plain(report.camunda)}")
        for t in report.stats.get("tables", []):
            summary.append(f"\n{t['table']}: {human_size(int(t['bytes']))}, "
                           f"~{int(t['rows_estimate']):,} rows, analysed "
                           f"{t['last_analyzed'] or 'never'}")
        if self.missing_indexes:
            summary.append(f"\noptimize_camunda_for_ai() would create "
                           f"{', '.join(self.missing_indexes)}: o creates them",
                           style="bold yellow")
        unused = [i["index"] for i in report.stats.get("indexes", []) if not i["scans"]]
        if unused:
            summary.append(f"\nunused indexes (not findings): {', '.join(unused)}", style="dim")
        self.query_one("#summary", Static).update(summary)
        if count:
            self._detail(0)

    def _detail(self, row: int) -> None:
        if not 0 <= row < len(self.findings):
            return
        finding = self.findings[row]
        text = Text(sanitize_plain(f"{finding.kind} · {finding.subject}"), style="bold")
        text.append("\n" + sanitize_plain(finding.detail))
        if finding.fix:
            text.append("\nfix: " + sanitize_plain(finding.fix), style="green")
        if finding.kind in ("camunda_copy", "truncation_suspect", "camunda_error_cut"):
            text.append("\nEnter opens this process instance", style="dim")
        if finding.numbers.get("verdict") == "cut":
            text.append(" · v shows where the Camunda copy ends", style="dim")
        self.query_one("#detail", Static).update(text)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.findings):
            finding = self.findings[row]
            if finding.kind in ("camunda_copy", "truncation_suspect", "camunda_error_cut") \
                    and not finding.subject.endswith("more instances"):
                from procos_tui.ui.conversation import ConversationScreen

                self.app.push_screen(ConversationScreen(finding.subject))

    def action_cut_view(self) -> None:
        row = self.query_one(DataTable).cursor_row
        if not 0 <= row < len(self.findings) or \
                self.findings[row].numbers.get("verdict") != "cut":
            self.notify("Choose a cut Camunda copy first.", severity="warning")
            return
        finding = self.findings[row]
        target = self.procos.target

        def work() -> None:
            from procos_tui.db.connect import connect_sync, one_line
            from procos_tui.db.truncation import cut_view

            try:
                with connect_sync(target, read_only=True) as conn:
                    view = cut_view(conn, finding.subject, str(finding.numbers["variable"]))
            except Exception as exc:  # a notice, not a crash
                self.app.call_from_thread(self.notify, sanitize_plain(one_line(exc)),
                                          severity="error", markup=False)
                return
            if view is not None:
                from procos_tui.ui.cut_view import CutScreen

                self.app.call_from_thread(self.app.push_screen,
                                          CutScreen(finding.subject, view))

        self.run_worker(work, thread=True, group="cut-view", exit_on_error=False)

    def action_optimize(self) -> None:
        if not self.missing_indexes:
            self.notify("Nothing to create: the Camunda indexes are there (or Camunda is not).")
            return
        if self.procos.read_only_flag:
            self.notify("Cannot write: started with --read-only.", severity="warning")
            return
        from procos_tui.ui.dialogs import ChoiceScreen

        def chosen(key: str | None) -> None:
            if key == "y":
                self._optimize()

        self.app.push_screen(ChoiceScreen(
            "Run optimize_camunda_for_ai()?",
            Text("Creates " + ", ".join(self.missing_indexes) + " on Camunda's tables and "
                 "analyses the AI tables (init-db.sql's function)."), {"y": "run it"}), chosen)

    def _optimize(self) -> None:
        target = self.procos.target

        def work() -> None:
            from procos_tui.db.connect import connect_sync, one_line
            from procos_tui.db.queries import health as health_sql

            try:
                with connect_sync(target, read_only=False, lock_timeout_ms=10_000) as conn:
                    row = conn.execute(health_sql.OPTIMIZE_CAMUNDA).fetchone()
            except Exception as exc:  # a refusal (replica, rights) is a notice
                self.app.call_from_thread(self.notify, sanitize_plain(one_line(exc)),
                                          title="Not done", severity="error", markup=False)
                return
            self.app.call_from_thread(self.notify, sanitize_plain(str(row[0] if row else "")),
                                      title="optimize_camunda_for_ai()", markup=False)
            self.app.call_from_thread(self.action_refresh)

        self.run_worker(work, thread=True, group="optimize", exit_on_error=False)

    def action_refresh(self) -> None:
        self.query_one("#summary", Static).update(Text("Checking again…", style="italic"))
        self.run_check()

    def action_back(self) -> None:
        self.app.pop_screen()
