"""The browsing session against a real server: read-only, reconnect, cancel, keyset paging."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from procos_tui.db.conninfo import Target
from procos_tui.db.session import (
    BrowseSession,
    DatabaseError,
    QueryCancelled,
    QueryTimedOut,
)
from procos_tui.db.types import ProcessFilter

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
        # Same last activity for several instances: the id breaks the tie.
        for pid in ("tie-a", "tie-b", "tie-c"):
            insert(conn, pid, BASE - timedelta(days=1))
        insert(conn, "no-time", BASE, text="x")
        conn.execute("UPDATE procos_ai_context SET created_at = NULL "
                     "WHERE process_instance_id = 'no-time'")
    return db


async def open_session(conninfo: str, **kw: object) -> BrowseSession:
    session = BrowseSession(Target(conninfo, "test"), **kw)  # type: ignore[arg-type]
    await session.open()
    return session


async def all_pages(session: BrowseSession, flt: ProcessFilter | None = None,
                    limit: int = 17) -> list[str]:
    ids: list[str] = []
    page = await session.process_page(flt, None, limit)
    ids += [r.process_instance_id for r in page.rows]
    while page.next_cursor is not None:
        page = await session.process_page(flt, page.next_cursor, limit)
        ids += [r.process_instance_id for r in page.rows]
    return ids


async def test_keyset_pages_cover_everything_once_in_order(seeded: str) -> None:
    session = await open_session(seeded)
    ids = await all_pages(session)
    with psycopg.connect(seeded) as conn:
        truth = [r[0] for r in conn.execute(
            "SELECT process_instance_id FROM procos_ai_context GROUP BY process_instance_id "
            "ORDER BY coalesce(max(created_at), '-infinity') DESC, process_instance_id DESC")]
    assert ids == truth
    assert len(ids) == len(set(ids)) == 254
    assert ids[-1] == "no-time"
    await session.close()


async def test_summary_fields(seeded: str) -> None:
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
    window = await all_pages(session, ProcessFilter(
        since=BASE + timedelta(minutes=10), until=BASE + timedelta(minutes=20)))
    assert window == [f"proc-{i:04d}" for i in range(19, 9, -1)]
    prefix = await all_pages(session, ProcessFilter(id_prefix="tie-"))
    assert prefix == ["tie-c", "tie-b", "tie-a"]
    # LIKE wildcards in the prefix are literal.
    assert await all_pages(session, ProcessFilter(id_prefix="proc_%")) == []
    await session.close()


async def test_paging_is_stable_under_concurrent_inserts(seeded: str) -> None:
    session = await open_session(seeded)
    with psycopg.connect(seeded) as conn:
        before = {r[0] for r in conn.execute(
            "SELECT process_instance_id FROM procos_ai_process_summary")}
    seen: list[str] = []
    page = await session.process_page(None, None, 20)
    seen += [r.process_instance_id for r in page.rows]
    n = 0
    with psycopg.connect(seeded, autocommit=True) as writer:
        while page.next_cursor is not None:
            # New instances arrive between pages (the newest activity, like live traffic).
            insert(writer, f"live-{n}", datetime.now(UTC))
            n += 1
            page = await session.process_page(None, page.next_cursor, 20)
            seen += [r.process_instance_id for r in page.rows]
        writer.execute("DELETE FROM procos_ai_context WHERE process_instance_id LIKE 'live-%'")
    assert len(seen) == len(set(seen)), "a process instance was listed twice"
    assert set(seen) == before, "a process instance was skipped"
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
    assert rows[1].token_usage == {"total_tokens": 42}
    full = await session.content(row_id)
    assert full is not None and full.content_text == big
    assert json.loads(full.content_data_json) == {"content": big}
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
    with pytest.raises(DatabaseError, match="read-only"):
        await session.execute("SET default_transaction_read_only = off; "
                              "DELETE FROM procos_ai_models")
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
