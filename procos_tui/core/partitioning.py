"""The partitioned layout of procos_ai_context, as plain facts: which months a migration
creates, and its plan and its outcome in words. The statements are in db/partition.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from procos_tui.core.sanitize import human_size

# Older rows than this go to the default partition: one partition per month of a decade is
# already 120 tables, and a row dated 1970 is a wrong clock, not history.
MONTHS_BACK_MAX = 120
DEFAULT_MONTHS_AHEAD = 3
DEFAULT_BATCH_ROWS = 50_000


def month_start(moment: datetime) -> datetime:
    """The first instant of the moment's month, in UTC (partition bounds are UTC months)."""
    at = moment.astimezone(UTC)
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def add_months(month: datetime, n: int) -> datetime:
    index = month.year * 12 + month.month - 1 + n
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def months_to_create(oldest: datetime | None, now: datetime, months_ahead: int) -> list[str]:
    """'YYYY-MM' of each monthly partition the migration creates: from the oldest row's month
    (at most MONTHS_BACK_MAX back) to months_ahead past now's."""
    first = month_start(min(oldest or now, now))
    first = max(first, add_months(month_start(now), -MONTHS_BACK_MAX))
    last = add_months(month_start(now), months_ahead)
    out = []
    month = first
    while month <= last:
        out.append(f"{month:%Y-%m}")
        month = add_months(month, 1)
    return out


@dataclass(frozen=True)
class MigrationProgress:
    """A migration that stopped halfway (its copy resumes where it stopped)."""

    started_at: datetime
    copied: int
    synced: bool


@dataclass(frozen=True)
class PartitionPlan:
    layout: str  # "plain", "partitioned" or "missing"
    rows_estimate: int = 0
    bytes: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None
    months: list[str] = field(default_factory=list)
    months_ahead: int = DEFAULT_MONTHS_AHEAD
    batch_rows: int = DEFAULT_BATCH_ROWS
    indexes: int = 0
    under_way: MigrationProgress | None = None
    old_table_kept: bool = False

    def lines(self) -> list[str]:
        """The plan as `procos-tui partition` prints it."""
        if self.layout == "missing":
            return ["procos_ai_context does not exist: run procos-tui init-db first."]
        if self.layout == "partitioned":
            out = ["procos_ai_context is partitioned by created_at already; "
                   "`procos-tui partition --ensure N` creates the months ahead (from cron)."]
            if self.old_table_kept:
                out.append("The table from before the migration is kept as "
                           "procos_ai_context_unpartitioned: DROP TABLE "
                           "procos_ai_context_unpartitioned; once you no longer need it.")
            return out
        batches = -(-self.rows_estimate // self.batch_rows) if self.rows_estimate else 0
        span = (f"created_at from {self.oldest:%Y-%m-%d} to {self.newest:%Y-%m-%d}"
                if self.oldest and self.newest else "no dated rows")
        out = [
            f"procos_ai_context: about {self.rows_estimate:,} rows, "
            f"{human_size(self.bytes)} with its indexes and TOAST; {span}.",
            "procos-tui partition --apply would:",
            f"  1. create procos_ai_context_partitioned, range-partitioned by created_at: "
            f"{len(self.months)} monthly partitions ({self.months[0]} to {self.months[-1]}, "
            f"UTC months) and procos_ai_context_default for rows without a date or outside "
            f"them" if self.months else "  1. create procos_ai_context_partitioned",
            f"  2. copy every row in {batches:,} committed batch{'es' if batches != 1 else ''} "
            f"of up to {self.batch_rows:,} rows (ProcOS's inserts go on; no lock on its "
            "table)",
            f"  3. build its {self.indexes} indexes and UNIQUE (id, created_at), which takes "
            "the primary key's place (a partitioned table's unique keys hold created_at)",
            "  4. catch up with what ProcOS wrote meanwhile (an index on updated_at, built "
            "CONCURRENTLY, finds updated rows; VACUUM, then a sync without a lock)",
            "  5. lock procos_ai_context (lock_timeout 1 s, tried again while busy; ProcOS's "
            "inserts and readers wait meanwhile), copy the rows changed since step 4, compare "
            "the two tables' ids for deletes, and rename: the partitioned table becomes "
            "procos_ai_context, with the old one's views, triggers, grants and owner",
            "  6. ANALYZE it; the old table stays as procos_ai_context_unpartitioned until you "
            "drop it",
            f"It needs about {human_size(self.bytes)} of free disk for the copy.",
        ]
        if self.under_way:
            out.insert(1, f"A migration started {self.under_way.started_at:%Y-%m-%d %H:%M} is "
                          f"under way: {self.under_way.copied:,} rows copied; --apply goes on "
                          "from there.")
        return out


@dataclass(frozen=True)
class MigrationResult:
    rows_copied: int
    copy_seconds: float
    lock_ms: int
    lock_attempts: int
    total_seconds: float
    said: list[str]

    @property
    def rows_per_second(self) -> float:
        return self.rows_copied / self.copy_seconds if self.copy_seconds > 0 else 0.0
