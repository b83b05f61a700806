"""The status line every screen shows: which database, and whether this session can write.

One widget fed by the app's `database` reactive: when the server's facts arrive or change,
every status line on the stack follows by itself; nobody queries for it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from procos_tui.core.sanitize import sanitize_plain
from procos_tui.core.types import ServerFacts


@dataclass(frozen=True)
class DatabaseState:
    """What the status line says: the database's masked label and what its server said."""

    label: str
    facts: ServerFacts | None = None
    read_only_flag: bool = False  # --read-only
    follow: str = ""  # follow mode's state ("following · 3 new rows"), "" when off


def status_text(state: DatabaseState) -> Text:
    facts = state.facts
    text = Text()
    # What the server says of this session, once it has said it.
    if facts is None:
        text.append("connecting…", style="dim")
    elif facts.read_only:
        text.append("read-only", style="bold green")
    else:
        text.append("NOT read-only", style="bold red")
    if facts is not None and facts.standby:
        lag = ("replay lag unknown" if facts.replay_lag_s is None
               else f"replay lag {facts.replay_lag_s:.1f} s")
        text.append(f"  standby · {lag}", style="bold yellow")
    if state.read_only_flag:
        text.append(" (--read-only: no writes at all)")
    if state.follow:  # before the label: the longest part, the first an edge takes
        text.append(f"  {sanitize_plain(state.follow)}", style="bold cyan")
    text.append("  " + sanitize_plain(state.label), style="bold")
    if facts is not None:
        text.append(f"  PostgreSQL {facts.server_version.split()[0].split('.')[0]}")
        text.append("  Camunda: " + ("yes" if facts.has_camunda_history else "no"))
    return text


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "database", self._show)

    def _show(self, state: DatabaseState) -> None:
        self.update(status_text(state))
