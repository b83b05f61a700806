"""Writes to the model registry (procos_ai_models) and the question of whether they are allowed.

Each write uses a short-lived connection of its own, one explicit transaction, and lands only
when the row still carries the edit token of the version the user was shown (when opening it, or
in a conflict, for an overwrite): two operators never silently overwrite each other (no lost
updates), and there is no unconditional write. `--read-only` and servers that refuse writes
both end in WritesRefused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from procos_tui.core.errors import DatabaseError
from procos_tui.core.registry import (
    DuplicateModel,
    ModelConflict,
    ModelDraft,
    ModelRow,
    ValidDraft,
    WritesRefused,
    checked,
    draft_with_active,
)
from procos_tui.db.connect import connect_sync, one_line
from procos_tui.db.conninfo import Target
from procos_tui.db.queries import registry as registry_sql

T = TypeVar("T")


class ModelWriter:
    """Short-lived, explicit write transactions on procos_ai_models."""

    def __init__(self, target: Target, *, read_only: bool = False) -> None:
        self.target = target
        self.read_only = read_only

    def _write(self, work: Callable[[Any], T]) -> T:
        import psycopg
        from psycopg import errors as pg_errors
        from psycopg.rows import dict_row

        if self.read_only:
            raise WritesRefused("started with --read-only: procos-tui writes nothing")
        try:
            with connect_sync(self.target, read_only=False, lock_timeout_ms=5000) as conn:
                state = conn.cursor(row_factory=dict_row).execute(
                    registry_sql.SERVER_IN_RECOVERY).fetchone()
                if state is not None and state["in_recovery"]:
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
        from psycopg.rows import dict_row

        if self.read_only:
            return "started with --read-only: procos-tui writes nothing"
        try:
            with connect_sync(self.target, read_only=False) as conn:
                row = conn.cursor(row_factory=dict_row).execute(
                    registry_sql.SERVER_WRITABLE).fetchone()
        except (DatabaseError, psycopg.Error):
            return None
        if row is None:
            return None
        if row["in_recovery"]:
            return "the server is a read-only replica (in recovery)"
        if row["read_only_default"]:
            return "the server makes sessions read-only (default_transaction_read_only)"
        return None

    @staticmethod
    def _model(conn: Any, query: str, params: dict[str, Any]) -> ModelRow | None:
        """The one model row the statement returns (its columns are ModelRow's fields)."""
        from psycopg.rows import class_row

        row: ModelRow | None = conn.cursor(row_factory=class_row(ModelRow)).execute(
            query, params).fetchone()
        return row

    def _refuse_duplicate(self, conn: Any, valid: ValidDraft, row_id: str | None) -> None:
        params = {**valid.params(), "id": row_id}
        same = self._model(conn, registry_sql.MODEL_SAME_KEY, params)
        if same is not None:
            raise DuplicateModel(same)

    def create(self, draft: ModelDraft) -> ModelRow:
        valid = checked(draft)

        def work(conn: Any) -> ModelRow:
            self._refuse_duplicate(conn, valid, None)
            row = self._model(conn, registry_sql.MODEL_INSERT, valid.params())
            if row is None:
                raise DatabaseError("the model whose stored JSON this one copies was deleted "
                                    "meanwhile: nothing was saved")
            return row

        return self._write(work)

    def update(self, current: ModelRow, draft: ModelDraft) -> ModelRow:
        """Save the draft over the row as it was opened (or, to overwrite a newer version, as
        the conflict showed it): never over a version the user has not seen."""
        valid = checked(draft)

        def work(conn: Any) -> ModelRow:
            self._refuse_duplicate(conn, valid, current.id)
            params = {**valid.params(), "id": current.id, "token": current.token}
            row = self._model(conn, registry_sql.MODEL_UPDATE, params)
            if row is None:
                raise ModelConflict(self._model(conn, registry_sql.MODEL_BY_ID,
                                                {"id": current.id}))
            return row

        return self._write(work)

    def set_active(self, current: ModelRow, active: bool) -> ModelRow:
        return self.update(current, draft_with_active(current, active))

    def delete(self, current: ModelRow) -> None:
        def work(conn: Any) -> None:
            gone = conn.execute(registry_sql.MODEL_DELETE,
                                {"id": current.id, "token": current.token}).fetchone()
            if gone is None:
                raise ModelConflict(self._model(conn, registry_sql.MODEL_BY_ID,
                                                {"id": current.id}))

        self._write(work)


def write_model_stats(target: Target, report: Any) -> int:
    """Write a by-model core.triage.StatsReport into performance_stats.measured of the
    registered models it covers; how many rows changed. The model writes' policy: refused on a
    replica or a read-only server, one transaction."""
    import json

    def work(conn: Any) -> int:
        changed = 0
        for row in report.rows:
            if row.provider is None or row.group is None:
                continue
            measured = {
                "calls": row.calls, "input_tokens": row.input_tokens,
                "output_tokens": row.output_tokens, "total_tokens": row.total_tokens,
                "latency_p50_s": row.latency_p50_s, "latency_p95_s": row.latency_p95_s,
                "max_latency_s": row.max_latency_s,
                "cost": None if row.cost is None else format(row.cost, "f"),
                "currency": row.currency, "unpriced_calls": row.unpriced_calls,
                "window": {"since": report.window.since.isoformat(),
                           "until": report.window.until.isoformat()},
                "written_by": "procos-tui stats --write-model-stats"}
            cur = conn.execute(registry_sql.WRITE_MODEL_STATS, {
                "measured": json.dumps(measured), "provider": row.provider,
                "model_name": row.group})
            changed += cur.rowcount
        return changed

    return ModelWriter(target)._write(work)
