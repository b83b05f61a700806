"""How interactions read in the conversation screen: the list of them, a row, the panes' titles.

Every stored value here (activity, task, model, context type) goes through the sanitiser.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import BindingType

from procos_tui.core.conversation import Interaction, ViewMode, token_summary
from procos_tui.core.keymap import CONVERSATION
from procos_tui.core.sanitize import clip, human_size, sanitize_plain
from procos_tui.core.types import InteractionHeader
from procos_tui.core.units import format_seconds, whole_parts
from procos_tui.ui.keys import bindings
from procos_tui.ui.rowlist import RowList, moves

COLUMNS = ("#", "Time", "Activity", "Model", "Tokens", "Latency", "Sizes in → out", "Task")


def _size(row: InteractionHeader | None) -> str:
    if row is None:
        return "—"
    return human_size(row.text_bytes) if row.text_bytes is not None else "NULL"


def interaction_cells(n: int, item: Interaction) -> tuple[Text, ...]:
    when = item.created_at.strftime("%m-%d %H:%M:%S") if item.created_at else "—"
    first = item.first
    kind = "" if item.prompt is None or item.prompt.context_type == "input" \
        else f"[{item.prompt.context_type}] "
    return (
        Text(str(n), justify="right"),
        Text(when),
        Text(clip(kind + (first.activity_id or ""), 24)),
        Text(clip(item.model, 22)),
        Text(f"{item.total_tokens:,}", justify="right"),
        # From the input row to the output that answers it: the model's (and the worker's)
        # time, as Stats and the list's Slowest column count it.
        Text(format_seconds(item.latency_s), justify="right"),
        Text(f"{_size(item.prompt)} → {_size(item.response)}"),
        Text(clip(first.task_id or "", 20)),
    )


def pane_title(role: str, row: InteractionHeader | None, mode: ViewMode, note: str,
               found: Text, loading: str | None = None, position: str = "",
               failed: str = "", width: int | None = None) -> Text:
    """'Response [Rendered] line 1/2,345 12% [match 2/9]  output · size · time · model ·
    tokens  (source)'. What tells the panes apart and where one is comes first: at 80
    columns the ellipsis takes the details, never the view or the position.

    loading: None when the text is all here, "" while none of it is, else how much of a big
    body is shown so far ("64.0 KB of 20.0 MB"). width: the title's cells; the details then
    go whole or not at all ("completion_tokens 23…" would read as another count)."""
    text = Text()
    text.append("Prompt" if role == "prompt" else "Response", style="bold")
    text.append(f" [{mode.label}]")
    if position:
        text.append(f" {position}")
    if found.plain:
        text.append(" [")
        text.append_text(found)
        text.append("]")
    if loading is not None:
        text.append(f" loading… {loading}" if loading else " loading…",
                    style="bold italic")
    if failed:
        text.append(f"  {failed}", style="bold red")
    if row is None:
        text.append("  —", style="dim")
        return text
    when = row.created_at.strftime("%Y-%m-%d %H:%M:%S") if row.created_at else "no time"
    model = "/".join(p for p in (row.ai_provider, row.model_used) if p)
    # The size before the time and the model, which the interactions list shows too.
    facts = [row.context_type, _size(row), when, model or "no model"]
    if row.token_usage_json:
        summary = token_summary(row.token_usage_json)
        facts += summary.split(" · ") if summary else ["token_usage (see JSON view)"]
    facts = [sanitize_plain(f) for f in facts]
    if width is None:
        text.append("  " + " · ".join(facts))
    else:
        text.append("  " + whole_parts(facts, width - text.cell_len - 2))
    if note and (width is None or text.cell_len + len(note) + 4 <= width):
        text.append(f"  ({sanitize_plain(note)})", style="dim")
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


class InteractionRows(RowList, inherit_bindings=False):
    """The interactions as the process list shows rows: # stays in place, → ← page whole
    columns, so a size or a count is never cut at the edge."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("InteractionRows", CONVERSATION,
                                                     moves(CONVERSATION))
