"""The Textual application: owns the gateway and the screen stack, shows which database."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import ActiveBinding, Binding, BindingType
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget

from procos_tui.core.sanitize import sanitize_plain
from procos_tui.core.types import ProcessFilter, ServerFacts
from procos_tui.ui.messages import OpenProcess, ShowCutView, ShowProcessList
from procos_tui.ui.processes import ProcessesScreen
from procos_tui.ui.status import DatabaseState

if TYPE_CHECKING:
    from procos_tui.core.search_syntax import SearchMode
    from procos_tui.db.gateway import Gateway


class ProcosApp(App[None]):
    """Screens other than the home screen are imported when first opened (inside the
    handlers below): the first frame should not pay for them."""

    TITLE = "procos-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("m", "models", "Models"),
        Binding("h", "health", "Health"),
        Binding("s", "search", "Search"),
    ]

    # What every status line shows; screens' StatusLine widgets watch it.
    database: reactive[DatabaseState] = reactive(DatabaseState(""), always_update=True)

    def __init__(self, gateway: Gateway, *, process_id: str | None = None,
                 flt: ProcessFilter | None = None, label: str | None = None) -> None:
        super().__init__()
        self.gateway = gateway
        gateway.on_reconnect = self._reconnected
        self.process_id = process_id
        self.initial_filter = flt or ProcessFilter()
        self.fatal_error: str | None = None
        # The last Search screen's line and mode: the next one opens on them.
        self.last_search: tuple[str, SearchMode | None] = ("", None)
        # What the status line calls the database: given, else the masked conninfo, which the
        # prefetching child works out (so that psycopg stays out of the first frame).
        self._label = label
        self.set_reactive(ProcosApp.database, DatabaseState(
            self._label or f"({gateway.target.source})", None, gateway.read_only))

    @property
    def read_only_flag(self) -> bool:
        return self.gateway.read_only

    def server_facts(self, facts: ServerFacts | None, label: str | None = None) -> None:
        """The server has said what it is (or the prefetching child has, with its label)."""
        if self._label is None:
            self._label = label or self.gateway.display
        self.database = DatabaseState(self._label, facts or self.database.facts,
                                      self.gateway.read_only)
        if not self.process_id:
            self.sub_title = sanitize_plain(self._label)

    def on_mount(self) -> None:
        self.sub_title = sanitize_plain(self.database.label)
        self.push_screen(ProcessesScreen(self.initial_filter))
        if self.process_id:
            self.post_message(OpenProcess(self.process_id))

    # --- navigation: screens post, the app moves -------------------------------------------

    def on_open_process(self, message: OpenProcess) -> None:
        from procos_tui.ui.conversation import ConversationScreen

        self.push_screen(ConversationScreen(message.process_instance_id,
                                            focus_row=message.focus_row,
                                            landing=message.landing))

    def on_show_process_list(self, message: ShowProcessList) -> None:
        self.switch_screen(ProcessesScreen())

    def on_show_cut_view(self, message: ShowCutView) -> None:
        from procos_tui.ui.cut_view import CutScreen

        self.push_screen(CutScreen(message.process_instance_id, message.view))

    def action_go_to_process(self) -> None:
        """Ask for a process instance id (pasted from Cockpit or a log) and open it."""
        from procos_tui.ui.dialogs import PromptScreen

        def chosen(value: str | None) -> None:
            if value and value.strip():
                self.post_message(OpenProcess(value.strip()))

        self.push_screen(PromptScreen("Go to process instance", "",
                                      hint="the full process instance id; Esc cancels",
                                      check=lambda v: None if v.strip() else "give an id"),
                         chosen)

    def _reconnected(self, message: str) -> None:
        self.notify(sanitize_plain(message), title="Database", severity="warning", markup=False)

    def fail(self, message: str) -> None:
        """A problem the app cannot go on with (no database): leave and say it on stderr."""
        self.fatal_error = message
        self.exit()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Go to process instance…", "Open one process instance by its id",
                            self.action_go_to_process)
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
        await self.gateway.close()


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
