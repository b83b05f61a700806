"""One process instance as a conversation: rows paired into interactions, and the text each
view of a pane shows. Stored JSON may have any shape; nothing here assumes ProcOS's keys exist.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from procos_tui.core.tokens import TokenSplit, split_usage_json
from procos_tui.core.types import InteractionContent, InteractionHeader


class ViewMode(Enum):
    RENDERED = "rendered"
    RAW = "raw"
    JSON = "json"

    @property
    def label(self) -> str:
        return {"rendered": "Rendered", "raw": "Raw text", "json": "JSON"}[self.value]

    def next(self) -> ViewMode:
        order = list(ViewMode)
        return order[(order.index(self) + 1) % len(order)]


@dataclass(frozen=True)
class Interaction:
    """A prompt row and the response row that answers it; either may be missing."""

    prompt: InteractionHeader | None
    response: InteractionHeader | None

    @property
    def rows(self) -> tuple[InteractionHeader, ...]:
        return tuple(r for r in (self.prompt, self.response) if r is not None)

    @property
    def first(self) -> InteractionHeader:
        return self.rows[0]

    @property
    def created_at(self) -> datetime | None:
        return self.first.created_at

    @property
    def total_tokens(self) -> int:
        return sum(r.total_tokens for r in self.rows)

    @property
    def latency_s(self) -> float | None:
        """From the input row to the output that answers it; None when either is missing or
        undated. The rollups' max_latency_s and the Stats percentiles measure the same."""
        if self.prompt is None or self.response is None:
            return None
        if self.prompt.created_at is None or self.response.created_at is None:
            return None
        return (self.response.created_at - self.prompt.created_at).total_seconds()

    @property
    def tokens(self) -> TokenSplit:
        """Input and output tokens of the interaction's rows (core.tokens), where split."""
        parts = [split_usage_json(r.token_usage_json) for r in self.rows]
        known = [p for p in parts if p.split]
        return TokenSplit(sum(p.input or 0 for p in known) if known else None,
                          sum(p.output or 0 for p in known) if known else None,
                          sum(p.total for p in parts))

    @property
    def model(self) -> str:
        row = self.response or self.first
        return "/".join(p for p in (row.ai_provider, row.model_used) if p)

    def holds(self, row_id: str) -> bool:
        return any(r.id == row_id for r in self.rows)


def _same_step(prompt: InteractionHeader | None, output: InteractionHeader) -> bool:
    if prompt is None or prompt.context_type != "input":
        return False
    return prompt.task_id is None or output.task_id is None or prompt.task_id == output.task_id


def group_interactions(headers: list[InteractionHeader]) -> list[Interaction]:
    """Rows in time order -> interactions: an output answers the input just before it."""
    out: list[Interaction] = []
    for header in headers:
        last = out[-1] if out else None
        if (header.context_type == "output" and last is not None and last.response is None
                and _same_step(last.prompt, header)):
            out[-1] = replace(last, response=header)
        elif header.context_type == "output":
            out.append(Interaction(None, header))
        else:
            out.append(Interaction(header, None))
    return out


class _Inexact(ValueError):
    pass


def _exact_float(text: str) -> float:
    value = float(text)
    # Python's float would print 1e400 as Infinity and 0.1000000000000000055 as 0.1: such a
    # number cannot be pretty-printed faithfully, so the stored text is shown instead.
    if not math.isfinite(value) or Decimal(repr(value)) != Decimal(text):
        raise _Inexact(text)
    return value


def parse_json(text: str | None) -> tuple[Any, str | None]:
    """(value, problem): problem says why the text could not be parsed (it is then None)."""
    if text is None:
        return None, None
    try:
        return json.loads(text, parse_float=_exact_float), None
    except RecursionError:
        return None, "nested too deeply to pretty-print; shown as stored"
    except _Inexact as exc:
        return None, f"the number {str(exc)[:40]} would change if reformatted; shown as stored"
    except ValueError as exc:
        return None, f"not valid JSON ({exc}); shown as stored"


def pretty_json(text: str | None) -> tuple[str, str | None]:
    value, problem = parse_json(text)
    if text is None:
        return "null", None
    if problem:
        return text, problem
    try:
        return json.dumps(value, indent=2, ensure_ascii=False), None
    except RecursionError:
        return text, "nested too deeply to pretty-print; shown as stored"


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, indent=2, ensure_ascii=False)
    except RecursionError:
        return repr(type(value))


@dataclass(frozen=True)
class PaneText:
    text: str
    note: str  # shown beside the pane's title: where the text comes from, or a problem
    json: bool  # colour as JSON rather than Markdown


def needs_data(row: InteractionContent, mode: ViewMode) -> bool:
    """Whether this view of the row needs content_data that has not been fetched yet."""
    if row.content_data_json is not None or mode is ViewMode.RAW:
        return False
    return mode is ViewMode.JSON or not row.content_is_text


def pane_text(row: InteractionContent, mode: ViewMode) -> PaneText:
    """The text one view shows (after needs_data() rows have had content_data fetched)."""
    if mode is ViewMode.RAW:
        if row.content_text is None:
            return PaneText("", "content_text is NULL (see the JSON view)", False)
        return PaneText(row.content_text, "content_text as stored", False)
    if mode is ViewMode.JSON:
        data, problem = pretty_json(row.content_data_json)
        parts = [f"// content_data{' (' + problem + ')' if problem else ''}", data]
        if row.token_usage_json is not None:
            usage, usage_problem = pretty_json(row.token_usage_json)
            parts += ["", f"// token_usage{' (' + usage_problem + ')' if usage_problem else ''}",
                      usage]
        return PaneText("\n".join(parts), "content_data and token_usage", True)
    return _rendered(row)


def _rendered(row: InteractionContent) -> PaneText:
    if row.content_is_text and row.content_text is not None:
        text = row.content_text
        return PaneText(text, "content_data.content = content_text", looks_json(text))
    data, _problem = parse_json(row.content_data_json)
    if isinstance(data, dict):
        if row.context_type == "input" and ("query" in data or "context" in data):
            parts = []
            for key in ("query", "context"):
                if key in data and data[key] is not None:
                    parts.append(f"## {key.capitalize()}\n\n{_as_text(data[key])}")
            text = "\n\n".join(parts)
            return PaneText(text, "content_data: query and context", False)
        if isinstance(data.get("content"), str):
            content: str = data["content"]
            if content == row.content_text:
                # The same text twice (ProcOS's usual shape): keep one copy alive, not two.
                content = row.content_text
                return PaneText(content, "content_data.content = content_text",
                                looks_json(content))
            return PaneText(content, "content_data.content", looks_json(content))
    if row.content_text is not None:
        return PaneText(row.content_text, "content_text", looks_json(row.content_text))
    pretty, problem = pretty_json(row.content_data_json)
    return PaneText(pretty, problem or "content_data (content_text is NULL)", True)


def looks_json(text: str) -> bool:
    head = text[:64].lstrip()[:1]
    return head in ("{", "[")


def token_summary(token_usage_json: str | None) -> str:
    """'prompt_tokens 120 · completion_tokens 80 · total_tokens 200' from any usage shape."""
    value, _ = parse_json(token_usage_json)
    if not isinstance(value, dict):
        return ""
    items = [f"{k} {v:,}" for k, v in value.items()
             if isinstance(v, int) and not isinstance(v, bool)]
    return " · ".join(items)
