"""The status line every screen shows: which database, and whether this session can write.

One widget fed by the app's `database` reactive: when the server's facts arrive or change,
every status line on the stack follows by itself; nobody queries for it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from procos_tui.core.sanitize import sanitize_plain
from procos_tui.core.types import ServerFacts
from procos_tui.core.units import whole_count


@dataclass(frozen=True)
class DatabaseState:
    """What the status line says: the database's masked label and what its server said."""

    label: str
    facts: ServerFacts | None = None
    read_only_flag: bool = False  # --read-only
    follow: str = ""  # follow mode's state ("following · 3 new rows"), "" when off


def status_parts(state: DatabaseState) -> list[tuple[str, str]]:
    """(text, style) of each part, the most important first: what the session may do, then
    where it is (the label, often a long DSN or socket path), then what the server is."""
    facts = state.facts
    parts: list[tuple[str, str]] = []
    # What the server says of this session, once it has said it.
    if facts is None:
        parts.append(("connecting…", "dim"))
    elif facts.read_only:
        parts.append(("read-only", "bold green"))
    else:
        parts.append(("NOT read-only", "bold red"))
    if facts is not None and facts.standby:
        lag = ("replay lag unknown" if facts.replay_lag_s is None
               else f"replay lag {facts.replay_lag_s:.1f} s")
        parts.append((f"standby · {lag}", "bold yellow"))
    if facts is not None and facts.pooled:
        parts.append(("via transaction pooler", "yellow"))
    if state.read_only_flag:
        parts.append(("--read-only: no writes at all", ""))
    if state.follow:
        parts.append((sanitize_plain(state.follow), "bold cyan"))
    parts.append((sanitize_plain(state.label), "bold"))
    if facts is not None:
        parts.append((f"PostgreSQL {facts.server_version.split()[0].split('.')[0]}", ""))
        parts.append(("Camunda: " + ("yes" if facts.has_camunda_history else "no"), ""))
    return parts


def status_text(state: DatabaseState, width: int | None = None) -> Text:
    """The parts two spaces apart; with `width`, each whole or left out (a final "…"): a
    socket path cut at the edge would name another database."""
    parts = status_parts(state)
    keep = len(parts)
    if width is not None:
        keep = max(1, whole_count([p for p, _ in parts], width, "  "))
        label = next(n for n, (part, _) in enumerate(parts)
                     if part == sanitize_plain(state.label))
        if keep <= label and state.facts is not None:
            # A DSN or socket path too long for the line: the database's name, whole.
            parts[label] = (f"database {state.facts.database}", "bold")
            keep = max(1, whole_count([p for p, _ in parts], width, "  "))
    text = Text()
    for n, (part, style) in enumerate(parts[:keep]):
        text.append("  " if n else "")
        text.append(part, style=style)
    if keep < len(parts):
        text.append("  …")
    return text


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "database", self._show)

    def on_resize(self) -> None:
        self._show(self.app.database)  # type: ignore[attr-defined]

    def _show(self, state: DatabaseState) -> None:
        self.update(status_text(state, self.content_region.width or None))
