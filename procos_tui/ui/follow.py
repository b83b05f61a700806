"""Follow mode (F, --follow): the process list and a conversation show rows as ProcOS stores
them, the way `tail -f` does, without the cursor ever moving under the reader.

The walk is db/tail.py's (the activity index from the last key seen: O(new rows), no trigger or
LISTEN in ProcOS's write path; late commits inside its window still come, once). A screen
follows while it is the one shown; covered, it keeps its position, so what came meanwhile is
still new when it shows again. A lost connection is retried from the same position: no row
skipped, none counted twice.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from textual import work
from textual.screen import Screen

from procos_tui.core.errors import DatabaseError
from procos_tui.core.follow import TailFilter, TailPosition
from procos_tui.ui.gateway_access import host

# While rows arrive: soon again. Quiet: every 2 s (a new row shows within 2 s of its commit);
# quiet for a minute: every 10 s, until a row comes (then fast again).
BUSY_POLL_S, QUIET_POLL_S, IDLE_POLL_S = 0.5, 2.0, 10.0
IDLE_AFTER_S = 60.0
RETRY_MAX_S = 10.0


class Follower:
    """One screen's following: where its walk is and what it has brought so far."""

    def __init__(self, flt: TailFilter) -> None:
        self.filter = flt
        self.position: TailPosition | None = None
        self.new_rows = 0

    async def run(self, gateway: Any, on_rows: Callable[[list[dict[str, Any]]], Awaitable[None]],
                  on_state: Callable[[str], None]) -> None:
        """Poll until cancelled (F again, or the screen covered)."""
        quiet_since = time.monotonic()
        retry = 1.0
        while True:
            try:
                if self.position is None:
                    self.position = await gateway.follow_from_now()
                rows, behind, self.position = await gateway.follow_poll(self.position,
                                                                        self.filter)
            except DatabaseError as exc:
                on_state(f"following · {exc}; again in {retry:.0f} s")
                await asyncio.sleep(retry)
                retry = min(RETRY_MAX_S, retry * 2)
                continue
            retry = 1.0
            now = time.monotonic()
            if rows:
                self.new_rows += len(rows)
                quiet_since = now
                await on_rows(rows)
            idle = now - quiet_since >= IDLE_AFTER_S
            on_state(self.state(idle))
            if behind:
                continue
            await asyncio.sleep(BUSY_POLL_S if rows else IDLE_POLL_S if idle else QUIET_POLL_S)

    def state(self, idle: bool = False) -> str:
        """What the status line says."""
        text = "following"
        if self.new_rows:
            text += f" · {self.new_rows:,} new row{'s' if self.new_rows != 1 else ''}"
        if idle:
            text += f" · quiet: every {IDLE_POLL_S:.0f} s"
        return text


class Following(Screen[None]):
    """What a screen that follows has: F toggles the app's follow mode; the shown screen
    polls; `followed` gets each batch of rows. Subclasses set `follower` and `followed`."""

    follower: Follower

    async def followed(self, rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def on_mount(self) -> None:
        self.watch(self.app, "following", self._following_changed, init=True)

    def action_follow(self) -> None:
        host(self.app).set_following(not host(self.app).following)

    def _following_changed(self, on: bool) -> None:
        if on and self.is_current:
            self._follow()
        elif not on:
            self.workers.cancel_group(self, "follow")
            self.follower.position = None
            self.follower.new_rows = 0
            self.follow_stopped()

    def follow_stopped(self) -> None:
        """Follow mode went off: the screen's marks and counts go."""

    def on_screen_resume(self) -> None:
        if host(self.app).following:
            self._follow()

    def on_screen_suspend(self) -> None:
        self.workers.cancel_group(self, "follow")

    @work(exclusive=True, group="follow")
    async def _follow(self) -> None:
        app = host(self.app)
        await self.follower.run(app.gateway, self.followed, app.follow_state)
