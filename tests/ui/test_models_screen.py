"""The Models screen and its form, driven by keys through Pilot against a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from textual.widgets import Input, TextArea

from procos_tui.ui.app import ProcosApp
from procos_tui.ui.dialogs import ChoiceScreen
from procos_tui.ui.model_form import ModelForm
from procos_tui.ui.models import ModelRows, ModelsScreen
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db


@pytest.fixture
def registry(db: str) -> Iterator[str]:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("DELETE FROM procos_ai_models")
        conn.execute("DELETE FROM procos_ai_context")
        conn.execute("INSERT INTO procos_ai_models (model_name, provider, version, config_data)"
                     " VALUES ('gpt-4o', 'openai', '2024-08-06', '{\"temperature\": 0.2}'),"
                     " ('claude-sonnet-4', 'anthropic', '20250514', NULL)")
        for _ in range(3):
            conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                         " content_data, ai_provider, model_used, token_usage) VALUES"
                         " ('ms-1', 'output', '{}', 'openai', 'gpt-4o', '{\"total_tokens\": 10}')")
    yield db


def stored(db: str, name: str) -> tuple[object, ...] | None:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT config_data, is_active FROM procos_ai_models"
                            " WHERE model_name = %s", (name,)).fetchone()


async def open_models(app: ProcosApp, pilot: object) -> ModelsScreen:
    await wait_for(pilot, lambda: "process instances" in screen_text(app))  # type: ignore[arg-type]
    await pilot.press("m")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen)  # type: ignore[arg-type]
                   and "2 of 2 models" in screen_text(app))
    screen = app.screen
    assert isinstance(screen, ModelsScreen)
    return screen


def select(screen: ModelsScreen, name: str) -> None:
    screen.query_one(ModelRows).move_cursor([r.model_name for r in screen.shown].index(name))


async def edit(app: ProcosApp, pilot: object, screen: ModelsScreen, name: str) -> None:
    """Select the model by name and open its form with `e`."""
    select(screen, name)
    await pilot.press("e")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, ModelForm))  # type: ignore[arg-type]


async def test_list_usage_edit_with_preview_and_json_highlighting(registry: str,
                                                                  procos_app: AppFactory) -> None:
    app = procos_app(registry)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_models(app, pilot)
        text = screen_text(app)
        assert "gpt-4o" in text and "30" in text  # 3 calls, 30 tokens
        await edit(app, pilot, screen, "gpt-4o")
        area = app.screen.query_one("#config_data", TextArea)
        # Highlighting on: tree-sitter (pinned below 0.26, which segfaults here) is in use.
        assert area.language == "json" and area.is_syntax_aware
        area.focus()
        area.text = ""
        await pilot.press(*'{"temperature": 0.9')  # typed, with a brace missing
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "not valid JSON at line 1" in screen_text(app))
        area.text = '{"temperature": 0.9}'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert "config_data" in screen_text(app) and "0.9" in screen_text(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: stored(registry, "gpt-4o") == ({"temperature": 0.9},
                                                                      True))


async def test_duplicate_keeps_the_form_and_conflict_offers_overwrite(
        registry: str, procos_app: AppFactory) -> None:
    app = procos_app(registry)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_models(app, pilot)
        await edit(app, pilot, screen, "claude-sonnet-4")
        app.screen.query_one("#model_name", Input).value = "gpt-4o"
        app.screen.query_one("#provider", Input).value = "openai"
        app.screen.query_one("#version", Input).value = "2024-08-06"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelForm)
                       and "already exists" in screen_text(app))
        assert app.screen.query_one("#model_name", Input).value == "gpt-4o"  # kept
        # Meanwhile someone else changes the row; saving now is a conflict, not a lost update.
        with psycopg.connect(registry, autocommit=True) as conn:
            conn.execute("UPDATE procos_ai_models SET config_data = '{\"theirs\": true}'"
                         " WHERE model_name = 'claude-sonnet-4'")
        app.screen.query_one("#model_name", Input).value = "claude-sonnet-4"
        app.screen.query_one("#provider", Input).value = "anthropic"
        app.screen.query_one("#version", Input).value = "20250514"
        app.screen.query_one("#config_data", TextArea).text = '{"mine": true}'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: "changed since you opened it" in screen_text(app))
        assert "theirs" in screen_text(app)
        await pilot.press("o")
        await wait_for(pilot, lambda: stored(registry, "claude-sonnet-4")
                       == ({"mine": True}, True))


async def test_toggle_delete_and_read_only(registry: str, procos_app: AppFactory) -> None:
    app = procos_app(registry)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_models(app, pilot)
        select(screen, "gpt-4o")
        await pilot.press("space")  # asks first: Esc leaves it as it was
        await wait_for(pilot, lambda: "Retire this model?" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen))
        assert stored(registry, "gpt-4o") == ({"temperature": 0.2}, True)
        await pilot.press("space")
        await wait_for(pilot, lambda: "Retire this model?" in screen_text(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: stored(registry, "gpt-4o") == ({"temperature": 0.2},
                                                                      False))
        await wait_for(pilot, lambda: not next(r for r in screen.rows
                                               if r.model_name == "gpt-4o").is_active)
        await pilot.press("d")
        await wait_for(pilot, lambda: "3 calls in" in screen_text(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: stored(registry, "gpt-4o") is None)
    ro = procos_app(registry, read_only=True)
    async with ro.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(ro))
        await pilot.press("m")
        await wait_for(pilot, lambda: "1 of 1 models" in screen_text(ro))
        for key in ("e", "n", "c", "space", "d"):
            await pilot.press(key)
            await wait_for(pilot, lambda: any("--read-only" in n.message
                                              for n in ro._notifications))
            assert isinstance(ro.screen, ModelsScreen)
    assert stored(registry, "claude-sonnet-4") == (None, True)
    assert json.dumps(1)  # the registry still holds the untouched row


async def test_server_read_only_and_a_lost_connection_lose_nothing(registry: str,
                                                                   procos_app: AppFactory) -> None:
    from dataclasses import replace

    server_ro = f"{registry} options='-c default_transaction_read_only=on'"
    app = procos_app(server_ro)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_models(app, pilot)
        await wait_for(pilot, lambda: screen.refusal is not None)
        await pilot.press("e")
        await wait_for(pilot, lambda: any("default_transaction_read_only" in n.message
                                          for n in app._notifications))
        assert isinstance(app.screen, ModelsScreen)

    app = procos_app(registry)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_models(app, pilot)
        await edit(app, pilot, screen, "gpt-4o")
        app.screen.query_one("#config_data", TextArea).text = '{"typed": "by hand"}'
        good = app.gateway.target
        app.gateway.target = replace(good, conninfo="host=127.0.0.1 port=1 connect_timeout=2")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelForm)
                       and "Not saved" in screen_text(app))
        assert app.screen.query_one("#config_data", TextArea).text == '{"typed": "by hand"}'
        app.gateway.target = good  # the network is back
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: stored(registry, "gpt-4o") == ({"typed": "by hand"},
                                                                      True))


async def test_hostile_stored_values_are_shown_safely_and_kept(registry: str,
                                                               procos_app: AppFactory) -> None:
    evil = "evil\x1b]52;c;SGk=\x07\u202e"
    with psycopg.connect(registry, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_models (model_name, provider, version, config_data)"
                     " VALUES (%s, 'openai', 'x', %s)",
                     (evil, json.dumps({"note": "a\u202eb\x9bc"})))
    app = procos_app(registry)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(app))
        await pilot.press("m")
        await wait_for(pilot, lambda: "3 of 3 models" in screen_text(app))
        screen = app.screen
        assert isinstance(screen, ModelsScreen)
        assert "evil␛]52;c;SGk=␇<U+202E>" in screen_text(app)
        await edit(app, pilot, screen, evil)
        name = app.screen.query_one("#model_name", Input)
        assert name.disabled and "\x1b" not in name.value and "\u202e" not in name.value
        area = app.screen.query_one("#config_data", TextArea)
        assert "\u202e" not in area.text and "\\u202e" in area.text
        area.text = area.text.replace('"note"', '"memo"')
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: stored(registry, evil) == ({"memo": "a\u202eb\x9bc"},
                                                                  True))


async def test_overwrite_never_replaces_a_version_it_did_not_show(
        registry: str, procos_app: AppFactory) -> None:
    """C opens the form; A saves; C's save shows A's version; A saves again; C's `o` meets
    A's second save as one more conflict instead of overwriting it unseen."""
    def a_saves(value: str) -> None:
        with psycopg.connect(registry, autocommit=True) as conn:
            conn.execute("UPDATE procos_ai_models SET config_data = %s"
                         " WHERE model_name = 'claude-sonnet-4'", (json.dumps({"A": value}),))

    app = procos_app(registry)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_models(app, pilot)
        await edit(app, pilot, screen, "claude-sonnet-4")
        a_saves("first")
        app.screen.query_one("#config_data", TextArea).text = '{"C": "mine"}'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("s")
        await wait_for(pilot, lambda: "changed since you opened it" in screen_text(app)
                       and "first" in screen_text(app))
        a_saves("second")
        await pilot.press("o")
        await wait_for(pilot, lambda: "changed since you opened it" in screen_text(app)
                       and "second" in screen_text(app))
        assert stored(registry, "claude-sonnet-4") == ({"A": "second"}, True)
        await pilot.press("o")  # now shown A's second save, C may overwrite it
        await wait_for(pilot, lambda: stored(registry, "claude-sonnet-4")
                       == ({"C": "mine"}, True))
        await wait_for(pilot, lambda: not screen.counting and any(
            r.config_json == '{"C": "mine"}' for r in screen.rows))  # the list reloaded


async def test_a_10_mb_config_data_is_not_edited_here_and_kept_byte_for_byte(
        registry: str, procos_app: AppFactory) -> None:
    """A 10 MB config_data stays on the server: the form opens at once and says it cannot
    edit it, and saving the other fields (or toggling) keeps it byte for byte."""
    import time

    def config_digest() -> tuple[object, ...] | None:
        with psycopg.connect(registry) as conn:
            return conn.execute("SELECT md5(config_data::text), octet_length(config_data::text),"
                                " version, is_active FROM procos_ai_models"
                                " WHERE model_name = 'huge'").fetchone()

    with psycopg.connect(registry, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_models (model_name, provider, version, config_data)"
                     " SELECT 'huge', 'openai', 'v1', jsonb_object_agg('key' || i,"
                     " repeat('v', 40)) FROM generate_series(1, 200000) AS i")
    digest, size, _version, _active = config_digest() or (None, 0, None, None)
    assert isinstance(size, int) and size > 10_000_000
    app = procos_app(registry)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(app))
        await pilot.press("m")
        await wait_for(pilot, lambda: "3 of 3 models" in screen_text(app))
        screen = app.screen
        assert isinstance(screen, ModelsScreen)
        started = time.monotonic()
        await edit(app, pilot, screen, "huge")
        await wait_for(pilot, lambda: "too large to edit here" in screen_text(app))
        assert time.monotonic() - started < 5  # 0.4 s here; 7 s before, without the notice
        assert f"config_data is {size / 2**20:.1f} MB: too large" in screen_text(app)
        assert "the limit is 256 KB" in screen_text(app)
        huge = next(r for r in screen.rows if r.model_name == "huge")
        assert huge.config_json is None  # the list did not read it either
        assert not app.screen.query("#config_data")  # no TextArea holds it
        app.screen.query_one("#version", Input).value = "v2"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert "config_data" not in screen_text(app)  # the preview: it does not change
        await pilot.press("s")
        await wait_for(pilot, lambda: config_digest() == (digest, size, "v2", True))
        await wait_for(pilot, lambda: isinstance(app.screen, ModelsScreen)
                       and any(r.version == "v2" for r in screen.rows))
        select(screen, "huge")
        await pilot.press("space")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: config_digest() == (digest, size, "v2", False))
        # The list reloaded (a reload still running at exit would meet a torn-down screen).
        await wait_for(pilot, lambda: not screen.counting and not next(
            r for r in screen.rows if r.model_name == "huge").is_active)


async def test_quit_asks_while_a_model_form_has_unsaved_changes(
        registry: str, procos_app: AppFactory) -> None:
    app = procos_app(registry)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_models(app, pilot)
        select(screen, "gpt-4o")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelForm))
        form = app.screen
        await pilot.press("ctrl+q")  # nothing changed yet: nothing to lose
        await wait_for(pilot, lambda: not app.is_running)
    app = procos_app(registry)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_models(app, pilot)
        select(screen, "gpt-4o")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelForm))
        form = app.screen
        form.query_one("#version", Input).value = "2025-01-01"
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen)
                       and "Quit without saving?" in screen_text(app))
        await pilot.press("escape")  # back to the form, the change kept
        await wait_for(pilot, lambda: app.screen is form)
        assert form.query_one("#version", Input).value == "2025-01-01"
        assert app.is_running
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running)
    assert stored(registry, "gpt-4o") is not None
