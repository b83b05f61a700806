"""The TUI driven by Pilot against a real database: what the operator sees."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from procos_tui.core.types import ProcessFilter
from procos_tui.db.schema import apply_schema
from procos_tui.ui.help import HelpScreen
from procos_tui.ui.processes import ProcessesScreen
from procos_tui.ui.rowlist import RowList
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db

BASE = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
HOSTILE_ID = "evil\u202e[@click=app.quit][/]\x1b]2;p\x07"


@pytest.fixture(scope="module")
def seeded(db: str) -> str:
    with psycopg.connect(db, autocommit=True) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
                " content_text, ai_provider, model_used, token_usage, created_at)"
                " VALUES (%s, 'output', '{}', %s, 'openai', 'gpt-4o', %s, %s)",
                [(f"pi-{i:04d}", "answer " * (2 if i % 50 == 0 else 20),
                  json.dumps({"total_tokens": 1000 + i}), BASE + timedelta(minutes=i))
                 for i in range(230)])
        conn.execute(
            "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
            " content_text, created_at) VALUES (%s, 'output', '{}', 'x', %s)",
            (HOSTILE_ID, BASE - timedelta(days=1)))
    return db


async def test_process_list_shows_newest_first_and_pages_on_scroll(seeded: str,
                                                                   procos_app: AppFactory) -> None:
    app = procos_app(seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(RowList)
        await wait_for(pilot, lambda: "pi-0229" in screen_text(app))
        text = screen_text(app)
        assert "pi-0229" in text and "1,229" in text and "read-only" in text
        assert "100 process instances" in text and "more below" in text
        # pi-0200 has a 14-character answer: flagged as a truncation suspect.
        assert table.row_count == 100
        await pilot.press("G")
        await wait_for(pilot, lambda: table.row_count == 200)
        await pilot.press("G")
        await wait_for(pilot, lambda: table.row_count == 231)
        await wait_for(pilot, lambda: "231 process instances" in screen_text(app))
        assert "more below" not in screen_text(app)


async def test_suspect_mark(seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded, flt=ProcessFilter(id_prefix="pi-0200"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: " pi-0200 " in screen_text(app))
        line = next(ln for ln in screen_text(app).splitlines() if " pi-0200 " in ln)
        assert "⚠ 1" in line


async def test_hostile_process_id_is_shown_escaped_and_harmless(seeded: str,
                                                                procos_app: AppFactory) -> None:
    app = procos_app(seeded, flt=ProcessFilter(id_prefix="evil"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "evil<U+202E>" in screen_text(app))
        text = screen_text(app)
        assert "evil<U+202E>[@click=app.quit][/]␛]2;p␇" in text
        assert "\x1b" not in text and "\u202e" not in text
        await pilot.click(RowList, offset=(5, 1))
        await pilot.pause()
        assert app.is_running


async def test_help_lists_the_keys_of_the_screen(seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app)
        assert "Refresh" in text and "Quit" in text and "Ctrl+P" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))
        # Each key once, the keymap's way: Tab is the list's "Next pane", not also Textual's
        # "Focus Next"; Ctrl+P is "Commands", not also "palette"; no "^c" notation.
        keys = [k for shown, _ in app.key_entries() for k in shown.split(" / ")]
        assert len(keys) == len(set(keys)), keys
        assert not [k for k in keys if k.startswith("^")], keys
        labels = [label for _, label in app.key_entries()]
        assert "Focus Next" not in labels and "palette" not in labels, labels


async def test_help_wraps_a_long_label_rather_than_cut_it(seeded: str,
                                                         procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id="no-such-instance")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "no AI context" in screen_text(app))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause(0.2)
        text = screen_text(app)
        box = [line for line in text.splitlines() if "│" in line]  # the help, not the
        assert box and not [line for line in box if "…" in line]   # status line under it
        assert "Copy exact bytes (asks" in text and "when controls)" in text


async def test_the_footer_shows_only_whole_keys_at_80_columns(seeded: str,
                                                             procos_app: AppFactory) -> None:
    """Textual's footer would cut its last key ("d Dele"): each key shown is whole, the rest
    are left to `?`, and they come back when the terminal is wider."""
    from textual.widgets._footer import FooterKey

    def shown(app: object) -> tuple[list[str], str]:
        keys = [k for k in app.screen.query(FooterKey)  # type: ignore[attr-defined]
                if k.display and not k.has_class("-command-palette")]
        return ([f"{k.key_display} {k.description}".strip() for k in keys],
                screen_text(app).splitlines()[-1])  # type: ignore[arg-type]

    app = procos_app(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("", "m"):  # the list, then the Models screen (the longest footer)
            if key:
                await pilot.press(key)
            await pilot.pause(0.5)
            labels, line = shown(app)
            everything = len(list(app.screen.query(FooterKey))) - 1
            assert 0 < len(labels) < everything, labels
            before_palette = line.split("▏")[0]
            assert all(label in before_palette for label in labels), (labels, line)
            # nothing after the last whole key but blanks: no half key
            assert before_palette.rstrip().endswith(labels[-1]), line
        await pilot.resize_terminal(200, 24)
        await pilot.pause(0.5)
        labels, _line = shown(app)
        assert len(labels) == len(list(app.screen.query(FooterKey))) - 1


async def test_unreachable_database_ends_with_one_message(procos_app: AppFactory) -> None:
    app = procos_app("host=127.0.0.1 port=1 connect_timeout=2 password=s3cret")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.fatal_error is not None)
    assert app.fatal_error is not None and "cannot connect" in app.fatal_error
    assert "s3cret" not in app.fatal_error


async def test_database_without_procos_tables_says_what_to_do(
        empty_db: Callable[[], str], procos_app: AppFactory) -> None:
    app = procos_app(empty_db())
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.fatal_error is not None)
    assert app.fatal_error is not None
    assert "no ProcOS tables" in app.fatal_error and "init-db" in app.fatal_error


async def test_schema_without_list_indexes_asks_for_init_db(
        empty_db: Callable[[], str], procos_app: AppFactory) -> None:
    conninfo = empty_db()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        apply_schema(conn)
        conn.execute("DROP INDEX idx_procos_ai_context_activity")
    app = procos_app(conninfo)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.fatal_error is not None)
    assert app.fatal_error is not None and "run `procos-tui init-db`" in app.fatal_error


async def test_filtered_list_scans_on_until_the_end(seeded: str, procos_app: AppFactory) -> None:
    """A filter the list cannot answer from one window keeps fetching by itself."""
    app = procos_app(seeded, flt=ProcessFilter(id_prefix="pi-00"))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(RowList)
        await wait_for(pilot, lambda: "100 process instances" in screen_text(app))
        app.gateway.browse.filter_window = 7
        screen = ProcessesScreen(ProcessFilter(provider="openai", id_prefix="pi-01"))
        await app.push_screen(screen)
        table = screen.query_one(RowList)
        await wait_for(pilot, lambda: "100 process instances · matching" in screen_text(app)
                       and table.row_count == 100)
        assert "more below" not in screen_text(app)


async def test_filter_line_narrows_the_list_and_rejects_bad_input(seeded: str,
                                                                  procos_app: AppFactory) -> None:
    from textual.widgets import Input

    from procos_tui.ui.dialogs import PromptScreen

    app = procos_app(seeded)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "pi-0229" in screen_text(app))
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = "colour:red"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "unknown filter 'colour'" in screen_text(app))
        app.screen.query_one(Input).value = "provider:openai pi-010"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "10 process instances · matching provider:openai "
                       "id:pi-010" in screen_text(app))
        assert "pi-0229" not in screen_text(app)


async def test_go_to_process_opens_its_conversation(seeded: str, procos_app: AppFactory) -> None:
    from textual.widgets import Input

    from procos_tui.ui.conversation import ConversationScreen

    app = procos_app(seeded)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "pi-0229" in screen_text(app))
        await pilot.press("g")
        await pilot.pause()
        app.screen.query_one(Input).value = "  pi-0007 "
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and "1 interaction ·" in screen_text(app))


async def test_screens_are_on_the_stack_once_and_esc_goes_home_one_press_each(
        seeded: str, procos_app: AppFactory) -> None:
    from procos_tui.ui.health import HealthScreen
    from procos_tui.ui.models import ModelsScreen
    from procos_tui.ui.search import SearchScreen

    app = procos_app(seeded)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "pi-0229" in screen_text(app))
        home = app.screen
        for key, kind in (("m", ModelsScreen), ("h", HealthScreen), ("m", ModelsScreen),
                          ("s", SearchScreen)):
            await pilot.press(key)
            await wait_for(pilot, lambda kind=kind: isinstance(app.screen, kind))  # type: ignore[misc]
        # m went back to the Models screen (Health closed); search is on it.
        assert [type(s) for s in app.screen_stack[1:]] == [ProcessesScreen, ModelsScreen,
                                                          SearchScreen]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen))
        assert "esc Back" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is home)
        assert "esc" not in screen_text(app).splitlines()[-1]  # nothing to go back to


async def test_user_keys_rebind_on_the_screen_footer_and_help(
        seeded: str, procos_app: AppFactory, tmp_path: Path) -> None:
    from textual.widgets import Input

    from procos_tui.db.conninfo import load_keys
    from procos_tui.ui.dialogs import PromptScreen

    config = tmp_path / "config.toml"
    config.write_text('[keys]\ngo_to = "ctrl+o"\nquit = ["ctrl+x", "f10"]\n',
                      encoding="utf-8")
    app = procos_app(seeded, keys=load_keys(config))
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: "pi-0229" in screen_text(app))
        # The footer is mounted a frame after the rows: under load, later.
        await wait_for(pilot, lambda: "^o Go to id" in screen_text(app).splitlines()[-1])
        footer = screen_text(app).splitlines()[-1]
        assert "^o Go to id" in footer and "^x Quit" in footer
        assert " g Go to id" not in footer and " q Quit" not in footer
        await pilot.press("g", "q")  # no longer bound: nothing happens
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ProcessesScreen)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = screen_text(app)
        assert "Ctrl+O" in text and "Ctrl+X / F10" in text
        await pilot.press("escape")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        assert isinstance(app.focused, Input)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessesScreen))
        await pilot.press("f10")
        await wait_for(pilot, lambda: not app.is_running)
