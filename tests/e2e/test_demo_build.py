"""`procos-tui demo`'s database: built once on its own embedded server, reused, reset."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from procos_tui.demo.load import demo_mark, prepare_demo

pytestmark = pytest.mark.e2e


def test_prepare_demo_builds_once_and_reuses() -> None:
    pgdata = Path(tempfile.mkdtemp(prefix="procos-demo-test-")) / "pg"
    messages: list[str] = []
    server, conninfo = prepare_demo(pgdata, progress=messages.append)
    try:
        assert any("building the demo database" in m for m in messages)
        with psycopg.connect(conninfo) as conn:
            mark = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                                " WHERE datname = current_database()").fetchone()
            assert mark == (demo_mark(),)
        messages.clear()
        started = time.perf_counter()
        _, again = prepare_demo(pgdata, progress=messages.append)
        assert again == conninfo and time.perf_counter() - started < 5
        assert not any("building" in m for m in messages)
        assert re.search(r"host=", conninfo)
        server.stop()
        # --reset starts from an empty data directory and builds everything again.
        messages.clear()
        server, conninfo = prepare_demo(pgdata, reset=True, progress=messages.append)
        assert any("first start: initdb" in m for m in messages)
        assert any("building the demo database" in m for m in messages)
    finally:
        server.stop()
        import shutil
        shutil.rmtree(pgdata.parent, ignore_errors=True)
