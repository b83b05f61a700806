"""`?` / F1: the keys of the screen underneath, read from its live bindings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help"),
    ]
    CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 72; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, bindings: Iterable[ActiveBinding]) -> None:
        super().__init__()
        self._shown_bindings = list(bindings)

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        seen: set[str] = set()
        for active in self._shown_bindings:
            binding = active.binding
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            keys = binding.key_display or " / ".join(binding.key.split(","))
            table.add_row(Text(keys), Text(binding.description))
        table.add_row(Text("ctrl+p"), Text("Command palette (every action, themes)"))
        with VerticalScroll():
            yield Static(Text("Keys on this screen", style="bold"))
            yield Static(table)
            yield Static(Text("Esc closes this help.", style="dim"))
