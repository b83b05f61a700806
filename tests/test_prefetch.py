"""The forked first-page fetch: same answer as the session's own, and never a stuck child."""

from __future__ import annotations

import os
import socket
import time

import psycopg
import pytest

from procos_tui.core.types import ProcessFilter
from procos_tui.db.conninfo import Target
from procos_tui.db.prefetch import Prefetch, fetch_first_page
from procos_tui.db.session import BrowseSession

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


@pytest.mark.db
async def test_child_answers_what_the_session_would(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        for i in range(120):
            conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                         " content_data, content_text, created_at) VALUES (%s, 'output', '{}',"
                         " 'an answer long enough', now() - %s * interval '1 minute')",
                         (f"pf-{i:03d}", i))
    prefetch = Prefetch.start(db, None)
    assert prefetch is not None
    assert prefetch.ready(20)
    answer = prefetch.wait()
    assert answer is not None and answer.error is None and answer.page is not None
    assert answer.facts is not None and answer.facts.read_only
    session = BrowseSession(Target(db, "test"))
    await session.open()
    expected = await session.process_page(ProcessFilter(), None, 100)
    await session.close()
    assert answer.page == expected
    assert [r.process_instance_id for r in answer.page.rows][:2] == ["pf-000", "pf-001"]
    assert "@" in answer.label and "password" not in answer.label
    assert prefetch.wait() is None  # one answer only


def test_errors_come_back_as_one_line() -> None:
    answer = fetch_first_page("host=x = broken", None, ProcessFilter())
    assert answer.error is not None and "invalid connection string" in answer.error
    answer = fetch_first_page("host=127.0.0.1 port=1 password=s3cret connect_timeout=2", None,
                              ProcessFilter())
    assert answer.error is not None and "cannot connect" in answer.error
    assert "s3cret" not in answer.error


def test_abandon_ends_a_child_stuck_on_a_silent_server() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        prefetch = Prefetch.start(f"host=127.0.0.1 port={port} connect_timeout=30", None)
        assert prefetch is not None
        assert not prefetch.ready(0.5)
        started = time.monotonic()
        prefetch.abandon()
        assert time.monotonic() - started < 5
        with pytest.raises(ChildProcessError):
            os.waitpid(prefetch.pid, os.WNOHANG)
