"""Reading a hot standby: rows written on the primary, read through the gateway on a streaming
replica (built from the embedded server's binaries) once replayed: the list in several
orders, a conversation in full, search, Stats and the model writer's refusal."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from procos_tui.core.search_syntax import SearchMode, SearchRequest
from procos_tui.core.triage import StatsBy, StatsWindow
from procos_tui.core.types import ProcessFilter, ProcessSort, SortKey
from procos_tui.db.conninfo import Target
from procos_tui.db.gateway import Gateway
from tests.standby import streaming_pair

pytestmark = pytest.mark.db

BODY = "the standby's copy of a response, whole: " + "x" * 100_000


@pytest.fixture(scope="module")
def replicated() -> Iterator[str]:
    """A standby whose primary wrote two instances, once the standby has replayed them."""
    with streaming_pair() as (primary, replica):
        now = datetime.now(UTC)
        with psycopg.connect(primary, autocommit=True) as conn:
            for n, pid in enumerate(("sb-a", "sb-b")):
                for kind, text in (("input", "What failed?"), ("output", BODY + pid)):
                    conn.execute(
                        "INSERT INTO procos_ai_context (process_instance_id, task_id,"
                        " context_type, content_data, content_text, ai_provider, model_used,"
                        " token_usage, created_at) VALUES (%s, 't', %s, %s, %s, 'openai',"
                        " 'gpt-4o', %s, %s)",
                        (pid, kind, json.dumps({"content": text}), text,
                         json.dumps({"total_tokens": 10 * (n + 1)}) if kind == "output"
                         else None, now - timedelta(minutes=10 - n)))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with psycopg.connect(replica) as conn:
                row = conn.execute("SELECT count(*) FROM procos_ai_context").fetchone()
            if row == (4,):
                break
            time.sleep(0.2)
        yield replica


def test_browsing_search_and_stats_read_the_standby(replicated: str) -> None:
    async def read() -> None:
        gateway = Gateway(Target(replicated, "standby"))
        try:
            facts = await gateway.open()
            assert facts.standby and facts.read_only
            assert facts.replay_lag_s is not None and facts.replay_lag_s >= 0
            page = await gateway.process_page(ProcessFilter(), None, 10)
            assert [s.process_instance_id for s in page.rows] == ["sb-b", "sb-a"]
            by_tokens = await gateway.process_page(ProcessFilter(), None, 10,
                                                   sort=ProcessSort(SortKey.TOTAL_TOKENS))
            assert [s.total_tokens for s in by_tokens.rows] == [20, 10]
            headers = await gateway.interactions("sb-a")
            content = await gateway.content(headers[-1].id)
            assert content is not None and content.content_text == BODY + "sb-a"
            run = gateway.search(SearchRequest(("copy of a response",), SearchMode.SUBSTRING))
            hits = []
            while not run.done:
                hits += await run.next_page()
            assert sorted(h.process_instance_id for h in hits) == ["sb-a", "sb-b"]
            now = datetime.now(UTC)
            report = await gateway.stats(StatsWindow(now - timedelta(days=1),
                                                     now + timedelta(minutes=1)),
                                         StatsBy.MODEL)
            assert report.total.calls == 2 and report.total.total_tokens == 30
            refusal = await gateway.write_refusal()
            assert refusal is not None and "read-only replica" in refusal
        finally:
            await gateway.close()

    asyncio.run(read())
