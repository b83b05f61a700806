"""The forked first-page fetch: same answer as the session's own, and never a stuck child."""

from __future__ import annotations

import os

import psycopg
import pytest

from procos_tui.core.types import ProcessFilter
from procos_tui.db.conninfo import Target
from procos_tui.db.prefetch import Prefetch
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


