"""The real app in a real terminal (tmux): what reaches the terminal, not what a widget holds.

A stored response carries an OSC 52 clipboard write, an OSC 2 title change, a screen clear and
a bidi override. tmux acts on all of them when they arrive raw (set-clipboard on makes OSC 52
fill a tmux buffer), so the test reads tmux's own state after the app has shown the text.
The same tmux also proves the positive path: `y` copies through OSC 52 into tmux's buffer.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

pytestmark = [pytest.mark.db, pytest.mark.e2e,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")]

HOSTILE = ("before \x1b]52;c;SEVMTE8=\x07 \x1b]2;pwned\x07 \x1b[2J \u202eevil\u202c "
           "\x9b31m after")


class Tmux:
    def __init__(self) -> None:
        self.socket = f"procos-test-{uuid.uuid4().hex[:8]}"

    def __call__(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=20)
        return done.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "app")

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError("timed out; screen was:\n" + text)
            time.sleep(0.2)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    server = Tmux()
    server("new-session", "-d", "-s", "keeper", "sleep 600")
    server("set", "-g", "set-clipboard", "on")
    yield server
    server("kill-server")


def test_stored_escapes_never_reach_the_terminal(db: str, tmux: Tmux) -> None:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
            " content_text, ai_provider, model_used) VALUES ('term-1', 'output', %s, %s,"
            " 'openai', 'gpt-4o')", (json.dumps({"content": HOSTILE}), HOSTILE))
    command = shlex.join([sys.executable, "-m", "procos_tui", "--dsn", db,
                          "--process", "term-1"])
    tmux("new-session", "-d", "-s", "app", "-x", "100", "-y", "30", command)
    title_before = tmux("display", "-p", "-t", "app", "#{pane_title}")
    text = tmux.wait_for(lambda s: "after" in s and "read-only" in s)
    # Shown as stand-ins, in place, with the rest of the screen intact.
    assert "␛]52;c;SEVMTE8=␇" in text and "␛]2;pwned␇" in text and "␛[2J" in text
    assert "<U+202E>evil<U+202C>" in text and "\\x9b31m after" in text
    assert "Response" in text and "read-only" in text
    raw = tmux("capture-pane", "-p", "-e", "-t", "app")
    assert "\u202e" not in raw
    assert tmux("list-buffers") == ""  # no clipboard write happened
    assert "pwned" not in tmux("display", "-p", "-t", "app", "#{pane_title}")
    assert "pwned" not in title_before

    # The operator's own copy does reach the clipboard, every character of it.
    tmux("send-keys", "-t", "app", "2", "r", "y")
    deadline = time.monotonic() + 10
    while tmux("list-buffers") == "" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert tmux("show-buffer") == HOSTILE
    tmux("send-keys", "-t", "app", "q")


def test_pager_gets_the_whole_text_with_controls_made_visible(db: str, tmux: Tmux,
                                                              tmp_path: object) -> None:
    from pathlib import Path

    from procos_tui.ui.actions import pager_input

    out = Path(str(tmp_path)) / "paged.txt"
    body = "line one\n" + "x" * 300_000 + "\n" + HOSTILE + "\nlast line"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
            " content_text) VALUES ('term-2', 'output', '{}', %s)", (body,))
    command = shlex.join([sys.executable, "-m", "procos_tui", "--dsn", db,
                          "--process", "term-2"])
    pager = shlex.join(["sh", "-c", f"cat > {shlex.quote(str(out))}"])
    tmux("new-session", "-d", "-s", "app", "-x", "100", "-y", "30", "-e", f"PAGER={pager}",
         command)
    tmux.wait_for(lambda s: "line one" in s)
    tmux("send-keys", "-t", "app", "r", "o")
    deadline = time.monotonic() + 10
    while not (out.exists() and out.stat().st_size >= len(body)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert out.read_bytes() == pager_input(body)
    assert out.read_text(encoding="utf-8").endswith("last line")
    assert "\x1b" not in out.read_text(encoding="utf-8")
    tmux.wait_for(lambda s: "line one" in s)  # the TUI is back after the pager
    tmux("send-keys", "-t", "app", "q")


def test_tui_with_an_unreachable_database_exits_2_with_one_line(tmux: Tmux) -> None:
    """The TUI path (the first page comes from a forked child) fails like the others."""
    command = (shlex.join([sys.executable, "-m", "procos_tui", "--dsn",
                           "host=127.0.0.1 port=1 password=s3cret connect_timeout=3"])
               + "; echo EXIT=$?; sleep 30")
    tmux("new-session", "-d", "-s", "app", "-x", "200", "-y", "30", command)
    screen = tmux.wait_for(lambda s: "EXIT=" in s)
    lines = [line for line in screen.splitlines() if line.strip()]
    assert lines[-2].startswith("procos-tui: cannot connect to ")
    assert lines[-1] == "EXIT=2" and "s3cret" not in screen
