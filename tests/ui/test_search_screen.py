"""The search screen driven by Pilot against a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from textual.widgets import DataTable, Input

from procos_tui.ui.app import ProcosApp
from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.search import SearchScreen
from procos_tui.ui.textpane import TextPane
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db

BASE = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BIG = 4 * 1024 * 1024
SLOW = r"mode:regex (.)\1\1\1\1\1"


def _running_since(dsn: str, pid: int | None, before: datetime) -> bool:
    """Whether backend pid is still running a statement it started before `before`."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT state, query_start < %s FROM pg_stat_activity"
                           " WHERE pid = %s", (before, pid)).fetchone()
    return row is not None and row[0] == "active" and bool(row[1])


def _server_now(dsn: str) -> datetime:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT clock_timestamp()").fetchone()
    assert row is not None
    now: datetime = row[0]
    return now


def _active(dsn: str, pid: int | None) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT state FROM pg_stat_activity WHERE pid = %s",
                           (pid,)).fetchone()
    return row is not None and row[0] == "active"


@pytest.fixture(scope="module")
def searchable(db: str) -> str:
    rows = []
    for i in range(120):
        rows.append((f"pi-{i:04d}", "input", json.dumps({"query": f"question {i}"}),
                     f"question {i} about invoices", BASE + timedelta(minutes=2 * i)))
        rows.append((f"pi-{i:04d}", "output", json.dumps({"content": f"answer {i}"}),
                     f"answer {i}: the invoice total is fine", BASE + timedelta(minutes=2 * i + 1)))
    head = "filler line of a long response\n" * (BIG // 31)
    rows.append(("pi-big", "input", json.dumps({"query": "find the marmot"}), "find the marmot",
                 BASE + timedelta(days=1)))
    rows.append(("pi-big", "output", json.dumps({"content": "x"}),
                 head + "here is the marmotfest line\n" + head + "marmotfest again at the end",
                 BASE + timedelta(days=1, seconds=1)))
    rows.append(("pi-evil", "out\x1b[2J", "{}", "evil \x1b]52;c;aGk=\x07\u202e marmotfest-evil",
                 BASE + timedelta(days=2)))
    # No character six times in a row: SLOW reads all 32 MB of it (seconds).
    rows.append(("pi-slow", "output", "{}", "abcdefgh " * (32 * 1024 * 1024 // 9),
                 BASE - timedelta(days=1)))
    with psycopg.connect(db, autocommit=True) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
                " content_text, ai_provider, model_used, created_at)"
                " VALUES (%s, %s, %s, %s, 'openai', 'gpt-4o', %s)", rows)
        conn.execute("SELECT procos_ai_refresh_search_words()")
    return db


async def _open_search(app: ProcosApp, pilot: object) -> SearchScreen:
    await pilot.press("s")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, SearchScreen)
    return screen


async def test_hits_show_the_match_and_enter_lands_on_it(searchable: str,
                                                         procos_app: AppFactory) -> None:
    app = procos_app(searchable)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_search(app, pilot)
        await pilot.press(*"marmotfest")
        await wait_for(pilot, lambda: "2 hits" in screen_text(app))
        text = screen_text(app)
        assert "pi-evil" in text and "pi-big" in text and "newest first" in text
        assert "\x1b" not in text and "\u202e" not in text
        table = screen.query_one("#hits", DataTable)
        assert table.row_count == 2
        await pilot.press("enter")  # from the query line to the hits
        await wait_for(pilot, lambda: screen.focused is table)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        pane = app.screen.query_one("#response", TextPane)
        await wait_for(pilot, lambda: pane.matches is not None and len(pane.matches) == 2,
                       timeout=30)
        assert app.screen.focused is pane
        assert pane.matches is not None
        assert pane.text[pane.matches.starts[0]:pane.matches.ends[0]] == "marmotfest"
        await wait_for(pilot, lambda: "match 1/2" in screen_text(app))
        first = pane.scroll_y
        assert first > 100  # scrolled down to the match, megabytes in
        await pilot.press("n")
        await wait_for(pilot, lambda: "match 2/2" in screen_text(app))
        assert pane.scroll_y > first
        await pilot.press("escape", "escape")  # clear the find, then back to the hits
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        assert "2 hits" in screen_text(app)


async def test_modes_filters_errors_and_short_terms(searchable: str,
                                                    procos_app: AppFactory) -> None:
    app = procos_app(searchable)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_search(app, pilot)
        query = screen.query_one("#query", Input)
        query.value = "type:input invoices id:pi-000"
        await wait_for(pilot, lambda: "10 hits" in screen_text(app))
        query.value = "invoice(s"
        await pilot.press("ctrl+t", "ctrl+t")  # substring -> fuzzy -> regex
        await wait_for(pilot, lambda: "invalid regular expression" in screen_text(app))
        assert screen.mode.value == "regex"
        await pilot.press("ctrl+t")  # back to substring: the same text is literal
        await wait_for(pilot, lambda: "no hits" in screen_text(app).lower()
                       or "0 hits" in screen_text(app))
        query.value = "invoyces mode:fuzzy"
        await wait_for(pilot, lambda: "invoices" in screen_text(app)
                       and "hits" in screen_text(app), timeout=20)
        assert screen.query_one("#hits", DataTable).row_count > 0
        query.value = "since:yesterday x"
        await wait_for(pilot, lambda: "not an ISO date" in screen_text(app))
        assert screen.query_one("#hits", DataTable).row_count == 0  # no stale hits
        query.value = "42"
        await wait_for(pilot, lambda: "under 3 characters" in screen_text(app))


async def test_escape_cancels_a_slow_search_at_the_server(searchable: str,
                                                          procos_app: AppFactory) -> None:
    app = procos_app(searchable)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_search(app, pilot)
        screen.query_one("#query", Input).value = SLOW
        await wait_for(pilot, lambda: "searching" in screen_text(app)
                       and app.gateway.search_session.backend_pid is not None)
        pid = app.gateway.search_session.backend_pid
        await wait_for(pilot, lambda: _active(searchable, pid))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "cancelled" in screen_text(app))
        await wait_for(pilot, lambda: not _active(searchable, pid), timeout=0.5)
        assert screen.busy_since is None
        await pilot.press("escape")  # nothing runs now: back to the list
        await wait_for(pilot, lambda: not isinstance(app.screen, SearchScreen))


async def test_typing_a_new_query_cancels_the_running_one(searchable: str,
                                                          procos_app: AppFactory) -> None:
    app = procos_app(searchable)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_search(app, pilot)
        query = screen.query_one("#query", Input)
        query.value = SLOW
        await wait_for(pilot, lambda: "searching" in screen_text(app)
                       and app.gateway.search_session.backend_pid is not None)
        pid = app.gateway.search_session.backend_pid
        await wait_for(pilot, lambda: _active(searchable, pid))
        typed = _server_now(searchable)
        assert _running_since(searchable, pid, typed)  # the slow statement, seconds to go
        query.value = "marmotfest"
        # it stops at the server...
        await wait_for(pilot, lambda: not _running_since(searchable, pid, typed), timeout=1.5)
        # ...and the new search answers
        await wait_for(pilot, lambda: "2 hits" in screen_text(app))
        assert screen.query_one("#hits", DataTable).row_count == 2


async def test_more_hits_load_as_the_cursor_nears_the_end(searchable: str,
                                                          procos_app: AppFactory) -> None:
    app = procos_app(searchable)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_search(app, pilot)
        screen.query_one("#query", Input).value = "type:output invoice total"
        table = screen.query_one("#hits", DataTable)
        await wait_for(pilot, lambda: table.row_count == 50)
        assert "more as you scroll" in screen_text(app)
        await pilot.press("enter", "G")
        await wait_for(pilot, lambda: table.row_count == 100)
        await pilot.press("G")
        await wait_for(pilot, lambda: table.row_count == 120)
        await wait_for(pilot, lambda: "120 hits" in screen_text(app))
        # newest first across the pages
        pids = [screen.hits[n].process_instance_id for n in range(120)]
        assert pids == [f"pi-{i:04d}" for i in range(119, -1, -1)]


@pytest.mark.parametrize("pattern", [r"\mmarmotfest\M",  # Python cannot read \m, \M
                                     r"[[:alpha:]]+fest line"])  # Python reads it otherwise
async def test_a_postgresql_only_regex_still_lands_on_the_match(searchable: str,
                                                                 pattern: str,
                                                                 procos_app: AppFactory) -> None:
    app = procos_app(searchable)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await _open_search(app, pilot)
        screen.query_one("#query", Input).value = f"mode:regex id:pi-big {pattern}"
        table = screen.query_one("#hits", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        conversation = app.screen
        assert isinstance(conversation, ConversationScreen)
        pane = conversation.query_one("#response", TextPane)
        await wait_for(pilot, lambda: pane.matches is not None and len(pane.matches) >= 1
                       and conversation.landing is None, timeout=30)
        assert pane.matches is not None
        first = pane.text[pane.matches.starts[0]:pane.matches.ends[0]]
        assert first.startswith("marmotfest") and pane.scroll_y > 100


async def test_search_keeps_its_line_when_closed_and_opened_again(searchable: str,
                                                                  procos_app: AppFactory) -> None:
    app = procos_app(searchable)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open_search(app, pilot)
        screen.query_one("#query", Input).value = "marmotfest"
        await wait_for(pilot, lambda: "2 hits" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SearchScreen))
        screen = await _open_search(app, pilot)
        assert screen.query_one("#query", Input).value == "marmotfest"
        await wait_for(pilot, lambda: "2 hits" in screen_text(app))
        await pilot.press("down")  # from the line to the hits
        await wait_for(pilot, lambda: screen.focused is screen.query_one("#hits", DataTable))
