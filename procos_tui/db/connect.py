"""Opening connections the procos-tui way, and database errors as one line for the user."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

import psycopg
from psycopg import conninfo as pg_conninfo
from psycopg.abc import Buffer
from psycopg.adapt import Dumper, Loader
from psycopg.pq import Format, TransactionStatus

from procos_tui.core.errors import ConnectionFailed
from procos_tui.core.sanitize import sanitize_plain
from procos_tui.core.types import ServerFacts
from procos_tui.db.conninfo import APP_NAME, POOLER_TRANSACTION, Target
from procos_tui.db.queries.browsing import OPTIONS_ARRIVED

DEFAULT_STATEMENT_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10
# A server that stops answering mid-query (network partition) is given up after this long,
# instead of TCP's own quarter of an hour.
TCP_USER_TIMEOUT_MS = 60_000


def one_line(exc: BaseException) -> str:
    """The first line of an error, safe for a terminal: a server's (or anything answering on
    its port) message is outside text like any stored row, and may carry escape sequences."""
    text = str(exc).strip()
    first = text.splitlines()[0].strip() if text else type(exc).__name__
    first = first.removeprefix("ERROR:").strip()
    if getattr(exc, "sqlstate", None) == "42P01" and "procos_ai_" in first:
        # The classic: libpq's default database, not ProcOS's (right after `procos-tui demo`).
        first += (": this database has no ProcOS tables; point at the right one with --dsn, "
                  "PROCOS_DSN or --profile (--demo: the demo's), or create them with "
                  "procos-tui init-db")
    if "unsupported startup parameter" in first:
        # PgBouncer in transaction mode refuses `options`. Ours then go inside each
        # transaction instead (connect_sync, BrowseSession), so what is refused is the user's.
        first += (": a connection pooler (PgBouncer?) is in front and refuses startup "
                  "options; procos-tui sends none of its own through one, so these are "
                  "yours (options in the DSN, or PGOPTIONS): drop them, or connect to "
                  "PostgreSQL itself")
    return sanitize_plain(first)


def _settings(read_only: bool, statement_timeout_ms: int, lock_timeout_ms: int
              ) -> list[tuple[str, str]]:
    # jit=off: our statements are short reads whose cost the planner overestimates (a
    # sorted page with 50,000 rows not rolled up: 4.4 s of JIT compiling for 0.55 s of work).
    settings = [("statement_timeout", str(int(statement_timeout_ms))),
                ("DateStyle", "ISO,MDY"), ("IntervalStyle", "postgres"), ("jit", "off")]
    if read_only:
        settings += [("default_transaction_read_only", "on"),
                     ("idle_in_transaction_session_timeout", "60000")]
    else:
        settings.append(("lock_timeout", str(int(lock_timeout_ms))))
    return settings


def session_options(read_only: bool, statement_timeout_ms: int, lock_timeout_ms: int = 0
                    ) -> str:
    """Server settings sent at connection start.

    Startup options, not SETs after connecting: a transaction-pooling pooler would hand a
    SET session on to other clients (a read-only default would then break ProcOS's own
    writes), whereas it refuses startup options outright. Through such a pooler the same
    settings go inside each transaction instead (transaction_settings).
    """
    return " ".join(f"-c {name}={value}"
                    for name, value in _settings(read_only, statement_timeout_ms,
                                                 lock_timeout_ms))


def transaction_settings(read_only: bool, statement_timeout_ms: int, lock_timeout_ms: int = 0
                         ) -> str:
    """The same settings for one transaction (SET LOCAL ends with it), for a connection
    through a transaction-pooling pooler. Read-only there is the transaction's own
    (BEGIN READ ONLY): the default would not outlive this transaction anyway. SET, not
    SELECT set_config(): a SET takes no snapshot, so SET TRANSACTION ISOLATION LEVEL may
    still follow it. One string of statements (sent in one round trip: no parameters; the
    values are ours, numbers and fixed words)."""
    return "; ".join(f"SET LOCAL {name} = '{value}'"
                     for name, value in _settings(read_only, statement_timeout_ms,
                                                  lock_timeout_ms)
                     if name != "default_transaction_read_only")


def connection_kwargs(conninfo: str, ours: str, env: dict[str, str] | None = None,
                      pooled: bool = False) -> dict[str, Any]:
    """What procos-tui adds to the user's conninfo.

    The user's own `options` (in the DSN, else PGOPTIONS) are kept and come first, ours last,
    so that the read-only default cannot be turned off by accident. Other defaults apply only
    where neither the DSN nor libpq's environment sets them.
    """
    environ = os.environ if env is None else env
    if env is None:
        # libpq sends PGDATESTYLE after our startup options, so it would win over the
        # DateStyle the result parsers need (with 'SQL, DMY' no timestamp parses). It only
        # shapes how dates are printed, which is ours to choose: drop it for our connections.
        os.environ.pop("PGDATESTYLE", None)
    given = pg_conninfo.conninfo_to_dict(conninfo)
    theirs = str(given.get("options") or environ.get("PGOPTIONS") or "").strip()
    kwargs: dict[str, Any] = {}
    if not pooled or theirs:
        # Through a pooler: no options of ours (it refuses or drops them); the user's own
        # are theirs to have right.
        kwargs["options"] = f"{theirs} {ours}".strip()
    if "application_name" not in given and "PGAPPNAME" not in environ:
        kwargs["application_name"] = APP_NAME
    if "connect_timeout" not in given and "PGCONNECT_TIMEOUT" not in environ:
        kwargs["connect_timeout"] = CONNECT_TIMEOUT_S
    if not any(k.startswith("keepalives") for k in given):
        kwargs.update(keepalives=1, keepalives_idle=30, keepalives_interval=10,
                      keepalives_count=3)
    if "tcp_user_timeout" not in given:
        kwargs["tcp_user_timeout"] = TCP_USER_TIMEOUT_MS
    return kwargs


# A SQL_ASCII database stores whatever bytes it was given and converts none of them, so its text
# may be any encoding or none; psycopg then hands out bytes, which nothing of ours expects.
# Our policy: read such text as UTF-8 (what ProcOS writes), each byte that is not valid UTF-8
# kept as a lone surrogate U+DC80-U+DCFF (Python's "surrogateescape"). The sanitiser shows those
# as visible stand-ins (<U+DCFF>), export writes the exact bytes back into a file, and
# parameters we send (an id read from such a row) reach the server as the bytes they came from.
LENIENT_ENCODINGS = frozenset({"SQL_ASCII"})


class _LenientText(Loader):
    def load(self, data: Buffer) -> str:
        return bytes(data).decode("utf-8", "surrogateescape")


class _LenientBinaryText(_LenientText):
    format = Format.BINARY


def _lenient_dumper(base: type[Dumper]) -> type[Dumper]:
    class LenientStr(base):  # type: ignore[valid-type, misc]
        def dump(self, obj: str) -> Buffer | None:
            if self.format == Format.TEXT and "\x00" in obj:
                raise psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
            return obj.encode("utf-8", "surrogateescape")

    LenientStr.__name__ = LenientStr.__qualname__ = f"Lenient{base.__name__}"
    return LenientStr


def lenient_text(conn: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> bool:
    """On a connection whose text is not checked by the server (SQL_ASCII), read and send text
    by the policy above. True when it did (the database's text may hold undecodable bytes)."""
    server = conn.info.parameter_status("server_encoding") or ""
    if server.upper() not in LENIENT_ENCODINGS and conn.info.encoding != "ascii":
        return False
    from psycopg.types import string

    adapters = conn.adapters
    # Same order as psycopg's own registration: the last one registered is str's default.
    for dumper in (string.StrBinaryDumperName, string.StrBinaryDumperVarchar,
                   string.StrBinaryDumper, string.StrDumperName, string.StrDumperVarchar,
                   string.StrDumper, string.StrDumperUnknown):
        adapters.register_dumper(str, _lenient_dumper(dumper))
    adapters.register_loader(0, _LenientText)  # types psycopg has no loader for
    for name in ("bpchar", "name", "text", "varchar", '"char"'):
        adapters.register_loader(name, _LenientText)
        adapters.register_loader(name, _LenientBinaryText)
    return True


class _PooledCursor(psycopg.Cursor[Any]):
    """A cursor through a transaction pooler: the first statement of each transaction is
    preceded by procos-tui's settings for it (the connection is never in autocommit)."""

    def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                binary: bool | None = None) -> Self:
        _settings_first(self.connection)
        return super().execute(query, params, prepare=prepare, binary=binary)

    def executemany(self, query: Any, params_seq: Any, *, returning: bool = False) -> None:
        _settings_first(self.connection)
        super().executemany(query, params_seq, returning=returning)

    def stream(self, query: Any, params: Any = None, *, binary: bool | None = None,
               size: int = 1) -> Iterator[Any]:
        _settings_first(self.connection)
        return super().stream(query, params, binary=binary, size=size)


class _PooledConnection(psycopg.Connection[Any]):
    """A blocking connection through a transaction pooler (see _PooledCursor)."""

    procos_settings = ""

    @contextmanager
    def transaction(self, savepoint_name: str | None = None, force_rollback: bool = False
                    ) -> Iterator[psycopg.Transaction]:
        outer = self.info.transaction_status == TransactionStatus.IDLE
        with super().transaction(savepoint_name, force_rollback) as tx:
            if outer:  # psycopg has just sent BEGIN: the settings are this transaction's first
                psycopg.Cursor(self).execute(self.procos_settings)
            yield tx


def _settings_first(conn: psycopg.Connection[Any]) -> None:
    if conn.info.transaction_status == TransactionStatus.IDLE:
        # psycopg sends BEGIN (READ ONLY) before this; a plain cursor, so it does not recurse.
        psycopg.Cursor(conn).execute(getattr(conn, "procos_settings", ""))


def _connect_pooled(target: Target, read_only: bool, statement_timeout_ms: int,
                    lock_timeout_ms: int) -> psycopg.Connection[Any]:
    try:
        conn = _PooledConnection.connect(
            target.conninfo, autocommit=False, prepare_threshold=None,
            cursor_factory=_PooledCursor,
            **connection_kwargs(target.conninfo, "", pooled=True))
    except psycopg.Error as exc:
        raise ConnectionFailed(f"cannot connect to {target.display}: {one_line(exc)}") from None
    # Reads: each transaction BEGIN READ ONLY. Writes: a plain BEGIN, so that a server or role
    # that makes sessions read-only still refuses them (READ WRITE would override it).
    conn.read_only = True if read_only else None
    conn.procos_settings = transaction_settings(read_only, statement_timeout_ms,
                                                lock_timeout_ms)
    lenient_text(conn)
    return conn


def is_pooled(conn: psycopg.Connection[Any]) -> bool:
    """Whether connect_sync went through a transaction pooler (said, or detected)."""
    return isinstance(conn, _PooledConnection)


def refuses_startup_options(exc: BaseException) -> bool:
    """A pooler in transaction mode (PgBouncer) refusing the startup options ours travel in."""
    return "unsupported startup parameter" in str(exc)


def connect_sync(target: Target, *, read_only: bool,
                 statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
                 lock_timeout_ms: int = 0, session: bool = False) -> psycopg.Connection[Any]:
    """A blocking connection for the command line (init-db, export, check): autocommit, the
    settings in its startup options.

    Through a transaction-pooling pooler (target.pooler, or detected: it refuses the options,
    or drops them) it is a connection whose every transaction begins with the settings,
    read-only ones with BEGIN READ ONLY; statements then share a transaction until commit().
    `session`: the caller needs a session of its own (init-db: statements outside any
    transaction, session settings), which no such pooler gives: refused with the way out.
    """
    def pooled() -> psycopg.Connection[Any]:
        if session:
            raise ConnectionFailed(
                f"cannot run this through the transaction pooler at {target.display}: it needs "
                "a database session of its own (statements outside a transaction, session "
                "settings); connect to PostgreSQL itself (its port, or a session-mode pool)")
        return _connect_pooled(target, read_only, statement_timeout_ms, lock_timeout_ms)

    if target.pooler == POOLER_TRANSACTION:
        return pooled()
    ours = session_options(read_only, statement_timeout_ms, lock_timeout_ms)
    try:
        conn = psycopg.connect(target.conninfo, autocommit=True, prepare_threshold=None,
                               **connection_kwargs(target.conninfo, ours))
    except psycopg.Error as exc:
        if refuses_startup_options(exc):
            return pooled()
        raise ConnectionFailed(f"cannot connect to {target.display}: {one_line(exc)}") from None
    # The settings travel as startup options: something between us and the server (a pooler
    # told to ignore options) may have dropped them. Then this connection is given up for one
    # that sets them in each transaction (or, for a session's work, refused).
    arrived = conn.execute(OPTIONS_ARRIVED).fetchone()
    if arrived is None or arrived[0] is not True:
        conn.close()
        return pooled()
    if read_only:
        conn.read_only = True
    lenient_text(conn)
    return conn


def write_refusal(conn: psycopg.Connection[Any]) -> str | None:
    """Why this server will refuse our writes (init-db, refresh-words), asked before writing:
    the server's own "cannot execute SELECT in a read-only transaction" names neither the cause
    nor the way out. None when it accepts writes."""
    from psycopg.rows import dict_row

    from procos_tui.db.queries import registry as registry_sql

    row = conn.cursor(row_factory=dict_row).execute(registry_sql.SERVER_WRITABLE).fetchone()
    if row is None:
        return None
    if row["in_recovery"]:
        return ("it is a read-only replica (a standby in recovery); run this against the "
                "primary (its host in --dsn, or all hosts with target_session_attrs=read-write)")
    if row["read_only_default"]:
        return ("it makes sessions read-only (default_transaction_read_only is on for this "
                "database or role); run this against a primary that accepts writes, or as a "
                "role for which it is off")
    return None


def shown_facts(facts: ServerFacts) -> ServerFacts:
    """The server's facts with its words (version, database name) safe for the status line and
    messages: a server, or whatever answers on its port, may put escapes in them."""
    return dataclasses.replace(facts, server_version=sanitize_plain(facts.server_version),
                               database=sanitize_plain(facts.database))
