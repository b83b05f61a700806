"""The model registry (procos_ai_models): typed rows, the editor's validation, and safe writes.

Reads of the list go through the browsing session (read-only). Writes use a short-lived
connection of their own, one explicit transaction each, and only when the row still carries
the edit token it had when the user opened it: two operators never silently overwrite each
other (no lost updates). `--read-only` and servers that refuse writes both end in WritesRefused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from procos_tui.core.conversation import pretty_json
from procos_tui.db.connect import DatabaseError, connect_sync, one_line
from procos_tui.db.conninfo import Target
from procos_tui.db.queries import registry as registry_sql

T = TypeVar("T")

# What core.sanitize shows as stand-ins (C0 but newline, DEL, C1, bidi and invisible marks).
_UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                     "\u2066-\u206f\u2028\u2029\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]+")

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


class ModelWriter:
    """Short-lived, explicit write transactions on procos_ai_models."""

    def __init__(self, target: Target, *, read_only: bool = False) -> None:
        self.target = target
        self.read_only = read_only

    def _write(self, work: Callable[[Any], T]) -> T:
        import psycopg
        from psycopg import errors as pg_errors

        if self.read_only:
            raise WritesRefused("started with --read-only: procos-tui writes nothing")
        try:
            with connect_sync(self.target, read_only=False, lock_timeout_ms=5000) as conn:
                if conn.execute(registry_sql.SERVER_IN_RECOVERY).fetchone() == (True,):
                    raise WritesRefused("the server is a read-only replica (in recovery)")
                with conn.transaction():
                    return work(conn)
        except pg_errors.ReadOnlySqlTransaction as exc:
            raise WritesRefused(f"the server refuses writes: {one_line(exc)}") from None
        except psycopg.Error as exc:
            raise DatabaseError(one_line(exc)) from None

    def refusal(self) -> str | None:
        """Why writes would be refused, asked up front (so editing keys can say it), or None.
        A server that cannot be reached is not a refusal: saving will say what happened."""
        import psycopg

        if self.read_only:
            return "started with --read-only: procos-tui writes nothing"
        try:
            with connect_sync(self.target, read_only=False) as conn:
                row = conn.execute(registry_sql.SERVER_WRITABLE).fetchone()
        except (DatabaseError, psycopg.Error):
            return None
        if row is None:
            return None
        in_recovery, read_only_default = row
        if in_recovery:
            return "the server is a read-only replica (in recovery)"
        if read_only_default:
            return "the server makes sessions read-only (default_transaction_read_only)"
        return None

    @staticmethod
    def _row(values: tuple[Any, ...] | None) -> ModelRow | None:
        return None if values is None else ModelRow(*values)

    def _refuse_duplicate(self, conn: Any, valid: ValidDraft, row_id: str | None) -> None:
        params = {**valid.params(), "id": row_id}
        same = conn.execute(registry_sql.MODEL_SAME_KEY, params).fetchone()
        if same is not None:
            raise DuplicateModel(ModelRow(*same))

    def create(self, draft: ModelDraft) -> ModelRow:
        valid = _checked(draft)

        def work(conn: Any) -> ModelRow:
            self._refuse_duplicate(conn, valid, None)
            row = self._row(conn.execute(registry_sql.MODEL_INSERT, valid.params()).fetchone())
            assert row is not None
            return row

        return self._write(work)

    def update(self, current: ModelRow, draft: ModelDraft, *, force: bool = False) -> ModelRow:
        """Save the draft over the row as it was opened; force overwrites a newer version."""
        valid = _checked(draft)

        def work(conn: Any) -> ModelRow:
            self._refuse_duplicate(conn, valid, current.id)
            params = {**valid.params(), "id": current.id, "token": current.token,
                      "force": force}
            row = self._row(conn.execute(registry_sql.MODEL_UPDATE, params).fetchone())
            if row is None:
                raise ModelConflict(self._row(conn.execute(registry_sql.MODEL_BY_ID,
                                                           {"id": current.id}).fetchone()))
            return row

        return self._write(work)

    def set_active(self, current: ModelRow, active: bool) -> ModelRow:
        return self.update(current, _draft_with_active(current, active))

    def delete(self, current: ModelRow) -> None:
        def work(conn: Any) -> None:
            gone = conn.execute(registry_sql.MODEL_DELETE,
                                {"id": current.id, "token": current.token}).fetchone()
            if gone is None:
                raise ModelConflict(self._row(conn.execute(registry_sql.MODEL_BY_ID,
                                                           {"id": current.id}).fetchone()))

        self._write(work)


def _draft_with_active(row: ModelRow, active: bool) -> ModelDraft:
    # The stored JSON text goes back as it is (not re-pretty-printed), so only is_active moves.
    return ModelDraft(row.model_name, row.provider, row.version or "", row.config_json or "",
                      row.stats_json or "", active)


def _checked(draft: ModelDraft) -> ValidDraft:
    valid, errors = validate(draft)
    if valid is None:
        raise InvalidModel(errors)
    return valid
