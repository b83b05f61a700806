"""What the panes' text can be sent to: the clipboard (OSC 52), $PAGER and export files."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from procos_tui.core.errors import DatabaseError
from procos_tui.core.sanitize import human_size, sanitize_plain, unsafe_class, visible_escape
from procos_tui.ui.gateway_access import host

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel

    from procos_tui.ui.textpane import TextPane

# Terminals cap OSC 52 payloads (xterm and tmux near 1 MB of base64, some far lower).
OSC52_COMFORT = 512 * 1024


def copy_pane(app: App[Any], pane: TextPane) -> str:
    """Whole pane, or the selected lines, to the clipboard; says what went. Returns the text
    copied: exact when the text holds no control characters, else its visible form (a stored
    `ESC[201~` and a line, pasted into a shell, would end the bracketed paste and run it)."""
    text = _pane_text(app, pane)
    if not text:
        return text
    controls = control_characters(text)
    if not controls:
        _copy(app, pane, text, "")
        return text
    shown = visible_text(text)
    _copy(app, pane, shown,
          f"The text holds {len(controls):,} control character"
          f"{'s' if len(controls) != 1 else ''} ({_kinds(controls)}): copied as shown, with "
          "stand-ins, so that pasting it cannot run anything. Y copies the exact bytes; "
          "o (pager) and e (export) keep every character too.",
          severity="warning")
    return shown


def copy_pane_exact(app: App[Any], pane: TextPane) -> None:
    """The pane's exact characters to the clipboard: at once when they hold no control
    characters, else after the user has chosen so in a dialog that says what it risks."""
    from rich.text import Text

    from procos_tui.ui.dialogs import ChoiceScreen

    text = _pane_text(app, pane)
    controls = control_characters(text) if text else []
    if not controls:
        if text:
            _copy(app, pane, text, "")
        return

    def chosen(key: str | None) -> None:
        if key == "x":
            _copy(app, pane, text, "Exact bytes, control characters included: paste them "
                  "only where they cannot act (not into a shell or a terminal).",
                  severity="warning")

    app.push_screen(ChoiceScreen(
        "Copy the exact bytes?",
        Text(f"The text holds {len(controls):,} control character"
             f"{'s' if len(controls) != 1 else ''} ({_kinds(controls)}). Pasted into a "
             "terminal, escape sequences act: one that ends a bracketed paste can run the "
             "lines after it as commands. y copies the text as shown (stand-ins); the pager "
             "(o) and export (e) keep every character safely."),
        {"x": "copy exact bytes anyway (may run commands when pasted)"}), chosen)


def _pane_text(app: App[Any], pane: TextPane) -> str:
    selected = pane.selected_text()
    text = selected if selected is not None else pane.text
    if not text:
        app.notify("Nothing to copy: the pane is empty.", severity="warning")
    return text


def _copy(app: App[Any], pane: TextPane, text: str, note: str,
          severity: SeverityLevel = "information") -> None:
    app.copy_to_clipboard(text)
    size = len(text.encode("utf-8", "surrogatepass"))
    what = (f"{text.count(chr(10)) + 1:,} selected lines" if pane.selection is not None
            else "the whole pane")
    message = f"Copied {len(text):,} characters ({what}, {human_size(size)}) via OSC 52."
    if note:
        message += " " + note
    if size > OSC52_COMFORT:
        severity = "warning"
        message += (" Many terminals refuse clipboard writes this large: for the full text "
                    "use o (pager) or e (export).")
    if os.environ.get("TMUX"):
        message += " In tmux this needs `set -g set-clipboard on`."
    app.notify(message, title="Copy", severity=severity, markup=False)


def control_characters(text: str) -> list[str]:
    """The characters the pager and a copy show as stand-ins (all the sanitiser replaces but
    tabs and line ends)."""
    return _PAGER_UNSAFE.findall(text)


def _kinds(controls: list[str]) -> str:
    kinds = list(dict.fromkeys(visible_escape(c[0]) for c in controls))
    return ", ".join(kinds[:4]) + (", …" if len(kinds) > 4 else "")


def visible_text(text: str) -> str:
    """Every character, tabs and CRLF as stored, other controls as visible stand-ins."""
    return _PAGER_UNSAFE.sub(lambda m: visible_escape(m.group()), text)


def pager_command(line: int = 1) -> list[str]:
    """$PAGER (less when unset), opened at `line` when it is less (`less +N`): other pagers
    take no such argument in one agreed form, so they open at the top."""
    command = shlex.split(os.environ.get("PAGER") or "less") or ["less"]
    if line > 1 and os.path.basename(command[0]) == "less":
        command.insert(1, f"+{line}")
    return command


# Everything the sanitiser replaces but tab and line ends (the pager shows those as stored),
# and a CR that ends no line.
_PAGER_UNSAFE = re.compile("[" + unsafe_class(keep="\t\n\r") + "]|\r(?!\n)")


def pager_input(text: str) -> bytes:
    """visible_text as bytes: pagers such as `less -R` would otherwise pass stored escape
    sequences to the terminal."""
    return visible_text(text).encode("utf-8", "replace")


def open_pager(app: App[Any], text: str, line: int = 1) -> None:
    from textual.app import SuspendNotSupported

    command = pager_command(line)
    env = dict(os.environ)
    env.setdefault("LESSCHARSET", "utf-8")
    try:
        with app.suspend():
            subprocess.run(command, input=pager_input(text), env=env, check=False)
    except SuspendNotSupported:
        app.notify("This terminal cannot hand the screen to a pager.", severity="warning")
    except OSError as exc:
        app.notify(f"Cannot run the pager {sanitize_plain(shlex.join(command))}: "
                   f"{sanitize_plain(str(exc))}", title="Pager", severity="error", markup=False)


def default_export_name(process_instance_id: str, fmt: str = "md") -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", process_instance_id)[:80] or "process"
    return f"procos-{safe}.{fmt}"


def check_export_path(value: str) -> str | None:
    path = Path(value.strip()).expanduser()
    if not value.strip():
        return "give a file name"
    if path.suffix not in (".md", ".json"):
        return "the name must end in .md (Markdown) or .json (JSON rows)"
    if path.exists():
        return f"{value} exists: choose another name (nothing is overwritten)"
    if not path.parent.exists():
        return f"no such directory: {path.parent}"
    return None


def ask_export(app: App[Any], process_instance_id: str) -> None:
    from procos_tui.ui.dialogs import PromptScreen

    def chosen(value: str | None) -> None:
        if value:
            path = Path(value.strip()).expanduser()
            # The app's worker, not the screen's: leaving the conversation does not lose
            # the export's notice. Not exclusive: a second export does not stop the first.
            app.run_worker(_export(app, process_instance_id, path), group="export",
                           description="export", exit_on_error=False)
            app.notify(f"Exporting to {sanitize_plain(str(path))}…", title="Export",
                       markup=False)

    app.push_screen(PromptScreen(
        "Export this conversation",
        default_export_name(process_instance_id),
        hint=".md: Markdown for a ticket (each row's full text; content_data where the text "
             "is NULL) · .json: every column of every row, exact · Enter writes, Esc cancels",
        check=check_export_path,
        confirm_proposal="Enter again writes this file (Esc cancels)."), chosen)


async def _export(app: App[Any], process_instance_id: str, path: Path) -> None:
    try:
        result = await host(app).gateway.export(process_instance_id, path)
    except DatabaseError as exc:  # any failure, a server gone mid-stream too, is a notice
        app.notify(sanitize_plain(str(exc)), title="Export failed", severity="error",
                   markup=False)
        return
    app.notify(f"Wrote {result.rows} rows, {human_size(result.bytes_written)} to "
               f"{sanitize_plain(str(path))}", title="Export", markup=False)
