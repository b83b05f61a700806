"""Panes that show at once: the small pane and the head of a big body before the rest, where
each pane is in its title, and the pager opened where the pane is."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import psycopg
import pytest
from textual.widgets import Static

from procos_tui.core.types import InteractionContent
from procos_tui.ui import actions
from procos_tui.ui.app import ProcosApp
from procos_tui.ui.conversation import HEAD_CHARS, ConversationScreen
from procos_tui.ui.textpane import TextPane
from tests.db.test_session import BASE, insert
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db

PID = "big-1"
BIG = "".join(f"line {n:06d} of the big answer needle{n % 97}\n" for n in range(60_000)) \
    + "the very end"


@pytest.fixture(scope="module")
def seeded(db: str) -> str:
    with psycopg.connect(db, autocommit=True) as conn:
        insert(conn, PID, BASE, kind="input", text="A short question")
        insert(conn, PID, BASE + timedelta(seconds=5), text=BIG)
    return db


def pane(app: ProcosApp, role: str) -> TextPane:
    return app.screen.query_one(f"#{role}", TextPane)


def title(app: ProcosApp, role: str) -> str:
    return str(app.screen.query_one(f"#{role}-title", Static).render())


def held_back(app: ProcosApp) -> asyncio.Event:
    """The real gateway, with the whole big row held back until the test lets it through."""
    release = asyncio.Event()
    gateway = app.gateway
    content = gateway.content

    async def slow(row_id: str) -> InteractionContent | None:
        row = await content(row_id)
        if row is not None and row.content_text == BIG:
            await release.wait()
        return row

    gateway.content = slow  # type: ignore[method-assign]
    return release


async def test_the_prompt_and_the_head_show_while_the_big_body_loads(
        seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=PID)
    release = held_back(app)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and pane(app, "response").partial)
        assert pane(app, "prompt").text == "A short question"
        assert pane(app, "response").text == BIG[:HEAD_CHARS]
        assert "line 000000 of the big answer" in screen_text(app)
        assert "Response [Rendered] line 1/1,686+ loading… 64.0 KB of 2.2 MB" in title(
            app, "response")
        # Copy and the pager would pass the head off as the whole text: not yet.
        await pilot.press("r", "y")
        assert app.clipboard == ""
        # The end waits for the rest; a find works on what is here.
        await pilot.press("G")
        await pilot.pause(0.1)
        assert pane(app, "response").partial
        release.set()
        await wait_for(pilot, lambda: not pane(app, "response").partial)
        assert pane(app, "response").text == BIG
        await wait_for(pilot, lambda: "the very end" in screen_text(app))
        await wait_for(pilot, lambda: "100%" in title(app, "response"))
        assert "loading" not in title(app, "response")
        assert "/60,001 100%" in title(app, "response")


async def test_the_head_grows_in_place_keeping_the_view(seeded: str,
                                                        procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=PID)
    release = held_back(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and pane(app, "response").partial)
        await pilot.press("r", "pagedown", "pagedown")
        await wait_for(pilot, lambda: pane(app, "response").scroll_y > 0)
        top = pane(app, "response").scroll_y
        release.set()
        await wait_for(pilot, lambda: not pane(app, "response").partial)
        await pilot.pause(0.05)
        assert pane(app, "response").scroll_y == top


async def test_the_pager_opens_at_the_current_line_or_match(
        seeded: str, procos_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Headless, Textual cannot hand the terminal over: record what would be paged, and where.
    opened: list[tuple[int, int]] = []
    monkeypatch.setattr(actions, "open_pager",
                        lambda app, text, line=1: opened.append((len(text), line)))
    app = procos_app(seeded, process_id=PID)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and pane(app, "response").text == BIG)
        await pilot.press("r", "o")
        assert opened[-1] == (len(BIG), 1)
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: pane(app, "response").scroll_y > 0)
        await pilot.press("o")
        assert opened[-1] == (len(BIG), pane(app, "response").current_line())
        assert opened[-1][1] > 1
        await pilot.press("slash", *"needle50", "enter")
        await wait_for(pilot, lambda: bool(pane(app, "response").matches))
        await pilot.press("home", "n")
        await pilot.press("o")
        # needle50 ends lines 51, 148, 245, ...: the find is on the first, n on the second.
        assert opened[-1] == (len(BIG), 148)


def test_less_is_opened_at_the_line_other_pagers_at_the_top(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAGER", "less -R")
    assert actions.pager_command(148) == ["less", "+148", "-R"]
    assert actions.pager_command(1) == ["less", "-R"]
    monkeypatch.setenv("PAGER", "/usr/bin/less")
    assert actions.pager_command(7) == ["/usr/bin/less", "+7"]
    monkeypatch.setenv("PAGER", "more")
    assert actions.pager_command(7) == ["more"]
    monkeypatch.delenv("PAGER")
    assert actions.pager_command(3) == ["less", "+3"]
