"""The compare screen (Pilot, real server): previous run of an activity, mark and compare across
processes, unified at 80 columns and side by side at 160, n / N, the JSON by path, hostile
text escaped on both sides, and Health's differing Camunda copy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from procos_tui.ui.compare import CompareScreen, DiffView
from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.dialogs import PromptScreen
from procos_tui.ui.health import HealthScreen
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db

BASE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PLAN = "".join(f"step {n}: check the invoice batch {n} and retry it\n" for n in range(40))
HOSTILE = "\x1b]2;pwned\x07\x1b[31m"


def _row(conn: psycopg.Connection[object], pid: str, kind: str, text: str, at: datetime,
         usage: dict[str, int] | None = None) -> None:
    conn.execute(
        "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id, context_type,"
        " content_data, content_text, ai_provider, model_used, token_usage, created_at)"
        " VALUES (%s, %s, 'Activity_Plan', %s, %s, %s, 'openai', 'gpt-4o', %s, %s)",
        (pid, f"{pid}-{at:%H%M}", kind, json.dumps({"content": text, "kind": kind}), text,
         json.dumps(usage) if usage else None, at))


@pytest.fixture
def two_runs(fresh: str) -> str:
    """One instance that ran Activity_Plan twice: the second plan changed two steps."""
    second = PLAN.replace("step 3: check", "step 3: verify").replace(
        "batch 30 and retry it", f"batch 30 and stop {HOSTILE}")
    with psycopg.connect(fresh, autocommit=True) as conn:
        for n, (answer, usage) in enumerate(((PLAN, 412), (second, 415))):
            at = BASE + timedelta(hours=n)
            _row(conn, "run-1", "input", "Plan the retries.", at)
            _row(conn, "run-1", "output", answer, at + timedelta(seconds=30),
                 {"prompt_tokens": usage, "completion_tokens": 200})
    return fresh


def _told(app: object, words: str) -> bool:
    """Whether a notification (a toast, wrapped on screen) says `words`."""
    return any(words in n.message for n in app._notifications)  # type: ignore[attr-defined]


async def test_previous_run_unified_at_80_with_n_and_the_json_by_path(
        two_runs: str, procos_app: AppFactory) -> None:
    app = procos_app(two_runs, process_id="run-1")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and "2 interactions" in screen_text(app))
        await pilot.press("end")  # the second run
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen)
                       and "2 changes" in screen_text(app))
        text = screen_text(app)
        assert "unified" in text and "#1 of run-1" in text and "#2 of run-1" in text
        view = app.screen.query_one(DiffView)
        # Every line fits beside the scrollbar: nothing of a line is hidden under it.
        assert max(view.line_text(i).cell_len for i in range(len(view.lines))) \
            <= view.scrollable_content_region.width
        assert "identical" in text  # the prompts are the same
        await pilot.press("n")
        await wait_for(pilot, lambda: "change 1 of 2" in screen_text(app))
        text = screen_text(app)
        assert "-" in text and "step 3: check the invoice" in text
        assert "step 3: verify the invoice" in text
        await pilot.press("n")
        await wait_for(pilot, lambda: "change 2 of 2" in screen_text(app))
        text = screen_text(app)
        assert "batch 30 and stop" in text and "\x1b" not in text and "␛" in text
        await pilot.press("N")
        await wait_for(pilot, lambda: "change 1 of 2" in screen_text(app))
        # The folds say how much is not shown; a shows it all.
        view = app.screen.query_one(DiffView)
        assert "unchanged lines" in view.plain()
        await pilot.press("a")
        await wait_for(pilot, lambda: "unchanged lines" not in app.screen.query_one(
            DiffView).plain())
        # The JSON view: paths, not blobs.
        await pilot.press("v")
        await wait_for(pilot, lambda: "JSON by path" in screen_text(app))
        lines = app.screen.query_one(DiffView).plain()
        assert "changed  $.prompt_tokens 412 → 415" in lines
        assert "changed  $.content" in lines
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))


async def test_mark_and_compare_across_processes_side_by_side(
        two_runs: str, procos_app: AppFactory) -> None:
    with psycopg.connect(two_runs, autocommit=True) as conn:
        _row(conn, "run-2", "input", "Plan the retries, again.", BASE + timedelta(days=1))
        _row(conn, "run-2", "output", PLAN.replace("step 7", "step seven"),
             BASE + timedelta(days=1, seconds=20))
    app = procos_app(two_runs, process_id="run-1")
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and "2 interactions" in screen_text(app))
        await pilot.press("X")  # nothing marked yet: says how
        await wait_for(pilot, lambda: _told(app, "Mark an interaction first"))
        await pilot.press("x")
        await wait_for(pilot, lambda: _told(app, "Marked #1 of run-1"))
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"run-2", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and app.screen.process_instance_id == "run-2"
                       and "1 interaction" in screen_text(app))
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen)
                       and "side by side" in screen_text(app))
        text = screen_text(app)
        assert "│" in text and "#1 of run-1" in text and "#1 of run-2" in text
        await pilot.press("n")
        await wait_for(pilot, lambda: "step seven" in screen_text(app))
        row = next(line for line in screen_text(app).splitlines() if "step seven" in line)
        assert "step 7: check" in row  # a on the left, b on the right, one row
        await pilot.press("w")  # unified on request
        await wait_for(pilot, lambda: "unified" in screen_text(app))


async def test_health_opens_a_differing_camunda_copy_in_the_compare_view(
        fresh: str, camunda_ddl: str, procos_app: AppFactory) -> None:
    procos = "The invoice total is 1,240.00 EUR.\nApproved by the model.\n"
    camunda = "The invoice total is 1,420.00 EUR.\nApproved by the model.\n"
    with psycopg.connect(fresh, autocommit=True) as conn:
        _row(conn, "copy-1", "output", procos, BASE)
        conn.execute(camunda_ddl.encode())
        conn.execute("INSERT INTO act_hi_varinst (id_, proc_inst_id_, name_, var_type_, text_)"
                     " VALUES ('v1', 'copy-1', 'content', 'string', %s)", (camunda,))
    app = procos_app(fresh)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(app))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen)
                       and "differs" in screen_text(app))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen)
                       and "1 change" in screen_text(app))
        text = screen_text(app)
        assert "ProcOS: content of copy-1" in text and "Camunda's copy of content" in text
        assert "1,240.00" in text and "1,420.00" in text
        await pilot.press("v")  # text only: says so, stays
        await wait_for(pilot, lambda: _told(app, "text only"))
        assert isinstance(app.screen, CompareScreen)


async def test_mark_and_compare_from_the_search_hits(two_runs: str,
                                                    procos_app: AppFactory) -> None:
    from procos_tui.ui.search import SearchScreen

    app = procos_app(two_runs)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(app))
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        await pilot.press(*"invoice batch 12 ", "enter")
        await wait_for(pilot, lambda: "2 hits" in screen_text(app))
        await pilot.press("x")
        await wait_for(pilot, lambda: _told(app, "Marked #2 of run-1"))
        from textual.widgets import Input

        query = app.screen.query_one("#query", Input)
        assert query.value == "invoice batch 12 "  # x marked the hit, typed nothing
        await pilot.press("down", "X")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen)
                       and "2 changes" in screen_text(app))
        text = screen_text(app)
        assert "#2 of run-1" in text and "#1 of run-1" in text
