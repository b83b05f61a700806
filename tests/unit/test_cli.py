"""The command line as a user runs it: a real process, real exit codes, real stderr."""

from __future__ import annotations

import pytest

from procos_tui import __version__
from tests.cli import run


def test_version_and_help() -> None:
    done = run("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"procos-tui {__version__}"
    done = run("--help")
    assert done.returncode == 0
    for word in ("demo", "init-db", "--dsn", "--profile", "--process", "--read-only"):
        assert word in done.stdout


@pytest.mark.parametrize("dsn, expect", [
    ("host=127.0.0.1 port=1 user=u password=s3cret connect_timeout=3", "cannot connect"),
    ("host=x = broken", "invalid connection string"),
    ("postgresql://u:s3cret@127.0.0.1:1/db?connect_timeout=3", "cannot connect"),
    # libpq quotes the offending part of a malformed URI, password and all
    ("postgresql://u:s3cret@[::1/db", "invalid connection string"),
    ("postgresql://u:s3cret%ZZ@h/db", "invalid connection string"),
])
def test_bad_connection_is_one_line_exit_2(dsn: str, expect: str) -> None:
    done = run("init-db", "--dsn", dsn)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expect in lines[0] and lines[0].startswith("procos-tui: ")
    assert "Traceback" not in done.stderr and "s3cret" not in done.stderr


def test_unknown_option_is_usage_error() -> None:
    done = run("--no-such-flag")
    assert done.returncode == 2 and "Traceback" not in done.stderr
