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


def _own_actions(cls: type) -> set[str]:
    """Actions bound in BINDINGS that procos-tui's own classes declare (not inherited ones)."""
    actions: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__.startswith("procos_tui"):
            for item in klass.__dict__.get("BINDINGS", []):
                if isinstance(item, Binding):
                    actions.add(item.action)
    return actions


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help"),
    ]
    CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 78; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, bindings: Iterable[ActiveBinding]) -> None:
        super().__init__()
        self._shown_bindings = list(bindings)

    def compose(self) -> ComposeResult:
        # Keys per action, ours (declared by procos-tui's own screens and app) first, then
        # the generic ones of Textual's widgets.
        keys: dict[str, list[str]] = {}
        labels: dict[str, tuple[bool, str]] = {}
        for active in self._shown_bindings:
            binding = active.binding
            if not binding.description:
                continue
            ours = binding.action in _own_actions(type(active.node))
            key = (binding.key_display or binding.key).replace(",", " / ")
            keys.setdefault(binding.action, [])
            if key not in keys[binding.action]:
                keys[binding.action].append(key)
            if binding.action not in labels or ours:
                labels[binding.action] = (ours, binding.description)
        entries = [(Text(" / ".join(keys[a])), Text(labels[a][1]))
                   for a in sorted(labels, key=lambda a: not labels[a][0])]
        # Two entries a row when there are many, so that 80x24 shows them without scrolling.
        per_row = 2 if len(entries) > 12 and self.app.size.width >= 80 else 1
        table = Table.grid(padding=(0, 1))
        for _ in range(per_row):
            table.add_column(style="bold cyan", no_wrap=True, max_width=14)
            table.add_column(no_wrap=True, overflow="ellipsis", max_width=22 if per_row > 1
                             else None)
        for i in range(0, len(entries), per_row):
            cells = [cell for entry in entries[i:i + per_row] for cell in entry]
            table.add_row(*cells)
        with VerticalScroll():
            yield Static(Text("Keys on this screen", style="bold"))
            yield Static(table)
            yield Static(Text("Esc closes this help.", style="dim"))
