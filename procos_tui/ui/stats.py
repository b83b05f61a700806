"""The Stats screen: calls, tokens, cost and latency of a time window, by model, provider,
activity or process definition, with a chart over time; Enter lists the processes of a row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header, Static
from textual_plotext import PlotextPlot

from procos_tui.core.errors import DatabaseError
from procos_tui.core.keymap import STATS
from procos_tui.core.pricing import format_cost
from procos_tui.core.sanitize import clip, human_size, sanitize_plain
from procos_tui.core.triage import ModelGaps, StatsBy, StatsReport, StatsRow, StatsWindow
from procos_tui.core.types import ProcessFilter
from procos_tui.core.units import compact_count, format_seconds
from procos_tui.ui.footer import WholeFooter
from procos_tui.ui.gateway_access import host
from procos_tui.ui.keys import bindings
from procos_tui.ui.messages import ShowProcessList
from procos_tui.ui.rowlist import RowList, moves
from procos_tui.ui.status import StatusLine

# The windows + and - step through; the default is the "last 7 days".
SPANS = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=7),
         timedelta(days=30), timedelta(days=90), timedelta(days=365))
DEFAULT_SPAN = 3
GROUPS = (StatsBy.MODEL, StatsBy.PROVIDER, StatsBy.ACTIVITY, StatsBy.DEFINITION)
# What an operator compares first, first: at 80 columns calls, tokens, cost and latency show.
COLUMNS = ("Calls", "Tokens", "Cost", "p50", "p95", "Max", "In tokens", "Out tokens",
           "Unpriced", "Cut", "Size")
# Ticks on the chart's time axis: more would overlap at 80 columns.
MAX_TICKS = 6


def span_text(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.0f} h" if hours <= 24 else f"{span.days} d"


def _hour_up(at: datetime) -> datetime:
    floor = at.replace(minute=0, second=0, microsecond=0)
    return floor if floor == at else floor + timedelta(hours=1)


def group_label(row: StatsRow, by: StatsBy) -> str:
    if row.group is None:
        return f"(no {by.value})"
    if by is StatsBy.MODEL and row.provider:
        return f"{row.provider}/{row.group}"
    return row.group


def row_cells(row: StatsRow) -> tuple[Text, ...]:
    def number(n: int) -> Text:
        return Text(f"{n:,}", justify="right")

    return (number(row.calls), number(row.total_tokens),
            Text(format_cost(row.cost, row.currency), justify="right"),
            Text(format_seconds(row.latency_p50_s), justify="right"),
            Text(format_seconds(row.latency_p95_s), justify="right"),
            Text(format_seconds(row.max_latency_s), justify="right"),
            number(row.input_tokens), number(row.output_tokens), number(row.unpriced_calls),
            Text(f"⚠ {row.cut_outputs}" if row.cut_outputs else "0", justify="right",
                 style="bold yellow" if row.cut_outputs else ""),
            Text(human_size(row.bytes), justify="right"))


def totals_text(report: StatsReport) -> Text:
    t = report.total
    text = Text()
    text.append(f"{t.calls:,} calls · {t.total_tokens:,} tokens", style="bold")
    text.append(f" ({t.input_tokens:,} in, {t.output_tokens:,} out) · "
                f"{format_cost(t.cost, t.currency)}")
    if t.unpriced_calls:
        text.append(f" (+{t.unpriced_calls:,} unpriced)", style="yellow")
    text.append(f" · p50 {format_seconds(t.latency_p50_s)} · p95 "
                f"{format_seconds(t.latency_p95_s)} · max {format_seconds(t.max_latency_s)}")
    if t.cut_outputs:
        text.append(f" · ⚠ {t.cut_outputs:,} cut", style="bold yellow")
    text.append(f" · {human_size(t.bytes)}")
    return text


def gaps_text(gaps: ModelGaps, width: int) -> Text:
    """Models rows use that the registry lacks, and registered models no row uses: one line
    each, clipped visibly with the count of what did not fit."""
    text = Text()

    def line(label: str, names: list[str], style: str) -> None:
        if not names:
            return
        if text.plain:
            text.append("\n")
        head = f"{label}: "
        shown: list[str] = []
        for name in names:
            rest = len(names) - len(shown) - 1
            tail = f" (+{rest} more)" if rest else ""
            if len(head) + len(", ".join([*shown, name])) + len(tail) > width and shown:
                break
            shown.append(name)
        more = len(names) - len(shown)
        body = ", ".join(shown) + (f" (+{more} more)" if more else "")
        text.append(head, style=style)
        text.append(clip(body, max(1, width - len(head))))

    line("Used, not in procos_ai_models",
         [sanitize_plain(f"{p or '?'}/{m or '?'} ({n:,} rows)") for p, m, n in gaps.missing],
         "bold yellow")
    line("Registered, never used",
         [sanitize_plain(f"{p}/{n}" + (f" {v}" if v else "")) for p, n, v in gaps.unused],
         "dim")
    return text


def buckets(report: StatsReport) -> list[tuple[datetime, int, float | None]]:
    """Every bucket of the window, empty ones as zero: a gap in time shows as a gap."""
    step = report.series_step
    start = report.window.since.astimezone(UTC)
    start = start.replace(minute=0, second=0, microsecond=0)
    if step >= timedelta(days=1):
        start = start.replace(hour=0)
    points = {p.at.astimezone(UTC): p for p in report.series}
    out = []
    at = start
    while at < report.window.until:
        point = points.get(at)
        out.append((at, point.total_tokens if point else 0,
                     float(point.cost) if point and point.cost is not None else None))
        at += step
    return out


class StatsRows(RowList):
    """The process list's widget with the Stats screen's keys (the same moves, its context)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("StatsRows", STATS, moves(STATS))


class StatsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("StatsScreen", STATS, {
        "back": "back", "open": "open", "refresh": "refresh", "group_by": "group_by",
        "widen": "widen", "narrow": "narrow", "earlier": "earlier", "later": "later",
    })
    CSS = """
    StatsScreen #window { height: auto; padding: 0 1; background: $panel; }
    StatsScreen #totals { height: auto; padding: 0 1; }
    StatsScreen PlotextPlot { height: 8; min-height: 6; }
    StatsScreen RowList { height: 1fr; min-height: 4; }
    StatsScreen #gaps { height: auto; max-height: 3; padding: 0 1; }
    """

    span_index: reactive[int] = reactive(DEFAULT_SPAN, init=False)
    by: reactive[StatsBy] = reactive(StatsBy.MODEL, init=False)

    def __init__(self, until: datetime | None = None) -> None:
        """until: the window's end (default: now, or the newest row when the window would
        hold none: a quiet database still shows its last week)."""
        super().__init__()
        self.until = until
        self.fixed_end = until is not None
        self.report: StatsReport | None = None
        self.gaps: ModelGaps | None = None
        self.note = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("Counting…", style="italic"), id="window")
        yield Static(id="totals")
        yield PlotextPlot()
        yield StatsRows((self.by.value.capitalize(), *COLUMNS))
        yield Static(id="gaps")
        yield StatusLine(id="status")
        yield WholeFooter()

    def on_mount(self) -> None:
        self.sub_title = "Stats"
        self.query_one(RowList).focus()
        self.load()

    @property
    def span(self) -> timedelta:
        return SPANS[self.span_index]

    def watch_span_index(self) -> None:
        self.load()

    def watch_by(self) -> None:
        self.load()

    @work(exclusive=True, group="stats")
    async def load(self) -> None:
        gateway = host(self.app).gateway
        table = self.query_one(RowList)
        table.loading = True
        try:
            if self.until is None:
                self.until, self.note = await self._default_end()
            window = StatsWindow(self.until - self.span, self.until)
            report = await gateway.stats(window, self.by)
            if self.gaps is None:
                self.gaps = await gateway.model_gaps()
        except DatabaseError as exc:  # shown on the screen; the app goes on
            table.loading = False
            self.query_one("#window", Static).update(
                Text(f"Stats failed: {sanitize_plain(str(exc))}", style="bold red"))
            return
        table.loading = False
        self.report = report
        self._show(report)

    async def _default_end(self) -> tuple[datetime, str]:
        now = datetime.now(UTC)
        page = await host(self.app).gateway.process_page(ProcessFilter(), None, 1)
        newest = page.rows[0].last_at if page.rows else None
        if newest is not None and newest < now - self.span:
            return (_hour_up(newest.astimezone(UTC)),
                    "ending at the newest row")
        return now, ""

    def _show(self, report: StatsReport) -> None:
        window = report.window
        head = Text()
        head.append(f"{span_text(self.span)}", style="bold")
        head.append(f" to {window.until:%Y-%m-%d %H:%M} UTC · by ")
        head.append(self.by.value, style="bold")
        if self.note:
            head.append(f" · {self.note}", style="italic")
        if report.live_rows:
            head.append(f" · {report.live_rows:,} rows newer than the refresh, read live",
                        style="dim")
        self.query_one("#window", Static).update(head)
        self.query_one("#totals", Static).update(totals_text(report))
        self._chart(report)
        table = self.query_one(RowList)
        table.clear()
        table.set_columns((self.by.value.capitalize(), *COLUMNS))
        table.add_rows([(str(n), (Text(clip(group_label(row, self.by), 30)), *row_cells(row)))
                        for n, row in enumerate(report.rows)])
        if not report.rows:
            table.add_rows([("", (Text("no rows in this window: + widens it", style="italic"),
                                  *(Text("") for _ in COLUMNS)))])
        gaps = self.gaps
        self.query_one("#gaps", Static).update(
            gaps_text(gaps, max(20, self.size.width - 2)) if gaps else Text())

    def _chart(self, report: StatsReport) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        points = buckets(report)
        xs = list(range(len(points)))
        plt.bar(xs, [tokens for _, tokens, _ in points], label="tokens", width=0.9)
        costs = [cost if cost is not None else 0.0 for _, _, cost in points]
        currency = report.total.currency or ""
        if any(cost is not None for _, _, cost in points):
            plt.plot(xs, costs, yside="right", label=f"cost {currency}".strip(),
                     marker="braille")
        fmt = "%H:%M" if report.series_step < timedelta(days=1) else "%m-%d"
        every = max(1, -(-len(points) // MAX_TICKS))
        ticks = xs[::every]
        plt.xticks([float(i) for i in ticks], [points[i][0].strftime(fmt) for i in ticks])
        top = max((tokens for _, tokens, _ in points), default=0)
        marks = [top * k / 3 for k in range(4)] if top else [0.0, 1.0]
        plt.ylim(0, max(top, 1))
        plt.yticks(marks, [compact_count(m) for m in marks])
        per = "hour" if report.series_step < timedelta(days=1) else "day"
        plt.title(f"tokens and cost per {per}")
        plot.refresh()

    # --- keys -------------------------------------------------------------------------------

    def action_group_by(self) -> None:
        self.by = GROUPS[(GROUPS.index(self.by) + 1) % len(GROUPS)]

    def action_widen(self) -> None:
        if self.span_index + 1 < len(SPANS):
            self.span_index += 1
        else:
            self.notify(f"{span_text(self.span)} is the widest window.")

    def action_narrow(self) -> None:
        if self.span_index > 0:
            self.span_index -= 1
        else:
            self.notify(f"{span_text(self.span)} is the narrowest window.")

    def action_earlier(self) -> None:
        if self.until is not None:
            self.until -= self.span
            self.load()

    def action_later(self) -> None:
        if self.until is not None:
            self.until += self.span
            self.load()

    def action_refresh(self) -> None:
        if not self.fixed_end and not self.note:
            self.until = None  # "the last 7 days" moves with the clock
        self.gaps = None
        self.load()

    def action_open(self) -> None:
        report = self.report
        row_index = self.query_one(RowList).cursor_row
        if report is None or not 0 <= row_index < len(report.rows):
            return
        row = report.rows[row_index]
        if row.group is None:
            self.notify(f"Rows without a {self.by.value} cannot be filtered to.",
                        severity="warning")
            return
        window = report.window
        flt = ProcessFilter(since=window.since, until=window.until)
        if self.by is StatsBy.MODEL:  # two providers may name a model alike
            flt = replace(flt, model=row.group, provider=row.provider)
        elif self.by is StatsBy.PROVIDER:
            flt = replace(flt, provider=row.group)
        elif self.by is StatsBy.ACTIVITY:
            flt = replace(flt, activity=row.group)
        else:
            flt = replace(flt, definition=row.group)
        self.post_message(ShowProcessList(flt))

    def on_row_list_selected(self, event: RowList.Selected) -> None:
        self.action_open()

    def action_back(self) -> None:
        self.app.pop_screen()
