"""`procos-tui tail` against a writer: every row once, in order, within the poll bound, across
a backend killed mid-follow; Ctrl+C ends it with exit 0 and no traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import psycopg
import pytest

from tests.hostile import ESCAPES, assert_safe

pytestmark = pytest.mark.db
BOTH_LAYOUTS = True  # every test here on the plain and the partitioned table


def _start(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "PROCOS_DSN"}
    # Ctrl-C as a terminal delivers it: a suite started in the background of a shell
    # without job control inherits SIGINT ignored, and so would tail, which then never stops.
    return subprocess.Popen([sys.executable, "-m", "procos_tui", "tail", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, preexec_fn=_interruptible)


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _lines(proc: subprocess.Popen[str], count: int, timeout: float) -> list[str]:
    """`count` lines of its stdout, read in a thread (a pipe read blocks)."""
    got: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            got.append(line)
            if len(got) == count:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return got


def test_tail_prints_every_row_once_in_order_across_a_killed_backend(fresh: str) -> None:
    proc = _start("--dsn", fresh, "--json")
    try:
        time.sleep(2.5)  # connected, at its starting position
        stored: list[str] = []
        with psycopg.connect(fresh, autocommit=True) as conn:
            def insert(n: int) -> None:
                row = conn.execute(
                    "INSERT INTO procos_ai_context (process_instance_id, context_type, "
                    "content_data, content_text) VALUES (%s, 'output', '{}', %s) "
                    "RETURNING id::text", (f"tail-{n % 3}", f"row {n} {ESCAPES}")).fetchone()
                assert row is not None
                stored.append(str(row[0]))

            for n in range(30):
                insert(n)
            first = _lines(proc, 30, timeout=10)
            assert [json.loads(line)["id"] for line in first] == stored
            killed = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = 'procos-tui' AND datname = current_database() "
                "AND pid <> pg_backend_pid()").fetchone()
            assert killed == (1,)
            for n in range(30, 60):
                insert(n)
        started = time.monotonic()
        rest = _lines(proc, 30, timeout=20)
        assert [json.loads(line)["id"] for line in rest] == stored[30:]  # no gap, no dupe
        assert time.monotonic() - started < 15
        for line in first + rest:
            assert_safe(line)
            assert json.loads(line)["process_instance_id"].startswith("tail-")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in err and "connection lost" in err and "reconnected" in err


def test_tail_text_lines_bodies_and_a_late_commit(fresh: str) -> None:
    """A row whose transaction began first but committed after a newer one is printed too."""
    with psycopg.connect(fresh) as early, psycopg.connect(fresh, autocommit=True) as conn:
        early.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                      "content_data, content_text) VALUES ('late', 'input', '{}', 'late one')")
        proc = _start("--dsn", fresh, "--since", "1m", "--bodies")
        try:
            time.sleep(2.5)
            conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                         "content_data, content_text) VALUES ('new', 'input', '{}', %s)",
                         (f"body {ESCAPES}",))
            got = _lines(proc, 2, timeout=10)
            early.commit()  # created_at is its transaction's start: before the 'new' row
            got += _lines(proc, 2, timeout=10)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=10)
    text = "".join(got)
    assert_safe(text)
    assert "  input   new  —  —  " in got[0] and got[1].startswith("body ␛]52;c;")
    assert "  input   late  " in got[2] and got[3] == "late one\n"


def test_follow_reads_a_hot_standby_as_rows_replay() -> None:
    """What the app's follow mode polls (the gateway's walk), on a streaming replica: rows
    stored on the primary arrive once each, in order, as the standby replays them."""
    import asyncio

    from procos_tui.core.follow import TailFilter
    from procos_tui.db.conninfo import Target
    from procos_tui.db.gateway import Gateway
    from tests.standby import streaming_pair

    async def follow(primary: str, replica: str) -> list[str]:
        gateway = Gateway(Target(replica, "standby"))
        try:
            facts = await gateway.open()
            assert facts.read_only
            position = await gateway.follow_from_now()
            wrote = []
            with psycopg.connect(primary, autocommit=True) as conn:
                for n in range(5):
                    row = conn.execute(
                        "INSERT INTO procos_ai_context (process_instance_id, context_type,"
                        " content_data, content_text) VALUES (%s, 'output', '{}', %s)"
                        " RETURNING id::text", (f"sb-{n % 2}", f"row {n}")).fetchone()
                    assert row is not None
                    wrote.append(row[0])
            seen: list[str] = []
            deadline = time.monotonic() + 20
            while len(seen) < len(wrote) and time.monotonic() < deadline:
                rows, _behind, position = await gateway.follow_poll(position, TailFilter())
                seen += [r["id"] for r in rows]
                await asyncio.sleep(0.2)
            assert seen == wrote
            rows, _behind, position = await gateway.follow_poll(position, TailFilter())
            assert rows == []  # nothing twice
            return seen
        finally:
            await gateway.close()

    with streaming_pair() as (primary, replica):
        assert len(asyncio.run(follow(primary, replica))) == 5
