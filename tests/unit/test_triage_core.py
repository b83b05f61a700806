"""Triage's pure logic: token shapes, prices, latency histograms, the extended filter line and
the sort keys."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from procos_tui.core import latency
from procos_tui.core.filters import FilterError, format_filter, parse_filter
from procos_tui.core.pricing import Price, format_cost, price_of, price_of_json, price_problems
from procos_tui.core.tokens import TokenSplit, split_usage, split_usage_json
from procos_tui.core.types import Bound, ProcessFilter, SortKey

# --- token shapes ----------------------------------------------------------------------------

SHAPES = [
    ({"prompt_tokens": 120, "completion_tokens": 80, "total_tokens": 200},
     TokenSplit(120, 80, 200)),  # OpenAI
    ({"input_tokens": 30, "output_tokens": 12}, TokenSplit(30, 12, 42)),  # Anthropic
    ({"input_tokens": 30, "output_tokens": 12, "cache_read_input_tokens": 900},
     TokenSplit(30, 12, 42)),
    ({"promptTokenCount": 7, "candidatesTokenCount": 5, "totalTokenCount": 12},
     TokenSplit(7, 5, 12)),  # Gemini
    ({"promptTokenCount": 7, "candidatesTokenCount": 5, "thoughtsTokenCount": 20,
      "totalTokenCount": 32}, TokenSplit(7, 25, 32)),
    ({"prompt_eval_count": 26, "eval_count": 290}, TokenSplit(26, 290, 316)),  # Ollama
    ({"total_tokens": 500}, TokenSplit(None, None, 500)),  # unsplit
    ({"prompt_tokens": 100, "total_tokens": 150}, TokenSplit(100, 50, 150)),  # derived
    ({"completion_tokens": 40, "totalTokenCount": 100}, TokenSplit(60, 40, 100)),
    ({"prompt_tokens": 5}, TokenSplit(None, None, 5)),  # one side, no total
    ({"prompt_tokens": 2.5, "completion_tokens": 1.5}, TokenSplit(3, 2, 5)),  # half up
    ({"prompt_tokens": "12", "completion_tokens": 3}, TokenSplit(None, None, 3)),
    ({"prompt_tokens": -1, "completion_tokens": True}, TokenSplit(None, None, 0)),
    ({"total_tokens": -5}, TokenSplit(None, None, 0)),
    ({"total_tokens": 1e300}, TokenSplit(None, None, 0)),
    ("n/a", TokenSplit(None, None, 0)),
    ([1, 2], TokenSplit(None, None, 0)),
    (None, TokenSplit(None, None, 0)),
]


@pytest.mark.parametrize(("usage", "expected"), SHAPES)
def test_every_provider_shape_splits(usage: object, expected: TokenSplit) -> None:
    assert split_usage(usage) == expected


def test_usage_from_stored_text_never_raises() -> None:
    assert split_usage_json('{"input_tokens": 3, "output_tokens": 4}') == TokenSplit(3, 4, 7)
    assert split_usage_json("[[[[" * 10_000) == TokenSplit(None, None, 0)
    assert split_usage_json("{not json") == TokenSplit(None, None, 0)
    assert split_usage_json('{"total_tokens": ' + "9" * 5000 + "}") == TokenSplit(None, None, 0)
    assert split_usage_json(None).total == 0


# --- prices ----------------------------------------------------------------------------------


def test_a_price_is_exact_decimal_and_defaults_to_usd() -> None:
    price = price_of({"pricing": {"input_per_million": 2.5, "output_per_million": "10.00"}})
    assert price == Price(Decimal("2.5"), Decimal("10.00"), "USD")
    assert price.cost(1_000_000, 500_000) == Decimal("7.5")
    assert price.cost(1, 1) == Decimal("0.0000125")
    assert price_of_json('{"pricing": {"input_per_million": 0.1, "output_per_million": 0.3,'
                         ' "currency": "EUR"}}') == Price(Decimal("0.1"), Decimal("0.3"), "EUR")


@pytest.mark.parametrize(("pricing", "problem"), [
    ("cheap", "must be an object"),
    ({"input_per_million": 1}, "output_per_million is required"),
    ({"input_per_million": -1, "output_per_million": 1}, "input_per_million must be a number"),
    ({"input_per_million": "1e3", "output_per_million": 1}, "input_per_million must be"),
    ({"input_per_million": True, "output_per_million": 1}, "input_per_million must be"),
    ({"input_per_million": 1, "output_per_million": 10_000_001}, "output_per_million must"),
    ({"input_per_million": 1, "output_per_million": 1, "currency": "usd"}, "three capital"),
    ({"input_per_million": 1, "output_per_million": 1, "currency": 840}, "three capital"),
])
def test_an_invalid_price_is_refused_and_unpriced(pricing: object, problem: str) -> None:
    config = {"temperature": 0.2, "pricing": pricing}
    assert any(problem in p for p in price_problems(config))
    assert price_of(config) is None


def test_no_pricing_is_no_problem_and_no_price() -> None:
    assert price_problems({"temperature": 0.2}) == [] and price_of({"temperature": 0.2}) is None
    assert price_of_json(None) is None and price_of_json("[1]") is None
    assert format_cost(None) == "—"
    assert format_cost(Decimal("0.00001"), "USD") == "0.0000 USD"
    assert format_cost(Decimal("1234.5")) == "1,234.5000"


# --- latency histograms ----------------------------------------------------------------------


def test_percentiles_stay_within_the_documented_error() -> None:
    rng = random.Random(7)
    for _ in range(40):
        values = [rng.lognormvariate(rng.uniform(-3, 4), rng.uniform(0.1, 2))
                  for _ in range(rng.randint(1, 400))]
        values = [max(v, 0.001) for v in values]
        hist = latency.histogram(values)
        for p in (0.5, 0.95, 0.99, 0.0, 1.0):
            exact = statistics.quantiles(values, n=100, method="inclusive")[int(p * 100) - 1] \
                if 0 < p < 1 and len(values) > 1 else (min(values) if p == 0 else max(values))
            got = latency.percentile(hist, p)
            assert got is not None
            assert abs(got - exact) <= latency.RELATIVE_ERROR * exact + 1e-12, (p, values)


def test_histograms_merge_and_bucket_edges() -> None:
    assert latency.RELATIVE_ERROR < 0.05
    assert latency.bucket_of(0.0) == 0 and latency.bucket_of(float("nan")) == 0
    assert latency.bucket_of(0.001) == 1 and latency.bucket_of(1e30) == latency.MAX_BUCKET
    assert latency.merge([1, 2], None, [0, 0, 3]) == [1, 2, 3]
    assert latency.unpack([2, 5, 0, 1]) == [0, 0, 5, 0, 1] and latency.unpack([]) == []
    assert latency.percentile([], 0.5) is None
    for k in range(1, 200):
        value = latency.bucket_value(k)
        assert latency.bucket_of(value) == k


# --- the filter line -------------------------------------------------------------------------

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


def test_numbers_units_and_relative_times() -> None:
    flt = parse_filter("tokens:>5k calls:>=3 cost:>0.50 size:>10MB latency:>30s cut:yes "
                       "key:INV- def:invoice-triage activity:Activity_X since:2d "
                       "until:yesterday", now=NOW)
    assert flt == ProcessFilter(
        tokens=Bound(">", Decimal(5000)), calls=Bound(">=", Decimal(3)),
        cost=Bound(">", Decimal("0.50")), size=Bound(">", Decimal(10_000_000)),
        latency=Bound(">", Decimal(30)), cut=True, business_key="INV-",
        definition="invoice-triage", activity="Activity_X", since=NOW - timedelta(days=2),
        until=datetime(2026, 11, 19, tzinfo=UTC))
    assert parse_filter(format_filter(flt), now=NOW) == flt
    assert parse_filter("latency:500ms size:2MiB tokens:<=10", now=NOW) == ProcessFilter(
        latency=Bound(">=", Decimal("0.500")), size=Bound(">=", Decimal(2 * 1024 * 1024)),
        tokens=Bound("<=", Decimal(10)))
    assert parse_filter("since:1w until:today cut:no", now=NOW) == ProcessFilter(
        since=NOW - timedelta(weeks=1), until=datetime(2026, 11, 20, tzinfo=UTC), cut=False)
    assert parse_filter("since:90m", now=NOW).since == NOW - timedelta(minutes=90)


@pytest.mark.parametrize(("line", "message"), [
    ("tokens:lots", "tokens: 'lots' is not a whole number"),
    ("tokens:>1.5", "must come to a whole number"),
    ("size:>10XB", "size: '>10XB' is not a size"),
    ("latency:>3d", "latency: '>3d' is not a duration"),
    ("cost:>-1", "cost: '>-1' is not an amount"),
    ("cut:maybe", "cut: 'maybe' is not yes or no"),
    ("since:3 fortnights", "since: '3' is not an ISO date"),
    ("since:3x", "since: '3x' is not an ISO date"),
    ("since:1h until:2h", "since: must be before until:"),
    ("calls:>1 calls:>2", "calls: given twice"),
    ("tokens:>99999999999999999999M", "too large"),
])
def test_bad_values_are_one_clear_line(line: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        parse_filter(line, now=NOW)


def test_bounds_compare_like_the_server() -> None:
    assert Bound(">", Decimal(5)).holds(6) and not Bound(">", Decimal(5)).holds(5)
    assert Bound("<=", Decimal("0.5")).holds(0.5) and not Bound("=", Decimal(1)).holds(None)


def test_sort_keys_are_the_command_line_field_names() -> None:
    assert [k.value for k in SortKey] == [
        "last_activity", "first_activity", "calls", "total_tokens", "input_tokens",
        "output_tokens", "bytes", "duration_s", "max_latency_s", "cost", "cut_outputs"]
    assert not SortKey.LAST_ACTIVITY.from_rollup and SortKey.COST.from_rollup


def test_an_interaction_knows_its_latency_and_token_split() -> None:
    from procos_tui.core.conversation import group_interactions
    from procos_tui.core.types import InteractionHeader

    t0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

    def row(n: int, kind: str, at: datetime | None, usage: str | None) -> InteractionHeader:
        return InteractionHeader(str(n), "p", "t", "a", kind, "openai", "gpt-4o", usage, 0, at,
                                 None, 0, None)

    pair, lone, undated = group_interactions([
        row(1, "input", t0, None),
        row(2, "output", t0 + timedelta(seconds=12.5),
            '{"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14}'),
        row(3, "output", t0 + timedelta(seconds=13), '{"total_tokens": 9}'),
        row(4, "input", None, None),
    ])
    assert pair.latency_s == 12.5 and pair.tokens == TokenSplit(10, 4, 14)
    assert lone.latency_s is None and lone.tokens == TokenSplit(None, None, 9)
    assert undated.latency_s is None
