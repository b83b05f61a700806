"""The interaction marked for a comparison (x), and comparing another with it (X): the same on
every screen that shows interactions (a conversation, the search's hits)."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from procos_tui.core.compare import CompareSide
from procos_tui.core.sanitize import sanitize_plain
from procos_tui.ui.gateway_access import host
from procos_tui.ui.messages import CompareInteractions


def mark(screen: Screen[Any], side: CompareSide) -> None:
    host(screen.app).marked = side
    screen.notify(sanitize_plain(f"Marked {side.label}. X on another interaction (any "
                                 "process) compares it with this one."),
                  title="Compare", markup=False)


def compare_with_marked(screen: Screen[Any], side: CompareSide) -> None:
    marked = host(screen.app).marked
    if marked is None:
        screen.notify("Mark an interaction first (x), then press X on another.",
                      title="Compare", severity="warning")
        return
    screen.post_message(CompareInteractions(marked, side))
