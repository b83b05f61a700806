"""`procos-tui processes`, `stats` and `refresh` on real PostgreSQL: the issue's field names,
numbers that match the list, exit codes, and the explicit write of model stats."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from tests.cli import run
from tests.db.test_triage import PRICES, insert, make_rows, truth

pytestmark = pytest.mark.db

FIELDS = ["process_instance_id", "last_activity", "first_activity", "calls", "input_tokens",
          "output_tokens", "total_tokens", "bytes", "cost", "max_latency_s", "cut_outputs",
          "providers", "models", "business_key", "definition"]


@pytest.fixture
def cli_db(fresh: str) -> str:
    with psycopg.connect(fresh, autocommit=True) as conn:
        for (provider, model), pricing in PRICES.items():
            conn.execute("UPDATE procos_ai_models SET config_data = config_data ||"
                         " jsonb_build_object('pricing', %s::jsonb)"
                         " WHERE provider = %s AND model_name = %s",
                         (json.dumps(pricing), provider, model))
        insert(conn, make_rows(random.Random(5), [f"c-{n:02d}" for n in range(25)],
                               datetime.now(UTC) - timedelta(days=2), 86400))
    return fresh


def test_processes_json_csv_and_sort_match_the_rows(cli_db: str) -> None:
    assert run("refresh", "--dsn", cli_db).returncode == 0
    numbers, _rows = truth(cli_db)
    done = run("processes", "--dsn", cli_db, "--sort", "cost", "--limit", "5", "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout, parse_float=Decimal)
    assert [list(r)[:len(FIELDS)] for r in got] == [FIELDS] * 5
    want = sorted(numbers, key=lambda p: (numbers[p]["cost"] or -1, p), reverse=True)[:5]
    assert [r["process_instance_id"] for r in got] == want
    for r in got:
        n = numbers[r["process_instance_id"]]
        assert (r["calls"], r["total_tokens"], r["input_tokens"], r["cost"]) == (
            n["calls"], n["total_tokens"], n["input_tokens"], n["cost"])
    done = run("processes", "--dsn", cli_db, "tokens:>0", "--sort", "total_tokens", "--asc",
               "--csv", "--limit", "100")
    table = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [int(r["total_tokens"]) for r in table] == sorted(
        n["total_tokens"] for n in numbers.values() if n["total_tokens"] > 0)
    none = run("processes", "--dsn", cli_db, "tokens:>999999999")
    assert none.returncode == 1 and "no process instance matches" in none.stderr
    typo = run("processes", "--dsn", cli_db, "model:gpt4o")
    assert typo.returncode == 2 and "did you mean gpt-4o" in typo.stderr


def test_stats_json_is_named_after_by_and_the_write_is_explicit(cli_db: str) -> None:
    done = run("stats", "--dsn", cli_db, "--since", "3d", "--by", "provider", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout, parse_float=Decimal)
    assert {r["provider"] for r in rows} >= {"openai", "google"}
    for key in ("calls", "input_tokens", "output_tokens", "total_tokens", "cost",
                "max_latency_s", "cut_outputs", "bytes", "latency_p50_s", "latency_p95_s",
                "unpriced_calls"):
        assert all(key in r for r in rows)
    google = next(r for r in rows if r["provider"] == "google")
    assert google["cost"] is None and google["unpriced_calls"] == google["calls"]
    assert run("stats", "--dsn", cli_db, "--since", "1h").returncode == 1
    refused = run("--read-only", "stats", "--dsn", cli_db, "--write-model-stats")
    assert refused.returncode == 2 and "--read-only" in refused.stderr
    written = run("stats", "--dsn", cli_db, "--since", "3d", "--write-model-stats")
    assert written.returncode == 0 and "wrote performance_stats" in written.stderr
    with psycopg.connect(cli_db) as conn:
        row = conn.execute("SELECT performance_stats FROM procos_ai_models"
                           " WHERE model_name = 'gpt-4o'").fetchone()
    assert row is not None and row[0]["measured"]["calls"] > 0
