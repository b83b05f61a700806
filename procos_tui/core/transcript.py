"""A process as one chat, and one request as the model received it, the way trace viewers show
them: each row under its role (system, user, assistant), in the instance's order, whole.

Pure: rows come from the gateway, the screen (ui/transcript.py) shows the text. Which rows make
a request is a rule of ours, said where it is shown: ProcOS stores system prompts as rows of
their own, and a worker sends them with the input that follows.
"""

from __future__ import annotations

from collections.abc import Sequence

from procos_tui.core.conversation import ViewMode, pane_text, token_summary
from procos_tui.core.types import InteractionContent, InteractionHeader

ROLES = {"system": "system", "input": "user", "output": "assistant"}


def request_rows(headers: Sequence[InteractionHeader], input_id: str
                 ) -> list[InteractionHeader]:
    """The rows one request was made of: the system rows of the input's task (when it has
    one and they are there), else the run of system rows nearest before it; then the
    input itself. [] when `input_id` is not among `headers`."""
    at = next((n for n, h in enumerate(headers) if h.id == input_id), None)
    if at is None:
        return []
    prompt = headers[at]
    before = headers[:at]
    system = [h for h in before if h.context_type == "system" and prompt.task_id
              and h.task_id == prompt.task_id]
    if not system:
        run: list[InteractionHeader] = []
        for h in reversed(before):
            if h.context_type == "system":
                run.insert(0, h)
            elif run:
                break
        system = run
    return [*system, prompt]


def heading(header: InteractionHeader) -> str:
    """'### assistant · 2026-11-03 10:00:41 · openai/gpt-4o · prompt_tokens 412 …'."""
    role = ROLES.get(header.context_type, header.context_type)
    when = header.created_at.strftime("%Y-%m-%d %H:%M:%S") if header.created_at else "no time"
    parts = [role, when]
    model = "/".join(p for p in (header.ai_provider, header.model_used) if p)
    if model:
        parts.append(model)
    if header.activity_id:
        parts.append(header.activity_id)
    usage = token_summary(header.token_usage_json)
    if usage:
        parts.append(usage)
    return "### " + " · ".join(parts)


def chat_text(headers: Sequence[InteractionHeader],
              rows: dict[str, InteractionContent], usage_from: InteractionHeader | None = None
              ) -> str:
    """The rows as one Markdown text: a heading per row, then its text as the rendered view
    shows it (content_text whole, or the readable part of content_data). `usage_from`: a
    request's answer, whose token usage is what the request cost."""
    parts = []
    for header in headers:
        row = rows.get(header.id)
        parts.append(heading(header))
        if row is None:
            parts.append("*(the row is gone: deleted since the list was read)*")
            continue
        parts.append(pane_text(row, ViewMode.RENDERED).text or "*(empty)*")
    if usage_from is not None:
        usage = token_summary(usage_from.token_usage_json)
        parts.append("### what it cost")
        when = (usage_from.created_at.strftime("%Y-%m-%d %H:%M:%S")
                if usage_from.created_at else "no time")
        parts.append(f"{usage or 'no token_usage on the answer'} (from the answer at {when})")
    return "\n\n".join(parts) + "\n"
