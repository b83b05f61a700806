"""SVG snapshots of the main screens at 80x24 and 160x45 (pytest-textual-snapshot).

Update after a deliberate change with `pytest tests/ui/test_snapshots.py --snapshot-update`
and look at the SVGs in tests/ui/__snapshots__/ before committing them. They run on the embedded
server only (not marked `db`): the status line names the server's major version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from textual.pilot import Pilot

from procos_tui.db.conninfo import Target
from procos_tui.db.gateway import Gateway
from procos_tui.ui.app import ProcosApp
from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.textpane import TextPane
from tests.screen import wait_for

BASE = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
CODE_ANSWER = """# Retry plan for failed external tasks

Three incidents share one cause: the **OCR worker** timed out on scanned PDFs.

1. Raise the lock duration to `PT10M`.
2. Retry the incidents with the script below.
3. Watch `procos_ai_context` for new outputs under 50 characters.

```python
def retry(client, incident_ids: list[str]) -> int:
    \"\"\"Set retries to 3 for each failed job; return how many were reset.\"\"\"
    done = 0
    for incident in incident_ids:
        client.put(f"/job/{incident}/retries", json={"retries": 3})
        done += 1
    return done
```

```sql
SELECT process_instance_id, length(content_text)
FROM procos_ai_context
WHERE context_type = 'output' AND length(content_text) < 50;
```

> Nothing was lost: ProcOS keeps every response in full.
"""
PROCESSES = [
    ("7f3c9a10-4a1b-11f1-8c2e-0242ac120005", "openai", "gpt-4o"),
    ("a1d2e3f4-4a1b-11f1-9d3f-0242ac120005", "anthropic", "claude-sonnet-4"),
    ("c0ffee00-4a1b-11f1-ae40-0242ac120005", "google", "gemini-2.5-pro"),
]


@pytest.fixture(scope="module")
def snap_db(db: str) -> str:
    with psycopg.connect(db, autocommit=True) as conn:
        for n, (pid, provider, model) in enumerate(PROCESSES):
            for step in range(n + 1):
                at = BASE + timedelta(hours=n, minutes=5 * step)
                task = f"{pid[:8]}-task-{step}"
                conn.execute(
                    "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id,"
                    " context_type, content_data, content_text, ai_provider, model_used,"
                    " created_at) VALUES (%s, %s, 'Activity_PlanRetry', 'input', %s, %s, %s,"
                    " %s, %s)",
                    (pid, task, json.dumps({"query": "Why did the OCR step fail, and what now?",
                                            "context": "incident log: 3 timeouts"}),
                     "Why did the OCR step fail, and what now?", provider, model, at))
                answer = CODE_ANSWER if step == 0 else "Short."
                conn.execute(
                    "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id,"
                    " context_type, content_data, content_text, ai_provider, model_used,"
                    " token_usage, created_at) VALUES (%s, %s, 'Activity_PlanRetry', 'output',"
                    " %s, %s, %s, %s, %s, %s)",
                    (pid, task, json.dumps({"content": answer, "finish_reason": "stop",
                                            "latency_ms": 2140}),
                     answer, provider, model,
                     json.dumps({"prompt_tokens": 412, "completion_tokens": 236,
                                 "total_tokens": 648}),
                     at + timedelta(seconds=41)))
        # The widest numbers the demo has, in one more instance: 5,042,573 tokens, a 20 MB
        # response, an hour's latency and a price, so every column shows its widest.
        wide = "f00dcafe-4a1b-11f1-be51-0242ac120005"
        at = BASE + timedelta(hours=1, minutes=30)
        conn.execute(
            "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id,"
            " context_type, content_data, content_text, ai_provider, model_used, created_at)"
            " VALUES (%s, 'f00dcafe-task-0', 'Activity_SummariseArchive', 'input', %s, %s,"
            " 'openai', 'gpt-4o', %s)",
            (wide, json.dumps({"query": "Summarise the archive."}), "Summarise the archive.",
             at))
        huge = "The archive, summarised line by line for the auditors.\n" * 363_637
        conn.execute(
            "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id,"
            " context_type, content_data, content_text, ai_provider, model_used, token_usage,"
            " created_at) VALUES (%s, 'f00dcafe-task-0', 'Activity_SummariseArchive',"
            " 'output', '{}', %s, 'openai', 'gpt-4o', %s, %s)",
            (wide, huge, json.dumps({"prompt_tokens": 4_000_000,
                                     "completion_tokens": 1_042_573,
                                     "total_tokens": 5_042_573}),
             at + timedelta(seconds=3725)))
        conn.execute("UPDATE procos_ai_models SET config_data = coalesce(config_data, '{}')"
                     " || '{\"pricing\": {\"input_per_million\": \"2.50\","
                     " \"output_per_million\": \"10.00\", \"currency\": \"USD\"}}'"
                     " WHERE provider = 'openai' AND model_name = 'gpt-4o'")
        # The registry's times fixed, so the Models picture does not move with the clock
        # (its trigger would set now() on the update).
        conn.execute("ALTER TABLE procos_ai_models DISABLE TRIGGER "
                     "trigger_procos_ai_models_updated_at")
        conn.execute("UPDATE procos_ai_models SET created_at = %s, updated_at = %s",
                     (BASE, BASE))
        conn.execute("ALTER TABLE procos_ai_models ENABLE TRIGGER "
                     "trigger_procos_ai_models_updated_at")
    return db


def _app(conninfo: str, process: str | None = None) -> ProcosApp:
    return ProcosApp(Gateway(Target(conninfo, "test")), process_id=process,
                     label="procos@db.example")


async def _list_loaded(pilot: Pilot[None]) -> None:
    await wait_for(pilot, lambda: "4 process instances" in str(
        pilot.app.screen.query_one("#summary").render()))


async def _conversation_loaded(pilot: Pilot[None]) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                   and "Retry plan" in app.screen.query_one("#response", TextPane).text)
    await pilot.pause(0.2)


SnapCompare = Callable[..., bool]
# The operator's laptop and the bastion's smallest terminal.
SIZES = [(80, 24), (160, 45)]


@pytest.mark.parametrize("size", SIZES)
def test_processes_screen(snap_db: str, snap_compare: SnapCompare,
                          size: tuple[int, int]) -> None:
    assert snap_compare(_app(snap_db), terminal_size=size, run_before=_list_loaded)


@pytest.mark.parametrize("size", SIZES)
def test_conversation_rendered(snap_db: str, snap_compare: SnapCompare,
                               size: tuple[int, int]) -> None:
    assert snap_compare(_app(snap_db, PROCESSES[2][0]), terminal_size=size,
                        run_before=_conversation_loaded)


@pytest.mark.parametrize("size", SIZES)
def test_conversation_json_view(snap_db: str, snap_compare: SnapCompare,
                                size: tuple[int, int]) -> None:
    async def json_view(pilot: Pilot[None]) -> None:
        await _conversation_loaded(pilot)
        await pilot.press("3")
        await wait_for(pilot, lambda: '"finish_reason"' in pilot.app.screen.query_one(
            "#response", TextPane).text)
        pilot.app.clear_notifications()
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_db, PROCESSES[2][0]), terminal_size=size,
                        run_before=json_view)


@pytest.mark.parametrize("size", [*SIZES, (120, 40)])
def test_stats_screen(snap_db: str, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    from procos_tui.ui.stats import StatsScreen

    async def stats(pilot: Pilot[None]) -> None:
        await _list_loaded(pilot)
        # A fixed end: the window (and so the picture) does not move with the clock.
        await pilot.app.push_screen(StatsScreen(until=BASE + timedelta(days=1)))
        await wait_for(pilot, lambda: "calls ·" in str(
            pilot.app.screen.query_one("#totals").render()))
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_db), terminal_size=size, run_before=stats)


def test_processes_screen_after_a_resize(snap_db: str, snap_compare: SnapCompare) -> None:
    async def resized(pilot: Pilot[None]) -> None:
        await _list_loaded(pilot)
        await pilot.press("right")  # columns paged at 80: the resize lays them out again
        await pilot.resize_terminal(160, 45)
        await pilot.pause(0.3)

    assert snap_compare(_app(snap_db), terminal_size=(80, 24), run_before=resized)


@pytest.mark.parametrize("size", SIZES)
def test_models_screen(snap_db: str, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    async def models(pilot: Pilot[None]) -> None:
        await _list_loaded(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: "models · sorted by" in str(
            pilot.app.screen.query_one("#summary").render()) and not getattr(
                pilot.app.screen, "counting", True))
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_db), terminal_size=size, run_before=models)


@pytest.mark.parametrize("size", SIZES)
def test_help_over_the_process_list(snap_db: str, snap_compare: SnapCompare,
                                    size: tuple[int, int]) -> None:
    from procos_tui.ui.help import HelpScreen

    async def help_shown(pilot: Pilot[None]) -> None:
        await _list_loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_db), terminal_size=size, run_before=help_shown)


@pytest.mark.parametrize("size", SIZES)
def test_health_screen(snap_db: str, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The module's database is a clone with 12 rows: never analysed nor vacuumed (autovacuum
    waits for 50), so the tables' ages read "never" and the picture holds still."""
    from procos_tui.ui.health import HealthScreen

    async def health(pilot: Pilot[None]) -> None:
        await _list_loaded(pilot)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HealthScreen)
                       and pilot.app.screen.stats is not None)
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_db), terminal_size=size, run_before=health)


@pytest.mark.parametrize("size", SIZES)
def test_model_form(snap_db: str, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    from procos_tui.ui.model_form import ModelForm

    async def form(pilot: Pilot[None]) -> None:
        await _list_loaded(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: "models · sorted by" in str(
            pilot.app.screen.query_one("#summary").render()))
        await pilot.press("down", "e")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelForm))
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_db), terminal_size=size, run_before=form)


@pytest.mark.parametrize("size", SIZES)
def test_search_screen(snap_db: str, snap_compare: SnapCompare, size: tuple[int, int],
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Hits of a term every process has, the first one's match below. The search's clock
    stands still here, so the summary's elapsed time reads 0.00 s in every run."""
    from types import SimpleNamespace

    from procos_tui.db import search as db_search
    from procos_tui.ui.search import SearchScreen

    monkeypatch.setattr(db_search, "time", SimpleNamespace(monotonic=lambda: 0.0))

    async def searched(pilot: Pilot[None]) -> None:
        await _list_loaded(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
        await pilot.press(*"OCR worker", "enter")
        await wait_for(pilot, lambda: "3 hits" in str(
            pilot.app.screen.query_one("#progress").render()))
        await pilot.pause(0.3)

    assert snap_compare(_app(snap_db), terminal_size=size, run_before=searched)


@pytest.mark.parametrize("size", SIZES)
def test_cut_view(fresh: str, camunda_ddl: str, snap_compare: SnapCompare,
                  size: tuple[int, int]) -> None:
    """Where Camunda's 4,000-character copy of a response ends, beside ProcOS's full text."""
    from procos_tui.ui.cut_view import CutScreen
    from procos_tui.ui.health import HealthScreen

    full = "".join(f"line {n:03d} of the plan: retry the OCR job with a longer lock.\n"
                   for n in range(100))
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text, created_at) VALUES (%s, 'output', %s, %s,"
                     " %s)", (PROCESSES[0][0], json.dumps({"content": full}), full, BASE))
        conn.execute(camunda_ddl.encode())
        conn.execute("INSERT INTO act_hi_varinst (id_, proc_inst_id_, name_, var_type_, text_)"
                     " VALUES ('v1', %s, 'content', 'string', %s)",
                     (PROCESSES[0][0], full[:4000]))

    async def cut(pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: "1 process instance" in str(
            pilot.app.screen.query_one("#summary").render()))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HealthScreen)
                       and pilot.app.screen.stats is not None)
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CutScreen))
        await pilot.pause(0.2)

    assert snap_compare(_app(fresh), terminal_size=size, run_before=cut)


@pytest.mark.parametrize("size", SIZES)
def test_save_confirmation_of_a_new_model(snap_db: str, snap_compare: SnapCompare,
                                          size: tuple[int, int]) -> None:
    """The dialog that once outgrew 80x24: every field of the new row and its keys shown.
    The picture is taken before an answer, so nothing is written."""
    from textual.widgets import Input, TextArea

    from procos_tui.ui.dialogs import ChoiceScreen
    from procos_tui.ui.model_form import ModelForm

    async def confirm(pilot: Pilot[None]) -> None:
        await _list_loaded(pilot)
        await pilot.press("m")
        await wait_for(pilot, lambda: "models · sorted by" in str(
            pilot.app.screen.query_one("#summary").render()))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ModelForm))
        form = pilot.app.screen
        form.query_one("#model_name", Input).value = "gpt-4.1-mini"
        form.query_one("#provider", Input).value = "openai"
        form.query_one("#version", Input).value = "2025-04-14"
        form.query_one("#config_data", TextArea).text = json.dumps(
            {"temperature": 0.2, "pricing": {"input_per_million": "0.40",
                                             "output_per_million": "1.60",
                                             "currency": "USD"}}, indent=2)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChoiceScreen))
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_db), terminal_size=size, run_before=confirm)


@pytest.mark.parametrize("size", SIZES)
def test_go_to_prompt(snap_db: str, snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    from procos_tui.ui.dialogs import PromptScreen

    async def prompt(pilot: Pilot[None]) -> None:
        await _list_loaded(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PromptScreen))
        await pilot.press(*"a1d2")
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_db), terminal_size=size, run_before=prompt)


def test_conversation_after_a_resize(snap_db: str, snap_compare: SnapCompare) -> None:
    async def resized(pilot: Pilot[None]) -> None:
        await _conversation_loaded(pilot)
        await pilot.resize_terminal(160, 45)
        await pilot.pause(0.4)

    assert snap_compare(_app(snap_db, PROCESSES[2][0]), terminal_size=(80, 24),
                        run_before=resized)


@pytest.mark.parametrize("size", SIZES)
def test_compare_previous_run(snap_db: str, snap_compare: SnapCompare,
                              size: tuple[int, int]) -> None:
    """Unified at 80x24, side by side at 160x45: the second run of Activity_PlanRetry against
    the first, at its first change."""
    from procos_tui.ui.compare import CompareScreen

    async def compared(pilot: Pilot[None]) -> None:
        await _conversation_loaded(pilot)
        await pilot.press("down")
        await pilot.pause(0.2)
        await pilot.press("P")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareScreen)
                       and pilot.app.screen.ready)
        await pilot.press("n")
        await pilot.pause(0.2)

    assert snap_compare(_app(snap_db, PROCESSES[2][0]), terminal_size=size,
                        run_before=compared)
