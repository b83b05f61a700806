"""The command line on a real server: `procos-tui init-db`."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from tests.cli import run


@pytest.mark.db
def test_init_db_applies_and_reports(empty_db: Callable[[], str]) -> None:
    conninfo = empty_db()
    done = run("init-db", "--dsn", conninfo)
    assert done.returncode == 0, done.stderr
    assert "Applied init-db.sql" in done.stdout and "ProcOS PostgreSQL" in done.stdout
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SELECT to_regclass('procos_ai_context') IS NOT NULL").fetchone() \
            == (True,)
    again = run("init-db", env={"PROCOS_DSN": conninfo})
    assert again.returncode == 0, again.stderr
