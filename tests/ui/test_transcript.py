"""The transcript (T) and the request view (u) against a real server: every row in order under
its role, each body whole (byte for byte in the pane), hostile text escaped on screen."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.textpane import TextPane
from procos_tui.ui.transcript import TranscriptScreen
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db

BASE = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
BIG = "".join(f"paragraph {n}: the retry plan, whole.\n" for n in range(30_000))  # ~1 MB
HOSTILE = "answer \x1b]2;pwned\x07 done"


@pytest.fixture
def chat(fresh: str) -> str:
    rows = [
        ("system", "t1", "You are the invoice assistant.", None),
        ("input", "t1", "Why was invoice 7 rejected?", None),
        ("output", "t1", BIG, {"prompt_tokens": 30, "completion_tokens": 9000}),
        ("system", "t2", "Answer in one line.", None),
        ("input", "t2", "And invoice 8?", None),
        ("output", "t2", HOSTILE, {"prompt_tokens": 12, "completion_tokens": 3}),
    ]
    with psycopg.connect(fresh, autocommit=True) as conn:
        for n, (kind, task, text, usage) in enumerate(rows):
            conn.execute(
                "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id,"
                " context_type, content_data, content_text, ai_provider, model_used,"
                " token_usage, created_at) VALUES ('chat-1', %s, 'Activity_Ask', %s, %s, %s,"
                " 'openai', 'gpt-4o', %s, %s)",
                (task, kind, json.dumps({"content": text}), text,
                 json.dumps(usage) if usage else None, BASE + timedelta(minutes=n)))
    return fresh


async def test_the_transcript_holds_every_row_whole_in_order(chat: str,
                                                             procos_app: AppFactory) -> None:
    app = procos_app(chat, process_id="chat-1")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and "interactions" in screen_text(app))
        await pilot.press("T")
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen)
                       and app.screen.loaded, timeout=20)
        text = app.screen.query_one(TextPane).text
        roles = [line.split(" · ")[0] for line in text.splitlines() if line.startswith("### ")]
        assert roles == ["### system", "### user", "### assistant"] * 2
        assert BIG in text and HOSTILE in text  # whole, as stored
        assert "prompt_tokens 30 · completion_tokens 9,000" in text
        shown = screen_text(app)
        assert "Transcript · chat-1 · 6 rows" in shown
        await pilot.press("end")
        await wait_for(pilot, lambda: "answer" in screen_text(app))
        assert "\x1b" not in screen_text(app) and "\x07" not in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen))


async def test_the_request_is_its_tasks_system_rows_and_the_input(
        chat: str, procos_app: AppFactory) -> None:
    app = procos_app(chat, process_id="chat-1")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and "interactions" in screen_text(app))
        await pilot.press("end")  # the second question
        await wait_for(pilot, lambda: "And invoice 8?" in app.screen.query_one(
            "#prompt", TextPane).text)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptScreen)
                       and app.screen.loaded)
        text = app.screen.query_one(TextPane).text
        assert "Answer in one line." in text and "And invoice 8?" in text
        assert "You are the invoice assistant." not in text  # another task's system row
        assert "Why was invoice 7" not in text
        assert "prompt_tokens 12 · completion_tokens 3" in text.split("### what it cost")[1]
        assert "Request as the model received it" in screen_text(app)
