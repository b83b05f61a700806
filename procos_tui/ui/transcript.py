"""The transcript (T): the whole process as one chat; and the request (u): the system rows and
the input one model call was made of, with what it cost. Every row whole, escaped as the
panes escape stored text; scrolls as a pane does."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Header, Static

from procos_tui.core.conversation import ViewMode, needs_data
from procos_tui.core.document import Document
from procos_tui.core.errors import DatabaseError
from procos_tui.core.highlight import MarkdownStyler
from procos_tui.core.keymap import TRANSCRIPT
from procos_tui.core.sanitize import human_size, sanitize_plain
from procos_tui.core.transcript import chat_text, request_rows
from procos_tui.core.types import InteractionContent
from procos_tui.ui.footer import WholeFooter
from procos_tui.ui.gateway_access import host
from procos_tui.ui.keys import bindings
from procos_tui.ui.status import StatusLine
from procos_tui.ui.textpane import TextPane


class TranscriptScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = bindings("TranscriptScreen", TRANSCRIPT, {
        "back": "back",
    })
    CSS = """
    TranscriptScreen #heading { height: auto; max-height: 3; padding: 0 1;
        color: $text-muted; }
    TranscriptScreen TextPane { height: 1fr; }
    """

    def __init__(self, process_instance_id: str, request_of: str | None = None,
                 answer_id: str | None = None) -> None:
        """request_of: an input row's id (the request view), else the whole transcript;
        answer_id: the output that answered it (its token usage)."""
        super().__init__()
        self.process_instance_id = process_instance_id
        self.request_of, self.answer_id = request_of, answer_id
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self._heading("loading…"), id="heading")
        yield TextPane(id="chat")
        yield StatusLine(id="status")
        yield WholeFooter()

    @property
    def what(self) -> str:
        return "Request as the model received it" if self.request_of else "Transcript"

    def _heading(self, state: str) -> Text:
        text = Text(f"{self.what} · {sanitize_plain(self.process_instance_id)}", style="bold")
        text.append(f" · {state}")
        return text

    def on_mount(self) -> None:
        self.sub_title = self.what.lower()
        self.query_one(TextPane).focus()
        self.load()

    @work(exclusive=True, group="transcript")
    async def load(self) -> None:
        gateway = host(self.app).gateway
        heading = self.query_one("#heading", Static)
        try:
            headers = await gateway.interactions(self.process_instance_id)
            shown = request_rows(headers, self.request_of) if self.request_of else headers
            answer = next((h for h in headers if h.id == self.answer_id), None)
            rows: dict[str, InteractionContent] = {}
            total = sum(h.text_bytes or 0 for h in shown)
            done = 0
            for n, header in enumerate(shown, 1):
                heading.update(self._heading(
                    f"loading row {n:,} of {len(shown):,} ({human_size(done)} of "
                    f"{human_size(total)})… Esc goes back"))
                content = await gateway.content(header.id)
                if content is not None and needs_data(content, ViewMode.RENDERED):
                    content = await gateway.with_data(content)
                if content is not None:
                    rows[header.id] = content
                done += header.text_bytes or 0
        except DatabaseError as exc:
            heading.update(self._heading(f"the load failed: {sanitize_plain(str(exc))}"))
            return
        if not self.is_attached:
            return
        doc = Document(chat_text(shown, rows, answer if self.request_of else None))
        dark = self.app.current_theme.dark if self.app.current_theme else True
        self.query_one(TextPane).set_text(doc, MarkdownStyler(doc, dark=dark),
                                          "(no rows)")
        count = len(shown)
        state = f"{count:,} row{'s' if count != 1 else ''} · {human_size(total)}"
        if self.request_of:
            state += " · the system rows of its task (else the nearest before it), then the input"
        heading.update(self._heading(state))
        self.loaded = True

    def action_back(self) -> None:
        self.dismiss()
