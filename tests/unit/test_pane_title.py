"""A pane's title at any width: the view and the position always, each detail whole or not at
all (a count cut at the edge reads as another count)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from rich.text import Text

from procos_tui.core.conversation import ViewMode
from procos_tui.core.types import InteractionHeader
from procos_tui.ui.interaction_view import pane_title

ROW = InteractionHeader(
    id="r1", process_instance_id="p1", task_id="t1", activity_id="Activity_Plan",
    context_type="output", ai_provider="google", model_used="gemini-2.5-pro",
    token_usage_json=json.dumps({"prompt_tokens": 412, "completion_tokens": 123_456,
                                 "total_tokens": 123_868}),
    total_tokens=123_868, created_at=datetime(2026, 11, 3, 10, 0, 41, tzinfo=UTC),
    text_bytes=765, data_bytes=800, preview="# Retry plan")
FACTS = ["output", "2026-11-03 10:00:41", "google/gemini-2.5-pro", "prompt_tokens 412",
         "completion_tokens 123,456", "total_tokens 123,868"]


@pytest.mark.parametrize("width", range(40, 200, 7))
def test_details_are_whole_or_dropped(width: int) -> None:
    title = pane_title("response", ROW, ViewMode.RENDERED, "", Text(),
                       position="line 1/26 38%", width=width).plain
    assert title.startswith("Response [Rendered] line 1/26 38%")
    assert len(title) <= width or "·" not in title
    details = title.split("  ", 1)[1].split(" · ")
    for shown in details:
        assert shown == "…" or shown in FACTS or shown.endswith(" B") \
            or shown.endswith(" KB"), (width, shown)
    if width >= 160:
        assert details[-1] == "total_tokens 123,868"


def test_without_a_width_everything_is_there() -> None:
    title = pane_title("response", ROW, ViewMode.RENDERED, "a note", Text()).plain
    assert all(fact in title for fact in FACTS) and "(a note)" in title
