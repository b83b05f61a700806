"""procos-tui partition on a real server: the plan writes nothing, --apply turns a live table
into the partitioned layout while a writer inserts, updates and deletes, and the outcome is
the same rows byte for byte; --ensure, init-db and check on the partitioned layout."""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
import uuid
from typing import Any

import psycopg
import pytest

from tests.cli import run

pytestmark = pytest.mark.db

Conn = psycopg.Connection[Any]


def _fill(conn: Conn, rows: int) -> None:
    """Rows spread over the last ~100 days, a few without a date and a few dated 1990 (both
    belong in the default partition)."""
    conn.execute(
        "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
        " content_text, created_at)"
        " SELECT 'proc-' || (n %% 3000), CASE WHEN n %% 2 = 0 THEN 'input' ELSE 'output' END,"
        " jsonb_build_object('n', n), 'row ' || n || ' ' || repeat(md5(n::text), 1 + n %% 7),"
        " CASE WHEN n %% 997 = 0 THEN NULL WHEN n %% 991 = 0 THEN '1990-05-01'::timestamptz"
        " ELSE now() - make_interval(mins => n %% 144000) END"
        " FROM generate_series(1, %s) AS n", (rows,))


def _rows(conn: Conn) -> dict[str, tuple[str, str, str]]:
    return {str(r[0]): (r[1], r[2], r[3]) for r in conn.execute(
        "SELECT id, md5(content_text), content_data::text, coalesce(created_at::text, '')"
        " FROM procos_ai_context").fetchall()}


def _relkind(conn: Conn) -> str:
    row = conn.execute("SELECT relkind::text FROM pg_class"
                       " WHERE oid = 'procos_ai_context'::regclass").fetchone()
    assert row is not None
    return str(row[0])


class Writer(threading.Thread):
    """ProcOS at work: every 5 ms an insert, an update of an existing row or a delete, each
    timed; what it did is kept so the outcome can be predicted."""

    def __init__(self, conninfo: str, ids: list[str]) -> None:
        super().__init__(daemon=True)
        self.conninfo = conninfo
        self.ids = ids
        self.stop = threading.Event()
        self.waits: list[float] = []
        self.errors: list[str] = []
        self.inserted: dict[str, str] = {}
        self.updated: dict[str, str] = {}
        self.deleted: set[str] = set()

    def run(self) -> None:
        rng = random.Random(7)
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            n = 0
            while not self.stop.is_set():
                n += 1
                started = time.monotonic()
                try:
                    if n % 3 == 0 and self.ids:
                        victim = self.ids.pop(rng.randrange(len(self.ids)))
                        text = f"updated while partitioning {n}"
                        conn.execute("UPDATE procos_ai_context SET content_text = %s"
                                     " WHERE id = %s", (text, victim))
                        self.updated[victim] = text
                    elif n % 7 == 0 and self.ids:
                        victim = self.ids.pop(rng.randrange(len(self.ids)))
                        conn.execute("DELETE FROM procos_ai_context WHERE id = %s", (victim,))
                        self.deleted.add(victim)
                        self.updated.pop(victim, None)
                    else:
                        text = f"stored while partitioning {n}"
                        row = conn.execute(
                            "INSERT INTO procos_ai_context (process_instance_id, context_type,"
                            " content_data, content_text) VALUES ('live', 'output', '{}', %s)"
                            " RETURNING id", (text,)).fetchone()
                        assert row is not None
                        self.inserted[str(row[0])] = text
                except psycopg.Error as exc:
                    self.errors.append(str(exc))
                self.waits.append(time.monotonic() - started)
                time.sleep(0.005)


def test_plan_writes_nothing(fresh: str) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        _fill(conn, 2000)
    done = run("partition", "--dsn", fresh)
    assert done.returncode == 0, done.stderr
    assert "procos-tui partition --apply would:" in done.stdout
    assert "monthly partitions" in done.stdout and "procos_ai_context_default" in done.stdout
    with psycopg.connect(fresh) as conn:
        assert _relkind(conn) == "r"
        assert conn.execute("SELECT to_regclass('procos_ai_context_partitioned'),"
                            " to_regprocedure('procos_ai_partition_swap()')").fetchone() == (
                                None, None)


def test_apply_on_a_live_table_keeps_every_row_and_every_write(fresh: str) -> None:
    """30k rows in batches of 2,000 while a writer inserts, updates and deletes every 5 ms:
    afterwards the partitioned table holds exactly what the writer left (bodies by md5,
    JSONB, dates), no write failed or waited a second, and the swap's lock is reported."""
    with psycopg.connect(fresh, autocommit=True) as conn:
        _fill(conn, 30_000)
        before = _rows(conn)
    writer = Writer(fresh, sorted(before)[:5000])
    writer.start()
    try:
        time.sleep(0.3)
        done = run("partition", "--apply", "--batch-rows", "2000", "--dsn", fresh)
        time.sleep(0.3)
    finally:
        writer.stop.set()
        writer.join(30)
    assert done.returncode == 0, done.stderr
    assert writer.errors == []
    assert len(writer.waits) > 50 and max(writer.waits) < 1.0, max(writer.waits)
    assert writer.inserted and writer.updated and writer.deleted
    assert "procos_ai_context is partitioned by month of created_at" in done.stdout
    assert "the swap held its lock" in done.stdout
    assert "copied 2000 of about" in done.stderr
    with psycopg.connect(fresh) as conn:
        assert _relkind(conn) == "p"
        after = _rows(conn)
        expected = {k: v for k, v in before.items() if k not in writer.deleted}
        for row_id, text in writer.updated.items():
            expected[row_id] = (_md5(text), *expected[row_id][1:])
        assert {k: after[k] for k in expected if k in after} == expected
        assert set(after) - set(expected) == set(writer.inserted)
        for row_id, text in writer.inserted.items():
            assert after[row_id][0] == _md5(text)
        undated = conn.execute("SELECT count(*) FROM procos_ai_context_default"
                               " WHERE created_at IS NULL").fetchone()
        # The undated rows the writer left (it may have deleted some), all in the default.
        left = sum(1 for v in expected.values() if v[2] == "")
        assert undated is not None and undated[0] == left and left > 20
        # The view over the table and the updated_at trigger came across.
        assert conn.execute("SELECT count(*) FROM procos_ai_conversations").fetchone() == (
            len(after),)
        some = next(iter(writer.inserted))
        conn.execute("UPDATE procos_ai_context SET content_text = 'x', updated_at = '2001-01-01'"
                     " WHERE id = %s", (some,))
        stamp = conn.execute("SELECT updated_at > now() - interval '1 hour' FROM"
                             " procos_ai_context WHERE id = %s", (some,)).fetchone()
        assert stamp == (True,)
        old = conn.execute("SELECT count(*) FROM procos_ai_context_unpartitioned").fetchone()
        assert old is not None and old[0] > 0


def _md5(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def test_a_migration_stopped_halfway_goes_on(fresh: str) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        _fill(conn, 20_000)
        before = _rows(conn)
        from procos_tui.db.partition import install

        install(conn)
        conn.execute("SELECT procos_ai_partition_prepare(3)")
        for timeout_ms in (50, 100, 200, 400, 800, 1600):
            conn.execute(f"SET statement_timeout = {timeout_ms}")
            with contextlib.suppress(psycopg.errors.QueryCanceled):
                conn.execute("CALL procos_ai_partition_copy(500)")
            conn.execute("RESET statement_timeout")
            copied = conn.execute("SELECT count(*) FROM procos_ai_context_partitioned"
                                  ).fetchone()
            assert copied is not None
            if 0 < copied[0] < 20_000:
                break
            assert copied[0] == 0, "the copy ran to the end before it could be stopped"
        else:
            pytest.fail("the copy never stopped halfway")
    plan = run("partition", "--dsn", fresh)
    assert plan.returncode == 0, plan.stderr
    assert "is under way" in plan.stdout and "--apply goes on from there" in plan.stdout
    done = run("partition", "--apply", "--dsn", fresh)
    assert done.returncode == 0, done.stderr
    with psycopg.connect(fresh) as conn:
        assert _relkind(conn) == "p"
        assert _rows(conn) == before
    again = run("partition", "--apply", "--dsn", fresh)
    assert again.returncode == 0 and "partitioned already" in again.stdout


@pytest.fixture
def partitioned(fresh: str) -> str:
    with psycopg.connect(fresh, autocommit=True) as conn:
        _fill(conn, 3000)
    done = run("partition", "--apply", "--dsn", fresh)
    assert done.returncode == 0, done.stderr
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("DROP TABLE procos_ai_context_unpartitioned")
    return fresh


def _findings(conninfo: str) -> list[dict[str, Any]]:
    done = run("check", "--json", "--dsn", conninfo)
    assert done.returncode in (0, 1), done.stderr
    return [f for f in json.loads(done.stdout)["findings"]
            if f["kind"] in ("schema_drift", "partitioning")]


def test_init_db_and_check_on_the_partitioned_layout(partitioned: str) -> None:
    done = run("init-db", "--no-words", "--dsn", partitioned)
    assert done.returncode == 0, done.stderr
    assert _findings(partitioned) == []
    with psycopg.connect(partitioned, autocommit=True) as conn:
        conn.execute("DROP INDEX idx_procos_ai_context_proc_inst")
        # An interrupted init-db: the parent's index made ON ONLY, no partition attached.
        conn.execute("DROP INDEX idx_procos_ai_context_usage_jsonb")
        conn.execute("CREATE INDEX idx_procos_ai_context_usage_jsonb ON ONLY procos_ai_context"
                     " USING gin (token_usage)")
        partitions = conn.execute("SELECT count(*) FROM pg_partition_tree('procos_ai_context')"
                                  " WHERE isleaf").fetchone()
        assert partitions is not None
        rows = conn.execute("SELECT count(*) FROM procos_ai_context").fetchone()
    human = run("check", "--dsn", partitioned)
    # The table's line adds up its partitions (the parent itself holds no rows).
    assert f"table procos_ai_context ({partitions[0]} partitions): " in human.stdout
    assert rows is not None and f"~{rows[0]:,} rows" in human.stdout
    found = _findings(partitioned)
    assert {f["kind"] for f in found} == {"schema_drift", "partitioning"}
    assert any("idx_procos_ai_context_usage_jsonb" in f["detail"] for f in found
               if f["kind"] == "partitioning")
    rebuilt = run("init-db", "--no-words", "--dsn", partitioned)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert (f"index idx_procos_ai_context_proc_inst created on {partitions[0]} partitions "
            "concurrently, then attached") in rebuilt.stdout
    assert ("index idx_procos_ai_context_usage_jsonb completed (it was invalid) on "
            f"{partitions[0]} partitions") in rebuilt.stdout
    assert _findings(partitioned) == []
    with psycopg.connect(partitioned) as conn:
        invalid = conn.execute("SELECT count(*) FROM pg_index AS i JOIN pg_class AS c"
                               " ON c.oid = i.indexrelid WHERE NOT i.indisvalid"
                               " AND c.relname LIKE 'idx_procos_ai_context%'").fetchone()
        assert invalid == (0,)


def test_ensure_creates_months_ahead_and_moves_rows_out_of_the_default(partitioned: str
                                                                         ) -> None:
    far = str(uuid.uuid4())
    with psycopg.connect(partitioned, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (id, process_instance_id, context_type,"
                     " content_data, content_text, created_at) VALUES (%s, 'future', 'input',"
                     " '{}', 'dated five months ahead', now() + interval '5 months')", (far,))
    found = _findings(partitioned)
    assert [f["subject"] for f in found] == ["procos_ai_context_default"]
    assert "1 dated rows in the default partition" in found[0]["detail"]
    assert "--ensure" in found[0]["fix"]
    done = run("partition", "--ensure", "6", "--dsn", partitioned)
    assert done.returncode == 0, done.stderr
    assert "created procos_ai_context_p" in done.stdout
    with psycopg.connect(partitioned) as conn:
        home = conn.execute("SELECT tableoid::regclass::text FROM procos_ai_context"
                            " WHERE id = %s", (far,)).fetchone()
        assert home is not None and home[0].startswith("procos_ai_context_p")
    assert _findings(partitioned) == []
    again = run("partition", "--ensure", "6", "--dsn", partitioned)
    assert again.returncode == 0 and "all there already" in again.stdout


def test_a_missing_month_is_a_finding(partitioned: str) -> None:
    with psycopg.connect(partitioned, autocommit=True) as conn:
        # Last month's: a gap between partitions (its rows leave with it).
        victim = conn.execute(
            "SELECT 'procos_ai_context_p' || to_char((now() AT TIME ZONE 'UTC')"
            " - interval '1 month', 'YYYY_MM')").fetchone()
        assert victim is not None
        conn.execute(f'ALTER TABLE procos_ai_context DETACH PARTITION "{victim[0]}"')
    found = _findings(partitioned)
    month = victim[0].removeprefix("procos_ai_context_p").replace("_", "-")
    assert [f["subject"] for f in found] == ["months without a partition"]
    assert month in found[0]["detail"] and "--ensure" in found[0]["fix"]


def test_writes_are_refused_under_read_only(partitioned: str) -> None:
    for args in (("--apply",), ("--ensure", "3")):
        done = run("--read-only", "partition", *args, "--dsn", partitioned)
        assert done.returncode == 2
        assert "refused under --read-only" in done.stderr
    bad = run("partition", "--ensure", "500", "--dsn", partitioned)
    assert bad.returncode == 2 and "0 to 120" in bad.stderr


def _up_to_sync(conn: Conn, after_copy: str | None = None) -> None:
    """The migration's steps by hand, as scripts/partition-ai-context.sql lists them, up to
    and including the sync (after_copy: a statement run between the copy and the sync)."""
    from procos_tui.db.partition import install
    from procos_tui.db.queries import partition as partition_sql

    install(conn)
    conn.execute("SELECT procos_ai_partition_prepare(3)")
    conn.execute("CALL procos_ai_partition_copy(1000)")
    if after_copy:
        conn.execute(after_copy.encode())
    conn.execute("SELECT procos_ai_partition_index()")
    conn.execute(partition_sql.UPDATED_AT_INDEX)
    conn.execute("SELECT procos_ai_partition_sync()")


def _ids_once(conn: Conn) -> None:
    twice = conn.execute("SELECT count(*) - count(DISTINCT id) FROM procos_ai_context"
                         ).fetchone()
    assert twice == (0,), "a row is in the partitioned table twice"


def test_changes_after_the_sync_are_all_in_the_swap(fresh: str) -> None:
    """Between the sync and the swap: an undated insert, one dated two days back with an old
    updated_at of its own (which only the id comparison finds), two deletes, an update, a
    created_at moved. The swap's table is the old one exactly."""
    with psycopg.connect(fresh, autocommit=True) as conn:
        _fill(conn, 5000)
        _up_to_sync(conn)
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text, created_at) VALUES ('late', 'input', '{}',"
                     " 'undated, after the sync', NULL)")
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text, created_at, updated_at) VALUES ('late',"
                     " 'input', '{}', 'back-dated, after the sync', now() - interval '2 days',"
                     " now() - interval '2 days')")
        conn.execute("DELETE FROM procos_ai_context WHERE id IN (SELECT id FROM"
                     " procos_ai_context WHERE process_instance_id <> 'late' ORDER BY id"
                     " LIMIT 2)")
        conn.execute("UPDATE procos_ai_context SET content_text = 'changed after the sync'"
                     " WHERE id = (SELECT max(id::text)::uuid FROM procos_ai_context)")
        conn.execute("UPDATE procos_ai_context SET created_at = created_at + interval '1 day'"
                     " WHERE id = (SELECT min(id::text)::uuid FROM procos_ai_context)")
        before = _rows(conn)
        with conn.transaction():
            said = conn.execute("SELECT procos_ai_partition_swap()").fetchone()
        assert said is not None and "held the lock" in said[0]
        assert _relkind(conn) == "p"
        assert _rows(conn) == before
        _ids_once(conn)


def test_a_created_at_moved_during_the_copy_leaves_one_copy(fresh: str) -> None:
    """A row already copied whose created_at moves past the copy's position is read again
    by the copy: the migration still ends with each row once."""
    with psycopg.connect(fresh, autocommit=True) as conn:
        _fill(conn, 3000)
        from procos_tui.db.partition import install

        install(conn)
        conn.execute("SELECT procos_ai_partition_prepare(3)")
        conn.execute("CALL procos_ai_partition_copy(1000)")
        conn.execute("UPDATE procos_ai_context SET created_at = now() + interval '1 hour'"
                     " WHERE id IN (SELECT id FROM procos_ai_context WHERE created_at IS NOT"
                     " NULL ORDER BY created_at LIMIT 3)")
        conn.execute("CALL procos_ai_partition_copy(1000)")
        copies = conn.execute("SELECT count(*) - count(DISTINCT id) FROM"
                              " procos_ai_context_partitioned").fetchone()
        assert copies == (3,)  # the situation the sync must undo
        before = _rows(conn)
    done = run("partition", "--apply", "--dsn", fresh)
    assert done.returncode == 0, done.stderr
    with psycopg.connect(fresh) as conn:
        assert _rows(conn) == before
        _ids_once(conn)


def test_apply_again_after_the_sync_finishes_the_migration(fresh: str) -> None:
    """A run that stopped after its sync (the swap never got its lock) is finished by the
    next --apply: its copy meets the row the sync added (stored after the copy, past its
    position) and passes over it."""
    with psycopg.connect(fresh, autocommit=True) as conn:
        _fill(conn, 4000)
        _up_to_sync(conn, "INSERT INTO procos_ai_context (process_instance_id, context_type,"
                          " content_data, content_text) VALUES ('late', 'output', '{}',"
                          " 'stored between the copy and the sync')")
        before = _rows(conn)
    done = run("partition", "--apply", "--dsn", fresh)
    assert done.returncode == 0, done.stderr
    with psycopg.connect(fresh) as conn:
        assert _relkind(conn) == "p"
        assert _rows(conn) == before
        _ids_once(conn)
