"""The Models screen: procos_ai_models with usage; create, edit, duplicate, toggle, delete.

Every write is previewed field by field, runs in one short transaction (the gateway's), and only
lands on the row as the user saw it (its edit token); what was typed survives every failure: the
form comes back with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from procos_tui.core.errors import DatabaseError
from procos_tui.core.keymap import MODELS
from procos_tui.core.pricing import format_cost
from procos_tui.core.registry import ModelConflict, ModelDraft, ModelRow, WritesRefused
from procos_tui.core.sanitize import clip, human_size, sanitize_plain
from procos_tui.db.gateway import Gateway
from procos_tui.ui.dialogs import ChoiceScreen
from procos_tui.ui.footer import WholeFooter
from procos_tui.ui.gateway_access import host
from procos_tui.ui.keys import bindings
from procos_tui.ui.model_form import ModelForm, conflict_body, preview_body
from procos_tui.ui.rowlist import RowList, moves
from procos_tui.ui.status import StatusLine

# One write, given the gateway: what it returns is the row to select afterwards (None: none).
Write = Callable[[Gateway], Awaitable[ModelRow | None]]

# The model (provider/name) stays in place as → pages the rest; the numbers come first after
# it, so the first screenful at 80 columns holds what triage asks, each column whole.
COLUMNS = ("Model", "Version", "Active", "Calls", "Tokens", "Cost", "Last used", "Updated",
           "performance_stats")
SORTS = (("provider", lambda r: (r.provider, r.model_name, r.version or "")),
         ("calls", lambda r: -r.calls), ("tokens", lambda r: -r.total_tokens),
         ("cost", lambda r: -(r.cost or 0)),
         ("last used", lambda r: -(r.last_used.timestamp() if r.last_used else 0)),
         ("updated", lambda r: -(r.updated_at.timestamp() if r.updated_at else 0)))


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def model_cells(row: ModelRow) -> tuple[Text, ...]:
    return (Text(clip(f"{row.provider}/{row.model_name}", 40)),
            Text(clip(row.version or "—", 16)),
            Text("yes" if row.is_active else "no", style="green" if row.is_active else "dim"),
            Text(f"{row.calls:,}", justify="right"),
            Text(f"{row.total_tokens:,}", justify="right"), _cost_cell(row),
            Text(_when(row.last_used)), Text(_when(row.updated_at)), _stats_cell(row))


class ModelRows(RowList, inherit_bindings=False):
    """The registry as the process list shows rows: no column ever cut at the edge."""

    BINDINGS: ClassVar[list[BindingType]] = bindings("ModelRows", MODELS, moves(MODELS))


def _cost_cell(row: ModelRow) -> Text:
    text = format_cost(row.cost, row.currency)
    if row.unpriced_calls:  # no price in config_data.pricing: unknown, never zero
        plus = "+" if row.cost is not None else ""
        text += f" ({plus}{row.unpriced_calls:,} unpriced)"
    return Text(text, justify="right")


def _stats_cell(row: ModelRow) -> Text:
    """The seed's performance_stats on one line, visibly clipped with its size."""
    if row.stats_json is None:
        return Text("—" if row.stats_bytes is None else
                    f"({human_size(row.stats_bytes)}: too large to show)", style="dim")
    shown = clip(" ".join(row.stats_json.split()), 40)
    if shown.endswith("…"):
        shown += f" ({human_size(len(row.stats_json.encode()))})"
    return Text(shown, style="dim")


class ModelsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("ModelsScreen", MODELS, {
        "back": [("clear_filter", "Clear filter"), ("back", "Back")],
        "new": "new", "edit": "edit", "new_version": "duplicate",
        "toggle_active": "toggle_active", "delete": "delete", "filter": "filter",
        "sort": "sort", "refresh": "refresh",
    })
    CSS = """
    ModelsScreen ModelRows { height: 1fr; }
    ModelsScreen #summary { height: 1; padding: 0 1; color: $text-muted; }
    ModelsScreen #filter { display: none; }
    ModelsScreen #filter.shown { display: block; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ModelRow] = []
        self.shown: list[ModelRow] = []
        self.sort = 0
        self.text_filter = ""
        self.refusal: str | None = None  # why this server or session takes no writes
        self.counting = False  # usage still being counted

    @property
    def gateway(self) -> Gateway:
        return host(self.app).gateway

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading models…", id="summary")
        yield Input(placeholder="filter by provider, name or version (Enter keeps, Esc clears)",
                    id="filter")
        yield ModelRows(COLUMNS, id="models")
        yield StatusLine(id="status")
        yield WholeFooter()

    def on_mount(self) -> None:
        self.sub_title = "Models"
        self.query_one(ModelRows).focus()  # not the hidden filter line
        self.load()
        self._ask_writable()

    @work(exclusive=True, group="model-writable")
    async def _ask_writable(self) -> None:
        self.refusal = await self.gateway.write_refusal()
        self.fill()

    # --- reading ----------------------------------------------------------------------------

    @work(exclusive=True, group="models")
    async def load(self, select: str | None = None) -> None:
        """The models at once, then their usage (a grouped pass that takes seconds on a
        large table) when it comes. The cursor stays on its model unless told otherwise:
        a row that moved to the top would take the next key's action."""
        if select is None and (current := self.selected()) is not None:
            select = current.id
        try:
            self.rows = await self.gateway.models()
            self.counting = True
            self.fill(select)
            usage = await self.gateway.model_usage()
        except DatabaseError as exc:
            self.notify(sanitize_plain(str(exc)), title="Database", severity="error",
                        markup=False)
            return
        finally:
            self.counting = False
        self.rows = [replace(r, calls=u.calls, total_tokens=u.total_tokens,
                             last_used=u.last_used, cost=u.cost, currency=u.currency,
                             unpriced_calls=u.unpriced_calls)
                     if (u := usage.get((r.provider, r.model_name))) else r
                     for r in self.rows]
        self.fill(select=row.id if (row := self.selected()) else select)

    def fill(self, select: str | None = None) -> None:
        table = self.query_one(ModelRows)
        needle = self.text_filter.casefold()
        self.shown = sorted((r for r in self.rows if not needle or needle in
                             f"{r.provider} {r.model_name} {r.version or ''}".casefold()),
                            key=SORTS[self.sort][1])
        table.clear()
        table.add_rows([(str(row.id), model_cells(row)) for row in self.shown])
        if select is not None:
            table.move_cursor(next((i for i, r in enumerate(self.shown) if r.id == select), 0))
        read_only = (" · read-only: editing keys are off"
                     if host(self.app).read_only_flag or self.refusal else "")
        matching = f" matching {sanitize_plain(self.text_filter)!r}" if needle else ""
        counting = " · counting usage…" if self.counting else ""
        self.query_one("#summary", Static).update(Text(
            f"{len(self.shown)} of {len(self.rows)} models{matching} · sorted by "
            f"{SORTS[self.sort][0]}{counting}{read_only}"))

    def selected(self) -> ModelRow | None:
        table = self.query_one(ModelRows)
        if not self.shown or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    # --- writing ----------------------------------------------------------------------------

    def _writable(self) -> bool:
        refusal = ("started with --read-only: procos-tui writes nothing"
                   if host(self.app).read_only_flag else self.refusal)
        if refusal:
            self.notify(f"Cannot write: {sanitize_plain(refusal)}.", title="Read-only",
                        severity="warning", markup=False)
            return False
        return True

    # Not exclusive: a second write must not cancel the wait for the first one's outcome
    # (its notice, or the form coming back with what was typed).
    @work(group="model-write")
    async def _write(self, what: str, write: Write, draft: ModelDraft | None = None,
                     row: ModelRow | None = None) -> None:
        """Run one write; its outcome is shown, a failure brings back what was typed."""
        try:
            result = await write(self.gateway)
        except DatabaseError as exc:  # every failure is shown; none ends the app
            self._failed(exc, draft, row)
            return
        self.notify(f"{what}.", title="Models")
        self.load(select=result.id if result is not None else None)

    def _failed(self, exc: DatabaseError, draft: ModelDraft | None, row: ModelRow | None) -> None:
        message = sanitize_plain(str(exc))
        if isinstance(exc, WritesRefused):
            self.notify(message, title="Not written", severity="warning", markup=False)
        elif isinstance(exc, ModelConflict) and draft is not None:
            self._conflict(exc, draft, row)
        elif draft is not None:
            # Duplicate, lost connection, any refusal: back to the form with what was typed.
            title = "Edit model" if row is not None else "New model"
            self._open_form(title, draft, row, message=f"Not saved: {message}")
        else:
            self.notify(message, title="Not written", severity="error", markup=False)
            self.load()

    def _conflict(self, exc: ModelConflict, draft: ModelDraft, row: ModelRow | None) -> None:
        theirs = exc.current

        def chosen(key: str | None) -> None:
            if key == "o" and theirs is not None and row is not None:
                # Over the version shown, not whatever is newest: a third save meanwhile is
                # one more conflict, never lost unseen.
                self._write("Saved over the newer version",
                            lambda g: g.update_model(theirs, draft), draft, theirs)
            elif key == "r" and theirs is not None:
                self._open_form("Edit model (reloaded)", ModelDraft.of(theirs), theirs)
            elif key == "n":
                self._write("Created", lambda g: g.create_model(draft), draft, None)
            else:  # Esc: back to the form with what was typed, as the preview's Esc does
                self.load(select=row.id if row is not None else None)
                self._open_form("Edit model" if row is not None else "New model", draft, row,
                                message="Not saved: the model changed since you opened it "
                                        "(saving again shows both versions)")

        choices = ({"r": "reload theirs", "o": "overwrite with mine"} if theirs is not None
                   else {"n": "save as new"})
        self.app.push_screen(ChoiceScreen("The model changed since you opened it",
                                          conflict_body(draft, theirs), choices), chosen)

    def _open_form(self, title: str, draft: ModelDraft, row: ModelRow | None,
                   message: str = "") -> None:
        before = ModelDraft.of(row) if row is not None else None

        def saved(result: ModelDraft | None) -> None:
            if result is None:
                return

            def confirmed(key: str | None) -> None:
                if key == "s":
                    if row is None:
                        self._write("Created", lambda g: g.create_model(result), result, None)
                    else:
                        self._write("Saved", lambda g: g.update_model(row, result), result, row)
                else:  # back to the form, nothing lost
                    self._open_form(title, result, row)

            self.app.push_screen(ChoiceScreen("Save these changes?",
                                              preview_body(before, result),
                                              {"s": "save", "b": "back to the form"},
                                              unsaved="The previewed model change"),
                                 confirmed)

        self.app.push_screen(ModelForm(title, draft, message, saved=before), saved)

    # --- actions ----------------------------------------------------------------------------

    def action_new(self) -> None:
        if self._writable():
            self._open_form("New model", ModelDraft("", "", "", "{}", "", True), None)

    def action_edit(self) -> None:
        row = self.selected()
        if row is not None and self._writable():
            self._open_form("Edit model", ModelDraft.of(row), row)

    def on_row_list_selected(self, event: RowList.Selected) -> None:
        self.action_edit()

    def action_duplicate(self) -> None:
        row = self.selected()
        if row is not None and self._writable():
            self._open_form(f"New version of {row.label}",
                            ModelDraft.of(row, new_version=True), None)

    def action_toggle_active(self) -> None:
        row = self.selected()
        if row is None or not self._writable():
            return
        state = "deactivated" if row.is_active else "activated"
        # A single key never writes alone: retiring a model changes which one ProcOS picks.
        verb = "Retire" if row.is_active else "Reactivate"

        def chosen(key: str | None) -> None:
            if key == "y":
                self._write(f"{sanitize_plain(row.label)} {state}",
                            lambda g: g.set_model_active(row, not row.is_active), None, row)

        what = ("is_active becomes false: ProcOS stops offering it; its row and its calls stay."
                if row.is_active else "is_active becomes true: ProcOS may choose it again.")
        self.app.push_screen(ChoiceScreen(
            f"{verb} this model?", Text(sanitize_plain(f"{row.label}  (id {row.id})") + "\n"
                                        + what), {"y": verb.lower()}), chosen)

    def action_delete(self) -> None:
        row = self.selected()
        if row is None or not self._writable():
            return

        def chosen(key: str | None) -> None:
            if key == "y":
                self._write(f"Deleted {sanitize_plain(row.label)}",
                            lambda g: g.delete_model(row), None, row)

        used = (f"{row.calls:,} calls in procos_ai_context used it (they stay; only the "
                "registry entry goes)." if row.calls else "No stored call used it.")
        self.app.push_screen(ChoiceScreen(
            "Delete this model?", Text(sanitize_plain(f"{row.label}  (id {row.id})") + "\n" + used),
            {"y": "delete"}), chosen)

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.add_class("shown")
        field.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.text_filter = event.value
            self.fill()
            self.refresh_bindings()  # Esc: clears the filter while there is one

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.query_one(ModelRows).focus()

    def action_sort(self) -> None:
        self.sort = (self.sort + 1) % len(SORTS)
        self.fill(select=row.id if (row := self.selected()) else None)

    def action_refresh(self) -> None:
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":  # Esc's first variant, named in the footer
            return self.query_one("#filter", Input).has_focus or bool(self.text_filter)
        return True

    def action_clear_filter(self) -> None:
        self.action_back()

    def action_back(self) -> None:
        field = self.query_one("#filter", Input)
        if field.has_focus or self.text_filter:
            field.value = ""
            field.remove_class("shown")
            self.query_one(ModelRows).focus()
            return
        self.app.pop_screen()
