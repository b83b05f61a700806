"""`procos-tui check --format openmetrics` read by the reference parsers and checked against
SQL: sizes, tuples, ages, suspects, index scans, drift by kind, hostile catalog names."""

from __future__ import annotations

import math
from typing import Any

import psycopg
import pytest
from prometheus_client import parser as prom_parser
from prometheus_client.openmetrics import parser as om_parser

from tests.cli import run

pytestmark = pytest.mark.db

# Quote, backslash, newline, and a window-title escape: legal in a quoted identifier.
HOSTILE_INDEX = 'ev"il\\ix\n\x1b]2;owned\x07'


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in om_parser.text_string_to_metric_families(text):  # type: ignore[no-untyped-call]
        assert family.type == "gauge"
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    # The classic parser (node_exporter's format) reads the same samples.
    classic = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for f in prom_parser.text_string_to_metric_families(text) for s in f.samples}
    assert classic.keys() == out.keys()
    return out


def one(conn: psycopg.Connection[Any], query: str, *params: Any) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


def test_openmetrics_parses_and_matches_sql(fresh: str) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                     "content_text, content_data) SELECT 'p' || (g % 3), 'output', "
                     "CASE WHEN g % 2 = 0 THEN 'short' ELSE repeat('long answer ', 20) END, "
                     "'{}' FROM generate_series(1, 40) AS g")
        conn.execute("DELETE FROM procos_ai_context WHERE ctid IN "
                     "(SELECT ctid FROM procos_ai_context LIMIT 5)")
        conn.execute("ANALYZE procos_ai_context")
        conn.execute(f'CREATE INDEX "{HOSTILE_INDEX.replace(chr(34), chr(34) * 2)}" '
                     "ON procos_ai_context (task_id)")
        conn.execute("SELECT pg_stat_force_next_flush()")
    done = run("check", "--format", "openmetrics", "--dsn", fresh)
    assert done.returncode == 1, done.stderr  # the suspects and the extra index
    got = samples(done.stdout)
    assert done.stdout.endswith("# EOF\n")

    with psycopg.connect(fresh, autocommit=True) as conn:
        table = (("table", "procos_ai_context"),)
        assert got[("procos_check_up", ())] == 1
        assert got[("procos_table_size_bytes", table)] == one(
            conn, "SELECT pg_table_size('procos_ai_context')")
        assert got[("procos_table_indexes_size_bytes", table)] == one(
            conn, "SELECT pg_indexes_size('procos_ai_context')")
        live, dead = conn.execute(
            "SELECT n_live_tup, n_dead_tup FROM pg_stat_user_tables "
            "WHERE relname = 'procos_ai_context'").fetchone() or (None, None)
        assert (got[("procos_table_live_tuples", table)],
                got[("procos_table_dead_tuples", table)]) == (live, dead)
        assert dead == 5
        assert 0 <= got[("procos_table_analyze_age_seconds", table)] < 120
        assert got[("procos_table_vacuum_age_seconds", table)] == math.inf
        never = one(conn, "SELECT greatest(last_analyze, last_autoanalyze) IS NULL "
                          "FROM pg_stat_user_tables WHERE relname = 'procos_ai_models'")
        models_age = got[("procos_table_analyze_age_seconds", (("table", "procos_ai_models"),))]
        assert (models_age == math.inf) == never
        assert got[("procos_truncation_suspect_outputs", ())] == one(
            conn, "SELECT count(*) FROM procos_ai_context WHERE context_type = 'output' "
                  "AND length(content_text) < 50") > 0
        assert got[("procos_truncation_suspect_instances", ())] == 3
        for name, scans, size in conn.execute(
                "SELECT indexrelname, idx_scan, pg_relation_size(indexrelid) "
                "FROM pg_stat_user_indexes WHERE relname = 'procos_ai_context'"):
            labels = (("index", name), ("table", "procos_ai_context"))
            assert got[("procos_index_size_bytes", labels)] == size
            assert got[("procos_index_scans", labels)] <= scans
            assert got[("procos_index_valid", labels)] == 1
        # The hostile name arrives exact, through the format's own escaping.
        hostile = (("index", HOSTILE_INDEX), ("table", "procos_ai_context"))
        assert got[("procos_index_scans", hostile)] == 0
        assert '\\"il\\\\ix\\n\x1b]2;owned\x07"' in done.stdout
        assert got[("procos_schema_drift_findings", (("kind", "index"),))] == 1
        assert got[("procos_schema_drift_findings", (("kind", "column"),))] == 0
        assert got[("procos_check_findings", (("kind", "truncation_suspect"),))] == 3
        assert got[("procos_camunda_present", ())] == 0
        assert got[("procos_search_words_lag_rows", ())] == 35
        assert got[("procos_search_words_lag_seconds", ())] >= 0
        assert got[("procos_search_words_refresh_age_seconds", ())] == math.inf


def test_index_scans_follow_use(fresh: str) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                     "content_data) SELECT 'p' || g, 'input', '{}' "
                     "FROM generate_series(1, 50) AS g")
        conn.execute("SET enable_seqscan = off")
        for _ in range(3):
            conn.execute("SELECT id FROM procos_ai_context WHERE process_instance_id = 'p7'")
        conn.execute("SELECT pg_stat_force_next_flush()")
        expected = one(conn, "SELECT idx_scan FROM pg_stat_user_indexes "
                             "WHERE indexrelname = 'idx_procos_ai_context_proc_inst'")
    got = samples(run("check", "--format", "openmetrics", "--dsn", fresh).stdout)
    labels = (("index", "idx_procos_ai_context_proc_inst"), ("table", "procos_ai_context"))
    assert got[("procos_index_scans", labels)] == expected >= 3


def test_words_lag_after_refresh_and_json_alias(fresh: str) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                     "content_text, content_data, created_at) VALUES ('w', 'output', "
                     "'some words here', '{}', now() - interval '1 hour')")
        conn.execute("SELECT procos_ai_refresh_search_words()")
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                     "content_text, content_data, created_at) VALUES ('w', 'output', "
                     "'later words here', '{}', now() - interval '30 minutes')")
    got = samples(run("check", "--format", "openmetrics", "--dsn", fresh).stdout)
    assert got[("procos_search_words_lag_rows", ())] == 1
    assert 1790 < got[("procos_search_words_lag_seconds", ())] < 1900
    assert got[("procos_search_words_refresh_age_seconds", ())] < 120
    as_json = run("check", "--format", "json", "--dsn", fresh)
    alias = run("check", "--json", "--dsn", fresh)
    assert as_json.stdout.startswith("{") and as_json.stdout == alias.stdout
    clash = run("check", "--json", "--format", "openmetrics", "--dsn", fresh)
    assert clash.returncode == 2 and "contradict" in clash.stderr


def test_a_check_that_cannot_connect_still_writes_up_zero() -> None:
    done = run("check", "--format", "openmetrics", "--dsn",
               "host=127.0.0.1 port=1 user=u connect_timeout=3")
    assert done.returncode == 2 and "cannot connect" in done.stderr
    assert samples(done.stdout) == {("procos_check_up", ()): 0}


def test_label_values_on_a_terminal_show_no_raw_control() -> None:
    from procos_tui.core.openmetrics import Metric, render

    metric = Metric("procos_index_scans", "scans")
    metric.add(3, index=HOSTILE_INDEX)
    exact = render([metric])
    assert 'index="ev\\"il\\\\ix\\n\x1b]2;owned\x07"' in exact
    shown = render([metric], visible_controls=True)
    assert "\x1b" not in shown and "\x07" not in shown and "␛]2;owned␇" in shown
