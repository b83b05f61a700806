"""Hostile input that needs a real server: libpq's environment, export targets."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from procos_tui.db.conninfo import Target
from procos_tui.db.session import BrowseSession
from tests.conftest import Server
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


# --- a SQL_ASCII database: text the server never checked ---------------------------------------

# Stored by an old ProcOS into a SQL_ASCII database: UTF-8, a byte that is no UTF-8 at all, and
# an escape sequence. One process instance id holds such a byte too (the command line refuses
# an argument that is not UTF-8, so its tests use the other).
SQL_ASCII_TEXT = b"caf\xc3\xa9 \xff\xfe bad \x1b[2J"
SQL_ASCII_PID = b"p\xff1"
SQL_ASCII_PLAIN_PID = b"plain-1"


@pytest.fixture(scope="module")
def sql_ascii_db(pg_server: Server) -> str:
    """A SQL_ASCII database as old installations have them, with init-db.sql applied (the
    script runs there unchanged) and rows holding bytes that are not UTF-8."""
    from psycopg import sql

    from procos_tui.db.schema import apply_schema

    name = f"procos_ascii_{uuid.uuid4().hex[:8]}"
    with pg_server.admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'SQL_ASCII' "
                              "LC_COLLATE 'C' LC_CTYPE 'C'").format(sql.Identifier(name)))
    pg_server.created.append(name)
    conninfo = pg_server.conninfo(name)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        applied = apply_schema(conn)
        assert any("schema ready" in str(n) for n in applied.notices)
        for pid in (SQL_ASCII_PID, SQL_ASCII_PLAIN_PID):
            # bytes, so that psycopg sends them as they are
            conn.execute(b"INSERT INTO procos_ai_context (process_instance_id, context_type,"
                         b" content_text, content_data, ai_provider, model_used, token_usage,"
                         b" created_at) VALUES ('" + pid + b"', 'output', '" + SQL_ASCII_TEXT
                         + b"', '{\"note\": \"\xff\"}', 'openai', 'gpt-\xff',"
                         b" '{\"total_tokens\": 7}', '2026-11-13 14:15:16+00')")
            conn.execute(b"INSERT INTO procos_ai_context (process_instance_id, context_type,"
                         b" content_text, content_data, created_at) VALUES ('" + pid
                         + b"', 'input', 'question \xff', '{}', '2026-11-13 14:15:15+00')")
    return conninfo


UNDECODED = "\udcff"  # the byte 0xff, read by the lenient policy (db/connect.py)


@pytest.mark.db
async def test_sql_ascii_first_page_and_conversation_read_as_text(sql_ascii_db: str) -> None:
    """The TUI's start: the prefetched first page, then the gateway's browsing session."""
    from procos_tui.core.sanitize import sanitize_plain
    from procos_tui.core.types import ProcessFilter
    from procos_tui.db.gateway import Gateway
    from procos_tui.db.prefetch import fetch_first_page

    prefetched = fetch_first_page(sql_ascii_db, None, ProcessFilter())
    assert prefetched.error is None, prefetched.error
    assert prefetched.facts is not None and isinstance(prefetched.facts.server_version, str)
    assert prefetched.page is not None
    pid = SQL_ASCII_PID.decode("utf-8", "surrogateescape")
    assert pid in [r.process_instance_id for r in prefetched.page.rows]

    gateway = Gateway(Target(sql_ascii_db, "test"))
    try:
        facts = await gateway.open()
        assert isinstance(facts.server_version, str) and isinstance(facts.database, str)
        page = await gateway.process_page(ProcessFilter(), None, 10)
        [row] = [r for r in page.rows if r.process_instance_id == pid]
        assert row.models == ("gpt-" + UNDECODED,)
        # The id read from the list goes back to the server as the bytes it came from.
        headers = await gateway.interactions(pid)
        assert [h.context_type for h in headers] == ["input", "output"]
        content = await gateway.content(headers[1].id)
        assert content is not None
        assert content.content_text == SQL_ASCII_TEXT.decode("utf-8", "surrogateescape")
        assert sanitize_plain(content.content_text) == "café <U+DCFF><U+DCFE> bad ␛[2J"
    finally:
        await gateway.close()


@pytest.mark.db
def test_sql_ascii_check_runs(sql_ascii_db: str) -> None:
    from tests.cli import run

    done = run("check", "--dsn", sql_ascii_db)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr and "table procos_ai_context" in done.stdout
    as_json = run("check", "--json", "--dsn", sql_ascii_db)
    assert as_json.returncode in (0, 1), as_json.stderr
    import json

    assert "findings" in json.loads(as_json.stdout)


@pytest.mark.db
def test_sql_ascii_export_keeps_the_bytes(sql_ascii_db: str, tmp_path: Path) -> None:
    import json

    from tests.cli import run_binary

    pid = SQL_ASCII_PLAIN_PID.decode()
    md = tmp_path / "out.md"
    done = run_binary("export", pid, "--dsn", sql_ascii_db, "-o", str(md))
    assert done.returncode == 0, done.stderr
    assert b"not UTF-8" in done.stderr
    body = md.read_bytes()
    assert SQL_ASCII_TEXT in body and b"question \xff" in body  # exactly as stored

    js = tmp_path / "out.json"
    done = run_binary("export", pid, "--format", "json", "--dsn", sql_ascii_db, "-o", str(js))
    assert done.returncode == 0, done.stderr
    assert b"\\udcXX" in done.stderr
    raw = js.read_bytes()
    raw.decode("utf-8")  # valid UTF-8
    exported = json.loads(raw)
    texts = [r["content_text"].encode("utf-8", "surrogateescape") for r in exported["rows"]]
    assert texts == [b"question \xff", SQL_ASCII_TEXT]
    assert exported["rows"][1]["content_data"]["note"] == UNDECODED


@pytest.mark.db
def test_sql_ascii_search_finds_and_shows(sql_ascii_db: str) -> None:
    from tests.cli import run

    done = run("search", "bad", "--dsn", sql_ascii_db)
    assert done.returncode == 0, done.stderr
    assert "café <U+DCFF><U+DCFE> bad ␛[2J" in done.stdout
    assert_safe(done.stdout)
    regex = run("search", "b.d", "--mode", "regex", "--dsn", sql_ascii_db)
    assert regex.returncode == 0, regex.stderr


# --- check on a database without (all of) the schema ---------------------------------------------

@pytest.mark.db
def test_check_on_an_empty_database_is_drift_to_fix_with_init_db(
        empty_db: Callable[[], str]) -> None:
    from tests.cli import run

    done = run("check", "--dsn", empty_db())
    assert done.returncode == 1, done.stdout + done.stderr
    assert "does not exist" not in done.stdout + done.stderr
    assert "schema_drift        table procos_ai_context: table procos_ai_context missing" in (
        done.stdout)
    assert "fix: procos-tui init-db" in done.stdout
    as_json = run("check", "--json", "--dsn", empty_db())
    assert as_json.returncode == 1, as_json.stderr
    import json

    findings = json.loads(as_json.stdout)["findings"]
    assert {f["kind"] for f in findings} == {"schema_drift"}
    assert {"subject": "table procos_ai_context", "fix": "procos-tui init-db (re-applies "
            "scripts/init-db.sql)"}.items() <= findings[0].items()


@pytest.mark.db
def test_check_on_a_table_missing_a_column_names_it(fresh: str) -> None:
    from procos_tui.core.errors import DatabaseError
    from procos_tui.db.gateway import Gateway
    from tests.cli import run

    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("DROP VIEW procos_ai_conversations")
        conn.execute("ALTER TABLE procos_ai_context DROP COLUMN content_text")
    done = run("check", "--dsn", fresh)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("column procos_ai_context.content_text: column procos_ai_context.content_text "
            "missing") in done.stdout
    assert "fix: ALTER TABLE procos_ai_context ADD COLUMN content_text text;" in done.stdout
    # The Health screen's check is the same report, not an error.
    import asyncio

    gateway = Gateway(Target(fresh, "test"))
    try:
        report = asyncio.run(gateway.check())
    except DatabaseError as exc:  # pragma: no cover - the failure this test guards against
        pytest.fail(f"the Health screen's check failed: {exc}")
    subjects = [f.subject for f in report.findings]
    assert "column procos_ai_context.content_text" in subjects


# --- catalog names ------------------------------------------------------------------------------

@pytest.mark.db
def test_check_shows_catalog_names_without_obeying_them(fresh: str) -> None:
    """An index named with escapes on an AI table: check prints it (unused, and not made by
    init-db.sql) in text and JSON without a byte a terminal would act on."""
    import json

    from psycopg import sql

    from tests.cli import run

    name = f"idx_{ESCAPES}"
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE INDEX {} ON procos_ai_context (task_id)").format(
            sql.Identifier(name)))
    done = run("check", "--dsn", fresh)
    assert done.returncode == 1, done.stderr
    assert "idx_" in done.stdout and "indexes not used" in done.stdout
    assert_safe(done.stdout)
    as_json = run("check", "--json", "--dsn", fresh)
    assert as_json.returncode == 1, as_json.stderr
    assert_safe(as_json.stdout)
    report = json.loads(as_json.stdout)
    assert f"index {name}" in [f["subject"] for f in report["findings"]]  # the same value
    assert name in [i["index"] for i in report["stats"]["indexes"]]


# --- a read-only server, a drifted column, a table never analysed --------------------------------

def _database_of(conninfo: str) -> str:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT current_database()").fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.db
def test_writes_to_a_read_only_database_say_why_and_where(
        fresh: str, pg_server: Server) -> None:
    from psycopg import sql

    from tests.cli import run

    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_text, content_data) VALUES ('ro', 'output', 'fresh words', '{}')")
    with pg_server.admin() as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on")
                      .format(sql.Identifier(_database_of(fresh))))
    done = run("refresh-words", "--dsn", fresh)
    assert done.returncode == 2
    assert "cannot write the word list to" in done.stderr
    assert "default_transaction_read_only is on" in done.stderr
    assert "cannot execute" not in done.stderr
    init = run("init-db", "--dsn", fresh)
    assert init.returncode == 2
    assert "init-db cannot write to" in init.stderr and "primary" in init.stderr


@pytest.mark.db
def test_json_export_of_a_drifted_json_column_stays_json(fresh: str) -> None:
    """token_usage made text (by hand, by another tool) may hold anything: the export is JSON
    all the same, a value that is not JSON becomes a string, and stderr says so."""
    import json

    from tests.cli import run

    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("DROP VIEW procos_ai_conversations")
        conn.execute("DROP INDEX idx_procos_ai_context_usage_jsonb")
        conn.execute("ALTER TABLE procos_ai_context ALTER COLUMN token_usage TYPE text")
        for n, usage in enumerate(("about 7 tokens", '{"total_tokens": 3}', "NaN", "")):
            conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                         " content_text, content_data, token_usage, created_at) VALUES"
                         " ('drift', 'output', 'x', '{}', %s, now() + make_interval(secs => %s))",
                         (usage, n))
    done = run("export", "drift", "--format", "json", "--dsn", fresh)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    assert [r["token_usage"] for r in rows] == ["about 7 tokens", {"total_tokens": 3}, "NaN", ""]
    assert "token_usage is not JSON in some rows (the column's type is text)" in done.stderr


@pytest.mark.db
def test_a_table_never_analysed_has_no_row_estimate(fresh: str) -> None:
    from procos_tui.db.health import run_check
    from tests.cli import run

    with psycopg.connect(fresh, autocommit=True) as conn:
        reltuples = conn.execute("SELECT reltuples FROM pg_class"
                                 " WHERE relname = 'procos_ai_search_words'").fetchone()
        assert reltuples == (-1,)  # PostgreSQL 14 and later: never vacuumed or analysed
        stats = run_check(conn).stats
    assert {t.table: t.rows_estimate for t in stats.tables}["procos_ai_search_words"] is None
    done = run("check", "--dsn", fresh)
    assert "table procos_ai_search_words: " in done.stdout
    assert "rows not counted: not analysed yet" in done.stdout and "~-1" not in done.stdout


# --- server words: database names, notices, setting values ---------------------------------------

@pytest.mark.db
def test_init_db_shows_a_hostile_database_name_and_notices_safely(pg_server: Server) -> None:
    """A database named with escapes, and an event trigger that answers every DDL statement
    of init-db.sql with a NOTICE full of escapes: init-db prints both, made visible."""
    from psycopg import sql

    from tests.cli import run

    name = f"p{ESCAPES}"
    with pg_server.admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    pg_server.created.append(name)
    conninfo = pg_server.conninfo(name)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL(
            "CREATE FUNCTION loud() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE NOTICE 'noticed %', {}; END $$").format(sql.Literal(ESCAPES)))
        conn.execute("CREATE EVENT TRIGGER loud ON ddl_command_end EXECUTE FUNCTION loud()")
    done = run("init-db", "--no-words", "--dsn", conninfo)
    assert done.returncode == 0, done.stderr
    assert "Applied init-db.sql" in done.stdout and "noticed" in done.stdout
    assert_safe(done.stdout + done.stderr)
    check = run("check", "--dsn", conninfo)
    assert "procos-tui check of" in check.stdout
    assert_safe(check.stdout + check.stderr)


@pytest.mark.db
async def test_the_servers_facts_reach_the_screens_safe(pg_server: Server) -> None:
    """The status line and the start's messages show the database's name and the server's
    version from ServerFacts: both arrive made safe, whoever answers on the port."""
    from psycopg import sql

    from procos_tui.core.types import ProcessFilter
    from procos_tui.db.gateway import Gateway
    from procos_tui.db.prefetch import fetch_first_page

    name = f"q{ESCAPES}"
    with pg_server.admin() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    pg_server.created.append(name)
    conninfo = pg_server.conninfo(name)
    prefetched = fetch_first_page(conninfo, None, ProcessFilter())
    assert prefetched.facts is not None and prefetched.error is not None  # no schema there
    assert "has no ProcOS tables" in prefetched.error
    assert_safe(prefetched.facts.database + prefetched.label + prefetched.error)
    gateway = Gateway(Target(conninfo, "test"))
    try:
        facts = await gateway.open()
    finally:
        await gateway.close()
    assert facts.database.startswith("q␛]52;c;")
    assert_safe(facts.database + facts.server_version + gateway.display)


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
