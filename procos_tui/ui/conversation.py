"""One process instance: its interactions, and the full prompt and response of the chosen one."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.events import Key
from textual.timer import Timer
from textual.widgets import Header, Input, Static

from procos_tui.core.cockpit import cockpit_link
from procos_tui.core.compare import CompareSide, side_of
from procos_tui.core.conversation import (
    Interaction,
    ViewMode,
    group_interactions,
    needs_data,
    pane_text,
)
from procos_tui.core.document import Document
from procos_tui.core.errors import DatabaseError
from procos_tui.core.find import REGEX_DEADLINE_S
from procos_tui.core.follow import TailFilter
from procos_tui.core.highlight import JsonStyler, MarkdownStyler, Styler
from procos_tui.core.keymap import CONVERSATION
from procos_tui.core.sanitize import human_size, sanitize_plain
from procos_tui.core.types import CamundaDetails, InteractionContent, InteractionHeader
from procos_tui.core.units import whole_parts
from procos_tui.ui import actions
from procos_tui.ui.compare_marks import compare_with_marked, mark
from procos_tui.ui.follow import Follower, Following
from procos_tui.ui.footer import WholeFooter
from procos_tui.ui.gateway_access import host
from procos_tui.ui.interaction_view import (
    COLUMNS,
    InteractionRows,
    interaction_cells,
    pane_title,
)
from procos_tui.ui.keys import bindings
from procos_tui.ui.messages import (
    CompareInteractions,
    OpenProcess,
    ShowProcessList,
    ShowTranscript,
)
from procos_tui.ui.rowlist import RowList
from procos_tui.ui.status import StatusLine
from procos_tui.ui.textpane import TextPane, match_status

if TYPE_CHECKING:
    from procos_tui.core.landing import Landing


# A body larger than this shows its first HEAD_CHARS characters while the rest is fetched:
# a screen's worth many times over, read from the first TOAST chunks only.
HEAD_BYTES = 256 * 1024
HEAD_CHARS = 64 * 1024


def _no_row(role: str) -> str:
    return ("(no prompt row: this response has no input before it)" if role == "prompt"
            else "(no response row for this prompt)")


class ConversationScreen(Following):
    BINDINGS: ClassVar[list[BindingType]] = bindings("ConversationScreen", CONVERSATION, {
        "back": [("close_find", "Close find"), ("unzoom", "Unzoom"), ("back", "Back")],
        "find": "find", "view": "cycle_mode", "copy": "copy", "copy_exact": "copy_exact",
        "pager": "pager", "export": "export", "zoom": "zoom",
        "retry": "retry",  # shown only after a failed load
        "view_rendered": "mode('rendered')", "view_raw": "mode('raw')",
        "view_json": "mode('json')", "next_interaction": "step(1)",
        "previous_interaction": "step(-1)", "prompt_pane": "focus_pane('prompt')",
        "response_pane": "focus_pane('response')", "interactions": "focus_interactions",
        "next_process": "neighbour(True)", "previous_process": "neighbour(False)",
        "copy_id": "copy_id", "cockpit": "cockpit", "follow": "follow",
        "mark": "mark", "compare": "compare", "previous_run": "previous_run",
        "transcript": "transcript", "request": "request",
    })
    CSS = """
    ConversationScreen #interactions { height: auto; max-height: 25%; min-height: 3;
        scrollbar-size-horizontal: 0; }
    ConversationScreen .pane-title { height: 1; background: $panel; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis; }
    ConversationScreen #prompt { height: 1fr; }
    ConversationScreen #response { height: 2fr; }
    ConversationScreen #find { dock: bottom; display: none; height: 3; }
    ConversationScreen #find.shown { display: block; }
    ConversationScreen #heading { height: auto; max-height: 4; padding: 0 1;
        color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    ConversationScreen #heading.message { text-wrap: wrap; }
    ConversationScreen.zoom-prompt #interactions,
    ConversationScreen.zoom-prompt #response-title,
    ConversationScreen.zoom-prompt #response { display: none; }
    ConversationScreen.zoom-response #interactions,
    ConversationScreen.zoom-response #prompt-title,
    ConversationScreen.zoom-response #prompt { display: none; }
    """

    def __init__(self, process_instance_id: str, focus_row: str | None = None,
                 landing: Landing | None = None) -> None:
        super().__init__()
        self.process_instance_id = process_instance_id
        self.focus_row = focus_row
        # Opened from a search hit: find the match in focus_row's pane once it is shown.
        self.landing = landing
        self.interactions: list[Interaction] = []
        self.index = -1
        self.mode = ViewMode.RENDERED
        self.rows: dict[str, InteractionContent] = {}
        self.find_target = "response"
        self._notes: dict[str, str] = {}  # what each pane shows, for its title
        # Per pane: None when its text is all here, "" while nothing of it is, else how much
        # of a big body's head is shown ("64 KB of 20.0 MB").
        self._loading: dict[str, str | None] = {}
        self._head_of: dict[str, str | None] = {"prompt": None, "response": None}
        self._find_timer: Timer | None = None
        # Why the last read of this screen's rows failed (a lost connection, a timeout):
        # the panes say so, and R reads again. None when nothing failed.
        self.load_error: str | None = None
        self._facts: list[str] = []  # the heading's facts after the id, once loaded
        self._camunda: CamundaDetails | None = None
        # Following (F): this instance's rows as they are stored, marked ● until F stops.
        self.follower = Follower(TailFilter(process=process_instance_id))
        self.new_ids: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text(f"Process instance {sanitize_plain(self.process_instance_id)} — "
                          "loading…"), id="heading")
        yield InteractionRows(COLUMNS, id="interactions")
        yield Static(classes="pane-title", id="prompt-title")
        yield TextPane(id="prompt")
        yield Static(classes="pane-title", id="response-title")
        yield TextPane(id="response")
        yield Input(placeholder="find in pane (Enter: keep, Esc: close; n / N: next / previous)",
                    id="find")
        yield StatusLine(id="status")
        yield WholeFooter()

    def on_mount(self) -> None:
        self.sub_title = sanitize_plain(self.process_instance_id)
        self.load_interactions()

    # --- loading ----------------------------------------------------------------------------

    @work(exclusive=True, group="conversation")
    async def load_interactions(self) -> None:
        app = host(self.app)
        gateway = app.gateway
        try:
            headers = await gateway.interactions(self.process_instance_id)
            # Camunda's tables may be unreadable to us: then None, and the AI side still shows.
            camunda = await gateway.camunda_details(self.process_instance_id)
        except DatabaseError as exc:
            self._failed(str(exc))
            self._set_load_error(str(exc))
            self._heading(Text(
                f"Process instance {sanitize_plain(self.process_instance_id)} — the load "
                f"failed: {sanitize_plain(str(exc))} · R retries", style="bold red"))
            return
        if not self.is_attached:  # closed while it loaded (Esc, another process)
            return
        self._set_load_error(None)
        app.server_facts(gateway.facts)  # opened (--process ID) or reconnected just now
        self._show_interactions(group_interactions(headers), camunda)

    def _heading(self, text: Text, wrap: bool = True) -> None:
        """A message wraps (an id cut at the edge reads as another id); the facts line is
        one row, clipped with an ellipsis after the id."""
        heading = self.query_one("#heading", Static)
        heading.set_class(wrap, "message")
        heading.update(text)

    def _fit_heading(self) -> None:
        """The facts line: the id, then each fact whole while it fits (a count cut at the
        edge reads as another count); again at every resize."""
        if not self._facts:
            return
        heading = self._id_text()
        room = self.query_one("#heading", Static).content_region.width or self.size.width - 2
        facts = whole_parts(self._facts, room - heading.cell_len - 3)
        heading.append(f" · {facts}")
        heading.no_wrap, heading.overflow = True, "ellipsis"  # only a screen narrower than the id
        self._heading(heading, wrap=False)

    def on_resize(self) -> None:
        self._fit_heading()
        self.call_after_refresh(self._refresh_titles)  # the details fit the new width

    def _cockpit(self) -> str | None:
        template = host(self.app).cockpit_url
        return cockpit_link(template, self.process_instance_id) if template else None

    def _id_text(self) -> Text:
        """'Process instance ID', the id a link to Cockpit (OSC 8) when cockpit_url is set:
        the URL holds the id percent-encoded, so nothing stored reaches the terminal raw."""
        text = Text("Process instance ")
        url = self._cockpit()
        text.append(sanitize_plain(self.process_instance_id),
                    style=Style(link=url, underline=True) if url else "bold")
        return text

    def _rows(self) -> list[tuple[str, tuple[Text, ...]]]:
        """The interactions' rows; the new ones (following) marked ● in the margin."""
        self.query_one(InteractionRows).set_marked(
            {str(n) for n, item in enumerate(self.interactions)
             if any(r.id in self.new_ids for r in item.rows)})
        return [(str(n - 1), interaction_cells(n, item))
                for n, item in enumerate(self.interactions, 1)]

    def _show_interactions(self, interactions: list[Interaction],
                           camunda: CamundaDetails | None) -> None:
        self.interactions = interactions
        self._camunda = camunda
        table = self.query_one(InteractionRows)
        table.clear()
        table.add_rows(self._rows())
        pid = sanitize_plain(self.process_instance_id)
        if not self.interactions:
            known = ""
            if camunda is not None:
                known = sanitize_plain(
                    f"Camunda knows it ({camunda.process_definition_key or 'no definition'}"
                    f"{', key ' + camunda.business_key if camunda.business_key else ''}"
                    f"{', ' + camunda.state if camunda.state else ''}), but ")
            # Wrapped, never cut: the id is what the user checks against the one they typed.
            self._heading(Text(
                f"{known}ProcOS stored no AI context for process instance {pid!r}. Esc goes "
                "back.", style="bold yellow"))
            return
        self._set_facts()
        start = 0
        if self.focus_row:
            start = next((n for n, i in enumerate(self.interactions) if i.holds(self.focus_row)),
                         0)
        table.move_cursor(start)
        self.show_interaction(start)
        table.focus()

    def _set_facts(self) -> None:
        tokens = sum(i.total_tokens for i in self.interactions)
        count = len(self.interactions)
        parts = [f"{count} interaction{'s' if count != 1 else ''}", f"{tokens:,} tokens"]
        if self.new_ids:
            parts.append(f"● {len(self.new_ids)} new row{'s' if len(self.new_ids) != 1 else ''}")
        if self._camunda is not None:
            c = self._camunda
            parts.append(sanitize_plain(f"Camunda: {c.process_definition_key or '?'}"))
            if c.business_key:
                parts.append(sanitize_plain(f"key {c.business_key}"))
            if c.state:
                parts.append(sanitize_plain(c.state))
        self._facts = parts
        self._fit_heading()

    # --- following ---------------------------------------------------------------------------

    async def followed(self, rows: list[dict[str, object]]) -> None:
        """New rows of this instance: the list grows below; the cursor stays on the
        interaction it was on, and a reader on the last one follows to the new last."""
        self.new_ids |= {str(r["id"]) for r in rows}
        try:
            headers = await host(self.app).gateway.interactions(self.process_instance_id)
        except DatabaseError:
            return  # the next poll's rows read them all again
        interactions = group_interactions(headers)
        if not self.interactions:
            self._show_interactions(interactions, self._camunda)
            return
        before = self.interactions[self.index] if self.index >= 0 else None
        at_end = self.index == len(self.interactions) - 1
        self.interactions = interactions
        table = self.query_one(InteractionRows)
        table.replace_rows(self._rows())
        self._set_facts()
        index = len(interactions) - 1 if at_end else next(
            (n for n, i in enumerate(interactions)
             if before is not None and i.first.id == before.first.id), self.index)
        table.move_cursor(index)  # another interaction: the highlight shows it
        if index == self.index and before is not None \
                and interactions[index].rows != before.rows:
            self.show_interaction(index)  # its response has come: the panes fill

    # --- comparing ---------------------------------------------------------------------------

    def _current_side(self) -> CompareSide | None:
        if not 0 <= self.index < len(self.interactions):
            self.notify("No interaction here to compare.", severity="warning")
            return None
        return side_of(self.index + 1, self.process_instance_id,
                       self.interactions[self.index])

    def action_mark(self) -> None:
        side = self._current_side()
        if side is not None:
            mark(self, side)

    def action_compare(self) -> None:
        side = self._current_side()
        if side is not None:
            compare_with_marked(self, side)

    def action_previous_run(self) -> None:
        side = self._current_side()
        if side is not None:
            self._previous_run(side)

    @work(exclusive=True, group="previous-run")
    async def _previous_run(self, side: CompareSide) -> None:
        item = self.interactions[self.index]
        gateway = host(self.app).gateway
        activity = item.first.activity_id
        if not activity:
            self.notify("This interaction has no activity_id: there is no previous run to "
                        "find.", title="Compare", severity="warning")
            return
        try:
            found = await gateway.previous_run(item.first.id)
            if found is None:
                self.notify(sanitize_plain(f"No earlier run of {activity}."),
                            title="Compare", markup=False)
                return
            pid, row_id = found
            interactions = group_interactions(await gateway.interactions(pid))
        except DatabaseError as exc:
            self._failed(str(exc))
            return
        n, earlier = next(((n, i) for n, i in enumerate(interactions, 1) if i.holds(row_id)),
                          (0, None))
        if earlier is not None:
            self.post_message(CompareInteractions(side_of(n, pid, earlier), side))

    def action_transcript(self) -> None:
        self.post_message(ShowTranscript(self.process_instance_id))

    def action_request(self) -> None:
        if not 0 <= self.index < len(self.interactions):
            return
        item = self.interactions[self.index]
        if item.prompt is None or item.prompt.context_type != "input":
            self.notify("This interaction has no input row: no request to show (T shows the "
                        "whole transcript).", title="Request", severity="warning")
            return
        self.post_message(ShowTranscript(self.process_instance_id, item.prompt.id,
                                         item.response.id if item.response else None))

    def follow_stopped(self) -> None:
        if self.new_ids:
            self.new_ids.clear()
            self.query_one(InteractionRows).replace_rows(self._rows())
            self._set_facts()

    def on_row_list_highlighted(self, event: RowList.Highlighted) -> None:
        if event.row != self.index:
            self.show_interaction(event.row)

    def show_interaction(self, index: int) -> None:
        if not 0 <= index < len(self.interactions):
            return
        if index != self.index:
            self.rows = {}
        self.index = index
        self._set_load_error(None)
        item = self.interactions[index]
        for role, row in (("prompt", item.prompt), ("response", item.response)):
            self._loading[role] = "" if row is not None and row.id not in self.rows else None
            self._head_of[role] = None
            if row is not None and row.id not in self.rows:
                # Not the last interaction's text under this one's title: blank until it comes.
                self.query_one(f"#{role}", TextPane).set_text(Document(""), Styler(),
                                                              "loading…", keep_find=True)
            self.query_one(f"#{role}-title", Static).update(self._title(role, row))
        self.load_content(index)

    @work(exclusive=True, group="content")
    async def load_content(self, index: int, mode: ViewMode | None = None) -> None:
        """The interaction's rows in full, with content_data where the view needs it. The
        smaller row first, each pane filled as soon as its row is here; of a big body, its
        head first (one screen's worth, read without the rest), then every byte."""
        gateway = host(self.app).gateway
        mode = mode or self.mode
        item = self.interactions[index]
        try:
            for header in sorted(item.rows, key=lambda h: h.text_bytes or 0):
                role = "prompt" if header is item.prompt else "response"
                content = self.rows.get(header.id)
                if content is None:
                    if (header.text_bytes or 0) > HEAD_BYTES and mode is not ViewMode.JSON:
                        head = await gateway.content_head(header.id, HEAD_CHARS)
                        if index != self.index:
                            return
                        if head is not None and head.content_text:
                            self._fill_pane(role, header, head, partial=True)
                    content = await gateway.content(header.id)
                if content is not None and needs_data(content, mode):
                    content = await gateway.with_data(content)
                if index != self.index:
                    return
                if content is not None:
                    self.rows[header.id] = content
                if mode is self.mode:
                    self._fill_pane(role, header, content)
        except DatabaseError as exc:
            self._failed(str(exc))
            if index == self.index and self.is_attached:
                self._set_load_error(str(exc))
                self.rows = {}
                self._show_load_failure(item, str(exc))
            return
        if index != self.index or not self.is_attached:  # another row, or the screen closed
            return
        self._set_load_error(None)
        if mode is not self.mode:
            self._fill_panes()  # the view changed meanwhile
        elif self.landing is not None and self.focus_row and item.holds(self.focus_row):
            self._land(item)

    def _set_load_error(self, error: str | None) -> None:
        if error != self.load_error:
            self.load_error = error
            self.refresh_bindings()  # R in the footer exactly while there is a failure

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Esc's variants: the first that applies runs, and the footer names it.
        find_open = self.focused is not None and self.focused.id == "find"
        if action == "close_find":
            return find_open
        if action == "unzoom":
            return not find_open and self._zoomed()
        return self.load_error is not None if action == "retry" else True

    def _zoomed(self) -> bool:
        return self.has_class("zoom-prompt") or self.has_class("zoom-response")

    def action_close_find(self) -> None:
        self._close_find()

    def action_unzoom(self) -> None:
        if self._zoomed():
            self.action_zoom()

    def action_retry(self) -> None:
        if self.load_error is None:
            return
        if not self.interactions:
            self._heading(Text(
                f"Process instance {sanitize_plain(self.process_instance_id)} — loading…"),
                wrap=False)
            self.load_interactions()
        else:
            self.show_interaction(self.index)  # titles say loading…, then the panes fill

    def _failed(self, error: str) -> None:
        self.notify(sanitize_plain(error), title="Database", severity="error", markup=False)

    # --- panes ------------------------------------------------------------------------------

    def _fill_panes(self) -> None:
        if not 0 <= self.index < len(self.interactions):
            return
        if self.load_error is None and any(needs_data(row, self.mode)
                                           for row in self.rows.values()):
            self.load_content(self.index, self.mode)  # comes back here with content_data
            return
        item = self.interactions[self.index]
        if self.load_error is not None:
            self._show_load_failure(item, self.load_error)
            return
        for role, header in (("prompt", item.prompt), ("response", item.response)):
            if header is None or header.id in self.rows:
                self._fill_pane(role, header, self.rows.get(header.id) if header else None)
        if self.landing is not None and self.focus_row and item.holds(self.focus_row) \
                and all(h.id in self.rows for h in item.rows):
            self._land(item)

    def _fill_pane(self, role: str, header: InteractionHeader | None,
                   row: InteractionContent | None, *, partial: bool = False) -> None:
        """One pane with its row (partial: only the head of its content_text, the rest to
        follow; the title says how much is here)."""
        pane = self.query_one(f"#{role}", TextPane)
        title = self.query_one(f"#{role}-title", Static)
        grown = self._head_of[role] is not None and header is not None \
            and self._head_of[role] == header.id
        self._head_of[role] = header.id if partial and header is not None else None
        self._loading[role] = None
        if header is None or row is None:
            pane.set_text(Document(""), Styler(), _no_row(role) if header is None
                          else "(the row is gone: deleted since the list was read)")
            title.update(self._title(role, header))
            return
        dark = self.app.current_theme.dark if self.app.current_theme else True
        shown = pane_text(row, self.mode)
        doc = Document(shown.text)
        styler: Styler
        if self.mode is ViewMode.RAW:
            styler = Styler()
        elif shown.json:
            styler = JsonStyler()
        else:
            styler = MarkdownStyler(doc, dark=dark)
        note = shown.note
        if partial:
            shown_bytes = len((row.content_text or "").encode("utf-8", "surrogatepass"))
            self._loading[role] = (f"{human_size(shown_bytes)} of "
                                   f"{human_size(header.text_bytes or 0)}")
            note = "the start of content_text; the rest is loading"
        self._notes[role] = note
        empty = "(empty)" if row.content_text is not None else shown.note
        pane.set_text(doc, styler, empty, partial=partial, keep_place=grown)
        title.update(self._title(role, header, note=note))

    def _show_load_failure(self, item: Interaction, error: str) -> None:
        """The rows could not be read: say it in both panes (not "gone", which would be a
        different fact) and how to try again."""
        for role, header in (("prompt", item.prompt), ("response", item.response)):
            pane = self.query_one(f"#{role}", TextPane)
            if header is None:
                pane.set_text(Document(""), Styler(), _no_row(role))
                continue
            self._loading[role] = None
            self._head_of[role] = None
            self._notes[role] = ""
            pane.set_text(Document(""), Styler(),
                          f"(the load failed: {sanitize_plain(error)} · R retries)",
                          keep_find=False)
            self.query_one(f"#{role}-title", Static).update(
                self._title(role, header, failed="load failed: R retries"))

    def _land(self, item: Interaction) -> None:
        """Find the search's match in the hit row's pane. The rendered view of a prompt shows
        content_data's fields, not content_text: where the match is not there, show raw."""
        landing = self.landing
        assert landing is not None
        role = "prompt" if item.prompt is not None and item.prompt.id == self.focus_row \
            else "response"
        pane = self.query_one(f"#{role}", TextPane)
        self.find_target = role
        pane.focus()
        landing.tries += 1
        # After the next refresh: the pane's new text must be laid out to scroll to the match.
        self.call_after_refresh(pane.find, landing.term, regex=landing.regex,
                                ignore_case=True)

    def _title(self, role: str, row: InteractionHeader | None, *, note: str = "",
               failed: str = "") -> Text:
        pane = self.query_one(f"#{role}", TextPane)
        title = self.query_one(f"#{role}-title", Static)
        return pane_title(role, row, self.mode, note, match_status(pane),
                          loading=self._loading.get(role), position=pane.position(),
                          failed=failed, width=title.content_region.width or self.size.width)

    def on_text_pane_moved(self, event: TextPane.Moved) -> None:
        if event.pane.id in ("prompt", "response"):
            self._retitle(event.pane.id)

    def _retitle(self, role: str) -> None:
        """The pane's title again, from what is known of it now (position, find, load)."""
        if 0 <= self.index < len(self.interactions):
            item = self.interactions[self.index]
            header = item.prompt if role == "prompt" else item.response
            failed = "load failed: R retries" if self.load_error and header else ""
            self.query_one(f"#{role}-title", Static).update(
                self._title(role, header, note=self._notes.get(role, ""), failed=failed))

    def _refresh_titles(self) -> None:
        for role in ("prompt", "response"):
            self._retitle(role)

    def on_text_pane_find_changed(self, event: TextPane.FindChanged) -> None:
        landing, pane = self.landing, event.pane
        if landing is not None and pane.finding is None and pane.id == self.find_target:
            found = len(pane.matches) if pane.matches is not None else None
            gave_up = pane.matches is not None and pane.matches.gave_up
            step = landing.next_step(found, raw=self.mode is ViewMode.RAW, gave_up=gave_up)
            if gave_up:
                self.notify(f"The pattern took over {REGEX_DEADLINE_S:g} s to match here "
                            "(Python's matcher backtracks where PostgreSQL's does not): the "
                            "highlight was given up"
                            + (", showing the text the server matched instead."
                               if step == "fallback" else "."),
                            title="Find", severity="warning", markup=False)
            if step == "raw":
                self.action_mode("raw")  # refills the panes, which land again
            elif step == "fallback":
                pane.find(landing.fallback, ignore_case=True)
                landing.fallback = ""
            else:
                self.landing = None
                if pane.matches:
                    # Scrolled there once the pane's size has settled: the find may end
                    # before the first layout, when the whole pane still seems visible.
                    pane.current = 0
                    self.call_after_refresh(pane.go_to_offset, pane.matches.starts[0])
        self._refresh_titles()

    def palette_widget(self) -> TextPane:
        """Whose keys the command palette offers besides the screen's."""
        return self.focused_pane()

    def focused_pane(self) -> TextPane:
        focused = self.focused
        if isinstance(focused, TextPane):
            self.find_target = focused.id or "response"
            return focused
        return self.query_one(f"#{self.find_target}", TextPane)

    # --- actions ----------------------------------------------------------------------------

    def action_back(self) -> None:
        if self.has_class("zoom-prompt") or self.has_class("zoom-response"):
            self.action_zoom()
            return
        if len(self.app.screen_stack) > 2:
            self.app.pop_screen()
        else:
            self.post_message(ShowProcessList())

    def action_mode(self, name: str) -> None:
        self.mode = ViewMode(name)
        if self.load_error is None and any(needs_data(row, self.mode)
                                           for row in self.rows.values()):
            self.load_content(self.index, self.mode)  # content_data first, then the panes
        else:
            self._fill_panes()
        self.notify(f"View: {self.mode.label}", timeout=1.5)

    def action_cycle_mode(self) -> None:
        self.action_mode(self.mode.next().value)

    def action_step(self, delta: int) -> None:
        target = self.index + delta
        if 0 <= target < len(self.interactions):
            self.query_one(InteractionRows).move_cursor(target)

    def action_focus_pane(self, role: str) -> None:
        self.query_one(f"#{role}", TextPane).focus()

    def action_focus_interactions(self) -> None:
        self.query_one(InteractionRows).focus()

    def action_zoom(self) -> None:
        self.refresh_bindings()  # Esc: "Unzoom" while zoomed
        if self.has_class("zoom-prompt") or self.has_class("zoom-response"):
            self.remove_class("zoom-prompt", "zoom-response")
            return
        pane = self.focused_pane()
        self.add_class(f"zoom-{pane.id}")
        pane.focus()

    def action_find(self) -> None:
        pane = self.focused_pane()
        self.find_target = pane.id or "response"
        find = self.query_one("#find", Input)
        find.value = pane.matches.term if pane.matches else ""
        find.add_class("shown")
        find.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "find":
            return
        if self._find_timer is not None:
            self._find_timer.stop()
        # Each keystroke would rescan megabytes: wait until typing pauses.
        self._find_timer = self.set_timer(0.15, self._run_find)

    def _run_find(self) -> None:
        pane = self.query_one(f"#{self.find_target}", TextPane)
        pane.find(self.query_one("#find", Input).value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "find":
            if self._find_timer is not None:
                self._find_timer.stop()
            self._run_find()
            self._close_find()

    def _close_find(self) -> None:
        find = self.query_one("#find", Input)
        find.remove_class("shown")
        self.query_one(f"#{self.find_target}", TextPane).focus()

    def on_key(self, event: Key) -> None:
        if event.key == "escape" and self.focused is not None \
                and self.focused.id == "find":
            event.stop()
            event.prevent_default()
            self._close_find()

    def _whole(self, pane: TextPane, what: str) -> bool:
        """Whether the pane holds its whole text: a copy or the pager of the head alone would
        pass for all of it."""
        if pane.partial:
            self.notify(f"The rest of the text is still loading: {what} once it has "
                        "arrived (the title says when).", severity="warning", timeout=3)
        return not pane.partial

    def action_copy(self) -> None:
        pane = self.focused_pane()
        if self._whole(pane, "copy"):
            actions.copy_pane(self.app, pane)

    def action_copy_exact(self) -> None:
        pane = self.focused_pane()
        if self._whole(pane, "copy"):
            actions.copy_pane_exact(self.app, pane)

    def action_pager(self) -> None:
        pane = self.focused_pane()
        if not self._whole(pane, "open the pager"):
            return
        selected = pane.selected_text()
        # At the line in view, or the current match (less +N); a selection from its start.
        actions.open_pager(self.app, selected or pane.text,
                           1 if selected else pane.current_line())

    def action_export(self) -> None:
        actions.ask_export(self.app, self.process_instance_id)

    # --- between processes ------------------------------------------------------------------

    def action_neighbour(self, forward: bool) -> None:
        self.notify("The next process…" if forward else "The previous process…", timeout=1)
        self.load_neighbour(forward)

    @work(exclusive=True, group="neighbour")
    async def load_neighbour(self, forward: bool) -> None:
        """The next (or previous) instance of the list's order and filter, in this place."""
        app = host(self.app)
        flt, sort = app.process_order()
        try:
            neighbour = await app.gateway.neighbour_process(self.process_instance_id, flt,
                                                            sort, forward=forward)
        except DatabaseError as exc:
            self._failed(str(exc))
            return
        if neighbour is None:
            self.notify(f"This is the {'last' if forward else 'first'} process instance of the "
                        f"list (by {sort.label}{', filtered' if flt != type(flt)() else ''}).",
                        title="Processes", severity="warning", markup=False)
            return
        self.post_message(OpenProcess(neighbour))

    def action_copy_id(self) -> None:
        # Sanitised: an id with a stored escape sequence would otherwise reach a shell's paste.
        shown = sanitize_plain(self.process_instance_id)
        self.app.copy_to_clipboard(shown)
        self.notify(f"Copied the process instance id {shown} via OSC 52.", title="Copy",
                    markup=False)

    def action_cockpit(self) -> None:
        url = self._cockpit()
        if url is None:
            self.notify("No Cockpit link: set cockpit_url in config.toml, for example "
                        "cockpit_url = \"https://cockpit.example/camunda/app/cockpit/default/"
                        "#/process-instance/{id}\"", title="Cockpit", severity="warning",
                        markup=False, timeout=8)
            return
        self.app.open_url(url)
        self.notify(f"Opening {url}", title="Cockpit", markup=False)
