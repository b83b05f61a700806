"""The demo data set and `procos-tui demo`'s database, loaded into real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from procos_tui.db.schema import apply_schema
from procos_tui.demo.camunda import CAMUNDA_SUBSET_DDL
from procos_tui.demo.load import load_demo_data

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def demo_db(db: str) -> str:
    with psycopg.connect(db, autocommit=True) as conn:
        load_demo_data(conn)
    return db


def test_looks_like_real_traffic(demo_db: str) -> None:
    with psycopg.connect(demo_db) as conn:
        procs, providers, models = conn.execute(
            "SELECT count(DISTINCT process_instance_id), count(DISTINCT ai_provider),"
            " count(DISTINCT model_used) FROM procos_ai_context").fetchone() or (0, 0, 0)
        assert procs >= 200 and providers >= 4 and models >= 5
        sizes = [r[0] for r in conn.execute(
            "SELECT octet_length(content_text) FROM procos_ai_context"
            " WHERE context_type = 'output' AND octet_length(content_text) > 900000")]
        for low, high in ((0.9e6, 1.5e6), (4.5e6, 6e6), (19e6, 22e6)):
            assert any(low < size < high for size in sizes), (low, sizes)
        for fence in ("```python", "```sql", "```json", "```bash"):
            assert conn.execute("SELECT count(*) FROM procos_ai_context WHERE "
                                "content_text LIKE %s", (f"%{fence}%",)).fetchone() != (0,)
        for script in (r"[\u4e00-\u9fff]", r"[\u0600-\u06ff]", "[\U0001F300-\U0001FAFF]",
                       "\u0301"):
            hit = conn.execute("SELECT count(*) FROM procos_ai_context WHERE content_text ~ %s",
                               (script,)).fetchone()
            assert hit is not None and hit[0] > 0, script
        long_ctx = conn.execute("SELECT count(*) FROM procos_ai_context WHERE context_type ="
                                " 'input' AND octet_length(content_text) > 10000").fetchone()
        assert long_ctx is not None and long_ctx[0] >= 10


def test_hostile_rows_are_there(demo_db: str) -> None:
    with psycopg.connect(demo_db) as conn:
        def count(where: str, *params: object) -> int:
            row = conn.execute(f"SELECT count(*) FROM procos_ai_context WHERE {where}",
                               params).fetchone()
            return int(row[0]) if row else 0

        assert count("content_text LIKE %s", "%\x1b]52;c;%")
        assert count("content_text LIKE %s", "%\x1b]2;%")
        assert count("content_text LIKE %s", "%\x1b[2J%")
        assert count("content_text ~ %s", "[\u202a-\u202e\u2066-\u2069]")
        assert count("content_text LIKE %s", "%[@click=%")
        assert count("octet_length(content_text) >= 2000000 AND strpos(content_text, E'\\n') = 0")
        assert count("jsonb_typeof(content_data) <> 'object'") >= 3
        assert count("context_type = 'output' AND content_text IS NULL")
        assert count("context_type = 'output' AND coalesce(length(content_text), 0) < 50") >= 3


def test_camunda_holds_a_cut_copy(demo_db: str) -> None:
    with psycopg.connect(demo_db) as conn:
        cut = conn.execute(
            "SELECT v.proc_inst_id_, v.text_, c.content_text FROM act_hi_varinst v"
            " JOIN procos_ai_context c ON c.process_instance_id = v.proc_inst_id_"
            " AND c.context_type = 'output'"
            " WHERE v.name_ = 'content' AND length(v.text_) = 4000"
            " AND length(c.content_text) > 4000 AND left(c.content_text, 4000) = v.text_"
        ).fetchall()
        assert cut, "no Camunda copy cut at 4000 characters"
        json_vars = conn.execute(
            "SELECT count(*) FROM act_hi_varinst v JOIN act_ge_bytearray b"
            " ON b.id_ = v.bytearray_id_ WHERE v.var_type_ = 'json'").fetchone()
        assert json_vars is not None and json_vars[0] >= 1
        running = conn.execute("SELECT count(*) FROM act_ru_variable").fetchone()
        assert running is not None and running[0] > 0


Conn = psycopg.Connection[tuple[object, ...]]


def _columns(conn: Conn) -> dict[tuple[str, str], tuple[str, bool, bool]]:
    """(table, column) -> (type, not null, has a default) of Camunda's tables."""
    return {(str(r[0]), str(r[1])): (str(r[2]), bool(r[3]), bool(r[4])) for r in conn.execute(
        "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
        " a.atthasdef FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'act\\_%'"
        " AND a.attnum > 0 AND NOT a.attisdropped")}


def _indexes(conn: Conn) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = 'public' AND tablename LIKE 'act\\_%'")}


def _constraints(conn: Conn) -> dict[tuple[str, str], str]:
    """Keys, unique constraints and foreign keys of Camunda's tables, by (table, name)."""
    return {(str(r[0]), str(r[1])): str(r[2]) for r in conn.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)"
        " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = 'public' AND c.contype IN ('p', 'u', 'f')"
        " AND c.conrelid::regclass::text LIKE 'act\\_%'")}


def test_demo_camunda_schema_matches_camunda(empty_db: Callable[[], str],
                                             real_camunda_ddl: str) -> None:
    """The project's Camunda schema against Camunda 7.23's own create scripts: every column,
    index, key and constraint we declare is Camunda's, under the same name, and every column
    Camunda requires (NOT NULL without a default) is one we declare, so what we insert into
    our tables goes into Camunda's too."""
    with psycopg.connect(empty_db(), autocommit=True) as real, \
            psycopg.connect(empty_db(), autocommit=True) as ours:
        real.execute(real_camunda_ddl.encode())
        ours.execute(CAMUNDA_SUBSET_DDL)
        camunda, subset = _columns(real), _columns(ours)
        real_indexes, our_indexes = _indexes(real), _indexes(ours)
        real_keys, our_keys = _constraints(real), _constraints(ours)
    assert subset, "the project declares no Camunda columns"
    assert {t for t, _ in subset} == {t for t, _ in camunda}
    for key, (typ, not_null, _) in subset.items():
        assert key in camunda, f"{key}: not a Camunda column"
        assert camunda[key][:2] == (typ, not_null), f"{key}: ours {typ, not_null}, " \
            f"Camunda {camunda[key][:2]}"
    required = {key for key, (_, not_null, has_default) in camunda.items()
                if not_null and not has_default}
    assert required <= subset.keys(), f"Camunda requires {sorted(required - subset.keys())}"
    assert our_indexes, "the project declares no Camunda indexes"
    for name, definition in our_indexes.items():
        assert real_indexes.get(name) == definition, f"{name}: ours {definition!r}, " \
            f"Camunda {real_indexes.get(name)!r}"
    assert our_keys, "the project declares no Camunda keys or constraints"
    for key, definition in our_keys.items():
        assert real_keys.get(key) == definition, f"{key}: ours {definition!r}, " \
            f"Camunda {real_keys.get(key)!r}"


def test_demo_loads_next_to_camunda_tables_made_first(empty_db: Callable[[], str],
                                                      camunda_ddl: str) -> None:
    """Camunda installed before init-db, then the demo data: its rows meet Camunda's keys."""
    with psycopg.connect(empty_db(), autocommit=True) as conn:
        conn.execute(camunda_ddl.encode())
        apply_schema(conn)
        counts = load_demo_data(conn)
        assert counts["camunda_variables"] > 0
        row = conn.execute("SELECT count(*) FROM act_hi_procinst").fetchone()
        assert row is not None and row[0] == counts["processes"]


def test_export_of_the_demo_biggest_and_hostile_rows_equals_the_database(
        demo_db: str, tmp_path: Path) -> None:
    """The demo's 20 MB response and its hostile rows survive `procos-tui export` exactly."""
    import json

    from procos_tui.db.connect import connect_sync
    from procos_tui.db.conninfo import Target
    from procos_tui.db.export import export_to_file

    with psycopg.connect(demo_db) as conn:
        biggest = conn.execute("SELECT process_instance_id FROM procos_ai_context"
                               " ORDER BY octet_length(content_text) DESC NULLS LAST"
                               " LIMIT 1").fetchone()
        hostile = conn.execute("SELECT DISTINCT process_instance_id FROM procos_ai_context"
                               " WHERE content_text ~ '[\\x01-\\x08\\x1b\\u202e]'"
                               " LIMIT 3").fetchall()
    assert biggest is not None and hostile
    for (pid,) in [biggest, *hostile]:
        out = tmp_path / "x.json"
        with connect_sync(Target(demo_db, "test"), read_only=True, statement_timeout_ms=0) as c:
            export_to_file(c, pid, "json", out)
        rows = json.loads(out.read_text(encoding="utf-8"))["rows"]
        with psycopg.connect(demo_db) as conn:
            stored = conn.execute(
                "SELECT id::text, content_text, content_data FROM procos_ai_context"
                " WHERE process_instance_id = %s", (pid,)).fetchall()
        assert {r["id"]: (r["content_text"], r["content_data"]) for r in rows} == \
            {i: (t, d) for i, t, d in stored}
        if pid == biggest[0]:
            assert max(len((r["content_text"] or "").encode()) for r in rows) > 19_000_000
        out.unlink()
