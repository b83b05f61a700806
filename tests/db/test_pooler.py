"""Through PgBouncer in transaction mode (Debian's pgbouncer, started here on a local port; the
tests skip with the reason where it is not installed; .ci/run installs it).

One server connection serves every client (default_pool_size = 1), as ProcOS's workers would
share it: procos-tui's settings go inside each of its transactions and never reach the next
client; reads stay read-only; every read, search with cancel, Stats, export and the model
editor work; a pooler refusing startup options, or dropping them, is detected and worked
through; init-db, which needs a session of its own, says so."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from procos_tui.core.errors import DatabaseError, QueryCancelled, QueryTimedOut
from procos_tui.core.registry import ModelDraft
from procos_tui.core.search_syntax import SearchMode, SearchRequest
from procos_tui.core.triage import StatsWindow
from procos_tui.core.types import ProcessFilter
from procos_tui.db.conninfo import POOLER_TRANSACTION, Target
from procos_tui.db.gateway import Gateway
from procos_tui.db.session import BrowseSession
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
default_pool_size = 1
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


BODY = "a response through the pooler, whole: " + "é" * 50_000 + "\x1b[31m end"


def _write(conninfo: str, pid: str, text: str = BODY) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for kind, body in (("input", "What failed?"), ("output", text)):
            conn.execute(
                "INSERT INTO procos_ai_context (process_instance_id, task_id, context_type,"
                " content_data, content_text, ai_provider, model_used, token_usage)"
                " VALUES (%s, 't', %s, %s, %s, 'openai', 'gpt-4o', %s)",
                (pid, kind, json.dumps({"content": body}), body,
                 json.dumps({"total_tokens": 42}) if kind == "output" else None))


def _plain_client_settings(conninfo: str) -> tuple[str, str, str]:
    """What the next client of the one server connection finds: ProcOS's view."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('default_transaction_read_only'),"
                           " current_setting('statement_timeout'),"
                           " current_setting('DateStyle')").fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def test_everything_reads_through_a_transaction_pooler_and_nothing_leaks(
        pooler: str, fresh: str) -> None:
    _write(fresh, "via-pooler")
    # 20 MB that a backreference regex crawls through for seconds: a search to cancel.
    _write(fresh, "via-pooler-hay", "abcdefgh" * (20 * 1024 * 1024 // 8))
    before = _plain_client_settings(pooler)
    assert before[0] == "off"

    async def browse() -> None:
        gateway = Gateway(Target(pooler, "--dsn", POOLER_TRANSACTION))
        try:
            facts = await gateway.open()
            assert facts.pooled and facts.read_only
            page = await gateway.process_page(ProcessFilter(), None, 10)
            assert {s.process_instance_id for s in page.rows} == {"via-pooler", "via-pooler-hay"}
            headers = await gateway.interactions("via-pooler")
            content = await gateway.content(headers[-1].id)
            assert content is not None and content.content_text == BODY
            with pytest.raises(DatabaseError, match="read-only"):
                await gateway.browse.execute("INSERT INTO procos_ai_models (model_name,"
                                             " provider, version) VALUES ('x', 'y', 'z')")
            run = gateway.search(SearchRequest(("through the pooler",)))
            hits = []
            while not run.done:
                hits += await run.next_page()
            assert [h.process_instance_id for h in hits] == ["via-pooler"]
            # A search that crawls, cancelled through the pooler; the next read works.
            slow = gateway.search(SearchRequest((r"(.)\1\1\1\1\1\1\1",), SearchMode.REGEX))
            task = asyncio.ensure_future(slow.next_page())
            await asyncio.sleep(0.3)
            await gateway.cancel_search()
            with pytest.raises(QueryCancelled):
                await task
            now = datetime.now(UTC)
            report = await gateway.stats(StatsWindow(now - timedelta(days=1),
                                                     now + timedelta(minutes=1)))
            assert report.total.calls == 2 and report.total.total_tokens == 84
            # The model editor: one explicit transaction through the pooler.
            made = await gateway.create_model(ModelDraft(
                "gpt-pooled", "openai", "1", '{"temperature": 0.1}', "", True))
            assert made.model_name == "gpt-pooled"
        finally:
            await gateway.close()

    asyncio.run(browse())
    # ProcOS's next transaction on that server connection: none of our settings.
    assert _plain_client_settings(pooler) == before
    with psycopg.connect(fresh) as conn:
        assert conn.execute("SELECT count(*) FROM procos_ai_models"
                            " WHERE model_name = 'gpt-pooled'").fetchone() == (1,)


def test_a_statement_timeout_holds_through_the_pooler_and_ends_with_it(
        pooler: str, fresh: str) -> None:
    async def slow() -> None:
        session = BrowseSession(Target(pooler, "--dsn", POOLER_TRANSACTION),
                                statement_timeout_ms=300)
        try:
            await session.open()
            with pytest.raises(QueryTimedOut):
                await session.execute("SELECT pg_sleep(2)")
            assert await session.execute("SELECT 1") == [(1,)]
        finally:
            await session.close()

    asyncio.run(slow())
    assert _plain_client_settings(pooler)[1] == "0"


@pytest.mark.parametrize("said", ["", "transaction"])
def test_cli_export_and_list_through_the_pooler(pooler: str, fresh: str, tmp_path: Path,
                                                said: str) -> None:
    """Said (PROCOS_POOLER) or detected (the pooler refuses our startup options)."""
    _write(fresh, "via-pooler-cli")
    env = {"PROCOS_POOLER": said}
    listed = run("processes", "--dsn", pooler, "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "via-pooler-cli" in listed.stdout
    out = tmp_path / "export.json"
    done = run("export", "via-pooler-cli", "--dsn", pooler, "--format", "json", "--output",
               str(out), env=env)
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
    assert [r["content_text"] for r in rows] == ["What failed?", BODY]
    found = run("search", "through the pooler", "--dsn", pooler, "--json", env=env)
    assert found.returncode == 0, found.stderr
    assert "via-pooler-cli" in found.stdout
    checked = run("check", "--dsn", pooler, "--json", env=env)
    assert checked.returncode in (0, 1), checked.stderr
    report = json.loads(checked.stdout)
    assert "aborted" not in checked.stdout and "Traceback" not in checked.stderr
    assert report["findings"] is not None
    assert _plain_client_settings(pooler)[0] == "off"


def test_init_db_through_the_pooler_says_it_needs_a_session(pooler: str) -> None:
    done = run("init-db", "--dsn", pooler)
    assert done.returncode == 2
    assert "needs a database session of its own" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_pooler_dropping_startup_options_is_worked_through_read_only(
        options_dropping_pooler: str, fresh: str) -> None:
    _write(fresh, "via-dropping-pooler")

    async def browse() -> None:
        session = BrowseSession(Target(options_dropping_pooler, "--dsn"))
        try:
            facts = await session.open()
            assert facts.pooled and facts.read_only
            with pytest.raises(DatabaseError, match="read-only"):
                await session.execute("DELETE FROM procos_ai_context")
        finally:
            await session.close()

    asyncio.run(browse())
    done = run("export", "via-dropping-pooler", "--dsn", options_dropping_pooler, "--format",
               "json")
    assert done.returncode == 0, done.stderr
    assert BODY in json.loads(done.stdout)["rows"][1]["content_text"]
    with psycopg.connect(fresh) as conn:
        assert conn.execute("SELECT count(*) FROM procos_ai_context WHERE"
                            " process_instance_id = 'via-dropping-pooler'").fetchone() == (2,)


def test_init_db_through_a_pooler_dropping_options_is_refused(
        options_dropping_pooler: str) -> None:
    """Its session settings (lock_timeout, statement_timeout) would be lost on the way."""
    done = run("init-db", "--dsn", options_dropping_pooler)
    assert done.returncode == 2
    assert "needs a database session of its own" in done.stderr


def test_a_read_only_database_still_refuses_the_model_editor_through_the_pooler(
        pooler: str, fresh: str) -> None:
    """Writes begin with a plain BEGIN: READ WRITE would override the server's own default."""
    with psycopg.connect(fresh, autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()
        assert name is not None
        conn.execute(f'ALTER DATABASE "{name[0]}" SET default_transaction_read_only = on')

    async def save() -> None:
        gateway = Gateway(Target(pooler, "--dsn", POOLER_TRANSACTION))
        try:
            with pytest.raises(Exception, match="read-only"):
                await gateway.create_model(ModelDraft(
                    "gpt-refused", "openai", "1", '{"temperature": 0.1}', "", True))
        finally:
            await gateway.close()

    try:
        asyncio.run(save())
    finally:
        with psycopg.connect(fresh, autocommit=True) as conn:
            conn.execute("SET default_transaction_read_only = off")
            conn.execute(f'ALTER DATABASE "{name[0]}" RESET default_transaction_read_only')
    with psycopg.connect(fresh) as conn:
        assert conn.execute("SELECT count(*) FROM procos_ai_models"
                            " WHERE model_name = 'gpt-refused'").fetchone() == (0,)
