"""Hostile input through the screens (issue 12): stored text copied, user patterns, failed
loads, catalog names on the Health screen; driven by Pilot against a real database."""

from __future__ import annotations

import asyncio
import json
import random
import uuid

import psycopg
import pytest

from procos_tui.demo.hostile import hostile
from procos_tui.ui.app import ProcosApp
from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.dialogs import ChoiceScreen
from procos_tui.ui.textpane import TextPane
from tests.hostile import assert_safe
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db


def _row(conn: psycopg.Connection[tuple[object, ...]], pid: str, text: str,
         data: object = None) -> None:
    conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                 " content_data, content_text, ai_provider, model_used) VALUES (%s, 'output',"
                 " %s, %s, 'openai', 'gpt-4o')",
                 (pid, json.dumps(data if data is not None else {"content": text}), text))


def _pane(app: ProcosApp, role: str) -> TextPane:
    return app.screen.query_one(f"#{role}", TextPane)


def _notices(app: ProcosApp) -> str:
    return "\n".join(n.message for n in app._notifications)


async def test_copy_of_stored_controls_is_the_visible_form_exact_bytes_on_request(
        db: str, procos_app: AppFactory) -> None:
    """Issue 12 #3: `y` on the demo's hostile row copies stand-ins, not ESC; `Y` and an
    explicit choice copy the exact bytes."""
    pid = f"copy-{uuid.uuid4().hex[:8]}"
    _inp, _itext, out, text, _usage = hostile("ansi", random.Random(7))
    assert text is not None and "\x1b" in text
    with psycopg.connect(db, autocommit=True) as conn:
        _row(conn, pid, text, out)
    app = procos_app(db, process_id=pid)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and _pane(app, "response").text != "")
        await pilot.press("2", "r")
        await wait_for(pilot, lambda: _pane(app, "response").text == text)
        await pilot.press("y")
        await wait_for(pilot, lambda: "Copied" in _notices(app))
        assert app.clipboard and "␛]52;c;aGVsbG8=␇" in app.clipboard
        assert_safe(app.clipboard)
        assert app.clipboard.count("\n") == text.count("\n")  # line ends stay as stored
        assert "copied as shown" in _notices(app) and "Y copies the exact" in _notices(app)
        await pilot.press("Y")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert "may run commands when pasted" in screen_text(app)
        await pilot.press("escape")  # the dialog's Esc copies nothing
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        assert "\x1b" not in app.clipboard
        await pilot.press("Y")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("x")
        await wait_for(pilot, lambda: app.clipboard == text)


async def test_copy_of_clean_text_is_exact_at_once(db: str, procos_app: AppFactory) -> None:
    pid = f"copy-clean-{uuid.uuid4().hex[:8]}"
    text = "plain\ttabbed\r\nline two é 🙂\n"
    with psycopg.connect(db, autocommit=True) as conn:
        _row(conn, pid, text)
    app = procos_app(db, process_id=pid)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and _pane(app, "response").text != "")
        await pilot.press("2", "r")
        await wait_for(pilot, lambda: _pane(app, "response").text == text)
        await pilot.press("y")
        await wait_for(pilot, lambda: "Copied" in _notices(app))
        assert app.clipboard == text and "as shown" not in _notices(app)
        await pilot.press("Y")
        await pilot.pause()
        assert isinstance(app.screen, ConversationScreen)  # nothing to confirm
        assert app.clipboard == text


async def test_esc_on_the_model_conflict_keeps_the_draft_and_the_cursor(
        fresh: str, procos_app: AppFactory) -> None:
    """Issue 12 #13: Esc on "The model changed since you opened it" goes back to the form
    with what was typed; the list's cursor stays on the model, so `e` edits it again."""
    from textual.widgets import TextArea

    from procos_tui.ui.model_form import ModelForm
    from procos_tui.ui.models import ModelRows, ModelsScreen

    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("DELETE FROM procos_ai_models")
        conn.execute("INSERT INTO procos_ai_models (model_name, provider, version, config_data)"
                     " VALUES ('gpt-4o', 'openai', '2024-08-06', '{}'),"
                     " ('claude-sonnet-4', 'anthropic', '20250514', NULL)")
    app = procos_app(fresh)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(app))
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen)
                       and "2 of 2 models" in screen_text(app))
        shown = app.screen
        assert isinstance(shown, ModelsScreen)
        models: ModelsScreen = shown
        table = models.query_one(ModelRows)
        table.move_cursor([r.model_name for r in models.shown].index("gpt-4o"))
        assert table.cursor_row == 1  # sorted by provider: not the top row
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelForm))
        with psycopg.connect(fresh, autocommit=True) as conn:
            conn.execute("UPDATE procos_ai_models SET config_data = '{\"theirs\": 1}'"
                         " WHERE model_name = 'gpt-4o'")
        app.screen.query_one("#config_data", TextArea).text = '{"my draft": 2}'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: "changed since you opened it" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelForm))
        assert app.screen.query_one("#config_data", TextArea).text == '{"my draft": 2}'
        await pilot.press("escape")  # leave the form: the list, cursor still on gpt-4o
        await wait_for(pilot, lambda: app.screen is models and not models.counting)
        await pilot.pause(0.2)
        selected = models.selected()
        assert selected is not None and selected.model_name == "gpt-4o"


async def test_a_failed_load_says_so_and_r_retries(db: str, procos_app: AppFactory) -> None:
    """Issue 12 #19: the browsing backend dies while a big row loads. The panes say the load
    failed (not "loading…", not "the row is gone"), `2` does not claim otherwise, R reads
    again and shows the text."""
    pid = f"killed-{uuid.uuid4().hex[:8]}"
    big = "first line of a big answer\n" + "y" * 3_000_000 + "\nlast line"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, task_id,"
                     " context_type, content_data, content_text, created_at) VALUES"
                     " (%s, 't1', 'output', '{}', 'small answer', now() - interval '1 hour'),"
                     " (%s, 't2', 'output', '{}', %s, now())", (pid, pid, big))
    app = procos_app(db, process_id=pid)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and _pane(app, "response").text == "small answer")
        browsing = app.gateway.browse.backend_pid
        assert browsing is not None
        with psycopg.connect(db) as locker, psycopg.connect(db, autocommit=True) as killer:
            # The big row's read waits behind this lock, so it is surely under way when its
            # backend is ended.
            locker.execute("LOCK TABLE procos_ai_context IN ACCESS EXCLUSIVE MODE")
            await pilot.press("right_square_bracket")

            def waiting() -> bool:
                row = killer.execute("SELECT wait_event_type FROM pg_stat_activity WHERE"
                                     " pid = %s", (browsing,)).fetchone()
                return row is not None and row[0] == "Lock"

            await wait_for(pilot, waiting)
            killer.execute("SELECT pg_terminate_backend(%s)", (browsing,))
            await wait_for(pilot, lambda: "the load failed" in screen_text(app))
            locker.rollback()
        # The footer shows the key once it has redrawn for the failed state (a refresh later).
        await wait_for(pilot, lambda: "Retry load" in screen_text(app))
        text = screen_text(app)
        assert "load failed: R retries" in text and "loading…" not in text
        assert "gone" not in text
        await pilot.press("2")
        await pilot.pause(0.3)
        assert "the load failed" in screen_text(app) and "gone" not in screen_text(app)
        await pilot.press("R")
        await wait_for(pilot, lambda: _pane(app, "response").text == big)
        await wait_for(pilot, lambda: "first line of a big answer" in screen_text(app))
        assert "load failed" not in screen_text(app)


async def test_health_shows_catalog_names_as_text_and_unanalysed_tables_plainly(
        fresh: str, procos_app: AppFactory) -> None:
    """Issue 12 #4 (screen) and #20: an index named with an OSC 2 title change and a bidi
    override on an AI table reaches no title, notice or line of the Health screen raw; a
    table never analysed says so instead of "~-1 rows"."""
    from procos_tui.ui.health import HealthScreen

    name = "ix\x1b]2;owned\x07\u202eevil\x9b31m"
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute(f'CREATE INDEX "{name}" ON procos_ai_context (context_type)')
        assert conn.execute("SELECT reltuples FROM pg_class WHERE relname ="
                            " 'procos_ai_search_words'").fetchone() == (-1,)
    app = procos_app(fresh)
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(app))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen)
                       and "1 finding(s)" in screen_text(app), timeout=30)
        text = screen_text(app)
        assert "ix␛]2;owned␇<U+202E>evil\\x9b31m" in text
        await pilot.press("shift+tab")  # the tables list, its detail: the unused indexes
        await wait_for(pilot, lambda: "unused since the statistics" in screen_text(app))
        for shown in (screen_text(app), _notices(app)):
            assert_safe(shown)
        await pilot.press("down", "down")  # the tables list: procos_ai_search_words
        await wait_for(pilot, lambda: "procos_ai_search_words ·" in screen_text(app))
        text = screen_text(app)
        for shown in (text, app.title, app.sub_title, app.screen.title or "",
                      app.screen.sub_title or "", _notices(app)):
            assert_safe(shown)
        assert "~-1 rows" not in text and "not analysed yet" in text


async def test_a_catastrophic_regex_in_the_landing_leaves_the_ui_responsive(
        db: str, procos_app: AppFactory) -> None:
    """Issue 12 #6: PostgreSQL matches `(x+x+)+y` at once; Python's backtracking matcher
    would take hours over 32 x's and hold the GIL meanwhile. The landing's scan runs in a
    child killed at its deadline: keys work throughout, the screen says the highlight was
    given up, and the pane shows the text the server matched instead."""
    from textual.widgets import DataTable, Input

    from procos_tui.core.find import REGEX_DEADLINE_S
    from procos_tui.ui.search import SearchScreen

    pid = f"redos-{uuid.uuid4().hex[:8]}"
    body = "start " + "x" * 32 + "! and then later xxy done"
    with psycopg.connect(db, autocommit=True) as conn:
        _row(conn, pid, body)
    app = procos_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(app))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        search = app.screen
        search.query_one("#query", Input).value = f"mode:regex id:{pid} (x+x+)+y"
        await wait_for(pilot, lambda: search.query_one("#hits", DataTable).row_count == 1)
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        conversation = app.screen
        assert isinstance(conversation, ConversationScreen)
        pane = _pane(app, "response")
        await wait_for(pilot, lambda: pane.finding == "(x+x+)+y")
        loop = asyncio.get_running_loop()
        started = loop.time()
        await pilot.press("z")  # a key while the pattern runs
        await wait_for(pilot, lambda: conversation.has_class("zoom-response"), timeout=2)
        await pilot.press("z")
        await wait_for(pilot, lambda: not conversation.has_class("zoom-response"), timeout=2)
        assert loop.time() - started < 2
        await wait_for(pilot, lambda: "given up" in _notices(app),
                       timeout=REGEX_DEADLINE_S + 10)
        await wait_for(pilot, lambda: pane.matches is not None and len(pane.matches) == 1)
        assert pane.matches is not None
        assert pane.text[pane.matches.starts[0]:pane.matches.ends[0]] == "xxy"
        assert "the text the server matched" in _notices(app)
        started = loop.time()
        await pilot.press("escape", "escape")  # the pane's find, then the screen
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), timeout=2)
        assert loop.time() - started < 2
