"""Opening connections the procos-tui way, and database errors as one line for the user."""

from __future__ import annotations

import os
from typing import Any

import psycopg
from psycopg import conninfo as pg_conninfo

from procos_tui.core.errors import ConnectionFailed
from procos_tui.core.sanitize import sanitize_plain
from procos_tui.db.conninfo import APP_NAME, Target

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
    return sanitize_plain(first.removeprefix("ERROR:").strip())


def session_options(read_only: bool, statement_timeout_ms: int, lock_timeout_ms: int = 0
                    ) -> str:
    """Server settings sent at connection start.

    Startup options, not SETs after connecting: a transaction-pooling pooler would hand a
    SET session on to other clients (a read-only default would then break ProcOS's own
    writes), whereas it refuses startup options outright.
    """
    settings = [f"statement_timeout={int(statement_timeout_ms)}", "DateStyle=ISO,MDY",
                "IntervalStyle=postgres"]
    if read_only:
        settings += ["default_transaction_read_only=on",
                     "idle_in_transaction_session_timeout=60000"]
    else:
        settings.append(f"lock_timeout={int(lock_timeout_ms)}")
    return " ".join(f"-c {s}" for s in settings)


def connection_kwargs(conninfo: str, ours: str, env: dict[str, str] | None = None
                      ) -> dict[str, Any]:
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
    kwargs: dict[str, Any] = {"options": f"{theirs} {ours}".strip()}
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


def connect_sync(target: Target, *, read_only: bool,
                 statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
                 lock_timeout_ms: int = 0) -> psycopg.Connection[Any]:
    """A blocking autocommit connection for the command line (init-db, export, check)."""
    ours = session_options(read_only, statement_timeout_ms, lock_timeout_ms)
    try:
        conn = psycopg.connect(target.conninfo, autocommit=True, prepare_threshold=None,
                               **connection_kwargs(target.conninfo, ours))
    except psycopg.Error as exc:
        raise ConnectionFailed(f"cannot connect to {target.display}: {one_line(exc)}") from None
    if read_only:
        conn.read_only = True
    return conn
