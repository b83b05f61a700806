"""Through PgBouncer in transaction mode (Debian's pgbouncer, started here on a local port; the
tests skip with the reason where it is not installed; .ci/run installs it): procos-tui never
runs with its read-only setting lost. A pooler that refuses startup options is named with the
way out; one told to drop them is caught before any statement."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.cli import run

pytestmark = pytest.mark.db

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pooler(conninfo: str, ignore_options: bool) -> Iterator[str]:
    if not Path(PGBOUNCER).exists():
        pytest.skip("pgbouncer is not installed (Debian's pgbouncer package)")
    params = conninfo_to_dict(conninfo)
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SHOW port").fetchone()
    assert row is not None
    base = Path(tempfile.mkdtemp(prefix="procos-bouncer-"))
    base.chmod(0o777)
    listen = _free_port()
    (base / "users.txt").write_text(f'"{params.get("user", "postgres")}" ""\n')
    ignored = "extra_float_digits" + (",options" if ignore_options else "")
    (base / "pgbouncer.ini").write_text(f"""[databases]
* = host={params.get("host") or "127.0.0.1"} port={row[0]}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {base / "users.txt"}
pool_mode = transaction
ignore_startup_parameters = {ignored}
logfile = {base / "log"}
pidfile = {base / "pid"}
""")
    for name in ("users.txt", "pgbouncer.ini"):
        (base / name).chmod(0o644)
    user = {"user": "embedded_postgres"} if os.geteuid() == 0 else {}
    proc = subprocess.Popen([PGBOUNCER, str(base / "pgbouncer.ini")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, **user)  # type: ignore[call-overload]
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", listen)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail(f"pgbouncer did not listen: {(base / 'log').read_text()}")
        yield (f"host=127.0.0.1 port={listen} dbname={params['dbname']} "
               f"user={params.get('user', 'postgres')}")
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pooler(fresh: str) -> Iterator[str]:
    yield from _pooler(fresh, ignore_options=False)


@pytest.fixture
def options_dropping_pooler(fresh: str) -> Iterator[str]:
    yield from _pooler(fresh, ignore_options=True)


def test_a_pooler_refusing_startup_options_is_named(pooler: str) -> None:
    done = run("processes", "--dsn", pooler)
    assert done.returncode == 2
    assert "a connection pooler (PgBouncer?) is in front" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_pooler_dropping_the_read_only_setting_gets_no_statement(
        options_dropping_pooler: str, fresh: str) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text) VALUES ('via-pooler', 'output', '{}', 'x')")
    done = run("export", "via-pooler", "--dsn", options_dropping_pooler)
    assert done.returncode == 2, done.stdout
    assert "did not get procos-tui's read-only setting" in done.stderr
