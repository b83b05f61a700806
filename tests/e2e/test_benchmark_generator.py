"""The benchmark generator loads what it says (small scale)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

pytestmark = [pytest.mark.db, pytest.mark.e2e]

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "generate.py"


def test_generator_small_run(db: str) -> None:
    done = subprocess.run([sys.executable, str(GENERATOR), "--dsn", db, "--processes", "300",
                           "--huge", "1", "--huge-mb", "1", "--seed", "7"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with psycopg.connect(db) as conn:
        procs, rows, inputs, outputs = conn.execute(
            "SELECT count(DISTINCT process_instance_id), count(*),"
            " count(*) FILTER (WHERE context_type = 'input'),"
            " count(*) FILTER (WHERE context_type = 'output') FROM procos_ai_context"
        ).fetchone() or (0, 0, 0, 0)
        assert procs == 300 and inputs == outputs and 300 * 2 <= rows <= 300 * 12
        huge = conn.execute("SELECT max(octet_length(content_text)) FROM procos_ai_context"
                            ).fetchone()
        assert huge is not None and huge[0] >= 1_000_000
        indexes = {r[0] for r in conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'procos_ai_context'")}
        assert "idx_procos_ai_context_content_search" in indexes
