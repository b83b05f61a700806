"""Connections: the read-only browsing session, reconnect, cancel, and one-line errors."""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg import conninfo as pg_conninfo
from psycopg import errors as pg_errors

from procos_tui.db import queries
from procos_tui.db.conninfo import APP_NAME, Target
from procos_tui.db.types import (
    CamundaDetails,
    CamundaVariable,
    InteractionContent,
    InteractionHeader,
    ProcessCursor,
    ProcessFilter,
    ProcessPage,
    ProcessSummary,
)

T = TypeVar("T")

DEFAULT_STATEMENT_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10
PREVIEW_CHARS = 200


class DatabaseError(Exception):
    """A database problem put in one line for the user (no traceback, no password)."""


class ConnectionFailed(DatabaseError):
    pass


class QueryCancelled(DatabaseError):
    pass


class QueryTimedOut(DatabaseError):
    pass


class ConnectionLost(DatabaseError):
    pass


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else type(exc).__name__
    return first.removeprefix("ERROR:").strip()


def connection_kwargs(conninfo: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Defaults procos-tui adds to a connection, only where the user has not set them.

    Settings such as read-only and statement_timeout are sent after connecting (see
    queries.SESSION_SETUP), not as startup `options`: those would replace the user's own options,
    PGOPTIONS or service-file entries, and some poolers refuse them.
    """
    environ = os.environ if env is None else env
    given = pg_conninfo.conninfo_to_dict(conninfo)
    defaults: dict[str, Any] = {}
    if "application_name" not in given and "PGAPPNAME" not in environ:
        defaults["application_name"] = APP_NAME
    if "connect_timeout" not in given and "PGCONNECT_TIMEOUT" not in environ:
        defaults["connect_timeout"] = CONNECT_TIMEOUT_S
    if not any(k.startswith("keepalives") for k in given):
        defaults.update(keepalives=1, keepalives_idle=30, keepalives_interval=10,
                        keepalives_count=3)
    return defaults


def connect_sync(target: Target, *, read_only: bool,
                 statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
                 lock_timeout_ms: int = 0) -> psycopg.Connection[Any]:
    """A blocking autocommit connection for the command line (init-db, export, check)."""
    try:
        conn = psycopg.connect(target.conninfo, autocommit=True,
                               **connection_kwargs(target.conninfo))
    except psycopg.Error as exc:
        raise ConnectionFailed(f"cannot connect to {target.display}: {one_line(exc)}") from None
    try:
        conn.execute(queries.SESSION_SETUP if read_only else queries.WRITER_SETUP,
                     {"statement_timeout": str(statement_timeout_ms),
                      "lock_timeout": str(lock_timeout_ms)})
    except psycopg.Error as exc:
        conn.close()
        raise ConnectionFailed(f"cannot set up the session on {target.display}: "
                               f"{one_line(exc)}") from None
    return conn


@dataclass(frozen=True)
class ServerFacts:
    server_version: str
    read_only: bool
    database: str
    has_procos: bool
    has_list_support: bool  # init-db.sql's function and indexes for the process list
    has_camunda_history: bool
    has_camunda_runtime: bool


class BrowseSession:
    """One async connection for the screens' reads.

    A lost connection (server restart, pg_terminate_backend, network) is re-established on the
    next call and reported through ``on_reconnect``; reads are idempotent, so the call that
    noticed the loss is retried once on the new connection.
    """

    def __init__(self, target: Target, *, read_only: bool = True,
                 statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
                 on_reconnect: Callable[[str], None] | None = None) -> None:
        self.target = target
        self.read_only = read_only
        self.statement_timeout_ms = statement_timeout_ms
        self.on_reconnect = on_reconnect
        self.reconnects = 0
        self.facts: ServerFacts | None = None
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._cancel_requested = False
        self._lock = asyncio.Lock()

    async def open(self) -> ServerFacts:
        await self._connect()
        assert self.facts is not None
        return self.facts

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        try:
            conn = await psycopg.AsyncConnection.connect(
                self.target.conninfo, autocommit=True,
                **connection_kwargs(self.target.conninfo))
        except psycopg.Error as exc:
            raise ConnectionFailed(
                f"cannot connect to {self.target.display}: {one_line(exc)}") from None
        try:
            await conn.execute(queries.SESSION_SETUP,
                               {"statement_timeout": str(self.statement_timeout_ms)})
            # Every read also runs in BEGIN READ ONLY, whatever the session default says.
            await conn.set_read_only(True)
            cur = await conn.execute(queries.SERVER_FACTS)
            row = await cur.fetchone()
        except psycopg.Error as exc:
            await conn.close()
            raise ConnectionFailed(
                f"cannot set up the session on {self.target.display}: {one_line(exc)}") from None
        assert row is not None
        self.facts = ServerFacts(*row)
        self._conn = conn
        return conn

    async def cancel(self) -> None:
        """Ask the server to stop the running statement (the caller gets QueryCancelled)."""
        conn = self._conn
        if conn is not None and not conn.closed:
            self._cancel_requested = True
            await conn.cancel_safe(timeout=5.0)

    @property
    def backend_pid(self) -> int | None:
        conn = self._conn
        return None if conn is None or conn.closed else conn.info.backend_pid

    @staticmethod
    def _gone_while_idle(conn: psycopg.AsyncConnection[Any]) -> bool:
        """True when an idle connection has something to read: the server closed it (restart,
        pg_terminate_backend, idle timeout) and its goodbye is waiting in the socket."""
        if conn.closed or conn.broken:
            return True
        try:
            readable, _, _ = select.select([conn.fileno()], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)

    async def _usable_connection(self) -> psycopg.AsyncConnection[Any]:
        conn = self._conn
        if conn is not None and not self._gone_while_idle(conn):
            return conn
        had_one = self.facts is not None
        if conn is not None:
            await self._drop(conn)
        conn = await self._connect()
        if had_one:
            self._reconnected("the connection was closed by the server; re-established")
        return conn

    async def _run(self, op: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        """Run one read in a READ ONLY transaction, mapping failures to one-line errors.

        A connection found dead before the read is replaced and the read goes ahead. One that
        dies during the read is not retried (a DBA may have killed that very query): the call
        fails with a clear message and the next call reconnects.
        """
        async with self._lock:
            conn = await self._usable_connection()
            self._cancel_requested = False
            try:
                async with conn.transaction():
                    return await op(conn)
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

    async def _drop(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = None
        with contextlib.suppress(psycopg.Error):
            await conn.close()

    def _reconnected(self, message: str) -> None:
        self.reconnects += 1
        if self.on_reconnect is not None:
            self.on_reconnect(message)

    # --- queries ---------------------------------------------------------------------------------

    async def execute(self, query: str,
                      params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows (tests and tools; screens use the typed API)."""

        async def op(conn: psycopg.AsyncConnection[Any]) -> list[tuple[Any, ...]]:
            cur = await conn.execute(query, params)
            return await cur.fetchall() if cur.description else []

        return await self._run(op)

    async def process_page(self, flt: ProcessFilter | None = None,
                           after: ProcessCursor | None = None, limit: int = 100) -> ProcessPage:
        flt = flt or ProcessFilter()
        facts = self.facts
        with_camunda = bool(facts and facts.has_camunda_history)
        query, params = queries.process_page(flt, after, limit + 1, with_camunda)

        async def op(conn: psycopg.AsyncConnection[Any]) -> list[tuple[Any, ...]]:
            cur = await conn.execute(query, params)
            return await cur.fetchall()

        rows = await self._run(op)
        more = len(rows) > limit
        rows = rows[:limit]
        summaries = tuple(
            ProcessSummary(
                process_instance_id=r[0], last_at=r[1], first_at=r[4], entry_count=r[5],
                output_count=r[6], providers=tuple(r[7]), models=tuple(r[8]),
                total_tokens=r[9], suspect_outputs=r[10], business_key=r[11],
                process_definition_key=r[12])
            for r in rows)
        cursor = ProcessCursor(rows[-1][2], rows[-1][3]) if more and rows else None
        return ProcessPage(summaries, cursor)

    async def interactions(self, process_instance_id: str) -> list[InteractionHeader]:
        async def op(conn: psycopg.AsyncConnection[Any]) -> list[tuple[Any, ...]]:
            cur = await conn.execute(queries.INTERACTIONS_OF_PROCESS, {
                "process_instance_id": process_instance_id, "preview_chars": PREVIEW_CHARS})
            return await cur.fetchall()

        return [InteractionHeader(*r) for r in await self._run(op)]

    async def content(self, row_id: str) -> InteractionContent | None:
        try:
            key = uuid.UUID(row_id)
        except ValueError:
            return None

        async def op(conn: psycopg.AsyncConnection[Any]) -> tuple[Any, ...] | None:
            cur = await conn.execute(queries.INTERACTION_CONTENT, {"id": key})
            return await cur.fetchone()

        row = await self._run(op)
        return None if row is None else InteractionContent(*row)

    async def process_exists(self, process_instance_id: str) -> bool:
        rows = await self.execute(queries.PROCESS_EXISTS,
                                  {"process_instance_id": process_instance_id})
        return bool(rows[0][0])

    async def camunda_details(self, process_instance_id: str) -> CamundaDetails | None:
        """Camunda's view of an instance, or None when Camunda's tables are absent or lack it."""
        facts = self.facts
        if facts is None or not (facts.has_camunda_history or facts.has_camunda_runtime):
            return None
        params = {"process_instance_id": process_instance_id}

        async def op(conn: psycopg.AsyncConnection[Any]) -> CamundaDetails | None:
            head = None
            variables: list[tuple[Any, ...]] = []
            if facts.has_camunda_history:
                head = await (await conn.execute(queries.CAMUNDA_INSTANCE_FROM_HISTORY,
                                                 params)).fetchone()
                variables += await (await conn.execute(queries.CAMUNDA_HISTORY_VARIABLES,
                                                       params)).fetchall()
            if facts.has_camunda_runtime:
                if head is None:
                    head = await (await conn.execute(queries.CAMUNDA_INSTANCE_FROM_RUNTIME,
                                                     params)).fetchone()
                variables += await (await conn.execute(queries.CAMUNDA_RUNTIME_VARIABLES,
                                                       params)).fetchall()
            if head is None and not variables:
                return None
            key, def_key, def_id, state, started, ended = head or (None,) * 6
            return CamundaDetails(
                process_instance_id, key, def_key, def_id, state, started, ended,
                variables=tuple(CamundaVariable(*v) for v in sorted(
                    variables, key=lambda v: (v[0], v[2]))))

        return await self._run(op)
