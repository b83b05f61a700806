"""The model registry's domain (procos_ai_models): typed rows, what the editor holds, its
validation (everything the database would refuse, said per field before anything is sent), and
the refusals a save can meet."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from procos_tui.core.conversation import pretty_json
from procos_tui.core.errors import DatabaseError
from procos_tui.core.sanitize import unsafe_class

# What the sanitiser replaces, but newline: the editor shows the JSON's own line breaks (inside
# its strings every one of these is written as a \u escape, see _pretty).
_UNSAFE = re.compile(f"[{unsafe_class(keep=chr(10))}]+")

# Column sizes of procos_ai_models (init-db.sql): checked before anything is sent.
LIMITS = {"model_name": 255, "provider": 100, "version": 100}


@dataclass(frozen=True)
class ModelRow:
    id: str
    model_name: str
    provider: str
    version: str | None
    config_json: str | None  # as PostgreSQL prints the JSONB
    stats_json: str | None
    is_active: bool | None
    created_at: datetime | None
    updated_at: datetime | None
    token: str  # updated_at to the microsecond (UTC): the row as the user saw it
    calls: int = 0
    total_tokens: int = 0
    last_used: datetime | None = None

    @property
    def label(self) -> str:
        version = f" {self.version}" if self.version else " (no version)"
        return f"{self.provider} / {self.model_name}{version}"


class ModelUsage(NamedTuple):
    """A model's use in procos_ai_context (every row of the (provider, model) pair)."""

    calls: int
    total_tokens: int
    last_used: datetime | None
    input_tokens: int = 0  # of split rows (core.tokens)
    output_tokens: int = 0
    cost: Decimal | None = None  # None: unpriced (or no split row to price)
    currency: str | None = None
    unpriced_calls: int = 0
    rows: int = 0
    latency_p50_s: float | None = None
    latency_p95_s: float | None = None


@dataclass(frozen=True)
class ModelDraft:
    """What the form holds, as typed."""

    model_name: str
    provider: str
    version: str
    config_text: str
    stats_text: str
    is_active: bool = True

    @classmethod
    def of(cls, row: ModelRow, *, new_version: bool = False) -> ModelDraft:
        return cls(row.model_name, row.provider, "" if new_version else (row.version or ""),
                   _pretty(row.config_json), _pretty(row.stats_json), bool(row.is_active))


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class ValidDraft:
    """Trimmed, checked values, ready for the statement."""

    model_name: str
    provider: str
    version: str | None
    config_data: str | None  # JSON text of an object, or None for NULL
    performance_stats: str | None
    is_active: bool

    def params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "provider": self.provider,
                "version": self.version, "config_data": self.config_data,
                "performance_stats": self.performance_stats, "is_active": self.is_active}


def _pretty(text: str | None) -> str:
    """JSON for the editor: indented, and every character the sanitiser would replace written
    as a \\uXXXX escape. Inside a JSON string that is the same value, and the editor (a
    TextArea, which writes its text to the terminal as is) never holds a raw control."""
    if text is None:
        return ""
    pretty, _problem = pretty_json(text)  # stored text as is where reformatting would change it
    return _UNSAFE.sub(lambda m: "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else
                                         json.dumps(c)[1:-1] for c in m.group()), pretty)


def _json_object(field: str, text: str, errors: list[FieldError]) -> str | None:
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        errors.append(FieldError(field, f"not valid JSON at line {exc.lineno}, column "
                                        f"{exc.colno}: {exc.msg}"))
        return None
    except RecursionError:
        errors.append(FieldError(field, "nested too deeply"))
        return None
    if not isinstance(value, dict):
        errors.append(FieldError(field, f"must be a JSON object ({{...}}), not "
                                        f"{type(value).__name__}"))
        return None
    return text  # as typed: PostgreSQL parses it into the JSONB


def validate(draft: ModelDraft) -> tuple[ValidDraft | None, list[FieldError]]:
    """Everything the database would refuse, said per field before anything is sent."""
    errors: list[FieldError] = []
    values = {"model_name": draft.model_name.strip(), "provider": draft.provider.strip(),
              "version": draft.version.strip()}
    for field in ("model_name", "provider"):
        if not values[field]:
            errors.append(FieldError(field, "required"))
    for field, limit in LIMITS.items():
        if len(values[field]) > limit:
            errors.append(FieldError(field, f"at most {limit} characters "
                                            f"({len(values[field])} given)"))
        if "\x00" in values[field]:
            errors.append(FieldError(field, "contains a NUL character"))
    config = _json_object("config_data", draft.config_text, errors)
    stats = _json_object("performance_stats", draft.stats_text, errors)
    if errors:
        return None, errors
    return ValidDraft(values["model_name"], values["provider"], values["version"] or None,
                      config, stats, draft.is_active), []


class InvalidModel(DatabaseError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class WritesRefused(DatabaseError):
    """--read-only, a replica, or a server-side read-only default: nothing was written."""


class DuplicateModel(DatabaseError):
    def __init__(self, existing: ModelRow) -> None:
        super().__init__(f"{existing.label} already exists (id {existing.id})")
        self.existing = existing


class ModelConflict(DatabaseError):
    """The row changed (or went) since it was opened; `current` is what it is now."""

    def __init__(self, current: ModelRow | None) -> None:
        what = ("was deleted by someone else" if current is None
                else "was changed by someone else since you opened it")
        super().__init__(f"the model {what}")
        self.current = current


def draft_with_active(row: ModelRow, active: bool) -> ModelDraft:
    # The stored JSON text goes back as it is (not re-pretty-printed), so only is_active moves.
    return ModelDraft(row.model_name, row.provider, row.version or "", row.config_json or "",
                      row.stats_json or "", active)


def checked(draft: ModelDraft) -> ValidDraft:
    valid, errors = validate(draft)
    if valid is None:
        raise InvalidModel(errors)
    return valid
