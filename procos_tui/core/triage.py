"""Triage: what the Stats screen and `procos-tui stats` show, typed, and the arithmetic that
turns the server's partial aggregates (rollup buckets and live rows, per provider and model)
into them. Cost is summed in Decimal; percentiles come from core.latency's histograms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from procos_tui.core import latency

# Outputs shorter than this look cut (the ProcOS guide's truncation check).
CUT_CHARS = 50
DEFAULT_WINDOW = timedelta(days=7)


class StatsBy(Enum):
    PROVIDER = "provider"
    MODEL = "model"
    ACTIVITY = "activity"
    DEFINITION = "definition"
    DAY = "day"
    HOUR = "hour"

    @property
    def is_time(self) -> bool:
        return self in (StatsBy.DAY, StatsBy.HOUR)


@dataclass(frozen=True)
class StatsWindow:
    since: datetime  # inclusive
    until: datetime  # exclusive

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("a stats window needs time zone aware bounds")
        if self.since >= self.until:
            raise ValueError("the window's start must be before its end")


@dataclass(frozen=True)
class StatsRow:
    """One group of the Stats table (or the totals, group None)."""

    group: str | None  # the provider, model, activity or definition; ISO time for day/hour
    provider: str | None  # by model: the model's provider (two providers may share a name)
    bucket_at: datetime | None  # by day or hour: where the bucket starts (UTC)
    calls: int
    rows: int
    input_tokens: int
    output_tokens: int
    total_tokens: int
    cost: Decimal | None
    currency: str | None  # None with a cost: several currencies were summed apart (see cost)
    unpriced_calls: int
    latency_p50_s: float | None
    latency_p95_s: float | None
    max_latency_s: float | None
    interactions: int  # input-output pairs the latencies come from
    cut_outputs: int
    bytes: int

    def as_json(self, by: StatsBy) -> dict[str, Any]:
        out: dict[str, Any] = {by.value: (self.bucket_at.isoformat() if by.is_time and
                                          self.bucket_at else self.group)}
        if by is StatsBy.MODEL:
            out["provider"] = self.provider
        out.update(
            calls=self.calls, input_tokens=self.input_tokens, output_tokens=self.output_tokens,
            total_tokens=self.total_tokens,
            cost=self.cost, currency=self.currency,
            unpriced_calls=self.unpriced_calls, latency_p50_s=_rounded(self.latency_p50_s),
            latency_p95_s=_rounded(self.latency_p95_s),
            max_latency_s=_rounded(self.max_latency_s), cut_outputs=self.cut_outputs,
            bytes=self.bytes, rows=self.rows)
        return out


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class SeriesPoint:
    """One bucket of the chart."""

    at: datetime
    total_tokens: int
    cost: Decimal | None
    calls: int


@dataclass(frozen=True)
class StatsReport:
    window: StatsWindow
    by: StatsBy
    rows: tuple[StatsRow, ...]
    total: StatsRow
    series: tuple[SeriesPoint, ...]  # per hour for windows up to 3 days, else per day
    series_step: timedelta
    live_rows: int  # rows read from procos_ai_context itself (newer than the rollups)


@dataclass(frozen=True)
class ModelGaps:
    """Models used in procos_ai_context but absent from procos_ai_models, and registered
    models that no row uses."""

    missing: tuple[tuple[str | None, str | None, int], ...]  # (provider, model, rows)
    unused: tuple[tuple[str, str, str | None], ...]  # (provider, model_name, version)


# --- merging partial aggregates ------------------------------------------------------------------


@dataclass
class Partial:
    """What the server returns per (group, provider, model): sums, a cost (already priced on
    the server, exact numeric) and a latency histogram."""

    calls: int = 0
    rows: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    cost: Decimal | None = None
    currency: str | None = None
    unpriced_calls: int = 0
    max_latency_s: float | None = None
    cut_outputs: int = 0
    bytes: int = 0
    hist: list[int] = field(default_factory=list)
    currencies: set[str] = field(default_factory=set)

    def add(self, other: Partial) -> None:
        self.calls += other.calls
        self.rows += other.rows
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.total_tokens += other.total_tokens
        self.unpriced_calls += other.unpriced_calls
        self.cut_outputs += other.cut_outputs
        self.bytes += other.bytes
        if other.cost is not None:
            self.cost = other.cost if self.cost is None else self.cost + other.cost
            self.currencies |= other.currencies
        if other.max_latency_s is not None:
            self.max_latency_s = (other.max_latency_s if self.max_latency_s is None
                                  else max(self.max_latency_s, other.max_latency_s))
        self.hist = latency.merge(self.hist, other.hist)

    def row(self, group: str | None, provider: str | None,
            bucket_at: datetime | None) -> StatsRow:
        currency = next(iter(self.currencies)) if len(self.currencies) == 1 else None
        p50, p95 = (latency.percentile(self.hist, p) for p in (0.5, 0.95))
        if self.max_latency_s is not None:  # a bucket's bound may pass the exact maximum
            p50, p95 = (None if p is None else min(p, self.max_latency_s) for p in (p50, p95))
        return StatsRow(
            group=group, provider=provider, bucket_at=bucket_at, calls=self.calls,
            rows=self.rows, input_tokens=self.input_tokens, output_tokens=self.output_tokens,
            total_tokens=self.total_tokens, cost=self.cost, currency=currency,
            unpriced_calls=self.unpriced_calls,
            latency_p50_s=p50, latency_p95_s=p95,
            max_latency_s=self.max_latency_s, interactions=sum(self.hist),
            cut_outputs=self.cut_outputs, bytes=self.bytes)


def partial_of(row: dict[str, Any]) -> Partial:
    """A server row (columns named as Partial's fields, plus currency) -> a Partial."""
    cost = row.get("cost")
    currency = row.get("currency")
    return Partial(
        calls=int(row["calls"] or 0), rows=int(row["rows"] or 0),
        input_tokens=int(row["input_tokens"] or 0), output_tokens=int(row["output_tokens"] or 0),
        total_tokens=int(row["total_tokens"] or 0),
        cost=None if cost is None else Decimal(cost),
        unpriced_calls=int(row["unpriced_calls"] or 0),
        max_latency_s=None if row["max_latency_s"] is None else float(row["max_latency_s"]),
        cut_outputs=int(row["cut_outputs"] or 0), bytes=int(row["bytes"] or 0),
        hist=latency.unpack(row["hist"]),
        currencies={currency} if cost is not None and currency else set())


def merge_groups(keyed: Iterable[tuple[Any, Partial]]) -> dict[Any, Partial]:
    out: dict[Any, Partial] = {}
    for key, part in keyed:
        out.setdefault(key, Partial()).add(part)
    return out


def series_step(window: StatsWindow) -> timedelta:
    return timedelta(hours=1) if window.until - window.since <= timedelta(days=3) \
        else timedelta(days=1)


def sorted_rows(rows: Sequence[StatsRow], by: StatsBy) -> tuple[StatsRow, ...]:
    """Time groups in time order; the others by total tokens, largest first, then name."""
    if by.is_time:
        return tuple(sorted(rows, key=lambda r: r.bucket_at.timestamp() if r.bucket_at
                            else float("-inf")))
    return tuple(sorted(rows, key=lambda r: (-r.total_tokens, r.provider or "",
                                             r.group or "")))


def _group_key(row: dict[str, Any], by: StatsBy) -> tuple[Any, ...]:
    if by.is_time:
        return (row["grp_at"],)
    if by is StatsBy.MODEL:
        return (row["grp"], row["ai_provider"])
    return (row["grp"],)


def report(window: StatsWindow, by: StatsBy, rows: Sequence[dict[str, Any]],
           series: Sequence[dict[str, Any]], step: timedelta) -> StatsReport:
    """The Stats report from the server's partial rows (one per group, provider and model, from
    the rollups and from rows read live)."""
    groups = merge_groups((_group_key(r, by), partial_of(r)) for r in rows)
    out = []
    for key, part in groups.items():
        if by.is_time:
            out.append(part.row(key[0].isoformat() if key[0] else None, None, key[0]))
        elif by is StatsBy.MODEL:
            out.append(part.row(key[0], key[1], None))
        else:
            out.append(part.row(key[0], None, None))
    total = Partial()
    for part in groups.values():
        total.add(part)
    points = merge_groups(((r["grp_at"],), partial_of(r)) for r in series)
    chart = tuple(sorted((SeriesPoint(k[0], p.total_tokens, p.cost, p.calls)
                          for k, p in points.items() if k[0] is not None),
                         key=lambda s: s.at))
    live = sum(int(r["rows"] or 0) for r in rows if r.get("live"))
    return StatsReport(window, by, sorted_rows(out, by), total.row(None, None, None), chart,
                       step, live)


def usage_by_model(rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """(provider, model) -> core.registry.ModelUsage, from all-time partial rows by model."""
    from procos_tui.core.registry import ModelUsage

    groups: dict[tuple[Any, Any], Partial] = {}
    last: dict[tuple[Any, Any], datetime | None] = {}
    for r in rows:
        key = (r["ai_provider"], r["grp"])
        groups.setdefault(key, Partial()).add(partial_of(r))
        at = r.get("last_at")
        seen = last.get(key)
        if at is not None and (seen is None or at > seen):
            last[key] = at
    out: dict[tuple[str, str], Any] = {}
    for key, part in groups.items():
        row = part.row(key[1], key[0], None)
        out[key] = ModelUsage(
            calls=row.calls, total_tokens=row.total_tokens, last_used=last.get(key),
            input_tokens=row.input_tokens, output_tokens=row.output_tokens, cost=row.cost,
            currency=row.currency, unpriced_calls=row.unpriced_calls, rows=row.rows,
            latency_p50_s=row.latency_p50_s, latency_p95_s=row.latency_p95_s)
    return out


def gaps(usage: dict[tuple[str, str], Any],
         registered: Sequence[tuple[str, str, str | None]]) -> ModelGaps:
    known = {(provider, name) for provider, name, _version in registered}
    missing = tuple(sorted(((p, m, u.rows) for (p, m), u in usage.items()
                            if (p, m) not in known and (p is not None or m is not None)),
                           key=lambda t: (-t[2], t[0] or "", t[1] or "")))
    unused = tuple(sorted((p, n, v) for p, n, v in registered if (p, n) not in usage))
    return ModelGaps(missing, unused)
