"""The conversation screen driven by Pilot against a real database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from textual.widgets import Input

from procos_tui.ui.app import ProcosApp
from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.dialogs import PromptScreen
from procos_tui.ui.help import HelpScreen
from procos_tui.ui.processes import ProcessesScreen
from procos_tui.ui.rowlist import RowList
from procos_tui.ui.textpane import TextPane
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db

BASE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PID = "conv-1"
ANSWER = ("# Plan\n\nSome **bold** text and `code`.\n\n```python\ndef total(xs):\n"
          "    return sum(xs)\n```\n\n- first\n- second needle\n" + "filler line\n" * 200
          + "last needle here\n")
HOSTILE = ("before \x1b]52;c;SEVMTE8=\x07 \x1b]2;pwned\x07 \x1b[2J \u202eevil\u202c "
           "[@click=app.quit]x[/] [/x] after")
HUGE_LINE = "x" * 2_000_000 + " tail-of-the-line"


def _insert(conn: psycopg.Connection[tuple[object, ...]], pid: str, kind: str, data: object,
            text: str | None, minutes: int, usage: object = None, task: str | None = "t1",
            activity: str = "Activity_Answer") -> None:
    conn.execute(
        "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id, context_type,"
        " content_data, content_text, ai_provider, model_used, token_usage, created_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, 'openai', 'gpt-4o', %s, %s)",
        (pid, task, activity, kind, json.dumps(data), text,
         json.dumps(usage) if usage is not None else None,
         BASE + timedelta(minutes=minutes)))


@pytest.fixture(scope="module")
def seeded(db: str) -> str:
    with psycopg.connect(db, autocommit=True) as conn:
        _insert(conn, PID, "input", {"query": "Plan the week", "context": "Mon to Fri"},
                "Plan the week\n\nMon to Fri", 0)
        _insert(conn, PID, "output", {"content": ANSWER, "finish_reason": "stop"}, ANSWER, 1,
                {"prompt_tokens": 12, "completion_tokens": 340, "total_tokens": 352})
        _insert(conn, PID, "input", {"query": "Now in JSON"}, "Now in JSON", 2, task="t2")
        _insert(conn, PID, "output", ["not", "an", "object"], None, 3, task="t2")
        _insert(conn, "conv-hostile", "output", {"content": HOSTILE}, HOSTILE, 5)
        _insert(conn, "conv-huge", "output", {"content": HUGE_LINE}, HUGE_LINE, 6)
    return db


def pane(app: ProcosApp, role: str) -> TextPane:
    return app.screen.query_one(f"#{role}", TextPane)


async def open_conversation(app: ProcosApp, pilot: object, pid: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))  # type: ignore[arg-type]
    await wait_for(pilot, lambda: bool(pane(app, "response").text  # type: ignore[arg-type]
                                       or "(" in screen_text(app)))


async def test_enter_opens_the_conversation_and_escape_goes_back(seeded: str,
                                                                 procos_app: AppFactory) -> None:
    app = procos_app(seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: PID in screen_text(app))
        table = app.screen.query_one(RowList)
        table.move_cursor(table.keys.index(PID))
        await pilot.press("enter")
        await open_conversation(app, pilot, PID)
        await wait_for(pilot, lambda: "Plan the week" in screen_text(app))
        text = screen_text(app)
        assert "2 interactions" in text and "352" in text
        assert "## Query" in text and "Mon to Fri" in text  # prompt from query and context
        assert "# Plan" in text and "def total(xs):" in text
        assert pane(app, "response").text == ANSWER  # the pane holds every character
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessesScreen))


async def test_view_modes_raw_json_and_odd_shapes(seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(app, pilot, PID)
        await wait_for(pilot, lambda: pane(app, "response").text == ANSWER)
        await pilot.press("2")
        await wait_for(pilot, lambda: pane(app, "prompt").text == "Plan the week\n\nMon to Fri")
        await pilot.press("3")
        await wait_for(pilot, lambda: '"finish_reason": "stop"' in pane(app, "response").text)
        assert '"total_tokens": 352' in pane(app, "response").text
        assert "JSON" in screen_text(app)
        # The second interaction: content_data is an array and content_text is NULL.
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: '"not"' in pane(app, "response").text)
        await pilot.press("2")
        await wait_for(pilot, lambda: "content_text is NULL" in screen_text(app))
        await pilot.press("v")  # cycles back to rendered
        await wait_for(pilot, lambda: '"object"' in pane(app, "response").text)
        assert app.is_running


async def test_find_counts_and_moves_between_matches(seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_conversation(app, pilot, PID)
        await wait_for(pilot, lambda: pane(app, "response").text == ANSWER)
        await pilot.press("r", "slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"needle", "enter")
        await wait_for(pilot, lambda: "match 1/2" in screen_text(app))
        assert "second needle" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: "match 2/2" in screen_text(app))
        assert "last needle here" in screen_text(app)  # scrolled to the match
        await pilot.press("N")
        await wait_for(pilot, lambda: "match 1/2" in screen_text(app))
        await pilot.press("G")
        assert "last needle here" in screen_text(app)
        await pilot.press("home")
        assert "# Plan" in screen_text(app)


async def test_copy_whole_pane_and_selected_lines(seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(app, pilot, PID)
        await wait_for(pilot, lambda: pane(app, "response").text == ANSWER)
        await pilot.press("2", "r", "y")
        with psycopg.connect(seeded) as conn:
            stored = conn.execute("SELECT content_text FROM procos_ai_context WHERE"
                                  " process_instance_id = %s AND context_type = 'output'"
                                  " AND task_id = 't1'", (PID,)).fetchone()
        assert stored is not None and app.clipboard == stored[0]
        await wait_for(pilot, lambda: any(f"Copied {len(ANSWER):,} characters" in n.message
                                          for n in app._notifications))
        await pilot.press("home", "V", "down", "down", "y")
        assert app.clipboard == "# Plan\n\nSome **bold** text and `code`."


async def test_hostile_response_is_shown_as_visible_escapes(seeded: str,
                                                            procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id="conv-hostile")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(app, pilot, "conv-hostile")
        await wait_for(pilot, lambda: "after" in screen_text(app))
        text = screen_text(app)
        assert "␛]52;c;SEVMTE8=␇" in text and "␛]2;pwned␇" in text and "␛[2J" in text
        assert "<U+202E>evil<U+202C>" in text and "[@click=app.quit]x[/] [/x]" in text
        assert "\x1b" not in text and "\u202e" not in text
        await pilot.press("3")
        await wait_for(pilot, lambda: "\\u001b" in screen_text(app) or "␛" in screen_text(app))
        assert app.is_running


async def test_two_megabyte_line_wraps_and_reaches_its_end(seeded: str,
                                                           procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id="conv-huge")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_conversation(app, pilot, "conv-huge")
        await wait_for(pilot, lambda: pane(app, "response").text == HUGE_LINE)
        await pilot.press("r", "G")
        await wait_for(pilot, lambda: "tail-of-the-line" in screen_text(app))
        await pilot.press("slash", *"tail-of", "enter")
        await wait_for(pilot, lambda: "match 1/1" in screen_text(app))


async def test_unknown_process_says_so(seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id="no-such-process")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "ProcOS stored no AI context for process"
                       in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessesScreen))


async def test_export_from_the_screen_writes_every_row(seeded: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       procos_app: AppFactory) -> None:
    monkeypatch.chdir(tmp_path)
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(app, pilot, PID)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        field = app.screen.query_one(Input)
        field.value = "out.json"
        await pilot.press("enter")
        await wait_for(pilot, lambda: (tmp_path / "out.json").exists())
        await wait_for(pilot, lambda: any("Wrote 4 rows" in n.message
                                          for n in app._notifications))
    exported = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert exported["process_instance_id"] == PID
    assert [r["content_text"] for r in exported["rows"]][1] == ANSWER


async def test_help_and_palette_list_the_conversation_actions(seeded: str,
                                                              procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(100, 50)) as pilot:
        await open_conversation(app, pilot, PID)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app)
        for word in ("Find", "Copy", "Pager", "Export", "JSON view", "Next interaction",
                     "Next match", "Select lines"):
            assert word in text
        await pilot.press("escape")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Go to id", "JSON view", "Copy", "Export", "Theme",
                      "Next match", "Select lines", "Bottom"):
            assert any(title in t for t in titles), title


async def test_large_content_data_is_fetched_when_a_view_needs_it(seeded: str,
                                                                  procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(120, 40)) as pilot:
        app.gateway.browse.inline_data_bytes = 0  # every content_data counts as large
        await open_conversation(app, pilot, PID)
        await wait_for(pilot, lambda: pane(app, "response").text == ANSWER)
        # Rendered prompt needs query/context from content_data: fetched on demand.
        await wait_for(pilot, lambda: "## Query" in pane(app, "prompt").text)
        await pilot.press("3")
        await wait_for(pilot, lambda: '"finish_reason": "stop"' in pane(app, "response").text)
        await pilot.press("2")
        await wait_for(pilot, lambda: pane(app, "response").text == ANSWER)


async def test_typing_a_process_id_on_the_conversation_fires_nothing_and_writes_nothing(
        seeded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        procos_app: AppFactory) -> None:
    """The issue's case: g (expecting go-to), then an id. Every letter of the id must go
    into the go-to dialog: none may run an action (h opened Health, o the pager, e an
    export that Enter then wrote)."""
    monkeypatch.chdir(tmp_path)
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(app, pilot, PID)
        await wait_for(pilot, lambda: pane(app, "response").text == ANSWER)
        screen = app.screen
        assert isinstance(screen, ConversationScreen)
        stack = list(app.screen_stack)
        await pilot.press("g", *"conv-huge", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and app.screen.process_instance_id == "conv-huge")
        # Went to it in place of conv-1 (one conversation on the stack), nothing else.
        assert [type(s) for s in app.screen_stack] == [type(s) for s in stack]
        assert screen.mode.value == "rendered" and not screen.has_class("zoom-response")
        assert not app._notifications
        await pilot.pause(0.3)
    assert list(tmp_path.iterdir()) == []


async def test_an_id_typed_without_go_to_cannot_write_an_export(
        seeded: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        procos_app: AppFactory) -> None:
    """Defence in depth: typed without g, an id ending in e, then Enter, opens the export
    dialog and stops there: the proposed name takes a second Enter."""
    monkeypatch.chdir(tmp_path)
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(app, pilot, PID)
        await wait_for(pilot, lambda: pane(app, "response").text == ANSWER)
        await pilot.press(*"4a0c9d7f-2e", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen)
                       and "Enter again writes" in screen_text(app))
        await pilot.pause(0.3)
        assert list(tmp_path.iterdir()) == []
        await pilot.press("enter")  # the user, reading the dialog, means it
        await wait_for(pilot, lambda: (tmp_path / f"procos-{PID}.md").exists())


async def test_esc_says_what_it_will_do(seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(160, 40)) as pilot:
        await open_conversation(app, pilot, PID)
        await wait_for(pilot, lambda: pane(app, "response").text == ANSWER)
        await pilot.press("r")
        await wait_for(pilot, lambda: "esc Back" in screen_text(app))
        await pilot.press("z")
        await wait_for(pilot, lambda: "esc Unzoom" in screen_text(app))
        await pilot.press("slash")
        await wait_for(pilot, lambda: "esc Close find" in screen_text(app))
        await pilot.press(*"needle", "enter")
        await wait_for(pilot, lambda: "esc Clear selection/find" in screen_text(app))
        await pilot.press("escape")  # the find highlight
        await wait_for(pilot, lambda: "esc Unzoom" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "esc Back" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessesScreen))


async def test_a_hit_opens_over_the_search_and_each_esc_goes_back_one_screen(
        seeded: str, procos_app: AppFactory) -> None:
    from procos_tui.ui.messages import OpenProcess
    from procos_tui.ui.search import SearchScreen

    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_conversation(app, pilot, PID)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        app.post_message(OpenProcess("conv-huge"))  # as a hit does
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        app.post_message(OpenProcess(PID))  # already on the stack: back to it
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and app.screen.process_instance_id == PID)
        assert [type(s) for s in app.screen_stack[1:]] == [ProcessesScreen,
                                                          ConversationScreen]
        # Back on a screen that was below: keys reach it once its focus is restored.
        await wait_for(pilot, lambda: app.focused is not None
                       and app.focused.screen is app.screen)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        app.post_message(OpenProcess("conv-huge"))
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))
        for back_to in (SearchScreen, ConversationScreen, ProcessesScreen):
            # Each Esc once the screen it lands on has its focus back (as above).
            await wait_for(pilot, lambda: app.focused is not None
                           and app.focused.screen is app.screen)
            await pilot.press("escape")
            await wait_for(pilot, lambda back_to=back_to: isinstance(app.screen, back_to))  # type: ignore[misc]
