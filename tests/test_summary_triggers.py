"""The trigger-kept process summary always equals a GROUP BY over procos_ai_context."""

from __future__ import annotations

import json

import psycopg
import pytest

pytestmark = pytest.mark.db

TRUTH = """
SELECT process_instance_id, min(created_at), coalesce(max(created_at), '-infinity')::text, count(*),
       count(*) FILTER (WHERE context_type = 'output'),
       coalesce(array_agg(DISTINCT ai_provider::text ORDER BY ai_provider::text)
                FILTER (WHERE ai_provider IS NOT NULL), '{}'),
       coalesce(array_agg(DISTINCT model_used::text ORDER BY model_used::text)
                FILTER (WHERE model_used IS NOT NULL), '{}'),
       coalesce(sum(procos_ai_token_total(token_usage)), 0),
       count(*) FILTER (WHERE context_type = 'output' AND coalesce(length(content_text), 0) < 50)
FROM procos_ai_context GROUP BY 1 ORDER BY 1
"""
SUMMARY = """
SELECT process_instance_id, first_at, last_at::text, entry_count, output_count,
       ARRAY(SELECT unnest(providers) ORDER BY 1), ARRAY(SELECT unnest(models) ORDER BY 1),
       total_tokens, suspect_outputs
FROM procos_ai_process_summary ORDER BY 1
"""


def check(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    assert conn.execute(SUMMARY).fetchall() == conn.execute(TRUTH).fetchall()


def add(conn: psycopg.Connection[tuple[object, ...]], pid: str, kind: str, text: str | None,
        provider: str | None, usage: object, when: str | None = "2026-11-01T10:00:00Z") -> None:
    conn.execute(
        "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
        " content_text, ai_provider, model_used, token_usage, created_at)"
        " VALUES (%s, %s, '{}', %s, %s, %s, %s, %s)",
        (pid, kind, text, provider, provider and f"{provider}-model",
         None if usage is None else json.dumps(usage), when))


def test_summary_follows_every_kind_of_write(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        add(conn, "a", "input", "q" * 80, "openai", None)
        add(conn, "a", "output", "short", "openai", {"total_tokens": 12})
        add(conn, "a", "output", "x" * 100, "anthropic", {"input_tokens": 3, "output_tokens": 4},
            when="2026-11-02T10:00:00Z")
        add(conn, "b", "output", None, None, "not an object", when=None)
        check(conn)
        row = conn.execute("SELECT total_tokens, suspect_outputs, providers FROM "
                           "procos_ai_process_summary WHERE process_instance_id = 'a'").fetchone()
        assert row == (19, 1, ["anthropic", "openai"])
        # A multi-row statement (one transition table, several instances).
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text, created_at) SELECT 'm' || (g % 7), 'output',"
                     " '{}', repeat('y', g), now() - g * interval '1 minute'"
                     " FROM generate_series(1, 100) AS g")
        check(conn)
        conn.execute("UPDATE procos_ai_context SET content_text = 'now long enough to not be"
                     " a truncation suspect at all, really' WHERE content_text = 'short'")
        conn.execute("UPDATE procos_ai_context SET process_instance_id = 'moved'"
                     " WHERE process_instance_id = 'b'")
        check(conn)
        conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id = 'm3'")
        conn.execute("DELETE FROM procos_ai_context WHERE ai_provider = 'anthropic'")
        check(conn)
        assert conn.execute("SELECT count(*) FROM procos_ai_process_summary "
                            "WHERE process_instance_id IN ('m3', 'b')").fetchone() == (0,)
        conn.execute("TRUNCATE procos_ai_context")
        assert conn.execute("SELECT count(*) FROM procos_ai_process_summary").fetchone() == (0,)


@pytest.mark.parametrize("usage", [
    {"total_tokens": 1e30}, {"total_tokens": -5}, {"total_tokens": "12"}, [1, 2], 7, "x",
    {"prompt_tokens": 1.5, "completion_tokens": None}, {"total_tokens": {"nested": 1}}, None,
])
def test_strange_token_usage_never_breaks_an_insert(db: str, usage: object) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        add(conn, "weird-usage", "output", "z" * 60, "openai", usage)
        check(conn)
        conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id = 'weird-usage'")


def test_backfill_for_rows_written_before_the_summary(db: str) -> None:
    from procos_tui.db.schema import apply_schema

    with psycopg.connect(db, autocommit=True) as conn:
        add(conn, "old-1", "output", "w" * 70, "google", {"total_tokens": 5})
        conn.execute("DELETE FROM procos_ai_process_summary")
        apply_schema(conn)
        check(conn)
