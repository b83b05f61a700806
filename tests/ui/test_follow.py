"""Follow mode (F, --follow) against a real server: rows stored by another connection show up
on the list and in a conversation within the poll bound, marked and counted, the cursor never
moved under a reader, and a killed backend costs no row and repeats none."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from textual.pilot import Pilot

from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.follow import Following
from procos_tui.ui.interaction_view import InteractionRows
from procos_tui.ui.processes import ProcessesScreen
from procos_tui.ui.rowlist import RowList
from procos_tui.ui.textpane import TextPane
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db

BASE = datetime.now(UTC) - timedelta(hours=2)
# A new row shows within 2 s of its commit; Pilot and a loaded CI machine get some slack.
BOUND_S = 8.0


def _insert(conninfo: str, pid: str, kind: str, text: str) -> str:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO procos_ai_context (process_instance_id, task_id, context_type,"
            " content_data, content_text, ai_provider, model_used)"
            " VALUES (%s, %s, %s, %s, %s, 'openai', 'gpt-4o') RETURNING id::text",
            (pid, f"{pid}-task", kind, json.dumps({"content": text}), text)).fetchone()
    assert row is not None
    return str(row[0])


def _seed(conninfo: str, count: int) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        for n in range(count):
            conn.execute(
                "INSERT INTO procos_ai_context (process_instance_id, context_type,"
                " content_data, content_text, created_at) VALUES (%s, 'output', %s, %s, %s)",
                (f"old-{n:02d}", json.dumps({"content": "x"}), f"answer {n}",
                 BASE + timedelta(minutes=n)))


def _kill_app_backends(conninfo: str) -> int:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = 'procos-tui' AND pid <> pg_backend_pid()"
            " AND datname = current_database()").fetchall()
    return len(rows)


async def _following(pilot: Pilot[None]) -> None:
    """Until the screen's walk has its starting point (the server's clock when F was
    pressed): rows stored from then on are the new ones."""
    await wait_for(pilot, lambda: "following" in _status(pilot.app)
                   and isinstance(pilot.app.screen, Following)
                   and pilot.app.screen.follower.position is not None)


def _status(app: object) -> str:
    """The status line (the one that starts with what the session may do)."""
    return next((line for line in screen_text(app).splitlines()  # type: ignore[arg-type]
                 if line.strip().startswith("read-only")), "")


async def test_the_list_follows_at_the_top_and_only_counts_further_down(
        fresh: str, procos_app: AppFactory) -> None:
    _seed(fresh, 30)
    app = procos_app(fresh, follow=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "30 process instances" in screen_text(app))
        await _following(pilot)
        _insert(fresh, "live-1", "input", "what now?")
        _insert(fresh, "live-1", "output", "this")
        started = time.monotonic()
        # At the top: the first page is read again, the new instance on it, marked.
        await wait_for(pilot, lambda: "●live-1" in screen_text(app), timeout=BOUND_S)
        assert time.monotonic() - started < BOUND_S
        text = screen_text(app)
        assert "31 process instances" in text and "● 1 with new rows" in text
        await wait_for(pilot, lambda: "following · 2 new rows" in _status(app))

        # Further down, the cursor stays on its row and the list is not read again.
        table = app.screen.query_one(RowList)
        await pilot.press("down", "down", "down")
        await wait_for(pilot, lambda: table.cursor_row == 3)
        under = table.key_at(3)
        _insert(fresh, "live-2", "output", "later")
        await wait_for(pilot, lambda: "1 new rows above: Home shows them" in screen_text(app),
                       timeout=BOUND_S)
        assert table.cursor_row == 3 and table.key_at(3) == under
        assert "live-2" not in screen_text(app)
        await pilot.press("home")
        await wait_for(pilot, lambda: "●live-2" in screen_text(app))
        assert "● 2 with new rows" in screen_text(app)

        # A lost connection: retried from the same position, no row missed, none twice.
        assert _kill_app_backends(fresh) >= 1
        _insert(fresh, "live-3", "output", "after the kill")
        await wait_for(pilot, lambda: "●live-3" in screen_text(app), timeout=BOUND_S * 2)
        await wait_for(pilot, lambda: "following · 4 new rows" in _status(app))
        assert screen_text(app).count("live-3") == 1

        # F again: no longer following, the marks go.
        await pilot.press("F")
        await wait_for(pilot, lambda: "following" not in _status(app))
        assert "●" not in screen_text(app)
        _insert(fresh, "live-4", "output", "unseen")
        await pilot.pause(3.0)
        assert "live-4" not in screen_text(app)
        assert isinstance(app.screen, ProcessesScreen)


async def test_a_conversation_follows_its_instance_and_keeps_a_reader_in_place(
        fresh: str, procos_app: AppFactory) -> None:
    pid = "conv-live"
    _insert(fresh, pid, "input", "first question")
    _insert(fresh, pid, "output", "first answer")
    _insert(fresh, "elsewhere", "output", "not this instance")
    app = procos_app(fresh, process_id=pid)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and "1 interaction" in screen_text(app))
        await pilot.press("F")
        await _following(pilot)
        # On the last interaction: the reader follows to the new last one.
        _insert(fresh, pid, "input", "second question")
        _insert(fresh, pid, "output", "second answer, whole")
        _insert(fresh, "elsewhere", "output", "still not this one")
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        table = screen.query_one(InteractionRows)
        await wait_for(pilot, lambda: "2 interactions" in screen_text(app), timeout=BOUND_S)
        await wait_for(pilot, lambda: table.cursor_row == 1 and screen.query_one(
            "#response", TextPane).text == "second answer, whole")
        text = screen_text(app)
        assert "● 2 new rows" in text and "●" in text.split("Prompt")[0]
        assert "still not this one" not in text

        # On the first interaction: it stays there while the third comes.
        await pilot.press("home")
        await wait_for(pilot, lambda: table.cursor_row == 0 and screen.query_one(
            "#response", TextPane).text == "first answer")
        _insert(fresh, pid, "input", "third question")
        await wait_for(pilot, lambda: "3 interactions" in screen_text(app), timeout=BOUND_S)
        assert table.cursor_row == 0
        assert screen.query_one("#response", TextPane).text == "first answer"
        assert "● 3 new rows" in screen_text(app)


def test_follow_on_the_command_line() -> None:
    from procos_tui.cli.main import build_parser

    assert build_parser().parse_args(["--follow"]).follow is True
    assert build_parser().parse_args(["demo", "--follow"]).follow is True
    assert build_parser().parse_args([]).follow is False


async def test_a_writer_thread_across_instances_every_row_counted_once(
        fresh: str, procos_app: AppFactory) -> None:
    """A writer inserting into three instances while the list follows: every row arrives,
    none twice (the follower's count), each instance marked once on the first page."""
    import threading

    _seed(fresh, 5)
    app = procos_app(fresh, follow=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "5 process instances" in screen_text(app))
        await _following(pilot)
        wrote: list[str] = []

        def writer() -> None:
            for n in range(30):
                wrote.append(_insert(fresh, f"writer-{n % 3}", "output", f"row {n}"))
                time.sleep(0.02)

        thread = threading.Thread(target=writer)
        thread.start()
        while thread.is_alive():
            await pilot.pause(0.1)
        thread.join()
        screen = app.screen
        assert isinstance(screen, Following)
        await wait_for(pilot, lambda: screen.follower.new_rows == len(wrote) == 30,
                       timeout=BOUND_S)
        await wait_for(pilot, lambda: all(f"●writer-{n}" in screen_text(app) for n in range(3)))
        text = screen_text(app)
        assert all(text.count(f"writer-{n}") == 1 for n in range(3))
        assert "8 process instances" in text and "● 3 with new rows" in text
        await pilot.pause(2.5)  # a quiet poll or two later: still nothing counted twice
        assert screen.follower.new_rows == 30
