"""`procos-tui check --roundtrip` on real PostgreSQL: bodies of 1, 10 and 50 MB and deep JSONB
come back byte for byte, Camunda's varchar(4000) refuses 4,001 characters, nothing is left
behind (also when the connection is killed mid-way), and the refusals are one line."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from procos_tui.core.roundtrip import hostile_characters
from tests.cli import _env, run
from tests.standby import streaming_pair

pytestmark = pytest.mark.db


def state(conninfo: str) -> dict[str, Any]:
    """What a round trip must not change: rows, relations, live tuples."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")

        def one(query: str) -> Any:
            row = conn.execute(query).fetchone()
            assert row is not None
            return row[0]

        return {
            "rows": one("SELECT count(*) FROM procos_ai_context"),
            "ours": one("SELECT count(*) FROM procos_ai_context "
                        "WHERE process_instance_id LIKE 'procos-tui-roundtrip-%'"),
            "camunda": one("SELECT count(*) FROM act_ru_variable")
            if one("SELECT to_regclass('act_ru_variable') IS NOT NULL") else None,
            "relations": one("SELECT count(*) FROM pg_class AS c JOIN pg_namespace AS n "
                             "ON n.oid = c.relnamespace WHERE n.nspname = 'public'"),
            "live": one("SELECT n_live_tup FROM pg_stat_user_tables "
                        "WHERE relname = 'procos_ai_context'"),
        }


def dead_tuples(conninfo: str) -> int:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        row = conn.execute("SELECT n_dead_tup FROM pg_stat_user_tables "
                           "WHERE relname = 'procos_ai_context'").fetchone()
        assert row is not None
        return int(row[0])


def test_roundtrip_with_camunda_is_whole_and_leaves_nothing(fresh: str, camunda_ddl: str
                                                            ) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute(camunda_ddl)
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                     "content_data) VALUES ('kept', 'input', '{}')")
    before = state(fresh)
    done = run("check", "--roundtrip", "--dsn", fresh)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for size in ("1.0 MB same: 1,048,576 bytes", "10.0 MB same: 10,485,760 bytes",
                 "50.0 MB same: 52,428,800 bytes"):
        assert size in out
    assert "MB/s" in out and "JSONB nested 200 deep with hostile keys: identical" in out
    assert f"the sanitiser's {len(hostile_characters())} hostile characters" in out
    assert "(character varying(4000)): 4,000 characters stored" in out
    assert ("a 4,001-character string is refused: value too long for type character "
            "varying(4000)") in out
    after = state(fresh)
    assert after == before and after["ours"] == 0
    # A rolled-back insert is a dead tuple until vacuum; vacuum takes it all.
    assert dead_tuples(fresh) >= 4
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("VACUUM procos_ai_context")
    assert dead_tuples(fresh) == 0 and state(fresh) == before


def test_roundtrip_refused_read_only_and_without_insert(fresh: str) -> None:
    for args in (("--read-only", "check", "--roundtrip"), ("check", "--roundtrip", "--read-only")):
        done = run(*args, "--dsn", fresh)
        assert done.returncode == 2
        assert done.stderr.strip().splitlines() == [
            "procos-tui: check --roundtrip writes (and rolls back) rows: refused under "
            "--read-only"]
    role = "procos_reader_rt"
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {role}")
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    try:
        before = state(fresh)
        done = run("check", "--roundtrip", "--dsn",
                   psycopg.conninfo.make_conninfo(fresh, user=role))
        assert done.returncode == 2, done.stdout
        assert done.stderr.strip().splitlines() == [
            f"procos-tui: role {role} may not INSERT into procos_ai_context: run the round "
            "trip as the role ProcOS's AI worker writes with"]
        assert state(fresh) == before
    finally:
        with psycopg.connect(fresh, autocommit=True) as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_roundtrip_killed_mid_way_leaves_nothing(fresh: str) -> None:
    before = state(fresh)
    proc = subprocess.Popen(
        [sys.executable, "-m", "procos_tui", "check", "--roundtrip", "--sizes", "50,50,50,50",
         "--dsn", fresh], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(None))
    killed = False
    try:
        with psycopg.connect(fresh, autocommit=True) as conn:
            deadline = time.monotonic() + 60
            while not killed and time.monotonic() < deadline:
                # Killed once the first 50 MB row is in (the transaction holds rows) and the
                # next one is on its way.
                row = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'procos-tui' AND backend_xid IS NOT NULL "
                    "AND state = 'active' "
                    "AND ltrim(query, E' \\n') LIKE 'INSERT INTO procos_ai_context%'"
                ).fetchone()
                if row is not None:
                    killed = bool(conn.execute("SELECT pg_terminate_backend(%s)",
                                               row).fetchone() == (True,))
                else:
                    time.sleep(0.05)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert killed
    assert proc.returncode == 2, out
    lines = err.strip().splitlines()
    assert lines[-1].startswith("procos-tui: ") and "nothing was committed" in lines[-1]
    assert "Traceback" not in err
    assert state(fresh) == before


@pytest.fixture
def standby() -> Iterator[str]:
    """A streaming standby of a primary of its own (tests/standby.py)."""
    with streaming_pair() as (_primary, replica):
        yield replica


def test_roundtrip_refused_on_a_standby(standby: str) -> None:
    with psycopg.connect(standby) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
    done = run("check", "--roundtrip", "--dsn", standby)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "procos-tui: the server is a standby (in recovery): the round trip writes and rolls "
        "back rows, run it against the primary"]


def test_health_analyze_refused_on_a_standby(standby: str) -> None:
    """The Health screen's `a` on a replica: one line naming the standby, nothing tried."""
    import asyncio

    from procos_tui.core.registry import WritesRefused
    from procos_tui.db.conninfo import Target
    from procos_tui.db.gateway import Gateway

    with pytest.raises(WritesRefused, match="ANALYZE refused: it is a read-only replica"):
        asyncio.run(Gateway(Target(standby, "standby")).analyze_tables())


def test_check_on_a_standby_reports_what_it_can_and_says_what_it_skipped(standby: str) -> None:
    done = run("check", "--dsn", standby)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("  skipped on a standby: maintenance") for line in lines)
    assert "indexes not used" not in done.stdout  # the standby's own scans would mislead
    assert any(line.startswith("  table procos_ai_context: ") for line in lines)
    import json

    report = json.loads(run("check", "--json", "--dsn", standby).stdout)
    assert report["skipped"] and report["stats"]["indexes"] == []


async def test_the_app_on_a_standby_says_so_with_its_lag_and_refuses_writes_up_front(
        standby: str) -> None:
    from procos_tui.db.conninfo import Target
    from procos_tui.db.gateway import Gateway
    from procos_tui.ui.app import ProcosApp
    from procos_tui.ui.dialogs import ChoiceScreen
    from procos_tui.ui.health import HealthScreen
    from tests.screen import screen_text, wait_for

    app = ProcosApp(Gateway(Target(standby, "standby")))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "standby · replay lag" in screen_text(app))
        assert app.database.facts is not None and app.database.facts.standby
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen)
                       and app.screen.stats is not None, timeout=20)
        await pilot.press("a")
        await wait_for(pilot, lambda: any("run it on the primary" in n.message
                                          for n in app._notifications))
        assert not isinstance(app.screen, ChoiceScreen)  # refused before asking


def test_refresh_on_a_standby_says_to_run_it_on_the_primary(standby: str) -> None:
    done = run("refresh", "--dsn", standby)
    assert done.returncode == 2, done.stdout
    assert "read-only replica" in done.stderr and "primary" in done.stderr
    assert "Traceback" not in done.stderr
