"""What screens ask of the app: navigation goes up as a message and the app owns the stack,
so no screen imports another."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from procos_tui.core.compare import CompareSide
    from procos_tui.core.landing import Landing
    from procos_tui.core.types import CutView, ProcessFilter


class OpenProcess(Message):
    """Show one process instance's conversation, optionally on one row and landing on a match
    (a search hit)."""

    def __init__(self, process_instance_id: str, *, focus_row: str | None = None,
                 landing: Landing | None = None) -> None:
        super().__init__()
        self.process_instance_id = process_instance_id
        self.focus_row = focus_row
        self.landing = landing


class ShowProcessList(Message):
    """Back to the process list from a screen that has nothing below it (--process ID), or
    to the list filtered (a Stats row: its model, its activity…)."""

    def __init__(self, flt: ProcessFilter | None = None) -> None:
        super().__init__()
        self.flt = flt


class ShowCutView(Message):
    """Where a Camunda copy of a variable ends, beside ProcOS's full text."""

    def __init__(self, process_instance_id: str, view: CutView) -> None:
        super().__init__()
        self.process_instance_id = process_instance_id
        self.view = view


class CompareInteractions(Message):
    """Compare two interactions (prompt with prompt, response with response), or a
    response with a text (a Camunda copy)."""

    def __init__(self, a: CompareSide, b: CompareSide) -> None:
        super().__init__()
        self.a, self.b = a, b


class ShowTranscript(Message):
    """The process as one chat; or, with `request_of` (an input row), that one request."""

    def __init__(self, process_instance_id: str, request_of: str | None = None,
                 answer_id: str | None = None) -> None:
        super().__init__()
        self.process_instance_id = process_instance_id
        self.request_of, self.answer_id = request_of, answer_id
