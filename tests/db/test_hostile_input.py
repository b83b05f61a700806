"""Hostile input that needs a real server: libpq's environment, export targets."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from procos_tui.db.conninfo import Target
from procos_tui.db.session import BrowseSession
from tests.hostile import ESCAPES, assert_safe


@pytest.mark.db
async def test_pgdatestyle_in_the_environment_breaks_no_parser(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = f"datestyle-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_text, content_data, created_at) VALUES (%s, 'output', 'hello', '{}',"
                     " '2026-11-13 14:15:16+00')", (pid,))
    monkeypatch.setenv("PGDATESTYLE", "SQL, DMY")
    session = BrowseSession(Target(db, "test"))
    try:
        headers = await session.interactions(pid)
    finally:
        await session.close()
    assert [h.created_at.isoformat()[:19] for h in headers if h.created_at] == [
        "2026-11-13T14:15:16"]


@pytest.fixture
def hostile_row(db: str) -> str:
    pid = f"hostile-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_text, content_data) VALUES (%s, 'output', %s, '{}')",
                     (pid, f"answer {ESCAPES} end"))
    return pid


@pytest.mark.db
@pytest.mark.parametrize("dangling", [True, False])
def test_export_never_writes_through_a_link(db: str, hostile_row: str, tmp_path: Path,
                                            dangling: bool) -> None:
    from procos_tui.db.export import ExportToLink, export_to_file

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    owned = elsewhere / "owned.md"
    if not dangling:
        owned.write_text("theirs", encoding="utf-8")
    link = tmp_path / f"procos-{hostile_row}.md"
    link.symlink_to(owned)
    with psycopg.connect(db) as conn, pytest.raises(ExportToLink, match="symbolic link"):
        export_to_file(conn, hostile_row, "md", link)
    assert link.is_symlink()
    assert owned.read_text(encoding="utf-8") == "theirs" if not dangling else not owned.exists()
    assert sorted(p.name for p in elsewhere.iterdir()) == ([] if dangling else ["owned.md"])


@pytest.mark.db
def test_export_to_a_terminal_by_name_shows_controls(db: str, hostile_row: str) -> None:
    """`-o /dev/tty` (here a pseudo-terminal named through /proc) is a terminal too."""
    import os

    from procos_tui.db.export import export_to_file

    leader, follower = os.openpty()
    try:
        with psycopg.connect(db) as conn:
            export_to_file(conn, hostile_row, "md", f"/proc/self/fd/{follower}")
        shown = os.read(leader, 1 << 16).decode("utf-8")
    finally:
        os.close(leader)
        os.close(follower)
    assert "answer" in shown and "end" in shown
    assert_safe(shown)


@pytest.mark.db
def test_a_database_without_the_schema_is_one_line_and_no_traceback(
        empty_db: Callable[[], str]) -> None:
    """Issue 12 #9: the TUI on a database without ProcOS's tables leaves with one line."""
    from tests.cli import run_tui_in_a_terminal

    code, err, after = run_tui_in_a_terminal("--dsn", empty_db())
    assert code == 2
    assert "Traceback" not in err and "MountError" not in err, err
    assert after.startswith("procos-tui: database ") and "init-db" in after, after
    assert after.count("\n") == 1, after
