"""`procos-tui check` and its findings on real PostgreSQL: drift, suspects, Camunda copies."""

from __future__ import annotations

import json
from datetime import datetime

import psycopg
import pytest

from procos_tui.db.health import run_check
from procos_tui.db.queries.health import MAINTAINED_TABLES
from tests.cli import run
from tests.pgstats import flush_stats, leave_dead_tuples

pytestmark = pytest.mark.db


def kinds(conninfo: str) -> list[tuple[str, str]]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        return [(f.kind, f.subject) for f in run_check(conn).findings]


def test_the_json_report_keeps_its_keys_order_and_plain_values() -> None:
    """`check --json` is read by scripts: typed kinds and stats print as they always did."""
    from procos_tui.core.health import (
        Finding,
        FindingKind,
        IndexUse,
        ProviderStats,
        Report,
        Stats,
        TableStats,
    )

    report = Report(
        [Finding(FindingKind.SCHEMA_DRIFT, "index i", "index i missing", "CREATE INDEX i;"),
         Finding(FindingKind.TRUNCATION_SUSPECT, "2 more instances", "not listed one by one",
                 more=2),
         Finding(FindingKind.CAMUNDA_COPY, "p1", "content (history): cut",
                 numbers={"variable": "content", "verdict": "cut"})],
        "compared 1 instances with Camunda AI variables",
        Stats([TableStats("procos_ai_context", 8192, -1, None, 3, 1, 4, None)],
              [IndexUse("i", 0, 16, "procos_ai_context")],
              [ProviderStats(None, 3, 1)], ["idx_act_hi_varinst_proc_inst_ai"]))
    assert json.dumps(report.as_json()) == (
        '{"findings": [{"kind": "schema_drift", "subject": "index i", "detail": "index i '
        'missing", "fix": "CREATE INDEX i;", "numbers": {}}, {"kind": "truncation_suspect", '
        '"subject": "2 more instances", "detail": "not listed one by one", "fix": "", '
        '"numbers": {}}, {"kind": "camunda_copy", "subject": "p1", "detail": "content '
        '(history): cut", "fix": "", "numbers": {"variable": "content", "verdict": "cut"}}], '
        '"camunda": "compared 1 instances with Camunda AI variables", "stats": {"tables": '
        '[{"table": "procos_ai_context", "bytes": 8192, "rows_estimate": -1, '
        '"last_analyzed": null, "live_tuples": 3, "dead_tuples": 1, "changed_since_analyze": 4, '
        '"last_vacuumed": null, "partitions": 0}], "indexes": [{"index": "i", "scans": 0, '
        '"bytes": 16, '
        '"table": "procos_ai_context", "valid": true}], '
        '"providers": [{"provider": null, "rows": 3, "instances": 1}], '
        '"camunda_indexes_missing": ["idx_act_hi_varinst_proc_inst_ai"]}, "skipped": []}')
    more, copy = report.findings[1], report.findings[2]
    assert more.process_instance_id is None and copy.process_instance_id == "p1"
    assert copy.cut_variable == "content" and report.stats.unused_indexes == ["i"]


def test_suspects_beyond_the_list_are_one_line_that_opens_no_instance(
        fresh: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import procos_tui.db.health as health

    with psycopg.connect(fresh, autocommit=True) as conn:
        for n, pid in enumerate(("p1", "p2", "p3")):
            conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                         " content_data, content_text, created_at) VALUES (%s, 'output', '{}',"
                         " %s, now() - make_interval(mins => %s))", (pid, "x" * (3 + n), n))
        monkeypatch.setattr(health, "SUSPECTS_LISTED", 1)
        listed = health.truncation_suspects(conn)
    assert [(f.subject, f.more) for f in listed] == [("p1", 0), ("2 more instances", 2)]
    assert [f.process_instance_id for f in listed] == ["p1", None]


@pytest.mark.layouts
def test_a_fresh_database_is_clean_and_matches_init_db(fresh: str) -> None:
    """Also proves db/expected_schema.py equals what init-db.sql makes on this server."""
    with psycopg.connect(fresh, autocommit=True) as conn:
        report = run_check(conn)
    assert report.findings == []
    assert report.camunda.startswith("skipped: no Camunda tables")
    assert [t.table for t in report.stats.tables] == list(MAINTAINED_TABLES)


@pytest.mark.layouts
def test_drift_is_named_with_the_statement_that_fixes_it(fresh: str, layout: str) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("DROP INDEX idx_procos_ai_context_proc_inst")
        conn.execute("ALTER TABLE procos_ai_models ALTER COLUMN provider TYPE varchar(120)")
        conn.execute("DROP TRIGGER trigger_procos_ai_models_updated_at ON procos_ai_models")
        report = run_check(conn)
    by_subject = {f.subject: f for f in report.findings}
    index = by_subject["index idx_procos_ai_context_proc_inst"]
    # A partitioned table takes no CREATE INDEX CONCURRENTLY: init-db builds it partition by
    # partition.
    assert "missing" in index.detail and index.fix.startswith(
        "procos-tui init-db (builds it CONCURRENTLY on each partition" if layout == "partitioned"
        else "CREATE INDEX idx_procos_ai_context_proc_inst ON public.procos_ai_context")
    column = by_subject["column procos_ai_models.provider"]
    assert "character varying(120)" in column.detail
    assert column.fix == ("ALTER TABLE procos_ai_models ALTER COLUMN provider TYPE "
                          "character varying(100);")
    trigger = by_subject["trigger trigger_procos_ai_models_updated_at"]
    assert trigger.fix.startswith("CREATE TRIGGER trigger_procos_ai_models_updated_at")
    assert len(report.findings) == 3
    # The fixes work: applied, the database is clean again.
    with psycopg.connect(fresh, autocommit=True) as conn:
        for finding in report.findings:
            if not finding.fix.startswith("procos-tui "):
                conn.execute(finding.fix.encode())
    if layout == "partitioned":
        from tests.cli import run

        done = run("init-db", "--no-words", "--dsn", fresh)
        assert done.returncode == 0, done.stderr
    assert kinds(fresh) == []


@pytest.mark.layouts
def test_suspects_and_cut_camunda_copies(fresh: str, camunda_ddl: str) -> None:
    long = "x" * 9000
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text) VALUES ('short-1', 'output', '{}', 'ok.'),"
                     " ('cut-1', 'output', %s, %s)", (json.dumps({"content": long}), long))
        conn.execute(camunda_ddl.encode())
        conn.execute("INSERT INTO act_hi_varinst (id_, proc_inst_id_, name_, var_type_, text_)"
                     " VALUES ('v1', 'cut-1', 'content', 'string', %s)", (long[:4000],))
    with psycopg.connect(fresh, autocommit=True) as conn:
        report = run_check(conn)
    assert ("truncation_suspect", "short-1") in [(f.kind, f.subject) for f in report.findings]
    [copy] = [f for f in report.findings if f.kind == "camunda_copy"]
    assert copy.subject == "cut-1" and copy.numbers["verdict"] == "cut"
    assert (copy.numbers["camunda_length"], copy.numbers["procos_length"]) == (4000, 9000)
    assert report.camunda == "compared 1 instances with Camunda AI variables"


@pytest.mark.layouts
def test_check_command_exit_codes_and_json(fresh: str, layout: str) -> None:
    clean = run("check", "--json", "--dsn", fresh)
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout)["findings"] == []
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("DROP INDEX idx_procos_ai_context_activity")
    found = run("check", "--json", "--dsn", fresh)
    assert found.returncode == 1
    [finding] = json.loads(found.stdout)["findings"]
    assert finding["kind"] == "schema_drift" and "idx_procos_ai_context_activity" in \
        finding["subject"]
    human = run("check", "--dsn", fresh)
    fix = ("fix: procos-tui init-db" if layout == "partitioned"
           else "fix: CREATE INDEX idx_procos_ai_context_activity")
    assert human.returncode == 1 and fix in human.stdout and "\x1b" not in human.stdout
    down = run("check", "--dsn", "host=127.0.0.1 port=1 connect_timeout=2")
    assert down.returncode == 2 and down.stderr.startswith("procos-tui: cannot connect")


def test_error_messages_cut_at_666_are_listed(fresh: str) -> None:
    # The project's Camunda schema has no job tables: these stand in with Camunda's names.
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("CREATE TABLE act_ru_ext_task (id_ varchar(64) PRIMARY KEY,"
                     " proc_inst_id_ varchar(64), error_msg_ varchar(4000))")
        conn.execute("INSERT INTO act_ru_ext_task VALUES ('t1', 'err-1', repeat('e', 666)),"
                     " ('t2', 'err-2', 'short failure')")
        report = run_check(conn)
    cut = [f for f in report.findings if f.kind == "camunda_error_cut"]
    assert [(f.subject, f.numbers["messages"]) for f in cut] == [("err-1", 1)]


@pytest.mark.layouts
def test_a_word_list_left_behind_is_a_finding_until_refreshed(
        fresh: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import procos_tui.db.health as health

    monkeypatch.setattr(health, "WORDS_LAG_FINDING", 3)
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text) SELECT 'p' || g, 'output', '{}',"
                     " repeat('a response long enough not to look cut ', 3) || g"
                     " FROM generate_series(1, 5) AS g")
        [finding] = run_check(conn).findings
        assert finding.kind == "search_words_behind" and finding.numbers["rows_behind"] == 5
        assert "never refreshed" in finding.detail and "refresh-words" in finding.fix
    assert run("refresh-words", "--dsn", fresh).returncode == 0
    assert kinds(fresh) == []


def test_maintenance_numbers_are_the_servers_and_the_advice_follows_them(fresh: str) -> None:
    from procos_tui.core.health import TableStats

    with psycopg.connect(fresh, autocommit=True) as conn:
        leave_dead_tuples(conn)
    with psycopg.connect(fresh, autocommit=True) as conn:
        stats = {t.table: t for t in run_check(conn).stats.tables}
        server = conn.execute(
            "SELECT n_live_tup, n_dead_tup, n_mod_since_analyze, last_analyze, "
            "last_autoanalyze FROM pg_stat_user_tables WHERE relname = 'procos_ai_context'"
        ).fetchone()
    context = stats["procos_ai_context"]
    assert server is not None and (context.live_tuples, context.dead_tuples,
                                   context.changed_since_analyze) == server[:3]
    assert context.dead_tuples == 399 and context.advice().action == "VACUUM"
    assert "99% of its tuples are dead (399)" in context.advice().why
    # Without dead tuples, the changes since the last analyse decide, as autovacuum's do.
    stale = TableStats("t", 0, 1000, "2026-01-01T00:00:00+00:00", 1000, 0, 151)
    fresh_enough = TableStats("t", 0, 1000, "2026-01-01T00:00:00+00:00", 1000, 0, 150)
    never = TableStats("t", 0, None, None, 10, 0, 10)
    assert (stale.advice().action, fresh_enough.advice().action,
            never.advice().action) == ("ANALYZE", "ok", "ANALYZE")


def test_an_invalid_index_is_a_finding_with_its_fix(fresh: str) -> None:
    from procos_tui.core.health import FindingKind

    name = 'idx_"bad\x1b]2;pwned\x07'
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                     "content_data, content_text) VALUES ('d', 'input', '{}', 'x'), "
                     "('d', 'input', '{}', 'x')")
        # A unique index built concurrently over duplicates fails and stays, invalid.
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(psycopg.sql.SQL(
                "CREATE UNIQUE INDEX CONCURRENTLY {} ON procos_ai_context (process_instance_id)"
            ).format(psycopg.sql.Identifier(name)))
        report = run_check(conn)
    invalid = [f for f in report.findings if f.kind is FindingKind.INDEX_INVALID]
    assert [f.subject for f in invalid] == [name]
    assert invalid[0].fix == 'REINDEX INDEX CONCURRENTLY "idx_""bad\x1b]2;pwned\x07";'
    assert name not in report.stats.unused_indexes  # invalid is its own finding, not "unused"
    done = run("check", "--dsn", fresh)
    assert done.returncode == 1 and "index_invalid" in done.stdout
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout


def test_analyze_refreshes_the_statistics_and_says_what_the_server_refused(fresh: str) -> None:
    import asyncio

    from procos_tui.core.registry import WritesRefused
    from procos_tui.db.conninfo import Target
    from procos_tui.db.gateway import Gateway

    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type, "
                     "content_data, content_text) VALUES ('a', 'input', '{}', 'x')")
        before: dict[str, datetime] = dict(conn.execute(
            "SELECT relname, coalesce(last_analyze, 'epoch') FROM pg_stat_user_tables "
            "WHERE relname = ANY(%s)", (list(MAINTAINED_TABLES),)).fetchall())
    assert sorted(before) == sorted(MAINTAINED_TABLES)
    with pytest.raises(WritesRefused, match="--read-only"):
        asyncio.run(Gateway(Target(fresh, "t"), read_only=True).analyze_tables())
    assert asyncio.run(Gateway(Target(fresh, "t")).analyze_tables()) == []
    with psycopg.connect(fresh, autocommit=True) as conn:
        flush_stats(conn)
        after: dict[str, datetime] = dict(conn.execute(
            "SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            (list(MAINTAINED_TABLES),)).fetchall())
        assert all(after[t] is not None and after[t] > before[t] for t in MAINTAINED_TABLES)
        # A role that owns none of them: the server skips each with a warning, shown.
        conn.execute("DROP ROLE IF EXISTS procos_t_reader")
        conn.execute("CREATE ROLE procos_t_reader LOGIN")
    try:
        reader = psycopg.conninfo.make_conninfo(fresh, user="procos_t_reader")
        said = asyncio.run(Gateway(Target(reader, "t")).analyze_tables())
        assert len(said) == len(MAINTAINED_TABLES) and all("WARNING" in s for s in said)
    finally:
        with psycopg.connect(fresh, autocommit=True) as conn:
            conn.execute("DROP ROLE procos_t_reader")


@pytest.mark.layouts
def test_provider_counts_from_the_rollups_equal_a_pass_over_the_rows(fresh: str) -> None:
    """check's rows and instances per provider come from the rollups and the rows after them
    (undated ones included): the same as counting every row."""
    with psycopg.connect(fresh, autocommit=True) as conn:
        def add(n: int, provider: str | None, when: str | None) -> None:
            conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                         " content_data, content_text, ai_provider, created_at)"
                         " SELECT 'prov-' || (g %% 7), 'output', '{}', 'an answer long enough"
                         " not to look cut at all ' || g, %s, %s::timestamptz"
                         " FROM generate_series(1, %s) AS g", (provider, when, n))

        add(40, "openai", "2026-01-05")
        add(25, "anthropic", "2026-01-06")
        add(5, None, "2026-01-07")
        conn.execute("SELECT procos_ai_refresh_rollups(NULL, 5000, '0 seconds')")
        add(9, "openai", "now")  # after the rollups' position
        add(4, "google", None)  # undated: never rolled up
        truth = [(r[0], r[1], r[2]) for r in conn.execute(
            "SELECT ai_provider, count(*), count(DISTINCT process_instance_id)"
            " FROM procos_ai_context GROUP BY 1 ORDER BY 2 DESC, 1").fetchall()]
        got = [(p.provider, p.rows, p.instances) for p in run_check(conn).stats.providers]
    assert got == truth and len(truth) == 4
