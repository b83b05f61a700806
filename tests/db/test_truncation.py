"""Camunda copies against ProcOS, on the real Camunda 7.23 DDL: each planted case classified."""

from __future__ import annotations

import json
from collections.abc import Callable

import psycopg
import pytest

from procos_tui.db.schema import apply_schema
from procos_tui.db.truncation import CamundaMissing, compare_instance

pytestmark = pytest.mark.db

LONG = "Das ist eine lange Antwort. " * 400  # 11,200 characters: more than varchar(4000)


def _procos(conn: psycopg.Connection[tuple[object, ...]], pid: str, kind: str,
            data: dict[str, object], text: str | None) -> None:
    conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                 " content_data, content_text) VALUES (%s, %s, %s, %s)",
                 (pid, kind, json.dumps(data), text))


def _history(conn: psycopg.Connection[tuple[object, ...]], n: int, pid: str, name: str,
             text: str | None = None, json_value: str | None = None) -> None:
    bytearray_id = None
    if json_value is not None:
        bytearray_id = f"ba-{n}"
        conn.execute("INSERT INTO act_ge_bytearray (id_, rev_, name_, bytes_)"
                     " VALUES (%s, 1, %s, %s)", (bytearray_id, name, json_value.encode()))
    conn.execute("INSERT INTO act_hi_varinst (id_, proc_inst_id_, name_, var_type_, text_,"
                 " bytearray_id_) VALUES (%s, %s, %s, %s, %s, %s)",
                 (f"hv-{n}", pid, name, "json" if json_value is not None else "string", text,
                  bytearray_id))


@pytest.fixture
def camunda_db(empty_db: Callable[[], str], camunda_ddl: str) -> str:
    conninfo = empty_db()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(camunda_ddl.encode())
        apply_schema(conn)
    return conninfo


def test_each_planted_copy_is_classified(camunda_db: str) -> None:
    with psycopg.connect(camunda_db, autocommit=True) as conn:
        # p1: the answer cut at 4000 in a string variable; the prompt copied whole.
        _procos(conn, "p1", "input", {"query": "Summarise", "context": "ctx"}, "Summarise")
        _procos(conn, "p1", "output", {"content": LONG}, LONG)
        _history(conn, 1, "p1", "content", text=LONG[:4000])
        _history(conn, 2, "p1", "query", text="Summarise")
        # p2: the output as a JSON variable through the bytearray, whole.
        _procos(conn, "p2", "output", {"content": LONG, "model": "gpt-4o"}, LONG)
        _history(conn, 3, "p2", "content", json_value=json.dumps({"content": LONG}))
        # p3: a copy that differs; a Camunda variable ProcOS has no value for.
        _procos(conn, "p3", "output", {"content": "the real answer"}, "the real answer")
        _history(conn, 4, "p3", "content", text="an edited answer")
        _history(conn, 5, "p3", "context", text="only in Camunda")
    with psycopg.connect(camunda_db, autocommit=True) as conn:
        p1 = {(f.name, f.verdict, f.camunda_length, f.procos_length)
              for f in compare_instance(conn, "p1")}
        assert p1 == {("content", "cut", 4000, len(LONG)), ("query", "same", 9, 9),
                      ("context", "only_procos", None, 3)}
        [p2] = compare_instance(conn, "p2")
        assert (p2.name, p2.verdict, p2.camunda_length) == ("content", "same", len(LONG))
        p3 = {(f.name, f.verdict) for f in compare_instance(conn, "p3")}
        assert p3 == {("content", "differs"), ("context", "only_camunda")}
        assert compare_instance(conn, "no-such-instance") == []


def test_a_database_without_camunda_says_so(db: str) -> None:
    with psycopg.connect(db, autocommit=True) as conn, pytest.raises(CamundaMissing):
        compare_instance(conn, "p1")


def test_the_demo_cut_copies_are_found(camunda_db: str) -> None:
    from procos_tui.demo.content import demo_dataset
    from procos_tui.demo.load import load_demo_data

    with psycopg.connect(camunda_db, autocommit=True) as conn:
        load_demo_data(conn)
        cut_ids = {v.process_instance_id for v in demo_dataset().camunda_variables
                   if v.name == "content" and v.kind != "json" and len(v.value) == 4000}
        assert cut_ids
        for pid in cut_ids:
            verdicts = {(f.name, f.verdict) for f in compare_instance(conn, pid)}
            assert ("content", "cut") in verdicts, (pid, verdicts)


def test_cut_view_and_the_indexes_optimize_would_create(camunda_db: str) -> None:
    from procos_tui.db.truncation import camunda_indexes_missing, cut_view

    with psycopg.connect(camunda_db, autocommit=True) as conn:
        _procos(conn, "p9", "output", {"content": LONG}, LONG)
        _history(conn, 9, "p9", "content", text=LONG[:4000])
        view = cut_view(conn, "p9", "content", before=50, after=80)
        assert view is not None and (view.cut_at, view.procos_length) == (4000, len(LONG))
        assert view.camunda_tail == LONG[3950:4000]
        assert view.procos_around == LONG[3950:4080]
        assert cut_view(conn, "p9", "query") is None
        # The fixture's tables came before init-db here: the function made its indexes.
        assert camunda_indexes_missing(conn) == []
        conn.execute("DROP INDEX idx_act_hi_varinst_proc_inst_ai")
        assert camunda_indexes_missing(conn) == ["idx_act_hi_varinst_proc_inst_ai"]
        conn.execute("SELECT optimize_camunda_for_ai()")
        assert camunda_indexes_missing(conn) == []
