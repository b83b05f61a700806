"""Triage against ground truth: every order's pages, Stats and model usage, computed here from
procos_ai_context's own rows (core.tokens, core.pricing, the conversation's pairing and
percentile_cont) and compared with what the rollups plus the rows after them answer."""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from procos_tui.core import latency
from procos_tui.core.conversation import group_interactions
from procos_tui.core.filters import parse_filter
from procos_tui.core.pricing import price_of_json
from procos_tui.core.tokens import split_usage_json
from procos_tui.core.triage import StatsBy, StatsWindow
from procos_tui.core.types import InteractionHeader, ProcessFilter, ProcessSort, SortKey
from procos_tui.db.conninfo import Target
from procos_tui.db.gateway import Gateway

pytestmark = pytest.mark.db
BOTH_LAYOUTS = True  # every test here on the plain and the partitioned table

MODELS = [("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4"),
          ("google", "gemini-2.5-pro"), ("ollama", "llama3.1:70b"), ("acme", "unregistered")]
PRICES = {("openai", "gpt-4o"): {"input_per_million": "2.50", "output_per_million": "10.00"},
          ("openai", "gpt-4o-mini"): {"input_per_million": 0.15, "output_per_million": 0.6,
                                      "currency": "USD"},
          ("anthropic", "claude-sonnet-4"): {"input_per_million": 3, "output_per_million": 15}}


def usage_for(rng: random.Random, provider: str) -> Any:
    p, o = rng.randint(0, 5000), rng.randint(0, 3000)
    shape = rng.random()
    if shape < 0.06:
        return None
    if shape < 0.1:
        return rng.choice(["n/a", [1, 2], {"total_tokens": -5}, {"prompt_tokens": "12"},
                           {"total_tokens": 1e300}, {"prompt_tokens": 7}, 42,
                           {"completion_tokens": 9, "total_tokens": 20}])
    if shape < 0.16:
        return {"total_tokens": p + o}
    return {"openai": {"prompt_tokens": p, "completion_tokens": o, "total_tokens": p + o},
            "anthropic": {"input_tokens": p, "output_tokens": o},
            "google": {"promptTokenCount": p, "candidatesTokenCount": o,
                       "totalTokenCount": p + o},
            "ollama": {"prompt_eval_count": p, "eval_count": o},
            "acme": {"prompt_tokens": p, "completion_tokens": o}}[provider]


def make_rows(rng: random.Random, pids: list[str], start: datetime, span_s: float,
              steps: tuple[int, int] = (1, 4)) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for pid in pids:
        provider, model = rng.choice(MODELS)
        t = start + timedelta(seconds=rng.uniform(0, span_s))
        for step in range(rng.randint(*steps)):
            task = None if rng.random() < 0.2 else f"task-{step}"
            activity = rng.choice(["Activity_A", "Activity_B", None])
            if rng.random() < 0.1:
                rows.append((pid, None, activity, "system", {"event": "x"}, "system row",
                             provider, model, None, t))
            t += timedelta(seconds=rng.uniform(0, 5))
            rows.append((pid, task, activity, "input", {"query": "q"}, "question " * 5,
                         provider, model, None, t))
            t += timedelta(seconds=rng.choice([0, rng.uniform(0.0005, 90)]))
            text = rng.choice(["short", "a longer answer " * rng.randint(4, 40)])
            other_task = task if rng.random() < 0.9 else "task-other"
            rows.append((pid, other_task, activity, "output", {"content": text}, text, provider,
                         model, usage_for(rng, provider), t))
            if rng.random() < 0.1:  # a row without a time
                rows.append((pid, task, activity, "output", {"content": "undated"}, "undated",
                             provider, model, usage_for(rng, provider), None))
    return rows


def insert(conn: psycopg.Connection[Any], rows: list[tuple[Any, ...]]) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id,"
            " context_type, content_data, content_text, ai_provider, model_used, token_usage,"
            " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(*r[:4], Jsonb(r[4]), r[5], r[6], r[7],
              None if r[8] is None else Jsonb(r[8]), r[9]) for r in rows])


# --- ground truth -------------------------------------------------------------------------------

TRUTH_ROWS = """
SELECT id::text AS id, process_instance_id, task_id, activity_id, context_type, ai_provider,
       model_used, token_usage::text AS token_usage_json, created_at,
       coalesce(octet_length(content_text), 0) + coalesce(pg_column_size(content_data), 0)
           AS bytes, length(content_text) AS chars
FROM procos_ai_context
ORDER BY process_instance_id, coalesce(created_at, '-infinity'::timestamptz),
         CASE context_type WHEN 'system' THEN 0 WHEN 'input' THEN 1 ELSE 2 END, id
"""

PRICE_ROWS = """
SELECT provider, model_name, config_data::text AS config FROM procos_ai_models
ORDER BY provider, model_name, is_active DESC NULLS LAST, updated_at DESC NULLS LAST, id
"""


def prices(conn: psycopg.Connection[Any]) -> dict[tuple[str, str], Any]:
    out: dict[tuple[str, str], Any] = {}
    for r in conn.cursor(row_factory=dict_row).execute(PRICE_ROWS):
        price = price_of_json(r["config"])
        if price is not None:
            out.setdefault((r["provider"], r["model_name"]), price)
    return out


def truth(conninfo: str) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Per instance, the list's numbers; and every row with its split, cost and latency."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.cursor(row_factory=dict_row).execute(TRUTH_ROWS).fetchall()
        price = prices(conn)
    by_pid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        split = split_usage_json(r["token_usage_json"])
        r["inp"], r["outp"], r["tot"] = split.input, split.output, split.total
        p = price.get((r["ai_provider"], r["model_used"]))
        r["cost"] = (None if p is None or split.input is None
                     else split.input * p.input_per_million * Decimal("0.000001")
                     + split.output * p.output_per_million * Decimal("0.000001"))
        r["cut"] = r["context_type"] == "output" and r["chars"] is not None and r["chars"] < 50
        r["latency_s"] = None
        by_pid[r["process_instance_id"]].append(r)
    out = {}
    for pid, prow in by_pid.items():
        headers = [InteractionHeader(r["id"], pid, r["task_id"], r["activity_id"],
                                     r["context_type"], r["ai_provider"], r["model_used"],
                                     None, 0, r["created_at"], None, 0, None) for r in prow]
        by_id = {r["id"]: r for r in prow}
        for interaction in group_interactions(headers):
            if interaction.latency_s is not None and interaction.response is not None:
                by_id[interaction.response.id]["latency_s"] = interaction.latency_s
        dated = [r["created_at"] for r in prow if r["created_at"] is not None]
        costs = [r["cost"] for r in prow if r["cost"] is not None]
        latencies = [r["latency_s"] for r in prow if r["latency_s"] is not None]
        out[pid] = {
            "calls": sum(r["context_type"] == "output" for r in prow),
            "total_tokens": sum(r["tot"] for r in prow),
            "input_tokens": sum(r["inp"] or 0 for r in prow),
            "output_tokens": sum(r["outp"] or 0 for r in prow),
            "bytes": sum(r["bytes"] for r in prow),
            "cut_outputs": sum(r["cut"] for r in prow),
            "max_latency_s": max(latencies) if latencies else None,
            "cost": sum(costs, Decimal(0)) if costs else None,
            "unpriced_calls": sum(r["context_type"] == "output" and r["cost"] is None
                                  for r in prow),
            # the walk's key: a row without created_at counts as -infinity (as in the list)
            "first_at": min(dated) if dated and len(dated) == len(prow) else None,
            "last_at": max(dated) if dated else None,
            "duration_s": (max(dated) - min(dated)).total_seconds() if dated else None,
            "rows": len(prow),
        }
    return out, rows


FIELD = {SortKey.CALLS: "output_count", SortKey.CUT_OUTPUTS: "suspect_outputs",
         SortKey.LAST_ACTIVITY: "last_at", SortKey.FIRST_ACTIVITY: "first_at"}
MINUS_INF = datetime.min.replace(tzinfo=UTC)


def sort_value(numbers: dict[str, Any], key: SortKey) -> Any:
    value = numbers[key.value if key.value in numbers else FIELD[key]]
    if value is None:
        return MINUS_INF if key in (SortKey.LAST_ACTIVITY, SortKey.FIRST_ACTIVITY) else -1
    return value


def expected_order(numbers: dict[str, dict[str, Any]], sort: ProcessSort) -> list[str]:
    return sorted(numbers, key=lambda pid: (sort_value(numbers[pid], sort.key), pid),
                  reverse=sort.descending)


async def all_pages(gateway: Gateway, sort: ProcessSort, flt: ProcessFilter | None = None,
                    limit: int = 7) -> list[Any]:
    out: list[Any] = []
    page = await gateway.process_page(flt or ProcessFilter(), None, limit, sort)
    out += page.rows
    while page.next_cursor is not None:
        page = await gateway.process_page(flt or ProcessFilter(), page.next_cursor, limit, sort)
        out += page.rows
    return out


def check_pages(conninfo: str, sorts: list[ProcessSort] | None = None) -> None:
    numbers, _rows = truth(conninfo)
    gateway = Gateway(Target(conninfo, "test"))

    async def run() -> None:
        try:
            for sort in sorts or [ProcessSort(k, d) for k in SortKey for d in (True, False)]:
                got = await all_pages(gateway, sort)
                ids = [s.process_instance_id for s in got]
                want = expected_order(numbers, sort)
                if sort.key in (SortKey.LAST_ACTIVITY, SortKey.FIRST_ACTIVITY):
                    # rows of equal time: the walk orders by (time, row id), not instance id
                    assert sorted(ids) == sorted(want), sort
                    values = [sort_value(numbers[p], sort.key) for p in ids]
                    assert values == sorted(values, reverse=sort.descending), sort
                else:
                    assert ids == want, sort
                for summary in got:
                    n = numbers[summary.process_instance_id]
                    assert (summary.output_count, summary.total_tokens, summary.input_tokens,
                            summary.output_tokens, summary.bytes, summary.suspect_outputs,
                            summary.cost, summary.unpriced_calls) == (
                        n["calls"], n["total_tokens"], n["input_tokens"], n["output_tokens"],
                        n["bytes"], n["cut_outputs"], n["cost"], n["unpriced_calls"]), summary
                    assert summary.max_latency_s == pytest.approx(n["max_latency_s"])
        finally:
            await gateway.close()

    asyncio.run(run())


def check_stats(conninfo: str, window: StatsWindow) -> None:
    numbers, rows = truth(conninfo)
    del numbers
    gateway = Gateway(Target(conninfo, "test"))

    def group_of(r: dict[str, Any], by: StatsBy, definitions: dict[str, str]) -> Any:
        at = r["created_at"].astimezone(UTC)
        if by is StatsBy.HOUR:
            return (at.replace(minute=0, second=0, microsecond=0),)
        if by is StatsBy.DAY:
            return (at.replace(hour=0, minute=0, second=0, microsecond=0),)
        if by is StatsBy.MODEL:
            return (r["model_used"], r["ai_provider"])
        if by is StatsBy.DEFINITION:
            return (definitions.get(r["process_instance_id"]),)
        return (r["ai_provider"] if by is StatsBy.PROVIDER else r["activity_id"],)

    definitions: dict[str, str] = {}
    with psycopg.connect(conninfo) as conn:
        definitions = {} if one(conn, "SELECT to_regclass('act_hi_procinst') IS NULL") else dict(
            conn.execute("SELECT proc_inst_id_, proc_def_key_ FROM act_hi_procinst").fetchall())

    async def run() -> None:
        try:
            for by in StatsBy:
                report = await gateway.stats(window, by)
                groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
                for r in rows:
                    if r["created_at"] is not None and window.since <= r["created_at"] \
                            < window.until:
                        groups[group_of(r, by, definitions)].append(r)
                got = {((row.bucket_at,) if by.is_time else (row.group, row.provider)
                        if by is StatsBy.MODEL else (row.group,)): row for row in report.rows}
                assert set(got) == set(groups), by
                for key, members in groups.items():
                    row = got[key]
                    costs = [m["cost"] for m in members if m["cost"] is not None]
                    lat = [m["latency_s"] for m in members if m["latency_s"] is not None]
                    assert (row.rows, row.calls, row.total_tokens, row.input_tokens,
                            row.output_tokens, row.bytes, row.cut_outputs) == (
                        len(members), sum(m["context_type"] == "output" for m in members),
                        sum(m["tot"] for m in members), sum(m["inp"] or 0 for m in members),
                        sum(m["outp"] or 0 for m in members),
                        sum(m["bytes"] for m in members), sum(m["cut"] for m in members)), key
                    assert row.cost == (sum(costs, Decimal(0)) if costs else None), key
                    assert row.unpriced_calls == sum(
                        m["context_type"] == "output" and m["cost"] is None for m in members)
                    assert row.interactions == len(lat)
                    if lat:
                        assert row.max_latency_s == pytest.approx(max(lat))
                        exact = percentiles(conninfo, lat)
                        for got_p, want in zip((row.latency_p50_s, row.latency_p95_s), exact,
                                               strict=True):
                            assert got_p is not None
                            assert abs(got_p - want) <= latency.RELATIVE_ERROR * want + 1e-9 \
                                or want < latency.BASE_S, (key, got_p, want)
                total_rows = sum(len(m) for m in groups.values())
                assert report.total.rows == total_rows
                # the chart, read in the same statement as the table: tokens, calls, cost per step
                chart_by = StatsBy.HOUR if report.series_step <= timedelta(hours=1) \
                    else StatsBy.DAY
                points: dict[Any, list[dict[str, Any]]] = defaultdict(list)
                for members in groups.values():
                    for m in members:
                        points[group_of(m, chart_by, definitions)[0]].append(m)
                assert [(p.at, p.total_tokens, p.calls, p.cost) for p in report.series] == [
                    (at, sum(m["tot"] for m in points[at]),
                     sum(m["context_type"] == "output" for m in points[at]),
                     sum((m["cost"] for m in points[at] if m["cost"] is not None), Decimal(0))
                     if any(m["cost"] is not None for m in points[at]) else None)
                    for at in sorted(points)], by
        finally:
            await gateway.close()

    asyncio.run(run())


def percentiles(conninfo: str, values: list[float]) -> tuple[float, float]:
    with psycopg.connect(conninfo) as conn:
        row = conn.execute("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v),"
                           " percentile_cont(0.95) WITHIN GROUP (ORDER BY v)"
                           " FROM unnest(%s::float8[]) AS v", (values,)).fetchone()
    assert row is not None
    return row[0], row[1]


def one(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query.encode(), params).fetchone()
    assert row is not None
    return row[0]


def refresh(conninfo: str, max_rows: int | None = None, settle: str = "10 minutes") -> int:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT procos_ai_refresh_rollups(%s, 7, %s::interval)",
                           (max_rows, settle)).fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def triage_db(fresh: str, camunda_ddl: str) -> str:
    rng = random.Random(13)
    now = datetime.now(UTC)
    with psycopg.connect(fresh, autocommit=True) as conn:
        for (provider, model), pricing in PRICES.items():
            conn.execute("UPDATE procos_ai_models SET config_data = config_data ||"
                         " jsonb_build_object('pricing', %s::jsonb)"
                         " WHERE provider = %s AND model_name = %s",
                         (json.dumps(pricing), provider, model))
        conn.execute(camunda_ddl.encode())
        pids = [f"p-{n:03d}" for n in range(60)]
        insert(conn, make_rows(rng, pids, now - timedelta(days=3), 2 * 86400))
        conn.execute(
            "INSERT INTO act_hi_procinst (id_, proc_inst_id_, business_key_, proc_def_key_,"
            " proc_def_id_, start_time_, state_) SELECT pid, pid, 'BK-' || pid,"
            " CASE WHEN right(pid, 1) IN ('1', '2', '3') THEN 'invoice' ELSE 'support' END,"
            " 'd:1', now(), 'COMPLETED' FROM unnest(%s::text[]) AS pid", (pids[:40],))
    return fresh


def test_every_order_and_aggregate_before_any_refresh_is_exact(triage_db: str) -> None:
    """No refresh yet: every row is read live."""
    check_pages(triage_db)


def test_rows_after_the_refresh_and_a_straddling_instance_are_merged(triage_db: str) -> None:
    rng = random.Random(14)
    now = datetime.now(UTC)
    assert refresh(triage_db, max_rows=120) == 120  # stop midway: instances straddle it
    with psycopg.connect(triage_db, autocommit=True) as conn:
        position = one(conn, "SELECT read_at FROM procos_ai_rollup_state")
        straddling = one(conn,
            "SELECT count(DISTINCT process_instance_id) FROM procos_ai_context WHERE"
            " process_instance_id IN (SELECT process_instance_id FROM procos_ai_context"
            " WHERE created_at > %s) AND created_at <= %s", (position, position))
        assert straddling > 0
        # new rows: for rolled-up instances (recent, not settled), new instances, undated ones
        insert(conn, make_rows(rng, ["p-001", "p-002", "p-050", "new-1", "new-2"],
                               now - timedelta(minutes=5), 200))
    check_pages(triage_db)
    refresh(triage_db)
    check_pages(triage_db)
    window = StatsWindow(now - timedelta(days=4, minutes=17), now + timedelta(minutes=1))
    check_stats(triage_db, window)


def test_stats_windows_with_ragged_ends_and_unpriced_models(triage_db: str) -> None:
    refresh(triage_db)
    now = datetime.now(UTC)
    for since, until in ((now - timedelta(days=2, minutes=33), now - timedelta(hours=5,
                                                                               minutes=7)),
                         (now - timedelta(days=3, hours=1), now),
                         (now - timedelta(days=1, minutes=10), now - timedelta(days=1))):
        check_stats(triage_db, StatsWindow(since, until))

    async def usage() -> None:
        gateway = Gateway(Target(triage_db, "test"))
        try:
            by_model = await gateway.model_usage()
            gaps = await gateway.model_gaps()
        finally:
            await gateway.close()
        assert by_model[("google", "gemini-2.5-pro")].cost is None
        assert by_model[("google", "gemini-2.5-pro")].unpriced_calls == \
            by_model[("google", "gemini-2.5-pro")].calls > 0
        assert by_model[("openai", "gpt-4o")].cost is not None
        assert ("acme", "unregistered") in [(p, m) for p, m, _n in gaps.missing]
        numbers, _rows = truth(triage_db)
        assert sum(u.calls for u in by_model.values()) == sum(n["calls"]
                                                             for n in numbers.values())
        assert sum(u.total_tokens for u in by_model.values()) == sum(
            n["total_tokens"] for n in numbers.values())

    asyncio.run(usage())


def test_deleted_and_updated_rows_are_reported_then_reconciled_by_rebuild(
        triage_db: str) -> None:
    from procos_tui.db.health import rollup_disagreement

    refresh(triage_db)
    with psycopg.connect(triage_db, autocommit=True) as conn:
        assert rollup_disagreement(conn) == []
        conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id = 'p-007'")
        conn.execute("UPDATE procos_ai_context SET token_usage = '{\"total_tokens\": 999999}'"
                     " WHERE process_instance_id = 'p-008' AND context_type = 'output'")
        findings = rollup_disagreement(conn, sample=1000)
        assert findings and "procos-tui refresh --rebuild" in findings[0].fix
        conn.execute("SELECT procos_ai_rebuild_rollups()")
    check_pages(triage_db, [ProcessSort(SortKey.TOTAL_TOKENS), ProcessSort(SortKey.COST)])
    refresh(triage_db)
    with psycopg.connect(triage_db, autocommit=True) as conn:
        assert rollup_disagreement(conn, sample=1000) == []
    check_pages(triage_db)


def test_a_price_change_is_exact_before_the_next_refresh(triage_db: str) -> None:
    refresh(triage_db)
    with psycopg.connect(triage_db, autocommit=True) as conn:
        conn.execute("UPDATE procos_ai_models SET config_data = config_data ||"
                     " '{\"pricing\": {\"input_per_million\": 100, \"output_per_million\": 1}}'"
                     " WHERE model_name = 'gemini-2.5-pro'")
    check_pages(triage_db, [ProcessSort(SortKey.COST), ProcessSort(SortKey.COST, False)])
    refresh(triage_db)
    check_pages(triage_db, [ProcessSort(SortKey.COST)])


def test_filters_on_numbers_camunda_and_activity_match_the_truth(triage_db: str) -> None:
    refresh(triage_db, max_rows=200)
    numbers, rows = truth(triage_db)
    activity = {r["process_instance_id"] for r in rows if r["activity_id"] == "Activity_A"}
    gateway = Gateway(Target(triage_db, "test"))
    cases: list[tuple[str, Any]] = [
        ("tokens:>6000", lambda p, n: n["total_tokens"] > 6000),
        ("calls:>=3 cut:yes", lambda p, n: n["calls"] >= 3 and n["cut_outputs"] > 0),
        ("cost:>0.01", lambda p, n: n["cost"] is not None and n["cost"] > Decimal("0.01")),
        ("latency:>30s", lambda p, n: (n["max_latency_s"] or -1) > 30),
        ("size:<2KB", lambda p, n: n["bytes"] < 2000),
        ("def:invoice", lambda p, n: p < "p-040" and p[-1] in "123"),
        ("key:BK-p-01", lambda p, n: p.startswith("p-01")),
        ("activity:Activity_A cut:no", lambda p, n: p in activity and n["cut_outputs"] == 0),
    ]

    async def run() -> None:
        try:
            for line, wanted in cases:
                flt = parse_filter(line)
                want = {p for p, n in numbers.items() if wanted(p, n)}
                for sort in (ProcessSort(), ProcessSort(SortKey.TOTAL_TOKENS),
                             ProcessSort(SortKey.FIRST_ACTIVITY, False)):
                    got = await all_pages(gateway, sort, flt, limit=5)
                    assert {s.process_instance_id for s in got} == want, (line, sort)
        finally:
            await gateway.close()

    asyncio.run(run())


def test_the_server_splits_tokens_prices_and_buckets_as_core_does(db: str) -> None:
    from procos_tui.core.pricing import price_of
    from tests.unit.test_triage_core import SHAPES

    pricings: list[Any] = [
        {"input_per_million": "2.50", "output_per_million": 10},
        {"input_per_million": 1, "output_per_million": 1, "currency": "EUR"},
        {"input_per_million": 1}, {"input_per_million": -1, "output_per_million": 1},
        {"input_per_million": "1e3", "output_per_million": 1},
        {"input_per_million": True, "output_per_million": 1},
        {"input_per_million": 1, "output_per_million": 10_000_001},
        {"input_per_million": 1, "output_per_million": 1, "currency": "usd"},
        {"input_per_million": "9999999", "output_per_million": 1}, "cheap"]
    with psycopg.connect(db, autocommit=True) as conn:
        for usage, expected in SHAPES:
            got = one(conn, "SELECT procos_ai_token_split(%s::jsonb)",
                      (None if usage is None else json.dumps(usage),))
            assert tuple(got) == (expected.input, expected.output, expected.total), usage
        for value in (0.0, 0.0004, 0.001, 0.0011, 0.5, 1.0, 12.34, 86400.0, 1e12, 1e30):
            assert one(conn, "SELECT procos_ai_latency_bucket(%s)", (value,)) \
                == latency.bucket_of(value), value
        packed = one(conn, "SELECT procos_ai_hist_merge(procos_ai_hist_sum(h), '{0, 1}')"
                           " FROM (VALUES ('{3, 1, 0, 2}'::int[]), ('{1, 4}'), ('{}'), ('{5, 0}'))"
                           " AS v(h)")
        assert latency.unpack(packed) == latency.merge([0, 0, 0, 1, 0, 2], [0, 4], [1])
        for n, pricing in enumerate(pricings):
            conn.execute("INSERT INTO procos_ai_models (model_name, provider, config_data)"
                         " VALUES (%s, 'p', %s)", (f"m{n}", Jsonb({"pricing": pricing})))
        server = {r[0]: (r[1], r[2], r[3]) for r in conn.execute(
            "SELECT model_name, input_per_million, output_per_million, currency"
            " FROM procos_ai_model_prices() WHERE provider = 'p'").fetchall()}
    for n, pricing in enumerate(pricings):
        price = price_of({"pricing": pricing})
        want = None if price is None else (price.input_per_million, price.output_per_million,
                                           price.currency)
        assert server.get(f"m{n}") == want, pricing
