"""What `procos-tui check` reports, as types: findings of a known kind, and statistics.

db/health.py runs the statements and builds these; the command line prints them and the Health
screen shows them. `as_json()` is the `check --json` output, key for key.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class FindingKind(StrEnum):
    """What a finding is about; the value is what `check` prints."""

    SCHEMA_DRIFT = "schema_drift"  # an object init-db.sql makes is missing or differs
    TRUNCATION_SUSPECT = "truncation_suspect"  # outputs under 50 characters
    CAMUNDA_COPY = "camunda_copy"  # a Camunda copy of an AI variable is cut, differs, is alone
    CAMUNDA_ERROR_CUT = "camunda_error_cut"  # error messages cut at 666 characters by Camunda
    SEARCH_WORDS_BEHIND = "search_words_behind"  # the fuzzy search's word list lags
    ROLLUP_DISAGREES = "rollup_disagrees"  # triage rollups differ from their rows
    INDEX_INVALID = "index_invalid"  # a failed CREATE INDEX CONCURRENTLY left it unusable
    PARTITIONING = "partitioning"  # the partitioned layout lacks a month, an index, …

    @property
    def concerns_instance(self) -> bool:
        """The finding's subject is a process instance (or a count of them)."""
        return self in (FindingKind.CAMUNDA_COPY, FindingKind.TRUNCATION_SUSPECT,
                        FindingKind.CAMUNDA_ERROR_CUT)


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    subject: str  # the object, or the process instance
    detail: str
    fix: str = ""
    numbers: dict[str, Any] = field(default_factory=dict)
    # Instances this one line stands for, not listed one by one (subject "N more
    # instances"); 0 for a finding about its subject alone.
    more: int = 0

    @property
    def process_instance_id(self) -> str | None:
        """The one process instance this finding is about, if it is about one."""
        return self.subject if self.kind.concerns_instance and not self.more else None

    @property
    def differing_variable(self) -> str | None:
        """The variable whose Camunda copy differs from ProcOS's value (not a cut)."""
        if self.kind is FindingKind.CAMUNDA_COPY and self.numbers.get("verdict") == "differs":
            return str(self.numbers["variable"])
        return None

    @property
    def cut_variable(self) -> str | None:
        """The variable whose Camunda copy is cut short, for a finding that says so."""
        if self.kind is FindingKind.CAMUNDA_COPY and self.numbers.get("verdict") == "cut":
            return str(self.numbers["variable"])
        return None

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "subject": self.subject, "detail": self.detail,
                "fix": self.fix, "numbers": dict(self.numbers)}


# What check leaves to the primary when it runs on a standby: a standby keeps statistics of
# its own reads, not the primary's vacuums, analyses and index scans.
STANDBY_SKIPPED = ("maintenance (dead tuples, vacuum and analyse ages) and index usage: a "
                   "standby's statistics are its own, not the primary's; run check on the "
                   "primary for them")

# When autovacuum itself would act (its default scale factors and thresholds): the advice
# says what it is waiting for, so "behind" means the same here as in the server's logs.
VACUUM_SCALE, VACUUM_THRESHOLD = 0.2, 50
ANALYZE_SCALE, ANALYZE_THRESHOLD = 0.1, 50


@dataclass(frozen=True)
class TableStats:
    table: str
    bytes: int  # with its indexes and TOAST
    rows_estimate: int | None  # the planner's estimate; None when never vacuumed or analysed
    last_analyzed: str | None  # ISO 8601, None if never
    live_tuples: int = 0
    dead_tuples: int = 0
    changed_since_analyze: int = 0
    last_vacuumed: str | None = None  # ISO 8601 (manual or auto), None if never
    partitions: int = 0  # the partitioned layout: its leaf partitions (the numbers are theirs)

    @property
    def label(self) -> str:
        """The table's name, and its partitions where it has them."""
        return f"{self.table} ({self.partitions} partitions)" if self.partitions else self.table

    @property
    def rows_text(self) -> str:
        """'~1,234 rows', or what is known when the planner has no estimate yet."""
        if self.rows_estimate is None:
            return "rows not counted: not analysed yet"
        return f"~{self.rows_estimate:,} rows"

    @property
    def dead_ratio(self) -> float:
        """Dead tuples over all tuples (0 for an empty table)."""
        total = self.live_tuples + self.dead_tuples
        return self.dead_tuples / total if total else 0.0

    @property
    def dead_text(self) -> str:
        """'12%', rounded down ('99%' for 399 of 400: never 100% while one tuple lives),
        '<1%' for a few, '0%' for none."""
        percent = int(self.dead_ratio * 100)
        return "<1%" if self.dead_tuples and not percent else f"{percent}%"

    def advice(self) -> Maintenance:
        """The guide's "regular VACUUM and ANALYZE on AI tables", for this table now."""
        live = max(self.live_tuples, self.rows_estimate or 0)
        if self.dead_tuples > VACUUM_THRESHOLD + VACUUM_SCALE * live:
            return Maintenance("VACUUM", f"{self.dead_text} of its tuples are dead "
                               f"({self.dead_tuples:,}): autovacuum is behind; VACUUM (ANALYZE) "
                               f"{self.table}, and look for what holds it back (a long "
                               "transaction, autovacuum_vacuum_cost_limit)")
        if self.last_analyzed is None and (live or self.changed_since_analyze):
            return Maintenance("ANALYZE", "never analysed: the planner guesses its row "
                               "count and may pass over its indexes; a runs ANALYZE")
        if self.changed_since_analyze > ANALYZE_THRESHOLD + ANALYZE_SCALE * live:
            return Maintenance("ANALYZE", f"{self.changed_since_analyze:,} rows changed "
                               "since its last analyse: its statistics are stale; a runs "
                               "ANALYZE")
        return Maintenance("ok", "vacuumed and analysed as autovacuum would: nothing to do")


@dataclass(frozen=True)
class Maintenance:
    action: str  # "ok", "ANALYZE" or "VACUUM": what the table needs
    why: str


@dataclass(frozen=True)
class IndexUse:
    index: str
    scans: int  # since the statistics were reset
    bytes: int
    table: str = ""
    valid: bool = True  # false after a failed CREATE INDEX CONCURRENTLY: never used, still kept up


@dataclass(frozen=True)
class ProviderStats:
    provider: str | None  # ai_provider, NULL where ProcOS stored none
    rows: int
    instances: int


@dataclass
class Stats:
    """Not findings: a fresh database has unused indexes and is healthy."""

    tables: list[TableStats] = field(default_factory=list)
    indexes: list[IndexUse] = field(default_factory=list)
    providers: list[ProviderStats] = field(default_factory=list)
    camunda_indexes_missing: list[str] = field(default_factory=list)  # optimize would create

    @property
    def unused_indexes(self) -> list[str]:
        return [i.index for i in self.indexes if not i.scans and i.valid]

    def indexes_of(self, table: str) -> list[IndexUse]:
        return [i for i in self.indexes if i.table == table]

    def as_json(self) -> dict[str, Any]:
        return {"tables": [asdict(t) for t in self.tables],
                "indexes": [asdict(i) for i in self.indexes],
                "providers": [asdict(p) for p in self.providers],
                "camunda_indexes_missing": list(self.camunda_indexes_missing)}


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    camunda: str = ""  # what the Camunda comparison did, or why it was skipped
    stats: Stats = field(default_factory=Stats)
    skipped: list[str] = field(default_factory=list)  # what was not checked here, and why

    def as_json(self) -> dict[str, Any]:
        return {"findings": [f.as_json() for f in self.findings], "camunda": self.camunda,
                "stats": self.stats.as_json(), "skipped": list(self.skipped)}


def quote_ident(name: str) -> str:
    """`name` as an SQL identifier for a fix to paste into psql: always quoted (inner quotes
    doubled), so a reserved word or a mixed-case name needs no second thought."""
    return '"' + name.replace('"', '""') + '"'
