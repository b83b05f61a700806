"""Read what a running Textual app shows, as text, for Pilot tests.

Textual's public way to read the whole screen as drawn (modal screens over the ones they
cover included) is `App.export_screenshot()`: an SVG that Rich writes with one `<text>` per
run of styled characters. Rich places each run at x = column × cell width, tags it with its
line's clip path, and leaves blank runs out; so the lines are rebuilt from those three facts,
without touching Textual's private compositor.
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from rich.cells import cell_len
from textual.app import App
from textual.pilot import Pilot

if TYPE_CHECKING:
    from procos_tui.ui.app import ProcosApp


class AppFactory(Protocol):
    """The `procos_app` fixture of tests/ui: ProcosApp on a conninfo, with ProcosApp's options."""

    def __call__(self, conninfo: str, **options: Any) -> ProcosApp: ...

_TEXT = re.compile(r'<text class="[^"]*" x="([0-9.]+)" y="[0-9.]+" textLength="[0-9.]+"'
                   r' clip-path="url\(#[^)]*-line-([0-9]+)\)">([^<]*)</text>')
_LINE_CLIP = re.compile(r'<clipPath id="[^"]*-line-0">\s*<rect x="0" y="[0-9.]+"'
                        r' width="([0-9.]+)"')


def screen_text(app: App[Any]) -> str:
    """The screen's lines as plain text, one per terminal row, blank cells as spaces."""
    svg = app.export_screenshot()
    width, height = app.size
    clip = _LINE_CLIP.search(svg)
    assert clip is not None, "Rich's SVG layout changed: no clip path for line 0"
    cell = float(clip.group(1)) / width
    rows: list[list[tuple[int, str]]] = [[] for _ in range(height)]
    for x, line, escaped in _TEXT.findall(svg):
        text = html.unescape(escaped.replace("&#160;", " "))  # Rich writes spaces as &#160;
        rows[int(line)].append((round(float(x) / cell), text))
    out: list[str] = []
    for runs in rows:
        shown, at = "", 0
        for column, run in sorted(runs):
            shown += " " * (column - at) + run
            at = column + cell_len(run)
        out.append(shown + " " * (width - at))
    return "\n".join(out)


async def wait_for(pilot: Pilot[Any], predicate: Callable[[], bool],
                   timeout: float = 10.0) -> None:
    """Let the app work (workers, messages) until predicate holds; fail with the screen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out; screen was:\n" + screen_text(pilot.app))
        await pilot.pause(0.05)
