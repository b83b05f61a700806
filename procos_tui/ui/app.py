"""The Textual application: owns the browsing session, shows which database, hosts screens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import ActiveBinding, Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from procos_tui.core.sanitize import sanitize_plain
from procos_tui.core.types import ProcessFilter, ServerFacts
from procos_tui.ui.processes import ProcessesScreen

if TYPE_CHECKING:
    from procos_tui.core.search_syntax import SearchMode
    from procos_tui.db.conninfo import Target
    from procos_tui.db.prefetch import Prefetch
    from procos_tui.db.session import BrowseSession


class ProcosApp(App[None]):
    TITLE = "procos-tui"
    CSS = """
    #status { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("m", "models", "Models"),
        Binding("h", "health", "Health"),
        Binding("s", "search", "Search"),
    ]

    def __init__(self, target: Target, *, read_only: bool = False,
                 process_id: str | None = None, flt: ProcessFilter | None = None,
                 label: str | None = None, prefetch: Prefetch | None = None) -> None:
        super().__init__()
        self.target = target
        self.read_only_flag = read_only
        self.process_id = process_id
        self.initial_filter = flt or ProcessFilter()
        # What the status line calls the database (default: the masked conninfo, which the
        # prefetching child works out, so that psycopg stays out of the first frame).
        self._label = label
        self._prefetch = prefetch
        self._prefetch_taken: Prefetch | None = None  # kept to stop its child on quit
        self._prefetched_facts: ServerFacts | None = None
        self.fatal_error: str | None = None
        self._session: BrowseSession | None = None
        # The last Search screen's line and mode: the next one opens on them.
        self.last_search: tuple[str, SearchMode | None] = ("", None)

    @property
    def session(self) -> BrowseSession:
        if self._session is None:
            # psycopg loads here, after the first frame is on its way, not at import time.
            from procos_tui.db.session import BrowseSession

            self._session = BrowseSession(self.target, on_reconnect=self._reconnected)
        return self._session

    @property
    def label(self) -> str:
        if self._label is None:
            if self._prefetch is not None:
                return f"({self.target.source})"
            self._label = self.target.display
        return self._label

    @property
    def facts(self) -> ServerFacts | None:
        if self._session is not None and self._session.facts is not None:
            return self._session.facts
        return self._prefetched_facts

    def peek_prefetch(self, flt: ProcessFilter) -> Prefetch | None:
        return self._prefetch if self._prefetch is not None and \
            self._prefetch.filter == flt else None

    def take_prefetch(self, flt: ProcessFilter) -> Prefetch | None:
        prefetch, self._prefetch = self._prefetch, None
        self._prefetch_taken = prefetch
        if prefetch is not None and prefetch.filter != flt:
            prefetch.abandon()
            return None
        return prefetch

    def prefetched(self, label: str, facts: ServerFacts | None) -> None:
        if self._label is None and label:
            self._label = label
        self._prefetched_facts = facts
        self.facts_changed()

    def facts_changed(self) -> None:
        """What the status line and title say of the database may have changed."""
        if not self.process_id:
            self.sub_title = sanitize_plain(self.label)
        for status in self.screen.query("#status"):
            if isinstance(status, Static):
                status.update(self.status_text())

    def on_mount(self) -> None:
        self.sub_title = sanitize_plain(self.label)
        self.push_screen(ProcessesScreen(self.initial_filter))
        if self.process_id:
            from procos_tui.ui.conversation import ConversationScreen

            self.push_screen(ConversationScreen(self.process_id))

    def status_text(self) -> Text:
        facts = self.facts
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
        text.append("  " + sanitize_plain(self.label), style="bold")
        if facts is not None:
            text.append(f"  PostgreSQL {facts.server_version.split()[0].split('.')[0]}")
            text.append("  Camunda: " + ("yes" if facts.has_camunda_history else "no"))
        return text

    def _reconnected(self, message: str) -> None:
        self.notify(sanitize_plain(message), title="Database", severity="warning", markup=False)

    def fail(self, message: str) -> None:
        """A problem the app cannot go on with (no database): leave and say it on stderr."""
        self.fatal_error = message
        self.exit()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        from procos_tui.ui.processes import go_to_process

        yield SystemCommand("Go to process instance…", "Open one process instance by its id",
                            lambda: go_to_process(self))
        yield SystemCommand("Models", "The model registry (procos_ai_models): edit, toggle, "
                            "delete", self.action_models)
        yield SystemCommand("Search", "Find any prompt or response by what it says "
                            "(substring, fuzzy, regex)", self.action_search)
        yield SystemCommand("Health", "Schema drift, truncation suspects, cut Camunda copies",
                            self.action_health)
        targets: list[Widget] = [screen]
        widget = getattr(screen, "palette_widget", lambda: None)()
        if widget is not None:
            targets.append(widget)  # e.g. the conversation's focused pane: find, select…
        for target in targets:
            for binding in _palette_bindings(target):
                def run(node: Widget = target, action: str = binding.action) -> None:
                    self.call_later(node.run_action, action)

                key = (binding.key_display or binding.key).replace(",", " / ")
                yield SystemCommand(binding.description, f"key: {key}", run)

    def action_health(self) -> None:
        from procos_tui.ui.health import HealthScreen

        if not isinstance(self.screen, HealthScreen):
            self.push_screen(HealthScreen())

    def action_search(self) -> None:
        from procos_tui.ui.search import SearchScreen

        current = self.screen
        if isinstance(current, SearchScreen):
            current.action_focus_query()
            return
        # One search screen: going back to it keeps its query and hits.
        for below in self.screen_stack:
            if isinstance(below, SearchScreen):
                found: SearchScreen = below
                while self.screen is not found:
                    self.pop_screen()
                found.action_focus_query()
                return
        self.push_screen(SearchScreen(*self.last_search))

    def action_models(self) -> None:
        from procos_tui.ui.models import ModelsScreen

        if not isinstance(self.screen, ModelsScreen):
            self.push_screen(ModelsScreen())

    def action_help(self) -> None:
        from procos_tui.ui.help import HelpScreen

        screen = self.screen
        shown = list(screen.active_bindings.values())
        # Keys of our widgets that are not focused right now (the panes when the list has
        # focus) belong in the help too: they work as soon as the widget has focus.
        seen = {(type(b.node), b.binding.action) for b in shown}
        for widget in screen.query("*"):
            if not type(widget).__module__.startswith("procos_tui") or widget is screen:
                continue
            for item in type(widget).BINDINGS:
                if isinstance(item, Binding) and (type(widget), item.action) not in seen:
                    seen.add((type(widget), item.action))
                    shown.append(ActiveBinding(widget, item, True, ""))
        # The screen's own keys first, then its widgets', then the app's.
        shown.sort(key=lambda b: 0 if b.node is screen else 2 if b.node is self else 1)
        self.push_screen(HelpScreen(shown))

    async def on_unmount(self) -> None:
        for prefetch in (self._prefetch, self._prefetch_taken):
            if prefetch is not None:
                prefetch.abandon()
        if self._session is not None:
            await self._session.close()


def _palette_bindings(node: DOMNode) -> list[Binding]:
    """A screen's or widget's own actions (not the app's or Textual's) as palette entries."""
    out: list[Binding] = []
    seen: set[str] = set()
    for item in type(node).BINDINGS:
        if isinstance(item, Binding) and item.description and item.action not in seen \
                and item.action != "back":
            seen.add(item.action)
            out.append(item)
    return out
