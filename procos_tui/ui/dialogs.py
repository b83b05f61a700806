"""Small modal dialogs: one line of input checked before it is accepted, or a keyed choice."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from procos_tui.core.keymap import DIALOGS
from procos_tui.core.sanitize import sanitize_plain
from procos_tui.ui.keys import bindings

# Returns an error message for the user, or None when the value is acceptable.
Check = Callable[[str], str | None]


class PromptScreen(ModalScreen[str | None]):
    """Ask for one value; Enter accepts (after `check`), Esc cancels with None."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("PromptScreen", DIALOGS,
                                                     {"close": "cancel"})
    CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical { width: 76; max-width: 100%; height: auto; border: round $accent;
        background: $surface; padding: 0 1; }
    PromptScreen .hint { color: $text-muted; }
    PromptScreen #error { color: $error; height: auto; }
    """

    def __init__(self, title: str, value: str = "", hint: str = "",
                 check: Check | None = None, confirm_proposal: str = "",
                 suggester: Suggester | None = None, error: str = "") -> None:
        """confirm_proposal: when given, Enter on the proposed value as it came shows this
        and only a second Enter accepts it. For writes: keys typed in a burst (an id typed
        where a letter opened this dialog) end in one Enter, never two."""
        super().__init__()
        self._title, self._value, self._hint, self._check = title, value, hint, check
        self._confirm = confirm_proposal
        self._armed = False
        self._suggester = suggester
        self._error = error  # shown from the start: the value came back refused

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title, style="bold"))
            yield Input(value=self._value, select_on_focus=False, id="value",
                        suggester=self._suggester)
            if self._hint:
                yield Static(Text(self._hint), classes="hint")
            yield Static(Text(sanitize_plain(self._error)), id="error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        problem = self._check(event.value) if self._check else None
        if problem:
            self.query_one("#error", Static).update(Text(sanitize_plain(problem)))
            return
        if self._confirm and event.value == self._value and not self._armed:
            self._armed = True
            self.query_one("#error", Static).update(Text(sanitize_plain(self._confirm)))
            return
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceScreen(ModalScreen[str | None]):
    """A message and a few keyed choices; returns the chosen key, or None on Esc."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("ChoiceScreen", DIALOGS,
                                                     {"close": "choose('')"})
    CSS = """
    ChoiceScreen { align: center middle; }
    ChoiceScreen > Vertical { width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $warning; background: $surface; padding: 0 1; }
    ChoiceScreen VerticalScroll { height: auto; max-height: 30; }
    ChoiceScreen #choices { height: 1; margin-top: 1; }
    """

    def __init__(self, title: str, body: Text, choices: dict[str, str],
                 unsaved: str | None = None) -> None:
        super().__init__()
        self._title, self._body, self._choices = title, body, choices
        self._unsaved = unsaved
        self.quitting = False  # the app's "quit without saving?" itself

    def unsaved_work(self) -> str | None:
        """What quitting now would lose (a previewed model save), for the app's `q`."""
        return self._unsaved

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(sanitize_plain(self._title), style="bold"))
            with VerticalScroll():
                yield Static(self._body)
            with Horizontal(id="choices"):
                yield Static(Text("   ".join(f"[{k}] {label}" for k, label
                                             in self._choices.items()) + "   [Esc] cancel",
                                  style="bold"))

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """The body scrolls in what the dialog leaves of the screen, so the line of choices
        stays in sight at 80x24 however long the body (a new model's whole config)."""
        # 90% of the screen, less the border (2), the title (1) and the choices (1 + margin)
        room = self.size.height * 9 // 10 - 5
        self.query_one(VerticalScroll).styles.max_height = max(3, min(30, room))

    def on_key(self, event: object) -> None:
        from textual.events import Key

        if isinstance(event, Key) and event.character in self._choices:
            event.stop()
            self.dismiss(event.character)

    def action_choose(self, key: str) -> None:
        self.dismiss(key or None)


class PickScreen(ModalScreen[str | None]):
    """Pick one of a list (↑ ↓, Enter); returns the chosen option's key, or None on Esc.
    Each line is shown whole, wrapped if it must: an id cut at 80 columns names another."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("PickScreen", DIALOGS,
                                                     {"close": "cancel"})
    CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: round $accent; background: $surface; padding: 0 1; }
    PickScreen OptionList { height: auto; max-height: 16; border: none; }
    PickScreen .hint { color: $text-muted; }
    """

    def __init__(self, title: str, options: list[tuple[str, str]], current: str | None = None,
                 hint: str = "↑ ↓ to choose, Enter to take it, Esc to cancel") -> None:
        """options: (key, label as shown; sanitised here)."""
        super().__init__()
        self._title, self._options, self._current, self._hint = title, options, current, hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(sanitize_plain(self._title), style="bold"))
            yield OptionList(*(Option(Text(sanitize_plain(label)), id=key)
                               for key, label in self._options))
            yield Static(Text(self._hint), classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        keys = [key for key, _ in self._options]
        if self._current in keys:
            options.highlighted = keys.index(self._current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
