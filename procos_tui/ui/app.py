"""The Textual application: owns the browsing session, shows which database, hosts screens."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import App
from textual.binding import Binding, BindingType

from procos_tui.core.sanitize import sanitize_plain
from procos_tui.db.types import ProcessFilter
from procos_tui.ui.help import HelpScreen
from procos_tui.ui.processes import ProcessesScreen

if TYPE_CHECKING:
    from procos_tui.db.conninfo import Target
    from procos_tui.db.session import BrowseSession


class ProcosApp(App[None]):
    TITLE = "procos-tui"
    CSS = """
    #status { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, target: Target, *, read_only: bool = False,
                 process_id: str | None = None) -> None:
        super().__init__()
        self.target = target
        self.read_only_flag = read_only
        self.process_id = process_id
        self.fatal_error: str | None = None
        self._session: BrowseSession | None = None

    @property
    def session(self) -> BrowseSession:
        if self._session is None:
            # psycopg loads here, after the first frame is on its way, not at import time.
            from procos_tui.db.session import BrowseSession

            self._session = BrowseSession(self.target, on_reconnect=self._reconnected)
        return self._session

    def on_mount(self) -> None:
        self.sub_title = sanitize_plain(self.target.display)
        self.push_screen(ProcessesScreen(ProcessFilter(id_prefix=self.process_id or None)))

    def status_text(self) -> Text:
        facts = self._session.facts if self._session else None
        text = Text()
        # What the server says of this session, once it has said it.
        if facts is None:
            text.append("connecting…", style="dim")
        elif facts.read_only:
            text.append("read-only", style="bold green")
        else:
            text.append("NOT read-only", style="bold red")
        if self.read_only_flag:
            text.append(" (--read-only: no writes at all)")
        text.append("  " + sanitize_plain(self.target.display), style="bold")
        if facts is not None:
            text.append(f"  PostgreSQL {facts.server_version.split()[0]}")
            text.append("  Camunda: " + ("yes" if facts.has_camunda_history else "no"))
        return text

    def _reconnected(self, message: str) -> None:
        self.notify(sanitize_plain(message), title="Database", severity="warning", markup=False)

    def fail(self, message: str) -> None:
        """A problem the app cannot go on with (no database): leave and say it on stderr."""
        self.fatal_error = message
        self.exit()

    def action_help(self) -> None:
        screen = self.screen
        self.push_screen(HelpScreen(screen.active_bindings.values()))

    async def on_unmount(self) -> None:
        if self._session is not None:
            await self._session.close()
