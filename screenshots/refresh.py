"""Refresh the SVG screenshots from the demo database: python screenshots/refresh.py"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable

from procos_tui.db.conninfo import Target
from procos_tui.ui.app import ProcosApp

HERE = Path(__file__).resolve().parent


async def shoot(dsn: str, size: tuple[int, int], name: str, keys: tuple[str, ...] = ()) -> None:
    app = ProcosApp(Target(dsn, "embedded demo"))
    async with app.run_test(size=size) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            tables = app.screen.query(DataTable)
            if tables and tables.first().row_count:
                break
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.3)
        (HERE / name).write_text(app.export_screenshot(title="procos-tui"), encoding="utf-8")
        print(f"wrote screenshots/{name}")


async def main() -> None:
    dsn = subprocess.run([str(Path(sys.executable).parent / "procos-tui"), "demo", "--no-tui"],
                         capture_output=True, text=True, check=True).stdout.strip()
    await shoot(dsn, (120, 40), "processes-120x40.svg", ("down", "down"))
    await shoot(dsn, (80, 24), "processes-80x24.svg")
    await shoot(dsn, (80, 24), "help-80x24.svg", ("question_mark",))


if __name__ == "__main__":
    asyncio.run(main())
