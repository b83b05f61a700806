"""Read what a running Textual app shows, as text, for Pilot tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot


def screen_text(app: App[object]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_for(pilot: Pilot[object], predicate: Callable[[], bool],
                   timeout: float = 10.0) -> None:
    """Let the app work (workers, messages) until predicate holds; fail with the screen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out; screen was:\n" + screen_text(pilot.app))
        await pilot.pause(0.05)
