"""The Textual application: owns the gateway and the screen stack, shows which database."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from procos_tui.core import keymap
from procos_tui.core.errors import DatabaseError
from procos_tui.core.sanitize import sanitize_plain
from procos_tui.core.types import DEFAULT_SORT, ProcessFilter, ProcessSort, ServerFacts
from procos_tui.ui.keys import REGISTRY, bindings, textual_keymap
from procos_tui.ui.messages import (
    CompareInteractions,
    OpenProcess,
    ShowCutView,
    ShowProcessList,
    ShowTranscript,
)
from procos_tui.ui.processes import ProcessesScreen
from procos_tui.ui.status import DatabaseState

# How often a standby's replay lag is asked for the status line.
LAG_POLL_S = 5.0

if TYPE_CHECKING:
    from procos_tui.core.compare import CompareSide
    from procos_tui.core.search_syntax import SearchMode
    from procos_tui.core.types import ProcessMatch
    from procos_tui.db.gateway import Gateway


class ProcosApp(App[None]):
    """Screens other than the home screen are imported when first opened (inside the
    handlers below): the first frame should not pay for them."""

    TITLE = "procos-tui"
    # The global keys: the same on every screen (no screen binds them to anything else).
    BINDINGS: ClassVar[list[BindingType]] = bindings("ProcosApp", keymap.GLOBAL, {
        "help": "help", "quit": "quit", "go_to": "go_to_process", "search": "search",
        "models": "models", "health": "health", "stats": "stats",
    })

    # What every status line shows; screens' StatusLine widgets watch it.
    database: reactive[DatabaseState] = reactive(DatabaseState(""), always_update=True)
    # Follow mode (F, --follow): the list and a conversation show rows as they are stored.
    following: reactive[bool] = reactive(False)

    def __init__(self, gateway: Gateway, *, process_id: str | None = None,
                 flt: ProcessFilter | None = None, label: str | None = None,
                 keys: Sequence[keymap.Action] | None = None,
                 cockpit_url: str | None = None, follow: bool = False) -> None:
        super().__init__()
        self.set_reactive(ProcosApp.following, follow)
        # config.toml's Cockpit link template, checked by core.cockpit (None: not set).
        self.cockpit_url = cockpit_url
        # The keymap in force (the user's [keys] already checked by keymap.effective).
        self.keymap: tuple[keymap.Action, ...] = tuple(keys) if keys else keymap.DEFAULTS
        self.set_keymap(textual_keymap(self.keymap))
        self.gateway = gateway
        gateway.on_reconnect = self._reconnected
        self.process_id = process_id
        self.initial_filter = flt or ProcessFilter()
        self.fatal_error: str | None = None
        self._lag_timer: Timer | None = None
        # The interaction marked (x) for a comparison with another (X).
        self.marked: CompareSide | None = None
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
                                      self.gateway.read_only, self.database.follow)
        if facts is not None and facts.standby and self._lag_timer is None:
            # A standby's lag changes while one reads: the status line follows it.
            self._lag_timer = self.set_interval(LAG_POLL_S, self._poll_lag)
        if not self.process_id:
            self.sub_title = sanitize_plain(self._label)

    @work(exclusive=True, group="replay-lag")
    async def _poll_lag(self) -> None:
        facts = self.database.facts
        if facts is None:
            return
        try:
            lag = await self.gateway.replay_lag()
        except DatabaseError:
            lag = None  # "unknown" until it answers again
        self.database = replace(self.database, facts=replace(facts, replay_lag_s=lag))

    def set_following(self, on: bool) -> None:
        self.following = on
        self.follow_state("following" if on else "")

    def follow_state(self, text: str) -> None:
        """The status line's follow part, from the screen that follows."""
        if self.following or not text:
            self.database = replace(self.database, follow=text)

    def on_mount(self) -> None:
        self.sub_title = sanitize_plain(self.database.label)
        if self.following:
            self.follow_state("following")
        self.push_screen(ProcessesScreen(self.initial_filter))
        if self.process_id:
            self.post_message(OpenProcess(self.process_id))

    # --- navigation: screens post, the app moves -------------------------------------------

    def open_screen(self, kind: type[Screen[Any]], make: Callable[[], Screen[Any]],
                    keep: Callable[[Screen[Any]], bool] = lambda screen: True) -> None:
        """Open a screen of this kind. One of each kind at most: when one is on the stack
        already, go back to it (the screens above it close), and replace it unless `keep`
        says it shows what is asked. So Esc goes back once per screen the user sees, never
        through a trail of copies."""
        for below in reversed(self.screen_stack):
            if isinstance(below, kind):
                while self.screen is not below:
                    self.pop_screen()
                if not keep(below):
                    self.switch_screen(make())
                return
        self.push_screen(make())

    def on_open_process(self, message: OpenProcess) -> None:
        from procos_tui.ui.conversation import ConversationScreen

        def make() -> Screen[Any]:
            return ConversationScreen(message.process_instance_id,
                                      focus_row=message.focus_row, landing=message.landing)

        pid = message.process_instance_id
        shown = [s for s in self.screen_stack
                 if isinstance(s, ConversationScreen) and s.process_instance_id == pid]
        if shown:  # this process is on the stack: back to it (to its match, if one is asked)
            while self.screen is not shown[-1]:
                self.pop_screen()
            if message.focus_row is not None:
                self.switch_screen(make())
        elif isinstance(self.screen, ConversationScreen):
            self.switch_screen(make())  # from one process to another: in its place
        else:
            # A search's hit: the search stays below it. Two conversations always have
            # another kind of screen between them, so the stack stays bounded.
            self.push_screen(make())

    def on_show_process_list(self, message: ShowProcessList) -> None:
        flt = message.flt
        if flt is None:
            self.open_screen(ProcessesScreen, ProcessesScreen)
            return
        # Filtered (from Stats): the list in its place, the screens above it closed.
        self.open_screen(ProcessesScreen, lambda: ProcessesScreen(flt), keep=lambda s: False)

    def on_compare_interactions(self, message: CompareInteractions) -> None:
        from procos_tui.ui.compare import CompareScreen

        # One compare screen at most: a new comparison takes the old one's place.
        self.open_screen(CompareScreen, lambda: CompareScreen(message.a, message.b),
                         keep=lambda screen: False)

    def on_show_transcript(self, message: ShowTranscript) -> None:
        from procos_tui.ui.transcript import TranscriptScreen

        self.open_screen(TranscriptScreen, lambda: TranscriptScreen(
            message.process_instance_id, message.request_of, message.answer_id),
            keep=lambda screen: False)

    def on_show_cut_view(self, message: ShowCutView) -> None:
        from procos_tui.ui.cut_view import CutScreen

        self.push_screen(CutScreen(message.process_instance_id, message.view))

    def process_order(self) -> tuple[ProcessFilter, ProcessSort]:
        """The process list's filter and order (what next/previous process follow): the
        list's own when it is on the stack, else the one the app started with."""
        for screen in self.screen_stack:
            if isinstance(screen, ProcessesScreen):
                flt = getattr(screen, "filter", None)
                sort = getattr(screen, "sort", None)
                return (flt if isinstance(flt, ProcessFilter) else self.initial_filter,
                        sort if isinstance(sort, ProcessSort) else DEFAULT_SORT)
        return self.initial_filter, DEFAULT_SORT

    def action_go_to_process(self) -> None:
        """Ask for a process instance (an id pasted from Cockpit or a log, the start of one,
        or a Camunda business key) and open it."""
        from procos_tui.ui.dialogs import PromptScreen

        def chosen(value: str | None) -> None:
            if value and value.strip():
                self.go_to(value.strip())

        self.push_screen(PromptScreen("Go to process instance", "",
                                      hint="an id, the start of one (any case) or a Camunda "
                                           "business key; Esc cancels",
                                      check=lambda v: None if v.strip() else "give an id"),
                         chosen)

    @work(exclusive=True, group="go-to")
    async def go_to(self, typed: str) -> None:
        """Open what `typed` names: one instance at once, several as a pick list."""
        try:
            matches = await self.gateway.find_processes(typed)
        except DatabaseError as exc:
            self.notify(sanitize_plain(str(exc)), title="Go to", severity="error",
                        markup=False)
            return
        exact = [m for m in matches if m.matched_by == "id" and m.has_ai_context]
        if len(exact) == 1:
            self.post_message(OpenProcess(exact[0].process_instance_id))
        elif not matches:
            self.notify(f"No process instance is named {sanitize_plain(typed)!r}: no id, id "
                        "prefix or Camunda business key matches.", title="Go to",
                        severity="warning", markup=False, timeout=8)
        elif len(matches) == 1:
            self._open_match(matches[0])
        else:
            from procos_tui.ui.dialogs import PickScreen

            def picked(key: str | None) -> None:
                if key is not None:
                    self._open_match(matches[int(key)])

            self.push_screen(PickScreen(
                f"{len(matches)}{'+' if len(matches) >= 50 else ''} process instances match "
                f"{sanitize_plain(typed)!r}",
                [(str(n), _match_label(m)) for n, m in enumerate(matches)],
                hint="Enter opens, Esc cancels"), picked)

    def _open_match(self, match: ProcessMatch) -> None:
        if match.has_ai_context:
            self.post_message(OpenProcess(match.process_instance_id))
            return
        key = f" (business key {match.business_key})" if match.business_key else ""
        self.notify(sanitize_plain(f"Camunda knows process instance "
                                   f"{match.process_instance_id}{key}, but ProcOS stored no "
                                   "AI context for it."),
                    title="Go to", severity="warning", markup=False, timeout=10)

    def _reconnected(self, message: str) -> None:
        self.notify(sanitize_plain(message), title="Database", severity="warning", markup=False)

    def fail(self, message: str) -> None:
        """A problem the app cannot go on with (no database): leave and say it on stderr."""
        self.fatal_error = message
        self.exit()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's (themes, keys, quit), then the keymap's actions of this screen and the
        screens to go to, each with its keys."""
        yield from super().get_system_commands(screen)
        chain = self.key_context(screen)
        targets: list[DOMNode] = [screen]
        widget = getattr(screen, "palette_widget", lambda: None)()
        if widget is not None:
            targets.append(widget)  # e.g. the conversation's focused pane: find, select…
        targets.append(self)
        runs: dict[str, tuple[DOMNode, str]] = {}
        for target in targets:
            for binding in _bindings_of(target):
                if binding.id and binding.id not in runs:
                    runs[binding.id] = (target, binding.action)
        for action in keymap.for_contexts(self.keymap, chain):
            if action.group == keymap.CLOSE or action.name in ("help", "quit") \
                    or action.name not in runs:
                continue
            node, method = runs[action.name]

            def run(node: DOMNode = node, method: str = method) -> None:
                self.call_later(self.run_action, method, node)

            context = next(w for w in chain if w in action.where)
            keys = " / ".join(keymap.display_key(k) for k in action.keys)
            yield SystemCommand(action.label(context), f"{action.long} · key: {keys}", run)

    def action_health(self) -> None:
        from procos_tui.ui.health import HealthScreen

        self.open_screen(HealthScreen, HealthScreen)

    def action_search(self) -> None:
        from procos_tui.ui.search import SearchScreen

        # One search screen: going back to it keeps its query and hits.
        self.open_screen(SearchScreen, lambda: SearchScreen(*self.last_search))
        if isinstance(self.screen, SearchScreen) and self.screen.is_mounted:
            self.screen.action_focus_query()

    def action_stats(self) -> None:
        from procos_tui.ui.stats import StatsScreen

        self.open_screen(StatsScreen, StatsScreen)

    def action_models(self) -> None:
        from procos_tui.ui.models import ModelsScreen

        self.open_screen(ModelsScreen, ModelsScreen)

    async def action_quit(self) -> None:
        """Quit, unless a screen holds work not saved: then ask first."""
        from rich.text import Text

        from procos_tui.ui.dialogs import ChoiceScreen

        unsaved = [what for screen in self.screen_stack
                   if (what := getattr(screen, "unsaved_work", lambda: None)())]
        if not unsaved:
            self.exit()
            return
        if isinstance(self.screen, ChoiceScreen) and self.screen.quitting:
            return  # asked already

        def chosen(key: str | None) -> None:
            if key == "y":
                self.exit()

        question = ChoiceScreen("Quit without saving?", Text(
            f"{unsaved[0]} is not saved. y quits and loses it; Esc goes back to it."),
            {"y": "quit, losing the changes"})
        question.quitting = True
        self.push_screen(question, chosen)

    def key_context(self, screen: Screen[Any] | None = None) -> tuple[str, ...]:
        """The keymap contexts in force on a screen: its own, its widgets', the global."""
        screen = screen or self.screen
        context = REGISTRY.get(type(screen).__name__, (keymap.GLOBAL, ()))[0]
        return next((chain for chain in keymap.CHAINS if context in chain),
                     (context, keymap.GLOBAL))

    def key_entries(self, screen: Screen[Any] | None = None) -> list[tuple[str, str]]:
        """(keys, what) for the help: the keymap's actions of the screen, then the keys of
        Textual's own widgets on it (a table's, an input's) that the keymap does not name."""
        screen = screen or self.screen
        chain = self.key_context(screen)
        entries: list[tuple[str, str]] = []
        for action in keymap.for_contexts(self.keymap, chain):
            context = next(w for w in chain if w in action.where)
            entries.append((" / ".join(keymap.display_key(k) for k in action.keys),
                            action.label(context)))
        named = {a.name for a in self.keymap}
        # A key the keymap gives on this screen is the keymap's (its binding is nearer the
        # focus than Textual's app-wide one), so the help never shows a key twice.
        keys = {key for action in keymap.for_contexts(self.keymap, chain)
                for key in action.keys}
        shown = {label.casefold() for _, label in entries}
        for key, active in screen.active_bindings.items():
            binding = active.binding
            label = binding.description[:1].upper() + binding.description[1:]
            if binding.id in named or not label or key in keys or label.casefold() in shown:
                continue
            keys.add(key)
            shown.add(label.casefold())
            entries.append((keymap.display_key(key), label))
        return entries

    def action_help(self) -> None:
        from procos_tui.ui.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.key_entries()))

    async def on_unmount(self) -> None:
        await self.gateway.close()


def _match_label(match: ProcessMatch) -> str:
    """One line of the go-to pick list: the id whole, how it matched, the business key."""
    parts = [match.process_instance_id, match.matched_by]
    if match.business_key:
        parts.append(f"key {match.business_key}")
    if not match.has_ai_context:
        parts.append("Camunda only: no AI context")
    return sanitize_plain(" · ".join(parts))


def _bindings_of(node: DOMNode) -> list[Binding]:
    """A node's bindings that the keymap names, as its class declares them."""
    return [item for item in type(node).BINDINGS if isinstance(item, Binding) and item.id]
