"""Domain types: what the data layer returns and the screens show, never a raw row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ServerFacts:
    server_version: str
    read_only: bool
    database: str
    has_procos: bool
    has_list_support: bool  # init-db.sql's function and indexes for the process list
    has_camunda_history: bool
    has_camunda_runtime: bool


@dataclass(frozen=True)
class ProcessFilter:
    provider: str | None = None
    model: str | None = None
    since: datetime | None = None  # last activity at or after
    until: datetime | None = None  # last activity before
    id_prefix: str | None = None


@dataclass(frozen=True)
class ProcessCursor:
    """Keyset position: the latest row (time, id) of the last instance shown. Opaque to callers.

    last_at travels as PostgreSQL's own text of the timestamp so that -infinity (an instance
    whose rows have no created_at) and microseconds survive the round trip exactly.
    """

    last_at: str
    row_id: str


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
