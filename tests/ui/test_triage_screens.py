"""Triage in the TUI, driven by Pilot against a real database: the list sorted by every
number, the filter's "did you mean", Esc clearing it, columns that are never cut, and the Stats
screen whose figures are checked against SQL over procos_ai_context itself."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from procos_tui.core.triage import StatsBy
from procos_tui.ui.dialogs import PickScreen, PromptScreen
from procos_tui.ui.processes import ProcessesScreen
from procos_tui.ui.rowlist import RowList
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db

BASE = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
# (process, provider, model, input tokens, output tokens, seconds to the answer)
CALLS = [
    ("tri-small", "openai", "gpt-4o", 10, 5, 1.0),
    ("tri-big", "anthropic", "claude-sonnet-4", 90_000, 4_000_000, 3.0),
    ("tri-slow", "openai", "gpt-4o-mini", 300, 200, 95.0),
    ("tri-mid", "google", "gemini-2.5-pro", 2_000, 1_000, 2.0),
]
PRICE = {"input_per_million": "2.50", "output_per_million": "10", "currency": "USD"}


@pytest.fixture(scope="module")
def triage(db: str) -> str:
    with psycopg.connect(db, autocommit=True) as conn:
        # Priced: gpt-4o only, so the others are "unpriced", never zero.
        conn.execute("INSERT INTO procos_ai_models (model_name, provider, version, config_data)"
                     " VALUES ('gpt-4o', 'openai', 'ui-test', %s)",
                     (json.dumps({"pricing": PRICE}),))
        for n, (pid, provider, model, tin, tout, secs) in enumerate(CALLS):
            at = BASE + timedelta(hours=n)
            conn.execute(
                "INSERT INTO procos_ai_context (process_instance_id, activity_id, context_type,"
                " content_data, content_text, ai_provider, model_used, created_at) VALUES"
                " (%s, 'Activity_Triage', 'input', '{}', 'question?', %s, %s, %s)",
                (pid, provider, model, at))
            conn.execute(
                "INSERT INTO procos_ai_context (process_instance_id, activity_id, context_type,"
                " content_data, content_text, ai_provider, model_used, token_usage, created_at)"
                " VALUES (%s, 'Activity_Triage', 'output', '{}', %s, %s, %s, %s, %s)",
                (pid, "an answer long enough not to look cut, surely " * 2, provider, model,
                 json.dumps({"prompt_tokens": tin, "completion_tokens": tout,
                             "total_tokens": tin + tout}),
                 at + timedelta(seconds=secs)))
    return db


def _ids_in_order(app: object) -> list[str]:
    table = app.screen.query_one(RowList)  # type: ignore[attr-defined]
    return [k for k in table.keys if k.startswith("tri-")]


async def _sort_by(pilot: object, app: object, label: str) -> None:
    await pilot.press("o")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))  # type: ignore[arg-type,attr-defined]
    from textual.widgets import OptionList

    options = app.screen.query_one(OptionList)  # type: ignore[attr-defined]
    labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    options.highlighted = labels.index(label)
    await pilot.press("enter")  # type: ignore[attr-defined]


async def test_sort_by_tokens_cost_latency_both_ways_keeps_the_filter(
        triage: str, procos_app: AppFactory) -> None:
    app = procos_app(triage)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "tri-mid" in screen_text(app))
        await _sort_by(pilot, app, "tokens")
        await wait_for(pilot, lambda: "by tokens ↓" in screen_text(app))
        assert _ids_in_order(app)[:4] == ["tri-big", "tri-mid", "tri-slow", "tri-small"]
        text = screen_text(app)
        assert "Tokens ↓" in text and "4,090,000" in text  # whole, never cut
        await pilot.press("O")
        await wait_for(pilot, lambda: "by tokens ↑" in screen_text(app))
        assert _ids_in_order(app)[:4] == ["tri-small", "tri-slow", "tri-mid", "tri-big"]

        await _sort_by(pilot, app, "slowest interaction")
        await wait_for(pilot, lambda: "by slowest interaction ↓" in screen_text(app))
        assert _ids_in_order(app)[0] == "tri-slow"
        assert "95.0 s" in screen_text(app)

        # Cost: only gpt-4o has a price; 10 in + 5 out tokens at 2.50 / 10 per million.
        await _sort_by(pilot, app, "cost")
        await wait_for(pilot, lambda: "by cost ↓" in screen_text(app))
        assert _ids_in_order(app)[0] == "tri-small"
        assert "0.0001 USD" in screen_text(app)

        # A filter is kept under the sort, and the sort under a new filter.
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        from textual.widgets import Input

        app.screen.query_one(Input).value = "provider:openai"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "matching provider:openai · by cost ↓" in screen_text(app))
        assert _ids_in_order(app) == ["tri-small", "tri-slow"]
        # Esc clears the filter; the sort stays.
        await pilot.press("escape")
        await wait_for(pilot, lambda: "matching" not in screen_text(app)
                       and "tri-big" in screen_text(app))
        assert "by cost ↓" in screen_text(app)
        assert isinstance(app.screen, ProcessesScreen)


async def test_unknown_model_says_did_you_mean_and_completion_offers_names(
        triage: str, procos_app: AppFactory) -> None:
    from textual.widgets import Input

    app = procos_app(triage)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "tri-mid" in screen_text(app))
        await pilot.press("f")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        field = app.screen.query_one(Input)
        field.value = "model:gpt-4o-mnii"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "no such model 'gpt-4o-mnii'; did you mean gpt-4o-mini"
                       in screen_text(app))
        assert isinstance(app.screen, PromptScreen)  # back at the line, not an empty list
        field = app.screen.query_one(Input)
        field.value = ""
        field.focus()
        await pilot.press(*"model:claude")
        await wait_for(pilot, lambda: field._suggestion == "model:claude-sonnet-4")
        await pilot.press("right", "enter")  # → takes the completion
        await wait_for(pilot, lambda: "1 process instances · matching model:claude-sonnet-4"
                       in screen_text(app))


async def test_columns_are_whole_the_id_stays_and_a_resize_repaints_every_row(
        triage: str, procos_app: AppFactory) -> None:
    app = procos_app(triage)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "tri-mid" in screen_text(app))
        table = app.screen.query_one(RowList)
        shown = table.shown_columns()
        assert shown[0] == 0 and len(shown) < len(table.columns)
        assert "›" in screen_text(app)  # columns out of sight are said to be there
        await pilot.press("right")
        await pilot.pause()
        text = screen_text(app)
        assert "tri-mid" in text and "‹" in text  # the id pinned
        assert table.first_col == shown[-1] + 1  # a screenful, not one cell
        # Every column shown fits whole: the header names appear complete.
        for i in table.shown_columns():
            assert table.columns[i] in text
        await pilot.press("left")
        await pilot.pause()
        assert table.first_col == 1
        await pilot.resize_terminal(160, 40)
        await wait_for(pilot, lambda: screen_text(app).count("openai / gpt-4o") >= 2)
        assert len(table.shown_columns()) == len(table.columns)


def _truth(conn: psycopg.Connection[tuple[object, ...]], since: datetime,
           until: datetime) -> dict[str, int]:
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE context_type = 'output'),"
        " coalesce(sum((token_usage->>'total_tokens')::bigint), 0)"
        " FROM procos_ai_context WHERE created_at >= %s AND created_at < %s",
        (since, until)).fetchone()
    assert row is not None
    return {"calls": int(row[0]), "tokens": int(row[1])}  # type: ignore[call-overload]


async def test_stats_totals_match_sql_and_enter_lists_the_rows_processes(
        triage: str, procos_app: AppFactory) -> None:
    from procos_tui.ui.stats import StatsScreen

    until = BASE + timedelta(days=1)
    app = procos_app(triage)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "tri-mid" in screen_text(app))
        await app.push_screen(StatsScreen(until=until))
        await wait_for(pilot, lambda: "calls ·" in screen_text(app))
        with psycopg.connect(triage) as conn:
            truth = _truth(conn, until - timedelta(days=7), until)
        text = screen_text(app)
        assert f"{truth['calls']:,} calls · {truth['tokens']:,} tokens" in text
        assert "by model" in text and "anthropic/claude-sonnet-4" in text
        assert "0.0001 USD" in text and "unpriced" in text  # 3 calls had no price
        assert "tokens and cost per day" in text
        assert re.search(r"p95 \d", text)
        screen = app.screen
        assert isinstance(screen, StatsScreen)

        await pilot.press("v")
        await wait_for(pilot, lambda: "by provider" in screen_text(app))
        assert screen.by is StatsBy.PROVIDER
        await pilot.press("minus")  # 7 d -> 24 h: only this day's calls
        await wait_for(pilot, lambda: "24 h to" in screen_text(app)
                       and "tokens and cost per hour" in screen_text(app))
        with psycopg.connect(triage) as conn:
            day = _truth(conn, until - timedelta(days=1), until)
        assert f"{day['calls']:,} calls ·" in screen_text(app)

        # Enter on the top row (anthropic, the most tokens): its processes.
        assert screen.report is not None and screen.report.rows[0].group == "anthropic"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessesScreen)
                       and "matching provider:anthropic" in screen_text(app))
        assert _ids_in_order(app) == ["tri-big"]


async def test_the_conversation_shows_each_interactions_latency(
        triage: str, procos_app: AppFactory) -> None:
    from procos_tui.ui.conversation import ConversationScreen

    app = procos_app(triage, process_id="tri-slow")
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and "Latency" in screen_text(app))
        await wait_for(pilot, lambda: "95.0 s" in screen_text(app)
                       and "long enough" in screen_text(app))


async def test_models_show_cost_unpriced_calls_and_performance_stats(
        triage: str, procos_app: AppFactory) -> None:
    with psycopg.connect(triage, autocommit=True) as conn:
        conn.execute("UPDATE procos_ai_models SET performance_stats = %s WHERE version ="
                     " 'ui-test'", (json.dumps({"avg_latency_ms": 1234}),))
    app = procos_app(triage)
    async with app.run_test(size=(220, 40)) as pilot:
        await wait_for(pilot, lambda: "tri-mid" in screen_text(app))
        await pilot.press("m")
        await wait_for(pilot, lambda: "ui-test" in screen_text(app)
                       and "counting usage" not in screen_text(app))
        line = next(x for x in screen_text(app).splitlines() if "ui-test" in x)
        # gpt-4o's one call: 10 in, 5 out at 2.50 / 10 per million = 0.000075 USD.
        assert "0.0001 USD" in line and '{"avg_latency_ms": 1234}' in line
        mini = next(x for x in screen_text(app).splitlines() if "gpt-4o-mini" in x)
        assert "1 unpriced" in mini  # used, no price: unknown, never 0
