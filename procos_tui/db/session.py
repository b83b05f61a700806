"""The browsing session: one read-only async connection behind the screens' typed reads."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import select
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import ConnStatus
from psycopg.rows import class_row, dict_row

from procos_tui.core import triage
from procos_tui.core.errors import (
    ConnectionFailed,
    ConnectionLost,
    DatabaseError,
    QueryCancelled,
    QueryTimedOut,
)
from procos_tui.core.follow import TailFilter, TailPosition
from procos_tui.core.registry import ModelRow, ModelUsage
from procos_tui.core.triage import ModelGaps, StatsBy, StatsReport, StatsWindow
from procos_tui.core.types import (
    DEFAULT_SORT,
    CamundaDetails,
    CamundaVariable,
    InteractionContent,
    InteractionHeader,
    ProcessCursor,
    ProcessFilter,
    ProcessMatch,
    ProcessPage,
    ProcessSort,
    ServerFacts,
)
from procos_tui.db.connect import (
    DEFAULT_STATEMENT_TIMEOUT_MS,
    connection_kwargs,
    lenient_text,
    one_line,
    refuses_startup_options,
    session_options,
    shown_facts,
    transaction_settings,
)
from procos_tui.db.conninfo import POOLER_TRANSACTION, Target
from procos_tui.db.queries import browsing as browsing_sql
from procos_tui.db.queries import compare as compare_sql
from procos_tui.db.queries import registry as registry_sql
from procos_tui.db.queries import tail as tail_sql
from procos_tui.db.queries import triage as triage_sql
from procos_tui.db.queries.fragments import like_prefix
from procos_tui.db.tail import poll, run_poll_async

__all__ = ["BrowseSession", "ConnectionFailed", "ConnectionLost", "DatabaseError",
           "QueryCancelled", "QueryTimedOut", "ServerFacts"]

T = TypeVar("T")

PREVIEW_CHARS = 200
# content_data up to this stored size comes with content(); larger only on demand.
INLINE_DATA_BYTES = 256 * 1024
# Past the server's own statement_timeout, how long to wait for any answer before the
# connection is taken for lost (a proxy or network that swallows packets).
ANSWER_GRACE_S = 10.0


class BrowseSession:
    """One async connection for the screens' reads, each in its own READ ONLY transaction.

    A connection the server closed while it was idle (restart, pg_terminate_backend, idle
    timeout) is replaced before the next read and reported through ``on_reconnect``. One that
    dies during a read is not retried (a DBA may have killed that very query): the read fails
    with ConnectionLost and the next one reconnects. Every failure reaches the caller as a
    DatabaseError with a one-line message.
    """

    def __init__(self, target: Target, *,
                 statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
                 on_reconnect: Callable[[str], None] | None = None,
                 answer_grace_s: float = ANSWER_GRACE_S,
                 filter_window: int = browsing_sql.FILTER_WINDOW) -> None:
        self.target = target
        self.filter_window = filter_window
        self.inline_data_bytes = INLINE_DATA_BYTES
        self.answer_grace_s = answer_grace_s
        self.statement_timeout_ms = statement_timeout_ms
        self.on_reconnect = on_reconnect
        self.reconnects = 0
        self.facts: ServerFacts | None = None
        self._conn: psycopg.AsyncConnection[Any] | None = None
        # This transaction's settings, sent first in each read through a transaction pooler
        # (they cannot travel as startup options there); "" otherwise.
        self._settings = ""
        self._cancel_requested = False
        self._dropped_by_us = False
        self._lock = asyncio.Lock()

    async def open(self) -> ServerFacts:
        async with self._lock:
            await self._usable_connection()
        assert self.facts is not None
        return self.facts

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                await conn.close()

    async def _open(self, pooled: bool) -> psycopg.AsyncConnection[Any] | None:
        """A connection, its settings in startup options or (pooled) in each transaction;
        None when a pooler refused the options (then the caller opens a pooled one)."""
        ours = "" if pooled else session_options(True, self.statement_timeout_ms)
        try:
            # No prepared statements: a transaction-pooling pooler may switch server
            # connections between two reads.
            conn = await psycopg.AsyncConnection.connect(
                self.target.conninfo, autocommit=True, prepare_threshold=None,
                **connection_kwargs(self.target.conninfo, ours, pooled=pooled))
        except psycopg.Error as exc:
            if not pooled and refuses_startup_options(exc):
                return None
            raise ConnectionFailed(
                f"cannot connect to {self.target.display}: {one_line(exc)}") from None
        try:
            await conn.set_read_only(True)  # every read: BEGIN READ ONLY
            lenient_text(conn)
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _open_pooled(self) -> psycopg.AsyncConnection[Any]:
        conn = await self._open(True)
        assert conn is not None  # only an unpooled open hands back None
        return conn

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        pooled = self.target.pooler == POOLER_TRANSACTION
        first = await self._open(pooled)
        if first is None:
            pooled, first = True, await self._open_pooled()
        conn = first
        try:
            if not pooled:
                # Options dropped on the way (a pooler told to ignore them): the timeouts
                # did not arrive either. Settings in each transaction, then.
                cur = await conn.execute(browsing_sql.OPTIONS_ARRIVED)
                arrived = await cur.fetchone()
                if arrived is None or arrived[0] is not True:
                    await conn.close()
                    pooled, conn = True, await self._open_pooled()
            self._settings = (transaction_settings(True, self.statement_timeout_ms)
                              if pooled else "")
            async with conn.transaction():
                if self._settings:
                    await conn.execute(self._settings)
                cur = conn.cursor(row_factory=class_row(ServerFacts))
                facts = await (await cur.execute(browsing_sql.SERVER_FACTS)).fetchone()
        except psycopg.Error as exc:
            await conn.close()
            raise ConnectionFailed(
                f"cannot connect to {self.target.display}: {one_line(exc)}") from None
        except BaseException:
            await conn.close()
            raise
        assert facts is not None
        self.facts = shown_facts(dataclasses.replace(facts, pooled=pooled))
        self._conn = conn
        return conn

    async def cancel(self) -> None:
        """Ask the server to stop the running statement (the caller gets QueryCancelled)."""
        conn = self._conn
        if conn is None or conn.closed:
            return
        self._cancel_requested = True
        try:
            await conn.cancel_safe(timeout=5.0)
        except psycopg.Error as exc:
            raise DatabaseError(f"cancel did not reach the server: {one_line(exc)}") from None

    @property
    def backend_pid(self) -> int | None:
        conn = self._conn
        return None if conn is None or conn.closed else conn.info.backend_pid

    @staticmethod
    def _gone_while_idle(conn: psycopg.AsyncConnection[Any]) -> bool:
        """Whether an idle connection was closed by the server: its goodbye (or EOF) is waiting
        in the socket. A NOTIFY waiting there is read and the connection kept."""
        if conn.closed or conn.broken:
            return True
        try:
            poller = select.poll()
            poller.register(conn.fileno(), select.POLLIN | select.POLLERR | select.POLLHUP)
            if not poller.poll(0):
                return False
            conn.pgconn.consume_input()
            if conn.pgconn.status != ConnStatus.OK:
                return True
            # An idle backend only speaks first to say goodbye, or to deliver a NOTIFY.
            return conn.pgconn.notifies() is None
        except (OSError, ValueError, psycopg.OperationalError):
            return True

    async def _usable_connection(self) -> psycopg.AsyncConnection[Any]:
        conn = self._conn
        if conn is not None and not self._gone_while_idle(conn):
            return conn
        # Report a reconnect only when the server (or the network) closed the connection, not
        # when this session dropped it itself after giving up on a read.
        had_one = self.facts is not None and not self._dropped_by_us
        self._dropped_by_us = False
        if conn is not None:
            await self._drop(conn)
        conn = await self._connect()
        if had_one:
            self._reconnected("the connection was closed by the server; re-established")
        return conn

    async def _run(self, op: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        """Run one read in a READ ONLY transaction, mapping every failure to a DatabaseError."""
        async with self._lock:
            conn = await self._usable_connection()
            self._cancel_requested = False

            async def in_transaction() -> T:
                async with conn.transaction():
                    if self._settings:  # through a transaction pooler
                        await conn.execute(self._settings)
                    return await op(conn)

            task = asyncio.ensure_future(in_transaction())
            limit = self.statement_timeout_ms / 1000 + self.answer_grace_s
            try:
                done, _ = await asyncio.wait({task}, timeout=limit)
            except asyncio.CancelledError:
                # The caller gave up (a worker replaced by a newer one): stop the query too,
                # and keep the connection if the server confirms quickly.
                await self._stop(conn, task)
                raise
            if not done:
                # The server (or something between us) swallows our packets: close the socket
                # without waiting on it, and let the next read reconnect.
                await self._abandon(conn, task)
                raise ConnectionLost(f"no answer from the server in {limit:.0f} s; "
                                     "it reconnects on the next action")
            try:
                return task.result()
            except pg_errors.QueryCanceled as exc:
                if self._cancel_requested:
                    raise QueryCancelled("query cancelled") from None
                raise QueryTimedOut(f"{one_line(exc)} (statement_timeout "
                                    f"{self.statement_timeout_ms} ms)") from None
            except psycopg.OperationalError as exc:
                if conn.closed or conn.broken or isinstance(exc, pg_errors.AdminShutdown):
                    await self._drop(conn)
                    raise ConnectionLost(f"connection lost during the query ({one_line(exc)}); "
                                         "it reconnects on the next action") from None
                raise DatabaseError(one_line(exc)) from None
            except psycopg.Error as exc:
                raise DatabaseError(one_line(exc)) from None
            except (ValueError, NotImplementedError, RecursionError) as exc:
                # psycopg's loaders on odd server settings or hostile values
                raise DatabaseError(f"cannot read the result: {one_line(exc)}") from None

    async def _stop(self, conn: psycopg.AsyncConnection[Any], task: asyncio.Future[Any]
                    ) -> None:
        """Cancel the running read; keep the connection when the read ends within a moment
        (a reconnect would cost a handshake, and once said the server had closed it)."""
        with contextlib.suppress(Exception):  # any trouble: drop the socket instead
            await asyncio.wait_for(conn.cancel_safe(timeout=2.0), 3.0)
            await asyncio.wait({task}, timeout=2.0)
        if task.done() and not (conn.closed or conn.broken):
            if not task.cancelled():
                task.exception()  # retrieved: no "exception was never retrieved" warning
            return
        await self._abandon(conn, task)

    async def _abandon(self, conn: psycopg.AsyncConnection[Any], task: asyncio.Future[Any]
                       ) -> None:
        self._conn = None
        self._dropped_by_us = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.cancel_safe(timeout=2.0), 3.0)
        conn.pgconn.finish()  # closes the socket at once; the task then fails and is dropped
        task.cancel()
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def _drop(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = None
        with contextlib.suppress(psycopg.Error):
            await conn.close()

    def _reconnected(self, message: str) -> None:
        self.reconnects += 1
        if self.on_reconnect is not None:
            self.on_reconnect(message)

    # --- queries ---------------------------------------------------------------------------------

    async def read(self, op: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        """Run op(conn) in one READ ONLY transaction (the search's multi-statement reads)."""
        return await self._run(op)

    async def execute(self, query: str,
                      params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows (tests and tools; screens use the typed API)."""

        async def op(conn: psycopg.AsyncConnection[Any]) -> list[tuple[Any, ...]]:
            cur = await conn.execute(query, params)
            return await cur.fetchall() if cur.description else []

        return await self._run(op)

    async def process_page(self, flt: ProcessFilter | None = None,
                           after: ProcessCursor | None = None, limit: int = 100,
                           filter_window: int | None = None,
                           sort: ProcessSort | None = None) -> ProcessPage:
        flt, sort = flt or ProcessFilter(), sort or DEFAULT_SORT
        if after is not None and (after.sort, after.descending) != (sort.key.value,
                                                                     sort.descending):
            raise DatabaseError("the page cursor belongs to another order; start from the top")
        facts = self.facts
        with_camunda = bool(facts and facts.has_camunda_history)
        if flt.needs_camunda and not with_camunda:
            raise DatabaseError("key: and def: read Camunda's history (act_hi_procinst), "
                                "which this database does not have")
        window = filter_window or self.filter_window
        if sort.key.from_rollup:
            self._require_rollups()

        async def op(conn: psycopg.AsyncConnection[Any]
                     ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
            if sort.key.from_rollup:
                state = await self._rollup_state(conn)
                query, params = triage_sql.rollup_page(flt, after, limit + 1, sort, state,
                                                       with_camunda, window)
            else:
                query, params = triage_sql.activity_page(flt, after, limit + 1, sort,
                                                         with_camunda, window)
            cur = conn.cursor(row_factory=dict_row)
            return await (await cur.execute(query, params)).fetchall(), params

        rows, params = await self._run(op)
        return triage_sql.page_from_rows(rows, limit, params["window"], sort)

    async def process_position(self, process_instance_id: str,
                               sort: ProcessSort) -> ProcessCursor | None:
        """The instance's place in `sort`'s order, as a cursor of that order (a page after it
        starts with its neighbour); None when it has no AI context."""
        if sort.key.from_rollup:
            self._require_rollups()

        async def op(conn: psycopg.AsyncConnection[Any]) -> dict[str, Any] | None:
            cur = conn.cursor(row_factory=dict_row)
            return await (await cur.execute(browsing_sql.process_position(sort.key), {
                "process_instance_id": process_instance_id})).fetchone()

        row = await self._run(op)
        if row is None or row["at"] is None:
            return None
        return ProcessCursor(row["at"], row["row_id"], sort.key.value, sort.descending)

    async def neighbour_process(self, process_instance_id: str, flt: ProcessFilter,
                                sort: ProcessSort, forward: bool) -> str | None:
        """The instance after (forward) or before this one in the list's order and filter,
        paged by key from its own position; None at either end."""
        order = sort if forward else ProcessSort(sort.key, not sort.descending)
        cursor = await self.process_position(process_instance_id, order)
        while cursor is not None:
            # A filtered request looks at a bounded window and may find nothing in it yet.
            page = await self.process_page(flt, cursor, 1, sort=order)
            if page.rows:
                return page.rows[0].process_instance_id
            cursor = page.next_cursor
        return None

    async def find_processes(self, typed: str, limit: int = 50) -> list[ProcessMatch]:
        """What "go to" names: the id exactly, else ids starting with it (as typed, lower or
        upper case), and Camunda's instances of that id or business key (with whether ProcOS
        stored AI context for them). At most `limit`, exact matches first."""
        text = typed.strip()
        if not text:
            return []
        facts = self.facts
        camunda = bool(facts and facts.has_camunda_history)

        async def op(conn: psycopg.AsyncConnection[Any]
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            cur = conn.cursor(row_factory=dict_row)
            by_id = await (await cur.execute(browsing_sql.PROCESSES_BY_ID_PREFIX, {
                "as_typed": like_prefix(text), "lower": like_prefix(text.lower()),
                "upper": like_prefix(text.upper()), "limit": limit})).fetchall()
            named: list[dict[str, Any]] = []
            if camunda:
                named = await (await cur.execute(browsing_sql.CAMUNDA_PROCESSES_BY_NAME, {
                    "typed": text, "lower_id": text.lower(), "upper_id": text.upper(),
                    "limit": limit})).fetchall()
                ids = [r["process_instance_id"] for r in by_id]
                keys = await (await cur.execute(browsing_sql.CAMUNDA_BUSINESS_KEYS,
                                                {"ids": ids})).fetchall() if ids else []
                known = {r["process_instance_id"]: r["business_key"] for r in keys}
                for r in by_id:
                    r["business_key"] = known.get(r["process_instance_id"])
            return by_id, named

        by_id, named = await self._run(op)
        matches: dict[str, ProcessMatch] = {}
        folded = text.lower()
        for r in by_id:
            pid = r["process_instance_id"]
            exact = pid.lower() == folded
            matches[pid] = ProcessMatch(pid, "id" if exact else "id prefix", True,
                                        r.get("business_key"))
        for r in named:
            pid = r["process_instance_id"]
            if pid not in matches or r["matched_by"] == "business key":
                matches[pid] = ProcessMatch(pid, r["matched_by"], bool(r["has_ai_context"]),
                                            r["business_key"])
        rank = {"id": 0, "business key": 1, "id prefix": 2}
        return sorted(matches.values(),
                      key=lambda m: (rank[m.matched_by], m.process_instance_id))[:limit]

    # --- triage: rollups merged with the rows after them ------------------------------------

    def _require_rollups(self) -> None:
        if self.facts is not None and not self.facts.has_rollups:
            raise DatabaseError("this database lacks the triage rollups: run "
                                "`procos-tui init-db` (then `procos-tui refresh`)")

    @staticmethod
    async def _rollup_state(conn: psycopg.AsyncConnection[Any]) -> triage_sql.RollupState:
        """Where the rollups reach, read in the snapshot every later statement of this
        transaction shares (REPEATABLE READ): rollup and live rows never overlap or miss."""
        await conn.execute(triage_sql.REPEATABLE_READ)
        cur = conn.cursor(row_factory=class_row(triage_sql.RollupState))
        state = await (await cur.execute(triage_sql.ROLLUP_STATE)).fetchone()
        if state is None:
            raise DatabaseError("procos_ai_rollup_state has no row: run `procos-tui init-db`")
        return state

    @staticmethod
    async def _partials(conn: psycopg.AsyncConnection[Any], since: Any, until: Any,
                        by: StatsBy, state: triage_sql.RollupState,
                        with_latency: bool = True, series_by: StatsBy | None = None
                        ) -> list[dict[str, Any]]:
        query, params = triage_sql.stats(since, until, by, state, with_latency, series_by)
        cur = conn.cursor(row_factory=dict_row)
        return await (await cur.execute(query, params)).fetchall()

    async def replay_lag(self) -> float | None:
        """A standby's replay lag now, in seconds (None on a primary)."""
        async def op(conn: psycopg.AsyncConnection[Any]) -> Any:
            cur = conn.cursor(row_factory=dict_row)
            return await (await cur.execute(browsing_sql.REPLAY_LAG_NOW)).fetchone()

        row = await self._run(op)
        return None if row is None else row["replay_lag_s"]

    async def follow_from_now(self) -> TailPosition:
        """Where following starts: the server's clock (rows stored from now on)."""
        async def op(conn: psycopg.AsyncConnection[Any]) -> Any:
            cur = conn.cursor(row_factory=dict_row)
            return await (await cur.execute(tail_sql.SERVER_NOW)).fetchone()

        now = (await self._run(op))["now"]
        return TailPosition(now, now)

    async def follow_poll(self, position: TailPosition, flt: TailFilter
                          ) -> tuple[list[dict[str, Any]], bool, TailPosition]:
        """The rows stored after `position` (headers only), whether more are waiting, and
        the position after them; `position` itself is left as it was if the read fails."""
        trial = position.copy()
        rows, behind = await self._run(lambda conn: run_poll_async(conn, poll(trial, flt,
                                                                              False)))
        return rows, behind, trial

    async def stats(self, window: StatsWindow, by: StatsBy) -> StatsReport:
        self._require_rollups()
        step = triage.series_step(window)
        series_by = StatsBy.HOUR if step.total_seconds() <= 3600 else StatsBy.DAY

        async def op(conn: psycopg.AsyncConnection[Any]
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
            state = await self._rollup_state(conn)
            # One statement for the table and the chart: the live rows are read once.
            both = await self._partials(conn, window.since, window.until, by, state,
                                        series_by=series_by)
            rows = [r for r in both if not r["series"]]
            series = [r for r in both if r["series"]] if series_by is not by else rows
            return rows, series

        rows, series = await self._run(op)
        return triage.report(window, by, rows, series, step)

    async def model_usage(self) -> dict[tuple[str, str], ModelUsage]:
        """(provider, model) -> calls, tokens, cost, last used: every pair that has rows (the
        rollups, and the rows after them), not only registered models. All time, so without
        latency percentiles (Stats has them for a window)."""
        if self.facts is not None and not self.facts.has_rollups:
            return await self._model_usage_scan()

        async def op(conn: psycopg.AsyncConnection[Any]) -> list[dict[str, Any]]:
            state = await self._rollup_state(conn)
            return await self._partials(conn, None, None, StatsBy.MODEL, state,
                                        with_latency=False)

        return triage.usage_by_model(await self._run(op))

    async def _model_usage_scan(self) -> dict[tuple[str, str], ModelUsage]:
        """Before init-db added the rollups: one grouped pass over procos_ai_context."""
        async def op(conn: psycopg.AsyncConnection[Any]) -> list[dict[str, Any]]:
            cur = conn.cursor(row_factory=dict_row)
            return await (await cur.execute(registry_sql.MODEL_USAGE)).fetchall()

        # sum() of bigint is numeric: the counts arrive as Decimal
        return {(r["ai_provider"], r["model_used"]): ModelUsage(
                    calls=int(r["calls"]), total_tokens=int(r["total_tokens"]),
                    last_used=r["last_used"])
                for r in await self._run(op)}

    async def model_gaps(self) -> ModelGaps:
        usage = await self.model_usage()
        registered = await self.models()
        return triage.gaps(usage, [(m.provider, m.model_name, m.version) for m in registered])

    async def filter_values(self, field: str) -> list[str]:
        """The values of provider, model, activity or definition that rows have (for
        completion and "did you mean")."""
        if field not in ("provider", "model", "activity", "definition"):
            raise ValueError(field)
        self._require_rollups()

        async def op(conn: psycopg.AsyncConnection[Any]) -> list[dict[str, Any]]:
            state = await self._rollup_state(conn)
            query, params = triage_sql.filter_values(field, state)
            cur = conn.cursor(row_factory=dict_row)
            return await (await cur.execute(query, params)).fetchall()

        return [str(r["v"]) for r in await self._run(op)]

    async def interactions(self, process_instance_id: str) -> list[InteractionHeader]:
        async def op(conn: psycopg.AsyncConnection[Any]) -> list[InteractionHeader]:
            cur = conn.cursor(row_factory=class_row(InteractionHeader))
            return await (await cur.execute(browsing_sql.INTERACTIONS_OF_PROCESS, {
                "process_instance_id": process_instance_id, "preview_chars": PREVIEW_CHARS})
            ).fetchall()

        return await self._run(op)

    async def previous_run(self, row_id: str, has_camunda: bool) -> tuple[str, str] | None:
        """(process instance, row id) of the previous run of this row's activity: in
        another instance of its Camunda process definition, else earlier in its own
        instance; None when there is none (or the row has no activity)."""
        try:
            key = uuid.UUID(row_id)
        except ValueError:
            return None

        async def op(conn: psycopg.AsyncConnection[Any]) -> tuple[str, str] | None:
            queries = ([compare_sql.PREVIOUS_RUN_OF_DEFINITION] if has_camunda else []) + [
                compare_sql.PREVIOUS_RUN_IN_PROCESS]
            for query in queries:
                cur = conn.cursor(row_factory=dict_row)
                row = await (await cur.execute(query, {"id": key})).fetchone()
                if row is not None:
                    return row["process_instance_id"], row["id"]
            return None

        return await self._run(op)

    async def content(self, row_id: str) -> InteractionContent | None:
        try:
            key = uuid.UUID(row_id)
        except ValueError:
            return None

        async def op(conn: psycopg.AsyncConnection[Any]) -> InteractionContent | None:
            # content_is_text comes from the server (never NULL), like every other field.
            cur = conn.cursor(row_factory=class_row(InteractionContent))
            return await (await cur.execute(browsing_sql.INTERACTION_CONTENT, {
                "id": key, "inline_data_bytes": self.inline_data_bytes})).fetchone()

        return await self._run(op)

    async def content_head(self, row_id: str, chars: int) -> InteractionContent | None:
        """The row with only the first `chars` characters of content_text and without
        content_data: the pane's first screen of a big body (see INTERACTION_HEAD)."""
        try:
            key = uuid.UUID(row_id)
        except ValueError:
            return None

        async def op(conn: psycopg.AsyncConnection[Any]) -> InteractionContent | None:
            cur = conn.cursor(row_factory=class_row(InteractionContent))
            return await (await cur.execute(browsing_sql.INTERACTION_HEAD, {
                "id": key, "head_chars": chars})).fetchone()

        return await self._run(op)

    async def models(self) -> list[ModelRow]:
        """The model registry, without usage (fast)."""
        async def op(conn: psycopg.AsyncConnection[Any]) -> list[ModelRow]:
            cur = conn.cursor(row_factory=class_row(ModelRow))
            return await (await cur.execute(registry_sql.MODELS)).fetchall()

        return await self._run(op)

    async def content_data(self, row_id: str) -> str | None:
        """content_data as PostgreSQL prints it, for rows content() left it out of."""
        async def op(conn: psycopg.AsyncConnection[Any]) -> dict[str, Any] | None:
            cur = conn.cursor(row_factory=dict_row)
            return await (await cur.execute(browsing_sql.INTERACTION_DATA,
                                            {"id": uuid.UUID(row_id)})).fetchone()

        row = await self._run(op)
        return None if row is None else str(row["content_data_json"])

    async def process_exists(self, process_instance_id: str) -> bool:
        async def op(conn: psycopg.AsyncConnection[Any]) -> dict[str, Any] | None:
            cur = conn.cursor(row_factory=dict_row)
            return await (await cur.execute(browsing_sql.PROCESS_EXISTS, {
                "process_instance_id": process_instance_id})).fetchone()

        row = await self._run(op)
        return bool(row and row["process_exists"])

    async def camunda_details(self, process_instance_id: str) -> CamundaDetails | None:
        """Camunda's view of an instance, or None when Camunda's tables are absent or lack it."""
        facts = self.facts
        if facts is None or not (facts.has_camunda_history or facts.has_camunda_runtime):
            return None
        params = {"process_instance_id": process_instance_id}

        async def op(conn: psycopg.AsyncConnection[Any]) -> CamundaDetails | None:
            heads = conn.cursor(row_factory=dict_row)
            variable_rows = conn.cursor(row_factory=class_row(CamundaVariable))
            head: dict[str, Any] | None = None
            variables: list[CamundaVariable] = []
            if facts.has_camunda_history:
                head = await (await heads.execute(browsing_sql.CAMUNDA_INSTANCE_FROM_HISTORY,
                                                  params)).fetchone()
                variables += await (await variable_rows.execute(
                    browsing_sql.CAMUNDA_HISTORY_VARIABLES, params)).fetchall()
            if facts.has_camunda_runtime:
                if head is None:
                    head = await (await heads.execute(browsing_sql.CAMUNDA_INSTANCE_FROM_RUNTIME,
                                                      params)).fetchone()
                variables += await (await variable_rows.execute(
                    browsing_sql.CAMUNDA_RUNTIME_VARIABLES, params)).fetchall()
            if head is None and not variables:
                return None
            # Variables without an instance row: every instance column unknown.
            columns = head or dict.fromkeys(browsing_sql.CAMUNDA_INSTANCE_COLUMNS)
            return CamundaDetails(
                process_instance_id=process_instance_id, **columns,
                variables=tuple(sorted(variables, key=lambda v: (v.name, v.source))))

        return await self._run(op)
