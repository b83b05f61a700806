"""`?` / F1: the keys of the screen underneath, drawn from the keymap (the app gathers them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from procos_tui.core.keymap import DIALOGS
from procos_tui.ui.keys import bindings


class HelpScreen(ModalScreen[None]):
    # The help key closes it again: whatever the user's keymap makes of `help`.
    BINDINGS: ClassVar[list[BindingType]] = bindings("HelpScreen", DIALOGS, {
        "close": [("dismiss", "Close help")], "help": [("dismiss", "Close help")],
    })
    CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 78; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        """entries: (keys as shown, what they do), the screen's own first."""
        super().__init__()
        self._entries = list(entries)

    def compose(self) -> ComposeResult:
        entries = [(Text(keys), Text(label)) for keys, label in self._entries]
        # Two entries a row when there are many, so that 80x24 shows them without scrolling.
        per_row = 2 if len(entries) > 12 and self.app.size.width >= 80 else 1
        table = Table.grid(padding=(0, 1))
        # Wrapped, never cut: "Copy exact bytes (ask…" would hide what the key does.
        for _ in range(per_row):
            table.add_column(style="bold cyan", max_width=14, overflow="fold")
            table.add_column(overflow="fold", max_width=22 if per_row > 1 else None)
        for i in range(0, len(entries), per_row):
            cells = [cell for entry in entries[i:i + per_row] for cell in entry]
            table.add_row(*cells)
        with VerticalScroll():
            yield Static(Text("Keys on this screen", style="bold"))
            yield Static(table)
            yield Static(Text("Esc closes this help.", style="dim"))
