"""Moving between process instances and going to one by what the user has at hand (an id, its
start in any case, a Camunda business key), against a real server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import psycopg
import pytest

from procos_tui.core.types import ProcessFilter, ProcessSort, SortKey
from procos_tui.db.schema import apply_schema
from procos_tui.db.session import BrowseSession
from procos_tui.demo.camunda import CAMUNDA_SUBSET_DDL
from tests.db.test_session import BASE, LATEST_FIRST, all_pages, insert, open_session

pytestmark = pytest.mark.db
BOTH_LAYOUTS = True  # every test here on the plain and the partitioned table


@pytest.fixture(scope="module")
def camunda_db(db: str) -> str:
    conninfo = db
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(CAMUNDA_SUBSET_DDL.encode())
        for i in range(30):
            pid = f"7f3c{i:02d}aa-{i:04d}"
            when = BASE + timedelta(minutes=i)
            insert(conn, pid, when, kind="input", text=f"question {i}",
                   provider="anthropic" if i % 3 == 0 else "openai")
            insert(conn, pid, when + timedelta(seconds=1),
                   provider="anthropic" if i % 3 == 0 else "openai",
                   usage={"total_tokens": 1000 - i * 7 if i % 2 else i})
        # Same last activity for several: the order's tie-break (row id) decides.
        for n in range(5):
            insert(conn, f"tie-{n}", BASE - timedelta(days=1))
        conn.execute("INSERT INTO act_hi_procinst (id_, proc_inst_id_, business_key_,"
                     " proc_def_key_, proc_def_id_, start_time_) VALUES"
                     " ('7f3c01aa-0001', '7f3c01aa-0001', 'order-1', 'triage', 't:1', now()),"
                     " ('7f3c02aa-0002', '7f3c02aa-0002', 'order-2', 'triage', 't:1', now()),"
                     " ('7f3c03aa-0003', '7f3c03aa-0003', 'order-2', 'triage', 't:1', now()),"
                     " ('camunda-only', 'camunda-only', 'order-9', 'triage', 't:1', now())")
        conn.execute("SELECT procos_ai_refresh_rollups(100000)")
    return conninfo


async def _walk(session: BrowseSession, start: str, flt: ProcessFilter, sort: ProcessSort,
                forward: bool) -> list[str]:
    seen = [start]
    while (nxt := await session.neighbour_process(seen[-1], flt, sort, forward)) is not None:
        seen.append(nxt)
        assert len(seen) < 100
    return seen


@pytest.mark.parametrize("sort", [ProcessSort(), ProcessSort(SortKey.LAST_ACTIVITY, False),
                                  ProcessSort(SortKey.FIRST_ACTIVITY),
                                  ProcessSort(SortKey.TOTAL_TOKENS),
                                  ProcessSort(SortKey.TOTAL_TOKENS, False)])
async def test_next_and_previous_follow_the_lists_order_both_ways(camunda_db: str,
                                                                  sort: ProcessSort) -> None:
    session = await open_session(camunda_db)
    order: list[str] = []
    page = await session.process_page(None, None, 7, sort=sort)
    order += [r.process_instance_id for r in page.rows]
    while page.next_cursor is not None:
        page = await session.process_page(None, page.next_cursor, 7, sort=sort)
        order += [r.process_instance_id for r in page.rows]
    assert len(order) == 35
    assert await _walk(session, order[0], ProcessFilter(), sort, True) == order
    assert await _walk(session, order[-1], ProcessFilter(), sort, False) == order[::-1]
    await session.close()


async def test_neighbours_keep_the_lists_filter(camunda_db: str) -> None:
    session = await open_session(camunda_db)
    flt = ProcessFilter(provider="anthropic")
    listed = await all_pages(session, flt, limit=3)
    assert len(listed) == 10
    assert await _walk(session, listed[0], flt, ProcessSort(), True) == listed
    # From an instance the filter leaves out: its neighbours in the filtered order.
    with psycopg.connect(camunda_db) as conn:
        every = [r[0] for r in conn.execute(LATEST_FIRST).fetchall()]
    outside = every[1]
    assert outside not in listed
    assert await session.neighbour_process(outside, flt, ProcessSort(), True) == listed[0]
    assert await session.neighbour_process("no-such-id", flt, ProcessSort(), True) is None
    await session.close()


async def test_go_to_an_id_a_prefix_in_any_case_and_a_business_key(camunda_db: str) -> None:
    session = await open_session(camunda_db)

    async def found(typed: str) -> list[tuple[str, str, bool]]:
        return [(m.process_instance_id, m.matched_by, m.has_ai_context)
                for m in await session.find_processes(typed)]

    assert await found("7f3c01aa-0001") == [("7f3c01aa-0001", "id", True)]
    assert await found(" 7F3C01AA-0001 ") == [("7f3c01aa-0001", "id", True)]
    assert await found("7F3c05") == [("7f3c05aa-0005", "id prefix", True)]
    assert len(await found("7F3C")) == 30
    assert await found("order-2") == [("7f3c02aa-0002", "business key", True),
                                      ("7f3c03aa-0003", "business key", True)]
    assert await found("order-9") == [("camunda-only", "business key", False)]
    assert await found("CAMUNDA-ONLY") == [("camunda-only", "id", False)]
    assert await found("nothing-like-it") == []
    # LIKE's wildcards are plain characters: "%" is no prefix of everything.
    assert await found("%") == [] and await found("t_e") == []
    keyed = await session.find_processes("7F3C01")
    assert [(m.process_instance_id, m.business_key) for m in keyed] == [
        ("7f3c01aa-0001", "order-1")]
    await session.close()


async def test_go_to_without_camunda_tables(empty_db: Callable[[], str]) -> None:
    conninfo = empty_db()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        apply_schema(conn)
        insert(conn, "abc-1", BASE)
        insert(conn, "abc-2", BASE)
    session = await open_session(conninfo)
    assert [m.process_instance_id for m in await session.find_processes("ABC")] == [
        "abc-1", "abc-2"]
    assert await session.find_processes("order-1") == []
    await session.close()
