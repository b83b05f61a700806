"""The headless core never imports Textual: the data layer works without a UI."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import procos_tui.core
import procos_tui.db
import procos_tui.demo

# Every module of the headless packages, found rather than listed, so none can slip out.
HEADLESS = [m.name for pkg in (procos_tui.core, procos_tui.db, procos_tui.demo)
            for m in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + ".")] + [
    "procos_tui.cli.main", "procos_tui.cli.search"]


def test_the_list_is_complete() -> None:
    for name in ("procos_tui.core.document", "procos_tui.core.highlight",
                 "procos_tui.db.export", "procos_tui.db.session"):
        assert name in HEADLESS


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
    code = ("import sys\nfrom procos_tui.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('psycopg', 'textual') if m in sys.modules])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_the_app_and_its_home_screen_load_no_psycopg() -> None:
    """psycopg comes after the first frame (the prefetching child has it meanwhile): the
    home screen's module may hold follow mode's types, not the database layer."""
    code = ("import sys\nimport procos_tui.ui.app\n"
            "print('psycopg' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
