"""Refresh the SVG screenshots from the demo database: python screenshots/refresh.py"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from procos_tui.db.conninfo import Target
from procos_tui.db.gateway import Gateway
from procos_tui.ui.app import ProcosApp
from procos_tui.ui.rowlist import RowList
from procos_tui.ui.textpane import TextPane

# A demo conversation whose answer has fenced code, small enough to read on one screen.
WITH_CODE = """
SELECT process_instance_id FROM procos_ai_context
WHERE context_type = 'output' AND content_text LIKE '%```python%'
  AND octet_length(content_text) < 6000
ORDER BY created_at DESC, id LIMIT 1
"""

HERE = Path(__file__).resolve().parent
WAIT = "<wait>"


async def shoot(dsn: str, size: tuple[int, int], name: str, keys: tuple[str, ...] = (),
                process: str | None = None) -> None:
    app = ProcosApp(Gateway(Target(dsn, "embedded demo")), process_id=process)
    async with app.run_test(size=size) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            lists = app.screen.query(RowList)
            panes = app.screen.query(TextPane)
            if (process or (lists and lists.first().row_count)) and (
                    not process or (panes and panes.last().text)):
                break
        for key in keys:
            if key == WAIT:  # a search: its debounce and its queries
                await pilot.pause(2.5)
                continue
            await pilot.press(key)
            await pilot.pause(0.4 if key in ("m", "t") else 1.5 if key == "h" else 0.1)
        app.clear_notifications()
        await pilot.pause(0.3)
        (HERE / name).write_text(app.export_screenshot(title="procos-tui"), encoding="utf-8")
        print(f"wrote screenshots/{name}")


async def main() -> None:
    dsn = subprocess.run([str(Path(sys.executable).parent / "procos-tui"), "demo", "--no-tui"],
                         capture_output=True, text=True, check=True).stdout.strip()
    await shoot(dsn, (120, 40), "processes-120x40.svg", ("down", "down"))
    await shoot(dsn, (80, 24), "processes-80x24.svg")
    await shoot(dsn, (80, 24), "help-80x24.svg", ("question_mark",))
    await shoot(dsn, (120, 40), "processes-by-cost-120x40.svg", ("o", "down", "down", "enter"))
    await shoot(dsn, (80, 24), "stats-80x24.svg", ("t",))
    await shoot(dsn, (120, 40), "stats-120x40.svg", ("t", "v"))
    import psycopg

    with psycopg.connect(dsn) as conn:
        row = conn.execute(WITH_CODE).fetchone()
    assert row is not None, "the demo data set has no answer with Python code"
    code = ("r", "slash", *"func", "enter")
    await shoot(dsn, (120, 40), "conversation-120x40.svg", code, process=row[0])
    await shoot(dsn, (80, 24), "conversation-80x24.svg", code, process=row[0])
    await shoot(dsn, (120, 40), "conversation-json-120x40.svg", ("3", "r"), process=row[0])
    await shoot(dsn, (120, 40), "models-120x40.svg", ("m", "down", "down", "down"))
    await shoot(dsn, (120, 40), "health-120x40.svg", ("h", "down", "down", "down", "down",
                                                      "down"))
    await shoot(dsn, (80, 24), "health-80x24.svg", ("h",))
    await shoot(dsn, (80, 24), "health-tables-80x24.svg", ("h", "shift+tab"))
    await shoot(dsn, (80, 24), "models-80x24.svg", ("m",))
    await shoot(dsn, (120, 40), "model-form-120x40.svg", ("m", "down", "down", "down", "e"))
    await shoot(dsn, (120, 40), "search-120x40.svg", ("s", *"refund type:output", WAIT,
                                                      "enter", "down", "down"))
    await shoot(dsn, (80, 24), "search-fuzzy-80x24.svg", ("s", *"custmer mode:fuzzy", WAIT))
    # The demo's data set is the same every time: this instance's second interaction has an
    # earlier run of its activity in another instance.
    replied = "52037e31-73e7-11f1-9364-0242ac120005"
    await shoot(dsn, (80, 24), "compare-80x24.svg", ("down", "P", WAIT, "n"), process=replied)
    await shoot(dsn, (160, 45), "compare-160x45.svg", ("down", "P", WAIT, "n"),
                process=replied)
    await shoot(dsn, (80, 24), "transcript-80x24.svg", ("T", WAIT), process=replied)


if __name__ == "__main__":
    asyncio.run(main())
