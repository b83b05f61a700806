"""Domain types: what the data layer returns and the screens show, never a raw row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum


@dataclass(frozen=True)
class ServerFacts:
    server_version: str
    read_only: bool
    database: str
    has_procos: bool
    has_list_support: bool  # init-db.sql's function and indexes for the process list
    has_camunda_history: bool
    has_camunda_runtime: bool
    has_rollups: bool = False  # init-db.sql's triage rollups (sorting by numbers, Stats)
    standby: bool = False  # a hot standby (in recovery): it reads, the primary writes
    # How far behind the primary a standby's replay is, in seconds (0 when it has replayed
    # all it received); None on a primary or when it cannot tell.
    replay_lag_s: float | None = None
    # Through a transaction-pooling pooler (said, or detected): settings in each transaction.
    pooled: bool = False


@dataclass(frozen=True)
class Bound:
    """One comparison of a filter on a number: `tokens:>5000` is Bound(">", Decimal(5000))."""

    op: str  # one of OPS
    value: Decimal

    OPS = (">=", "<=", ">", "<", "=")

    def holds(self, number: Decimal | int | float | None) -> bool:
        if number is None:
            return False
        value = Decimal(str(number)) if isinstance(number, float) else Decimal(number)
        return {">": value > self.value, ">=": value >= self.value, "<": value < self.value,
                "<=": value <= self.value, "=": value == self.value}[self.op]


@dataclass(frozen=True)
class ProcessFilter:
    provider: str | None = None
    model: str | None = None
    since: datetime | None = None  # last activity at or after
    until: datetime | None = None  # last activity before
    id_prefix: str | None = None
    # Triage (issue 13): numbers of the whole instance, as the list shows them.
    tokens: Bound | None = None  # total tokens
    calls: Bound | None = None  # outputs
    cost: Bound | None = None  # in the models' currency; an unpriced instance never matches
    size: Bound | None = None  # bytes stored
    latency: Bound | None = None  # slowest interaction, seconds
    cut: bool | None = None  # True: with outputs under 50 characters; False: without
    business_key: str | None = None  # Camunda business key prefix
    definition: str | None = None  # Camunda process definition key
    activity: str | None = None  # an activity_id of one of its rows

    @property
    def needs_camunda(self) -> bool:
        return self.business_key is not None or self.definition is not None


class SortKey(Enum):
    """What the process list can be sorted by; the values are the `processes` command's field
    names (and `--sort` arguments)."""

    LAST_ACTIVITY = "last_activity"
    FIRST_ACTIVITY = "first_activity"
    CALLS = "calls"
    TOTAL_TOKENS = "total_tokens"
    INPUT_TOKENS = "input_tokens"
    OUTPUT_TOKENS = "output_tokens"
    BYTES = "bytes"
    DURATION = "duration_s"
    MAX_LATENCY = "max_latency_s"
    COST = "cost"
    CUT_OUTPUTS = "cut_outputs"

    @property
    def label(self) -> str:
        return {"last_activity": "last activity", "first_activity": "first activity",
                "calls": "calls", "total_tokens": "tokens", "input_tokens": "input tokens",
                "output_tokens": "output tokens", "bytes": "size", "duration_s": "duration",
                "max_latency_s": "slowest interaction", "cost": "cost",
                "cut_outputs": "cut outputs"}[self.value]

    @property
    def from_rollup(self) -> bool:
        """Whether the order needs the per-process rollup (the activity orders walk rows)."""
        return self not in (SortKey.LAST_ACTIVITY, SortKey.FIRST_ACTIVITY)


@dataclass(frozen=True)
class ProcessSort:
    key: SortKey = SortKey.LAST_ACTIVITY
    descending: bool = True

    @property
    def label(self) -> str:
        return f"{self.key.label} {'↓' if self.descending else '↑'}"


DEFAULT_SORT = ProcessSort()


@dataclass(frozen=True)
class ProcessCursor:
    """Keyset position: the latest row (time, id) of the last instance shown. Opaque to callers.

    last_at travels as PostgreSQL's own text of the timestamp so that -infinity (an instance
    whose rows have no created_at) and microseconds survive the round trip exactly.
    """

    last_at: str  # for rollup orders: the sort value, as PostgreSQL prints it
    row_id: str  # for rollup orders: the process instance id
    sort: str = SortKey.LAST_ACTIVITY.value  # the order it belongs to: never mixed
    descending: bool = True


@dataclass(frozen=True)
class ProcessSummary:
    process_instance_id: str
    first_at: datetime | None
    last_at: datetime | None  # None when no row has a created_at
    entry_count: int
    output_count: int
    providers: tuple[str, ...]
    models: tuple[str, ...]
    total_tokens: int
    suspect_outputs: int  # outputs under 50 characters (the guide's truncation check)
    business_key: str | None = None
    process_definition_key: str | None = None
    # Triage (issue 13). Input and output count split rows only (core.tokens).
    input_tokens: int = 0
    output_tokens: int = 0
    bytes: int = 0  # octet_length(content_text) + pg_column_size(content_data), every row
    cost: Decimal | None = None  # None: no priced call at all
    currency: str | None = None  # None with a cost: models priced in several currencies
    unpriced_calls: int = 0
    max_latency_s: float | None = None  # the slowest interaction; None: no input-output pair

    @property
    def duration_s(self) -> float | None:
        if self.first_at is None or self.last_at is None:
            return None
        return (self.last_at - self.first_at).total_seconds()


@dataclass(frozen=True)
class ProcessPage:
    """One request's worth of the list. With a provider or model filter a request looks at a
    bounded window of instances, so a page may hold fewer rows than asked (even none) and
    still have a next_cursor: keep asking until next_cursor is None."""

    rows: tuple[ProcessSummary, ...]
    next_cursor: ProcessCursor | None  # None: nothing more matches


@dataclass(frozen=True)
class InteractionHeader:
    """One procos_ai_context row without its bodies (sizes and a short preview only)."""

    id: str
    process_instance_id: str
    task_id: str | None
    activity_id: str | None
    context_type: str
    ai_provider: str | None
    model_used: str | None
    token_usage_json: str | None  # as stored; parse with core.jsonview, it may be hostile
    total_tokens: int  # procos_ai_token_total(): 0 when the shape is unknown
    created_at: datetime | None
    text_bytes: int | None  # octet length of content_text; None when it is NULL
    data_bytes: int  # octet length of content_data as stored
    preview: str | None  # the first characters of content_text, for lists


@dataclass(frozen=True)
class InteractionContent:
    """One row in full: every byte of content_text and content_data."""

    id: str
    process_instance_id: str
    task_id: str | None
    activity_id: str | None
    context_type: str
    ai_provider: str | None
    model_used: str | None
    content_text: str | None
    # The JSONB as PostgreSQL prints it; None when it is large and not fetched yet
    # (BrowseSession.content_data fetches it).
    content_data_json: str | None
    token_usage_json: str | None
    created_at: datetime | None
    updated_at: datetime | None
    content_is_text: bool = False  # content_data is an object whose 'content' = content_text


@dataclass(frozen=True)
class CamundaVariable:
    name: str
    type: str
    source: str  # "runtime" (act_ru_variable) or "history" (act_hi_varinst)
    text_length: int | None
    bytes_length: int | None  # length of the act_ge_bytearray value, for object/JSON variables


@dataclass(frozen=True)
class ProcessMatch:
    """A process instance that what the user typed into "go to" names: its id, an id prefix
    (any case) or a Camunda business key."""

    process_instance_id: str
    matched_by: str  # "id", "id prefix", "business key"
    has_ai_context: bool  # False: Camunda knows it, ProcOS stored nothing for it
    business_key: str | None = None


@dataclass(frozen=True)
class CamundaDetails:
    process_instance_id: str
    business_key: str | None
    process_definition_key: str | None
    process_definition_id: str | None
    state: str | None
    started_at: datetime | None
    ended_at: datetime | None
    variables: tuple[CamundaVariable, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CutView:
    """Where a Camunda copy ends: its last characters, and ProcOS's text around that point."""

    name: str
    camunda_tail: str
    procos_around: str  # starts at the same character as camunda_tail
    cut_at: int  # characters Camunda kept
    procos_length: int


@dataclass(frozen=True)
class ExportResult:
    rows: int
    bytes_written: int
    # What the export had to write otherwise than stored (bytes that are not UTF-8, a JSON
    # column holding text that is not JSON), one line each, for the user to be told.
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """One search hit: a row that matches, and the text around its match."""

    id: str
    process_instance_id: str
    context_type: str
    created_at: datetime | None
    ai_provider: str | None
    model_used: str | None
    chars: int | None
    position: int  # 1-based character position of the match in content_text; 0 if unknown
    match_len: int
    snippet: str  # stored text around the match, untrusted and unsanitised
    match_start: int  # where the match starts in snippet; -1 if unknown
    matched: str | None = None  # fuzzy: the close word this row holds
    similarity: float | None = None
    key_at: str = ""  # the row's place in the newest-first order (PostgreSQL's text)
