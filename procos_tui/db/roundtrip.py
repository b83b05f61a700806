"""`check --roundtrip`: write AI context rows of 1, 10 and 50 MB inside a transaction that is
always rolled back, read them back and compare them byte for byte; show Camunda's
varchar(4000) refusing a 4,001-character string the same way.

Nothing is committed, whatever happens: the transaction is rolled back at the end, on any
error, and by the server if the connection dies (a killed backend's transaction never
commits). What does remain is what any rolled-back insert leaves: dead tuples (and their TOAST)
until vacuum, and the statistics counters (n_tup_ins) that count attempts.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from procos_tui.core.roundtrip import (
    MB,
    RoundtripRefused,
    RoundtripReport,
    RowResult,
    body,
    digest,
    hostile_characters,
    nested_json,
)
from procos_tui.db.connect import one_line
from procos_tui.db.queries import roundtrip as roundtrip_sql
from procos_tui.db.rows import fetch_one

CAMUNDA_LIMIT = 4000


def preconditions(conn: Any) -> dict[str, Any]:
    """The server's facts, or RoundtripRefused with the reason it will not write here."""
    pre = fetch_one(conn, roundtrip_sql.WRITE_PRECONDITIONS)
    assert pre is not None
    if pre["in_recovery"]:
        raise RoundtripRefused("the server is a standby (in recovery): the round trip writes "
                               "and rolls back rows, run it against the primary")
    if not pre["has_table"]:
        raise RoundtripRefused("no procos_ai_context table here: run procos-tui init-db first")
    if not pre["may_insert"]:
        raise RoundtripRefused(f"role {pre['role']} may not INSERT into procos_ai_context: "
                               "run the round trip as the role ProcOS's AI worker writes with")
    return pre


def _one_row(conn: Any, pid: str, size: int) -> RowResult:
    text = body(size)
    want_len, want_md5 = digest(text)
    started = time.perf_counter()
    row = fetch_one(conn, roundtrip_sql.INSERT_ROW,
                    {"pid": pid, "data": Jsonb({"size_bytes": size}), "text": text})
    assert row is not None
    written = time.perf_counter()
    back = fetch_one(conn, roundtrip_sql.READ_BACK, {"id": row["id"]})
    read = time.perf_counter()
    assert back is not None
    got_text = back["content_text"]
    problems = []
    if (back["length"], back["md5"]) != (want_len, want_md5):
        problems.append(f"server has {back['length']:,} bytes md5 {back['md5']}, "
                        f"sent {want_len:,} bytes md5 {want_md5}")
    if got_text != text:
        at = next((i for i, (a, b) in enumerate(zip(got_text, text, strict=False)) if a != b),
                  min(len(got_text), len(text)))
        problems.append(f"read back {len(got_text):,} characters of {len(text):,}, "
                        f"first difference at character {at:,}")
    detail = "; ".join(problems) or f"{want_len:,} bytes, md5 {want_md5}, identical"
    return RowResult(size, not problems, detail, written - started, read - written)


def _camunda(conn: Any, report: RoundtripReport) -> None:
    col = fetch_one(conn, roundtrip_sql.CAMUNDA_TEXT_COLUMN)
    if not (col and col["present"]):
        report.camunda.append("no Camunda tables here: the varchar(4000) comparison is skipped")
        return
    if not col["may_insert"]:
        report.camunda.append("this role may not INSERT into act_ru_variable: the varchar(4000) "
                              "comparison is skipped")
        return
    kind = col["text_type"]
    unit = "€"  # three bytes: the limit counts characters, not bytes
    for n in (CAMUNDA_LIMIT, CAMUNDA_LIMIT + 1):
        try:
            with conn.transaction():  # a savepoint inside the rolled-back transaction
                conn.execute(roundtrip_sql.CAMUNDA_INSERT_VARIABLE,
                             {"id": f"procos-tui-{uuid.uuid4().hex}", "text": unit * n})
        except pg_errors.StringDataRightTruncation as exc:
            report.camunda.append(f"act_ru_variable.text_ ({kind}): a {n:,}-character string "
                                  f"is refused: {one_line(exc)}; ProcOS's content_text "
                                  "(text) took the bodies above whole")
            return
        if n > CAMUNDA_LIMIT:
            report.camunda.append(f"act_ru_variable.text_ ({kind}) accepted {n:,} characters: "
                                  "not Camunda's varchar(4000)")
        else:
            report.camunda.append(f"act_ru_variable.text_ ({kind}): {n:,} characters stored")


def run_roundtrip(conn: Any, sizes_mb: tuple[int, ...],
                  progress: Callable[[str], None] = lambda _: None) -> RoundtripReport:
    pre = preconditions(conn)
    report = RoundtripReport(server=f"PostgreSQL {pre['server_version']}, "
                                    f"encoding {pre['encoding']}")
    report.hostile_count = len(hostile_characters())
    pid = f"procos-tui-roundtrip-{uuid.uuid4().hex}"
    with conn.transaction(force_rollback=True):
        for mb in sizes_mb:
            progress(f"writing and reading back {mb} MB")
            report.rows.append(_one_row(conn, pid, mb * MB))
        data = nested_json()
        row = fetch_one(conn, roundtrip_sql.INSERT_ROW, {"pid": pid, "data": Jsonb(data),
                                                         "text": "nested"})
        assert row is not None
        back = fetch_one(conn, roundtrip_sql.READ_JSON, {"id": row["id"]})
        report.json_same = back is not None and back["content_data"] == data
        report.json_detail = "identical" if report.json_same else "differs after the round trip"
        _camunda(conn, report)
    return report
