"""The model editor's dialogs: the form, the preview of a save, conflicts and confirmations.

Stored values reach these widgets as Text or as Input/TextArea values (never parsed as markup);
labels and messages built from them go through the sanitiser.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Static, TextArea

from procos_tui.core.keymap import DIALOGS
from procos_tui.core.registry import (
    EDIT_LIMIT_BYTES,
    FieldError,
    ModelDraft,
    ModelRow,
    size_text,
    validate,
)
from procos_tui.core.sanitize import sanitize_plain, sanitize_text
from procos_tui.ui.keys import bindings

FIELDS = (("model_name", "Name"), ("provider", "Provider"), ("version", "Version"))


class ModelForm(ModalScreen[ModelDraft | None]):
    """Edit a draft; Ctrl+S checks it and returns it, Esc returns None (nothing saved)."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("ModelForm", DIALOGS, {
        "save_form": "save", "close": "cancel",
    })
    CSS = """
    ModelForm { align: center middle; }
    ModelForm > VerticalScroll { width: 90; max-width: 100%; height: 95%;
        border: round $accent; background: $surface; padding: 0 1; }
    ModelForm .label { color: $text-muted; }
    ModelForm .error { color: $error; height: auto; }
    ModelForm Input { border: none; height: 1; padding: 0 1; background: $boost; }
    ModelForm Input:focus { background: $accent 30%; }
    ModelForm Checkbox { border: none; height: 1; padding: 0; margin-top: 1; }
    ModelForm TextArea { height: 7; }
    ModelForm .kept { color: $warning; padding: 0 1; }
    """

    def __init__(self, title: str, draft: ModelDraft, message: str = "",
                 saved: ModelDraft | None = None) -> None:
        """saved: the model as stored (None: a new one): what the form's values are unsaved
        against, for the app's `q`."""
        super().__init__()
        self._title, self.draft, self._message = title, draft, message
        self._saved = saved

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(sanitize_plain(self._title), style="bold"))
            yield Static(Text(sanitize_plain(self._message), style="bold yellow"),
                         id="message")
            for field, label in FIELDS:
                value = getattr(self.draft, field)
                shown = sanitize_plain(value)
                # An Input writes its value to the terminal as is: a stored value with
                # controls is shown with stand-ins, locked, and saved back unchanged.
                yield Static(label + (" (holds control characters: kept as stored)"
                                      if shown != value else ""), classes="label")
                yield Input(shown, id=field, disabled=shown != value)
                yield Static(classes="error", id=f"{field}-error")
            yield Checkbox("Active", self.draft.is_active, id="is_active")
            for field, label, text in (("config_data", "config_data (JSON object)",
                                        self.draft.config_text),
                                       ("performance_stats", "performance_stats (JSON object)",
                                        self.draft.stats_text)):
                yield Static(label, classes="label")
                size = self.draft.kept_bytes(field)
                if size is None:
                    yield TextArea(text, language="json", id=field, show_line_numbers=True)
                else:
                    yield Static(Text(
                        f"{field} is {size_text(size)}: too large to edit here (the limit is "
                        f"{size_text(EDIT_LIMIT_BYTES)}). Edit it with SQL; saving here keeps "
                        "the stored value unchanged."), id=f"{field}-kept", classes="kept")
                yield Static(classes="error", id=f"{field}-error")
            yield Static(Text("Ctrl+S previews and saves · Esc cancels (nothing is written)",
                              style="dim"))

    def _value(self, field: str) -> str:
        widget = self.query_one(f"#{field}", Input)
        return str(getattr(self.draft, field)) if widget.disabled else widget.value

    def _json(self, field: str) -> str:
        if self.draft.kept_bytes(field) is not None:
            return ""
        return self.query_one(f"#{field}", TextArea).text

    def current(self) -> ModelDraft:
        return replace(  # what the draft keeps as stored, and where from, stays
            self.draft, model_name=self._value("model_name"),
            provider=self._value("provider"), version=self._value("version"),
            config_text=self._json("config_data"), stats_text=self._json("performance_stats"),
            is_active=self.query_one("#is_active", Checkbox).value)

    def show_errors(self, errors: list[FieldError]) -> None:
        for field in ("model_name", "provider", "version", "config_data", "performance_stats"):
            message = next((e.message for e in errors if e.field == field), "")
            self.query_one(f"#{field}-error", Static).update(Text(sanitize_plain(message)))

    def action_save(self) -> None:
        draft = self.current()
        _valid, errors = validate(draft)
        self.show_errors(errors)
        if not errors:
            self.dismiss(draft)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def unsaved_work(self) -> str | None:
        """What quitting now would lose: the form's values, when they differ from the
        stored model (any value at all for a new one)."""
        if not self.is_mounted:
            return None
        current = self.current()
        if self._saved is not None and current == self._saved:
            return None
        if self._saved is None and current == ModelDraft("", "", "", "{}", "", True):
            return None
        return "The model form's changes"


def changes(before: ModelDraft | None, after: ModelDraft) -> list[tuple[str, str, str]]:
    """(field, old, new) for every field the save changes."""
    pairs = [("model_name", "Name"), ("provider", "Provider"), ("version", "Version"),
             ("is_active", "Active"), ("config_text", "config_data"),
             ("stats_text", "performance_stats")]
    out = []
    for attr, label in pairs:
        json_field = label if attr.endswith("_text") else None
        if json_field and after.kept_bytes(json_field) is not None:
            continue  # saved as stored
        old = "" if before is None else str(getattr(before, attr)).strip()
        if json_field and before is not None and \
                (size := before.kept_bytes(json_field)) is not None:
            old = f"({size_text(size)} stored, too large to show)"
        new = str(getattr(after, attr)).strip()
        if old != new:
            out.append((label, old or "(empty)", new or "(empty)"))
    return out


def preview_body(before: ModelDraft | None, after: ModelDraft) -> Text:
    text = Text()
    rows = changes(before, after)
    if not rows:
        text.append("Nothing changes.", style="dim")
    for label, old, new in rows:
        text.append(f"{label}\n", style="bold")
        text.append_text(sanitize_text("  - " + old.replace("\n", "\n    "), style="red"))
        text.append("\n")
        text.append_text(sanitize_text("  + " + new.replace("\n", "\n    "), style="green"))
        text.append("\n")
    return text


def conflict_body(mine: ModelDraft, theirs: ModelRow | None) -> Text:
    if theirs is None:
        return Text("Someone deleted this model after you opened it. Save as a new model "
                    "(n) or cancel.")
    text = Text("Someone saved this model after you opened it. Their version, then what "
                "yours would change:\n\n", style="bold")
    text.append_text(preview_body(ModelDraft.of(theirs), mine))
    return text
