"""The browsing session against a real server: read-only, reconnect, cancel, keyset paging."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from procos_tui.core.errors import (
    ConnectionFailed,
    ConnectionLost,
    DatabaseError,
    QueryCancelled,
    QueryTimedOut,
)
from procos_tui.core.types import ProcessFilter
from procos_tui.db.conninfo import Target
from procos_tui.db.session import BrowseSession

pytestmark = pytest.mark.db

BASE = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def insert(conn: psycopg.Connection[tuple[object, ...]], pid: str, when: datetime,
           kind: str = "output", text: str | None = "a full answer " * 5,
           provider: str | None = "openai", model: str | None = "gpt-4o",
           usage: object = None, data: object = None) -> str:
    row = conn.execute(
        "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
        " content_text, ai_provider, model_used, token_usage, created_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id::text",
        (pid, kind, json.dumps(data if data is not None else {"content": text}), text,
         provider, model, None if usage is None else json.dumps(usage), when)).fetchone()
    assert row is not None
    return str(row[0])


@pytest.fixture(scope="module")
def seeded(db: str) -> str:
    with psycopg.connect(db, autocommit=True) as conn:
        for i in range(250):
            pid = f"proc-{i:04d}"
            when = BASE + timedelta(minutes=i)
            insert(conn, pid, when, kind="input", text=f"question {i}")
            insert(conn, pid, when + timedelta(seconds=1),
                   provider="anthropic" if i % 5 == 0 else "openai",
                   model="claude-sonnet-4" if i % 5 == 0 else "gpt-4o",
                   usage={"prompt_tokens": 10, "completion_tokens": i, "total_tokens": 10 + i})
        # Forty instances with the same last activity: the tie spans page boundaries.
        for n in range(40):
            insert(conn, f"tie-{n:02d}", BASE - timedelta(days=1))
        insert(conn, "no-time", BASE, text="x")
        conn.execute("UPDATE procos_ai_context SET created_at = NULL "
                     "WHERE process_instance_id = 'no-time'")
    return db


# Ground truth for the list's order: each instance's latest row (time, id), newest first.
LATEST_FIRST = """
SELECT process_instance_id FROM (
    SELECT DISTINCT ON (process_instance_id) process_instance_id,
           coalesce(created_at, '-infinity'::timestamptz) AS at, id
    FROM procos_ai_context
    ORDER BY process_instance_id, coalesce(created_at, '-infinity'::timestamptz) DESC, id DESC
) AS latest ORDER BY at DESC, id DESC
"""


async def open_session(conninfo: str, **kw: object) -> BrowseSession:
    session = BrowseSession(Target(conninfo, "test"), **kw)  # type: ignore[arg-type]
    await session.open()
    return session


async def all_pages(session: BrowseSession, flt: ProcessFilter | None = None,
                    limit: int = 17, window: int = 2000) -> list[str]:
    ids: list[str] = []
    page = await session.process_page(flt, None, limit, window)
    ids += [r.process_instance_id for r in page.rows]
    while page.next_cursor is not None:
        page = await session.process_page(flt, page.next_cursor, limit, window)
        ids += [r.process_instance_id for r in page.rows]
    return ids


async def test_keyset_pages_cover_everything_once_in_order(seeded: str) -> None:
    session = await open_session(seeded)
    ids = await all_pages(session)
    with psycopg.connect(seeded) as conn:
        truth = [r[0] for r in conn.execute(LATEST_FIRST)]
    assert ids == truth
    assert len(ids) == len(set(ids)) == 291
    assert ids[-1] == "no-time"
    await session.close()


async def test_page_fields(seeded: str) -> None:
    session = await open_session(seeded)
    page = await session.process_page(ProcessFilter(id_prefix="proc-0249"), None, 10)
    (row,) = page.rows
    assert row.entry_count == 2 and row.output_count == 1
    assert row.total_tokens == 259 and row.providers == ("openai",)
    assert row.last_at == BASE + timedelta(minutes=249, seconds=1)
    assert row.suspect_outputs == 0
    short = await session.process_page(ProcessFilter(id_prefix="no-time"), None, 10)
    assert short.rows[0].suspect_outputs == 1 and short.rows[0].last_at is None
    await session.close()


async def test_filters(seeded: str) -> None:
    session = await open_session(seeded)
    anthropic = await all_pages(session, ProcessFilter(provider="anthropic"))
    assert len(anthropic) == 50 and all(int(p[5:]) % 5 == 0 for p in anthropic)
    model = await all_pages(session, ProcessFilter(model="claude-sonnet-4"))
    assert model == anthropic
    # A small window: requests come back short or empty, and together still give all of them.
    page = await session.process_page(ProcessFilter(provider="anthropic"), None, 17, 3)
    assert len(page.rows) < 17 and page.next_cursor is not None
    assert await all_pages(session, ProcessFilter(provider="anthropic"), 17, 3) == anthropic
    assert await all_pages(session, ProcessFilter(provider="nobody"), 17, 50) == []
    window = await all_pages(session, ProcessFilter(
        since=BASE + timedelta(minutes=10), until=BASE + timedelta(minutes=20)))
    assert window == [f"proc-{i:04d}" for i in range(19, 9, -1)]
    prefix = await all_pages(session, ProcessFilter(id_prefix="tie-"))
    assert sorted(prefix) == [f"tie-{n:02d}" for n in range(40)]
    # LIKE wildcards in the prefix are literal.
    assert await all_pages(session, ProcessFilter(id_prefix="proc_%")) == []
    await session.close()


async def test_paging_is_stable_under_concurrent_writes(seeded: str) -> None:
    """While pages load, a writer adds new instances and new rows to instances above and below
    the cursor. No instance is listed twice; every instance nobody wrote to is listed once.
    (An instance with new activity moves to the top: the next refresh shows it there.)"""
    session = await open_session(seeded)
    with psycopg.connect(seeded) as conn:
        before = [r[0] for r in conn.execute(LATEST_FIRST)]
    touched: set[str] = set()
    stop = threading.Event()

    def writer() -> None:
        rng = random.Random(5)
        with psycopg.connect(seeded, autocommit=True) as w:
            n = 0
            while not stop.is_set():
                pid = rng.choice(before) if n % 2 else f"live-{n}"
                touched.add(pid)
                insert(w, pid, datetime.now(UTC))
                n += 1
                time.sleep(0.002)

    thread = threading.Thread(target=writer)
    thread.start()
    seen: list[str] = []
    try:
        page = await session.process_page(None, None, 13)
        seen += [r.process_instance_id for r in page.rows]
        while page.next_cursor is not None:
            await asyncio.sleep(0.01)
            page = await session.process_page(None, page.next_cursor, 13)
            seen += [r.process_instance_id for r in page.rows]
    finally:
        stop.set()
        thread.join()
        with psycopg.connect(seeded, autocommit=True) as w:
            w.execute("DELETE FROM procos_ai_context WHERE created_at > %s",
                      (BASE + timedelta(days=1),))
    assert len(touched) > 10, "the writer did not get to write while paging"
    assert len(seen) == len(set(seen)), "a process instance was listed twice"
    untouched = set(before) - touched
    assert untouched <= set(seen), f"skipped: {sorted(untouched - set(seen))[:5]}"
    await session.close()


async def test_interactions_without_bodies_and_full_content(db: str) -> None:
    big = "🦀 línea\n" * 200_000 + "end"
    with psycopg.connect(db, autocommit=True) as conn:
        insert(conn, "content-1", BASE, kind="input", text="prompt?",
               data={"query": "prompt?", "context": "ctx"})
        row_id = insert(conn, "content-1", BASE + timedelta(seconds=2), text=big,
                        usage={"total_tokens": 42})
    session = await open_session(db)
    rows = await session.interactions("content-1")
    assert [r.context_type for r in rows] == ["input", "output"]
    assert rows[1].text_bytes == len(big.encode()) and rows[1].preview is not None
    assert len(rows[1].preview) == 200 and big.startswith(rows[1].preview)
    assert rows[1].token_usage_json == '{"total_tokens": 42}' and rows[1].total_tokens == 42
    full = await session.content(row_id)
    assert full is not None and full.content_text == big
    assert full.content_is_text  # content_data.content repeats content_text
    data = full.content_data_json or await session.content_data(row_id)
    assert data is not None and json.loads(data) == {"content": big}
    session.inline_data_bytes = 0  # now too large to come along
    slim = await session.content(row_id)
    assert slim is not None and slim.content_data_json is None and slim.content_text == big
    assert await session.content_data(row_id) == data
    prompt = await session.content(rows[0].id)
    assert prompt is not None and not prompt.content_is_text
    assert await session.content("not-a-uuid") is None
    assert await session.process_exists("content-1")
    assert not await session.process_exists("content-404")
    await session.close()


async def test_browsing_session_cannot_write(db: str) -> None:
    session = await open_session(db)
    assert session.facts is not None and session.facts.read_only
    with pytest.raises(DatabaseError, match="read-only"):
        await session.execute("INSERT INTO procos_ai_models (model_name, provider) "
                              "VALUES ('x', 'y')")
    # Turning the session default off does not help: every read is its own READ ONLY
    # transaction.
    await session.execute("SET default_transaction_read_only = off")
    with pytest.raises(DatabaseError, match="read-only"):
        await session.execute("DELETE FROM procos_ai_models")
    await session.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
    with pytest.raises(DatabaseError, match="read-only"):
        await session.execute("UPDATE procos_ai_models SET is_active = false")
    rows = await session.execute("SELECT application_name FROM pg_stat_activity "
                                 "WHERE pid = pg_backend_pid()")
    assert rows == [("procos-tui",)]
    await session.close()


async def test_reconnects_after_backend_is_terminated(db: str) -> None:
    notices: list[str] = []
    session = await open_session(db, on_reconnect=notices.append)
    old_pid = session.backend_pid
    with psycopg.connect(db, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (old_pid,))
    await asyncio.sleep(0.2)
    page = await session.process_page(None, None, 5)
    assert page is not None
    assert session.reconnects == 1 and notices and "re-established" in notices[0]
    assert session.backend_pid != old_pid
    await session.close()


async def test_query_killed_mid_flight_is_reported_not_rerun(db: str) -> None:
    notices: list[str] = []
    session = await open_session(db, on_reconnect=notices.append)
    pid = session.backend_pid
    task = asyncio.create_task(session.execute("SELECT pg_sleep(20)"))
    await asyncio.sleep(0.3)
    with psycopg.connect(db, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(ConnectionLost, match="reconnects on the next action"):
        await asyncio.wait_for(task, 10)
    with psycopg.connect(db) as admin:
        again = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                              "'SELECT pg_sleep(20)%%' AND state = 'active'").fetchone()
    assert again == (0,), "the killed query was run again"
    assert await session.execute("SELECT 1") == [(1,)]
    assert session.backend_pid != pid
    await session.close()


async def test_server_down_is_a_clear_error(db: str) -> None:
    session = await open_session(db)
    session.target = Target("host=127.0.0.1 port=1 connect_timeout=2", "test")
    with psycopg.connect(db, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (session.backend_pid,))
    await asyncio.sleep(0.2)
    with pytest.raises(ConnectionFailed, match="cannot connect"):
        await session.process_page(None, None, 5)
    await session.close()


async def test_user_connection_options_are_kept(db: str, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    monkeypatch.setenv("PGOPTIONS", "-c search_path=pg_catalog,public -c work_mem=7MB")
    monkeypatch.setenv("PGAPPNAME", "ops-laptop")
    session = await open_session(db)
    rows = await session.execute("SELECT current_setting('work_mem'),"
                                 " current_setting('application_name'),"
                                 " current_setting('default_transaction_read_only'),"
                                 " current_setting('statement_timeout'),"
                                 " current_setting('jit')")
    # jit off: compiling a sorted page's plan took 4.4 s for 0.55 s of work at 700k rows.
    assert rows == [("7MB", "ops-laptop", "on", "30s", "off")]
    await session.close()


async def test_odd_values_do_not_break_listing(db: str) -> None:
    deep = "[" * 5000 + "]" * 5000
    with psycopg.connect(db, autocommit=True) as conn:
        insert(conn, "odd-1", BASE, usage={"total_tokens": 3})
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, token_usage, created_at) VALUES"
                     " ('odd-1', 'output', '{}', %s::jsonb, 'infinity')", (deep,))
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, created_at) VALUES ('odd-2', 'output', '[]', '-infinity')")
        # Before year 1: PostgreSQL has it, Python's datetime does not.
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, created_at) VALUES ('odd-2', 'input', '{}',"
                     " '0044-03-15 12:00:00+00 BC')")
        conn.execute("ALTER DATABASE " + conn.info.dbname + " SET DateStyle = 'SQL, DMY'")
    session = await open_session(db)
    page = await session.process_page(ProcessFilter(id_prefix="odd-"), None, 10)
    assert [(r.process_instance_id, r.last_at) for r in page.rows] == [
        ("odd-1", None), ("odd-2", None)]
    assert page.rows[0].total_tokens == 3 and page.rows[0].first_at is not None
    rows = await session.interactions("odd-1")
    assert len(rows) == 2 and rows[1].created_at is None and rows[1].total_tokens == 0
    assert rows[1].token_usage_json is not None and rows[1].token_usage_json.startswith("[[[")
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("ALTER DATABASE " + conn.info.dbname + " RESET DateStyle")
        conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id LIKE 'odd-%'")
    await session.close()


async def test_cancel_reaches_the_server(db: str) -> None:
    session = await open_session(db)
    pid = session.backend_pid
    task = asyncio.create_task(session.execute("SELECT pg_sleep(30)"))
    await asyncio.sleep(0.3)
    started = time.perf_counter()
    await session.cancel()
    with pytest.raises(QueryCancelled):
        await task
    assert time.perf_counter() - started < 2
    with psycopg.connect(db) as admin:
        state = admin.execute("SELECT state FROM pg_stat_activity WHERE pid = %s",
                              (pid,)).fetchone()
    assert state is not None and state[0] != "active"
    # The session is still usable after a cancel.
    assert await session.execute("SELECT 1") == [(1,)]
    await session.close()


async def test_statement_timeout_is_reported(db: str) -> None:
    session = await open_session(db, statement_timeout_ms=200)
    with pytest.raises(QueryTimedOut, match="statement timeout"):
        await session.execute("SELECT pg_sleep(3)")
    await session.close()


async def test_camunda_details(empty_db: object, camunda_ddl: str) -> None:
    from procos_tui.db.schema import apply_schema

    conninfo = empty_db()  # type: ignore[operator]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        apply_schema(conn)
        session = await open_session(conninfo)
        assert await session.camunda_details("pi-1") is None  # no Camunda tables
        await session.close()
        conn.execute(camunda_ddl.encode())
        conn.execute("INSERT INTO act_hi_procinst (id_, proc_inst_id_, business_key_,"
                     " proc_def_key_, proc_def_id_, start_time_) VALUES"
                     " ('pi-1', 'pi-1', 'order-42', 'triage', 'triage:1:x', now())")
        conn.execute("INSERT INTO act_hi_varinst (id_, proc_inst_id_, name_, var_type_, text_)"
                     " VALUES ('v1', 'pi-1', 'content', 'string', repeat('x', 4000))")
        insert(conn, "pi-1", BASE)
    session = await open_session(conninfo)
    details = await session.camunda_details("pi-1")
    assert details is not None and details.business_key == "order-42"
    assert details.process_definition_key == "triage"
    assert [(v.name, v.source, v.text_length) for v in details.variables] == [
        ("content", "history", 4000)]
    page = await session.process_page(None, None, 5)
    assert page.rows[0].business_key == "order-42"
    await session.close()


class BlackHoleProxy:
    """A TCP proxy to the test server that can start swallowing what the client sends."""

    def __init__(self, conninfo: str) -> None:
        params = psycopg.conninfo.conninfo_to_dict(conninfo)
        self.host = str(params.get("host") or "localhost")
        self.port = int(params.get("port") or 5432)
        self.params = params
        self.swallow = False
        self.server: asyncio.Server | None = None

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    upstream: bool) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while data := await reader.read(65536):
                if upstream and self.swallow:
                    continue
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError, asyncio.CancelledError):
            await self._connect_and_pump(reader, writer)

    async def _connect_and_pump(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
        if self.host.startswith("/"):
            up_reader, up_writer = await asyncio.open_unix_connection(
                f"{self.host}/.s.PGSQL.{self.port}")
        else:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        await asyncio.gather(self._pump(reader, up_writer, True),
                             self._pump(up_reader, writer, False))

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return psycopg.conninfo.make_conninfo(
            "", host="127.0.0.1", port=port, user=str(self.params.get("user", "postgres")),
            dbname=str(self.params.get("dbname")), sslmode="disable")


async def test_server_that_stops_answering_is_given_up(db: str) -> None:
    proxy = BlackHoleProxy(db)
    conninfo = await proxy.start()
    session = await open_session(conninfo, statement_timeout_ms=300, answer_grace_s=1.0)
    assert await session.execute("SELECT 1") == [(1,)]
    proxy.swallow = True
    started = time.perf_counter()
    with pytest.raises(ConnectionLost, match="no answer from the server"):
        await session.process_page(None, None, 5)
    assert time.perf_counter() - started < 5
    proxy.swallow = False
    await asyncio.sleep(0.5)  # let the proxy finish tearing down the abandoned connection
    page = await session.process_page(None, None, 5)  # the next read reconnects
    assert page.rows
    await session.close()
    assert proxy.server is not None
    proxy.server.close()


def test_startup_options_keep_the_users_and_end_with_ours() -> None:
    from procos_tui.db.connect import connection_kwargs, session_options

    ours = session_options(True, 1234)
    kw = connection_kwargs("host=h options='-c search_path=app'", ours, env={})
    assert kw["options"].startswith("-c search_path=app ")
    assert kw["options"].endswith("default_transaction_read_only=on"
                                  " -c idle_in_transaction_session_timeout=60000")
    assert "statement_timeout=1234" in kw["options"]
    kw = connection_kwargs("host=h application_name=mine connect_timeout=3", ours,
                           env={"PGOPTIONS": "-c work_mem=7MB"})
    assert kw["options"].startswith("-c work_mem=7MB ")
    assert "application_name" not in kw and "connect_timeout" not in kw
    assert kw["tcp_user_timeout"] > 0


async def test_content_is_text_only_when_content_data_repeats_the_text(db: str) -> None:
    """A tool call (content null, text NULL) is not 'the same text': its data must be read."""
    with psycopg.connect(db, autocommit=True) as conn:
        tool = insert(conn, "shape-1", BASE, text=None,
                      data={"content": None, "tool_calls": [{"name": "lookup"}]})
        other = insert(conn, "shape-1", BASE + timedelta(seconds=1), text="the text",
                       data={"content": "another text"})
        number = insert(conn, "shape-1", BASE + timedelta(seconds=2), text="42",
                        data={"content": 42})
        same = insert(conn, "shape-1", BASE + timedelta(seconds=3), text="x" * 10)
    session = await open_session(db)
    session.inline_data_bytes = 0
    flags = {}
    for row_id in (tool, other, number, same):
        row = await session.content(row_id)
        assert row is not None and row.content_data_json is None
        flags[row_id] = row.content_is_text
    assert flags == {tool: False, other: False, number: False, same: True}
    await session.close()


async def test_a_read_its_caller_gives_up_on_keeps_the_connection(db: str) -> None:
    """A worker replaced by a newer one cancels its read: the query stops at the server and
    the connection stays, with no 'closed by the server' notice."""
    notices: list[str] = []
    session = BrowseSession(Target(db, "test"), on_reconnect=notices.append)
    await session.open()
    pid = session.backend_pid
    task = asyncio.ensure_future(session.execute("SELECT pg_sleep(10)"))
    await asyncio.sleep(0.3)
    started = time.monotonic()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 3
    assert await session.execute("SELECT 1") == [(1,)]
    assert session.backend_pid == pid and notices == [] and session.reconnects == 0
    await session.close()
