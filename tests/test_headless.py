"""The headless core never imports Textual: the data layer works without a UI."""

from __future__ import annotations

import subprocess
import sys

HEADLESS = ["procos_tui.db.conninfo", "procos_tui.db.types", "procos_tui.db.queries",
            "procos_tui.db.session", "procos_tui.db.schema", "procos_tui.db.embedded",
            "procos_tui.core.sanitize", "procos_tui.demo.content", "procos_tui.demo.load",
            "procos_tui.demo.steps", "procos_tui.demo.hostile",
            "procos_tui.demo.camunda", "procos_tui.cli"]


def test_core_imports_no_textual() -> None:
    code = ("import importlib, sys\n"
            f"for name in {HEADLESS!r}:\n"
            "    importlib.import_module(name)\n"
            "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
            "print(','.join(bad))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "", f"Textual imported by the core: {done.stdout}"


def test_cli_help_loads_neither_psycopg_nor_textual() -> None:
    code = ("import sys\nfrom procos_tui import cli\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('psycopg', 'textual') if m in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
