"""The real app in a real terminal (tmux): what reaches the terminal, not what a widget holds.

A stored response carries an OSC 52 clipboard write, an OSC 2 title change, a screen clear and
a bidi override. tmux acts on all of them when they arrive raw (set-clipboard on makes OSC 52
fill a tmux buffer), so the test reads tmux's own state after the app has shown the text.
The same tmux also proves the positive path: `y` copies through OSC 52 into tmux's buffer.
The other ways in are read the same way: a server's message (the TUI's fatal start and
`check`), catalog names (the Health screen and `check`), copy, and `export -o /dev/tty`.
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

from procos_tui.ui.actions import visible_text
from tests.hostile import ESCAPES, fatal_server

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

    def screen(self, target: str = "app") -> str:
        return self("capture-pane", "-p", "-t", target)

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 20,
                 target: str = "app") -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen(target)
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

    # The operator's copy reaches the clipboard as shown: stand-ins, so that pasting it
    # cannot act; every character of it on the explicit second step.
    tmux("send-keys", "-t", "app", "2", "r", "y")
    _wait_for_buffers(tmux, 1)
    copied = tmux("show-buffer")
    assert copied == visible_text(HOSTILE) and "\x1b" not in copied
    tmux("send-keys", "-t", "app", "Y")
    tmux.wait_for(lambda s: "may run commands when pasted" in s)
    tmux("send-keys", "-t", "app", "x")
    _wait_for_buffers(tmux, 2)
    assert tmux("show-buffer") == HOSTILE
    # The copy's notice may still cover part of the pane: wait until it has gone.
    text = tmux.wait_for(lambda s: "after" in s and "read-only" in s and "␛]2;pwned␇" in s)
    assert "\u202e" not in tmux("capture-pane", "-p", "-e", "-t", "app")
    assert "pwned" not in tmux("display", "-p", "-t", "app", "#{pane_title}")
    tmux("send-keys", "-t", "app", "q")


def _wait_for_buffers(tmux: Tmux, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(tmux("list-buffers").splitlines()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(tmux("list-buffers").splitlines()) == count


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


def _acted_on_nothing(tmux: Tmux, target: str, shown: str) -> None:
    """tmux holds no effect of ESCAPES: no title, no clipboard buffer, no bidi override on
    the screen, and the screen was not cleared (`shown`, written around them, is there)."""
    assert "owned" not in tmux("display", "-p", "-t", target, "#{pane_title}")
    assert tmux("list-buffers") == ""
    raw = tmux("capture-pane", "-p", "-e", "-t", target)
    assert "\u202e" not in raw and "\x1b]" not in raw
    assert "␛]2;owned␇" in raw and shown in raw


def _run(tmux: Tmux, target: str, *commands: list[str]) -> str:
    """Run commands one after another in a new tmux window; the screen once all have ended."""
    line = "; ".join(f"{shlex.join(c)}; echo EXIT{n}=$?" for n, c in enumerate(commands))
    tmux("new-session", "-d", "-s", target, "-x", "200", "-y", "50", line + "; sleep 60")
    return tmux.wait_for(lambda s: f"EXIT{len(commands) - 1}=" in s, timeout=60,
                         target=target)


def test_a_servers_message_never_reaches_the_terminal(tmux: Tmux) -> None:
    """Anything on the port may answer the startup with text full of escapes: the TUI's
    fatal start and `check` show it as text."""
    with fatal_server() as port:
        dsn = (f"host=127.0.0.1 port={port} sslmode=disable gssencmode=disable "
               "connect_timeout=5")
        screen = _run(tmux, "app", [sys.executable, "-m", "procos_tui", "--dsn", dsn],
                      [sys.executable, "-m", "procos_tui", "check", "--dsn", dsn])
    assert "EXIT0=2" in screen and "EXIT1=2" in screen
    assert screen.count("no entry") == 2 and screen.count("for you") == 2
    _acted_on_nothing(tmux, "app", "for you")


def _index_named_with_escapes(conninfo: str) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE INDEX "ix{ESCAPES}" ON procos_ai_context (context_type)')


def test_catalog_names_never_reach_the_terminal_from_the_health_screen(fresh: str,
                                                                       tmux: Tmux) -> None:
    """An index named with escapes on an AI table, then `h`."""
    _index_named_with_escapes(fresh)
    command = shlex.join([sys.executable, "-m", "procos_tui", "--dsn", fresh])
    tmux("new-session", "-d", "-s", "app", "-x", "200", "-y", "50", command)
    tmux.wait_for(lambda s: "process instances" in s)
    tmux("send-keys", "-t", "app", "h")
    tmux.wait_for(lambda s: "1 finding(s)" in s, timeout=40)
    _acted_on_nothing(tmux, "app", "1 finding(s)")
    tmux("send-keys", "-t", "app", "BTab")  # the tables list: its detail names the indexes
    tmux.wait_for(lambda s: "unused since the statistics" in s, timeout=20)
    _acted_on_nothing(tmux, "app", "unused since the statistics")
    tmux("send-keys", "-t", "app", "q")


def test_catalog_names_never_reach_the_terminal_from_check(fresh: str, tmux: Tmux) -> None:
    _index_named_with_escapes(fresh)
    screen = _run(tmux, "cli", [sys.executable, "-m", "procos_tui", "check", "--dsn", fresh])
    assert "EXIT0=1" in screen and "ix␛]52;c;" in screen
    _acted_on_nothing(tmux, "cli", "EXIT0=1")


def test_export_to_the_terminal_by_name_never_acts(db: str, tmux: Tmux) -> None:
    """`export -o /dev/tty` writes to the terminal as surely as stdout does."""
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
            " content_text) VALUES ('term-tty', 'output', '{}', %s)",
            (f"answer {ESCAPES} end of answer",))
    screen = _run(tmux, "app", [sys.executable, "-m", "procos_tui", "export", "term-tty",
                                "--dsn", db, "-o", "/dev/tty"])
    assert "EXIT0=0" in screen and "end of answer" in screen
    _acted_on_nothing(tmux, "app", "end of answer")
