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

# JSON larger than this (bytes of its text as PostgreSQL prints it) is neither read with the
# list nor put in the form: a TextArea with 10 MB of highlighted JSON takes seconds to open and
# save and holds over a gigabyte. The form says so, and a save keeps the stored value.
EDIT_LIMIT_BYTES = 256 * 1024
JSON_FIELDS = ("config_data", "performance_stats")


@dataclass(frozen=True)
class ModelRow:
    id: str
    model_name: str
    provider: str
    version: str | None
    config_json: str | None  # as PostgreSQL prints the JSONB; None: NULL or too large
    stats_json: str | None
    is_active: bool | None
    created_at: datetime | None
    updated_at: datetime | None
    token: str  # updated_at (UTC, to the microsecond) and xmin: the row as the user saw it
    calls: int = 0
    total_tokens: int = 0
    last_used: datetime | None = None
    cost: Decimal | None = None  # of every call (None: no priced call); see unpriced_calls
    currency: str | None = None
    unpriced_calls: int = 0
    config_bytes: int | None = None  # size of the JSON text; None for NULL
    stats_bytes: int | None = None

    @property
    def label(self) -> str:
        version = f" {self.version}" if self.version else " (no version)"
        return f"{self.provider} / {self.model_name}{version}"

    def too_large(self) -> tuple[tuple[str, int], ...]:
        """(field, bytes) of the JSON fields over EDIT_LIMIT_BYTES, which were not read."""
        sizes = (self.config_bytes, self.stats_bytes)
        return tuple((name, size) for name, size in zip(JSON_FIELDS, sizes, strict=True)
                     if size is not None and size > EDIT_LIMIT_BYTES)


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
    """What the form holds, as typed. A JSON field in `kept` (field, bytes) is saved as stored
    (its text here is empty): in the row itself, or, for a new model, in row `source_id`."""

    model_name: str
    provider: str
    version: str
    config_text: str
    stats_text: str
    is_active: bool = True
    kept: tuple[tuple[str, int], ...] = ()
    source_id: str | None = None

    @classmethod
    def of(cls, row: ModelRow, *, new_version: bool = False) -> ModelDraft:
        return cls(row.model_name, row.provider, "" if new_version else (row.version or ""),
                   _pretty(row.config_json), _pretty(row.stats_json), bool(row.is_active),
                   row.too_large(), row.id)

    def kept_bytes(self, name: str) -> int | None:
        return next((size for kept, size in self.kept if kept == name), None)


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
    keep_config: bool = False  # save the stored value (of the row, or of source_id)
    keep_stats: bool = False
    source_id: str | None = None

    def params(self) -> dict[str, Any]:
        return {"model_name": self.model_name, "provider": self.provider,
                "version": self.version, "config_data": self.config_data,
                "performance_stats": self.performance_stats, "is_active": self.is_active,
                "keep_config": self.keep_config, "keep_stats": self.keep_stats,
                "source_id": self.source_id}


def _pretty(text: str | None) -> str:
    """JSON for the editor: indented, and every character the sanitiser would replace written
    as a \\uXXXX escape. Inside a JSON string that is the same value, and the editor (a
    TextArea, which writes its text to the terminal as is) never holds a raw control."""
    if text is None:
        return ""
    pretty, _problem = pretty_json(text)  # stored text as is where reformatting would change it
    return _UNSAFE.sub(lambda m: "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else
                                         json.dumps(c)[1:-1] for c in m.group()), pretty)


# PostgreSQL's numeric (what jsonb keeps a number as): at most this many digits after the point
# (dscale), the leading digit at most at this power of ten (weight 32767 of base 10000), and an
# exponent it reads at most this long.
_NUMERIC_SCALE_MAX = 16383
_NUMERIC_LEAD_MAX = 131071
_NUMERIC_EXPONENT_MAX = 2**31 // 2 - 1

# Once json.loads has accepted the text, these are its strings and numbers, and its NaN and
# Infinity (Python's extensions, which PostgreSQL refuses); nothing else in it starts with a
# quote, a digit, a minus, N or I.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"'
                    r"|-?Infinity|NaN"
                    r"|-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([-+]?[0-9]+))?")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _number_problem(token: re.Match[str]) -> str | None:
    """Why PostgreSQL's numeric would refuse this JSON number ("value overflows numeric
    format"), or None."""
    number = token.group()
    fraction = token.group(1) or ""
    exponent_text = (token.group(2) or "0").lstrip("+-").lstrip("0") or "0"
    if len(exponent_text) > 10 or int(exponent_text) > _NUMERIC_EXPONENT_MAX:
        return "exponent out of PostgreSQL's range"
    exponent = -int(exponent_text) if (token.group(2) or "").startswith("-") else \
        int(exponent_text)
    if len(fraction) - exponent > _NUMERIC_SCALE_MAX:
        return f"more than {_NUMERIC_SCALE_MAX} digits after the point"
    integer = number.lstrip("-").split(".")[0].split("e")[0].split("E")[0]
    digits = integer + fraction
    significant = digits.lstrip("0")
    if significant and (len(integer) - 1 - (len(digits) - len(significant))) + exponent \
            > _NUMERIC_LEAD_MAX:
        return "too large for PostgreSQL's numeric"
    return None


def _string_problem(token: str) -> tuple[int, str] | None:
    """(offset in the token, why) where PostgreSQL's jsonb refuses a JSON string: \\u0000, or
    a \\u escape of a surrogate that is not a high one followed at once by a low one."""
    if "\\" not in token:
        return None
    high: int | None = None  # offset of a high surrogate escape waiting for its low one
    high_end = 0  # where its low one must start: plain characters between do not count
    for escape in _ESCAPE.finditer(token, 1, len(token) - 1):
        code = int(escape.group(1), 16) if escape.group(1) else None
        if high is not None and (code is None or not 0xDC00 <= code <= 0xDFFF
                                 or escape.start() != high_end):
            return high, "a high surrogate escape not followed by a low one"
        if code is None:
            continue
        if 0xD800 <= code <= 0xDBFF:
            high, high_end = escape.start(), escape.end()
        elif 0xDC00 <= code <= 0xDFFF:
            if high is None:
                return escape.start(), "a low surrogate escape without a high one before it"
            high = None
        elif code == 0:
            return escape.start(), "\\u0000 (PostgreSQL's jsonb cannot hold it)"
    if high is not None:
        return high, "a high surrogate escape not followed by a low one"
    return None


def _postgres_problem(text: str) -> tuple[int, str] | None:
    """(offset, why) of the first thing in JSON that json.loads accepted but PostgreSQL's jsonb
    refuses, or None."""
    raw = _SURROGATE.search(text)
    if raw is not None:  # not even sendable: UTF-8 has no surrogates
        return raw.start(), f"a lone surrogate character U+{ord(raw.group()):04X}"
    for token in _TOKEN.finditer(text):
        value = token.group()
        if value[0] == '"':
            problem = _string_problem(value)
            if problem is not None:
                return token.start() + problem[0], problem[1]
        elif value[-1] in "Nny":  # NaN, Infinity, -Infinity
            return token.start(), f"{value} is not JSON (PostgreSQL refuses NaN and Infinity)"
        else:
            why = _number_problem(token)
            if why is not None:
                return token.start(), f"the number {_clip_number(value)}: {why}"
    return None


def _clip_number(value: str) -> str:
    return value if len(value) <= 24 else f"{value[:10]}…{value[-10:]} ({len(value)} characters)"


def _where(text: str, offset: int) -> str:
    line = text.count("\n", 0, offset) + 1
    return f"line {line}, column {offset - text.rfind(chr(10), 0, offset)}"


def _ignored(_value: str) -> None:
    """json.loads' number and constant hooks: the values are not needed (and Python's int()
    refuses more than 4300 digits, which PostgreSQL takes)."""


def _json_object(field: str, text: str, errors: list[FieldError]) -> str | None:
    """The field's JSON object text as typed, if PostgreSQL's jsonb takes it; else an error
    that names the line and column."""
    if not text.strip():
        return None
    try:
        value = json.loads(text, parse_int=_ignored, parse_float=_ignored,
                           parse_constant=_ignored)
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
    problem = _postgres_problem(text)
    if problem is not None:
        offset, why = problem
        errors.append(FieldError(field, f"not valid for PostgreSQL at {_where(text, offset)}: "
                                        f"{why}"))
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
        if _SURROGATE.search(values[field]):
            errors.append(FieldError(field, "contains a lone surrogate character"))
    keep_config = draft.kept_bytes("config_data") is not None
    keep_stats = draft.kept_bytes("performance_stats") is not None
    config = None if keep_config else _json_object("config_data", draft.config_text, errors)
    stats = None if keep_stats else _json_object("performance_stats", draft.stats_text, errors)
    if errors:
        return None, errors
    return ValidDraft(values["model_name"], values["provider"], values["version"] or None,
                      config, stats, draft.is_active, keep_config, keep_stats,
                      draft.source_id), []


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
    # Both JSON fields are kept as stored (not sent back), so only is_active moves.
    return ModelDraft(row.model_name, row.provider, row.version or "", "", "", active,
                      (("config_data", row.config_bytes or 0),
                       ("performance_stats", row.stats_bytes or 0)), row.id)


def size_text(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 2**10:.0f} KB"


def checked(draft: ModelDraft) -> ValidDraft:
    valid, errors = validate(draft)
    if valid is None:
        raise InvalidModel(errors)
    return valid
