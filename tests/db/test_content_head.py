"""The head of a big body: exactly its first characters, whatever their width in bytes."""

from __future__ import annotations

import psycopg
import pytest

from tests.db.test_session import BASE, insert, open_session

pytestmark = pytest.mark.db
BOTH_LAYOUTS = True  # every test here on the plain and the partitioned table


async def test_content_head_is_the_first_characters_and_nothing_heavy(db: str) -> None:
    text = ("Zürich 漢字 🙂 " * 40_000) + "THE END"
    with psycopg.connect(db, autocommit=True) as conn:
        row_id = insert(conn, "head-1", BASE, text=text)
        empty_id = insert(conn, "head-2", BASE, text=None, data={"content": None})
    session = await open_session(db)
    head = await session.content_head(row_id, 1000)
    assert head is not None and head.content_text == text[:1000]
    assert head.content_data_json is None and head.process_instance_id == "head-1"
    full = await session.content(row_id)
    assert full is not None and full.content_text == text
    none = await session.content_head(empty_id, 1000)
    assert none is not None and none.content_text is None
    assert await session.content_head("not-a-uuid", 10) is None
    await session.close()
