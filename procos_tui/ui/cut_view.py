"""Side by side: where a Camunda copy ends, against ProcOS's full text at that point."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from procos_tui.core.keymap import DIALOGS
from procos_tui.core.sanitize import sanitize_plain, sanitize_text
from procos_tui.core.types import CutView
from procos_tui.ui.keys import bindings


class CutScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("CutScreen", DIALOGS,
                                                     {"close": [("dismiss", "Close")]})
    CSS = """
    CutScreen { align: center middle; }
    CutScreen > Vertical { width: 100%; height: 90%; border: round $warning;
        background: $surface; }
    CutScreen Horizontal { height: 1fr; }
    CutScreen VerticalScroll { width: 1fr; padding: 0 1; }
    """

    def __init__(self, process_instance_id: str, view: CutView) -> None:
        super().__init__()
        self.process_instance_id, self.view = process_instance_id, view

    def compose(self) -> ComposeResult:
        v = self.view
        kept = len(v.camunda_tail)
        head = Text(sanitize_plain(f"{v.name} of {self.process_instance_id}: Camunda kept "
                                   f"{v.cut_at:,} of {v.procos_length:,} characters"),
                    style="bold")
        camunda = Text("Camunda's copy, its last characters:\n", style="bold")
        camunda.append_text(sanitize_text(v.camunda_tail))
        camunda.append(" ⟂ end of the copy", style="bold red")
        procos = Text("ProcOS at the same point, and what Camunda lost:\n", style="bold")
        procos.append_text(sanitize_text(v.procos_around[:kept]))
        procos.append(" ⟂ ", style="bold red")
        procos.append_text(sanitize_text(v.procos_around[kept:], style="reverse"))
        with Vertical():
            yield Static(head)
            with Horizontal():
                with VerticalScroll():
                    yield Static(camunda)
                with VerticalScroll():
                    yield Static(procos)
            yield Static(Text("Esc closes", style="dim"))
