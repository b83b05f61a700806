"""The command line on a real server: `procos-tui init-db`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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


def test_a_database_without_procos_tables_says_how_to_point_at_the_right_one(
        empty_db: Callable[[], str], tmp_path: Path) -> None:
    """libpq's default database right after `procos-tui demo`: not a bare "relation does not
    exist", but where to point instead."""
    dsn = empty_db()
    for command in (("processes",), ("export", "p-1", "--output", str(tmp_path / "x.md"))):
        done = run(*command, "--dsn", dsn)
        assert done.returncode != 0
        assert 'relation "procos_ai_context" does not exist: this database has no ProcOS ' \
               "tables" in done.stderr and "--demo" in done.stderr, done.stderr


def test_demo_flag_finds_the_demo_database_and_refuses_a_second_target(
        tmp_path: Path) -> None:
    """`--demo` on a subcommand: the demo's server started (built first) in its data
    directory (here under a temporary XDG_DATA_HOME), the query answered from it."""
    env = {"XDG_DATA_HOME": str(tmp_path)}
    try:
        done = run("processes", "--demo", "--limit", "2", env=env)
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.splitlines()) == 3  # a header and two instances
        assert (tmp_path / "procos-tui" / "demo-pg").is_dir()
        refused = run("processes", "--demo", "--dsn", "postgresql:///x", env=env)
        assert refused.returncode == 2 and "without --dsn" in refused.stderr
    finally:
        run("demo", "--stop", env=env)
