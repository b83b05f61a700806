"""Text that reaches us by routes other than stored rows is hostile too: server messages,
config files, profile names, command-line arguments. None may reach the terminal raw or end in
a traceback. (Stored text has its own tests: test_sanitize, e2e/test_terminal; the cases that
need a real server are in db/test_hostile_input.py.)"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from procos_tui.core.errors import ConnectionFailed
from procos_tui.db.connect import connect_sync
from procos_tui.db.conninfo import ConnInfoError, Target, load_profiles, profile_conninfo
from procos_tui.db.session import BrowseSession
from tests.hostile import ESCAPES, assert_safe


@pytest.fixture
def hostile_server() -> Iterator[int]:
    """A port that answers any connection's startup with a FATAL error full of escapes."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                (length,) = struct.unpack("!i", conn.recv(4))
                conn.recv(length - 4)  # the startup packet, whatever it says
                fields = b"".join(code + value.encode() + b"\0" for code, value in (
                    (b"S", "FATAL"), (b"V", "FATAL"), (b"C", "28000"),
                    (b"M", f"no entry {ESCAPES} for you")))
                body = fields + b"\0"
                conn.sendall(b"E" + struct.pack("!i", len(body) + 4) + body)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield port
    stop.set()
    thread.join()
    listener.close()


def test_a_servers_startup_message_is_shown_not_obeyed(hostile_server: int) -> None:
    target = Target(f"host=127.0.0.1 port={hostile_server} sslmode=disable gssencmode=disable "
                    "connect_timeout=5", "test")
    with pytest.raises(ConnectionFailed) as failed:
        connect_sync(target, read_only=True)
    assert "no entry" in str(failed.value)
    assert_safe(str(failed.value))


async def test_the_browsing_session_says_it_safely_too(hostile_server: int) -> None:
    session = BrowseSession(Target(f"host=127.0.0.1 port={hostile_server} sslmode=disable "
                                   "gssencmode=disable connect_timeout=5", "test"))
    with pytest.raises(ConnectionFailed) as failed:
        await session.open()
    assert "no entry" in str(failed.value)
    assert_safe(str(failed.value))


def test_unknown_profile_lists_hostile_names_safely(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    # TOML writes the controls as escapes; the parsed name holds them raw.
    key = "".join(f"\\u{ord(c):04x}" if not c.isprintable() else c for c in ESCAPES)
    config.write_text(f'[profiles."evil{key}"]\ndsn = "dbname=x"\n', encoding="utf-8")
    assert any("\x1b" in name for name in load_profiles(config))
    with pytest.raises(ConnInfoError) as failed:
        profile_conninfo("nope\x1b[2J", config)
    assert "evil" in str(failed.value) and "nope" in str(failed.value)
    assert_safe(str(failed.value))


def test_config_that_is_not_utf8_is_one_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b'[profiles.x]\ndsn = "dbname=\xff\xfe"\n')
    with pytest.raises(ConnInfoError, match="cannot read"):
        load_profiles(config)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3", "1e9", "soon"])
def test_search_timeout_must_be_a_sensible_number(value: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from procos_tui.cli.main import main

    with pytest.raises(SystemExit) as done:
        main(["search", "x", "--timeout", value])
    assert done.value.code == 2
    assert "--timeout" in capsys.readouterr().err


def test_an_argument_that_is_not_utf8_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from procos_tui.cli.main import main

    assert main(["export", "x\udcff"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("procos-tui: process instance id is not valid UTF-8")
    assert err.count("\n") == 1


def test_a_fatal_start_says_one_line_and_no_traceback() -> None:
    """Issue 12 #9: the TUI leaving at once (nothing listens on the port) must not race the
    home screen's late footer into a Textual MountError traceback before its one line."""
    from tests.cli import run_tui_in_a_terminal

    code, err, after = run_tui_in_a_terminal("--dsn", "host=127.0.0.1 port=1 connect_timeout=3")
    assert code == 2
    assert "Traceback" not in err and "MountError" not in err, err
    assert after.startswith("procos-tui: cannot connect to ") and after.count("\n") == 1, after


REDOS = "start " + "x" * 32 + "! and then later xxy done"


async def test_a_catastrophic_user_pattern_is_given_up_at_its_deadline() -> None:
    """Issue 12 #6: Python's backtracking takes hours over `(x+x+)+y` and 32 x's; the bounded
    scan gives up at its deadline, and the event loop runs meanwhile."""
    import asyncio

    from procos_tui.core.document import Document
    from procos_tui.core.find import find_all_bounded

    loop = asyncio.get_running_loop()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = loop.time()
    found = await find_all_bounded(Document(REDOS), "(x+x+)+y", regex=True, deadline_s=1.0)
    took = loop.time() - started
    ticker.cancel()
    assert found.gave_up and len(found) == 0
    assert 1.0 <= took < 5 and ticks >= 10  # the loop was free all along


async def test_a_cancelled_scan_leaves_no_child_running(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    import asyncio
    from typing import Any

    from procos_tui.core.document import Document
    from procos_tui.core.find import find_all_bounded

    children: list[asyncio.subprocess.Process] = []
    spawn = asyncio.create_subprocess_exec

    async def spy(*args: Any, **kwargs: Any) -> asyncio.subprocess.Process:
        child = await spawn(*args, **kwargs)
        children.append(child)
        return child

    monkeypatch.setattr(asyncio, "create_subprocess_exec", spy)
    scan = asyncio.create_task(find_all_bounded(Document(REDOS), "(x+x+)+y", regex=True,
                                                deadline_s=60))
    while not children:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    scan.cancel()
    with pytest.raises(asyncio.CancelledError):
        await scan
    assert await asyncio.wait_for(children[0].wait(), 5) != 0  # killed, not finished


@pytest.mark.parametrize(("term", "regex"), [("w.rld", True), ("WORLD", True), ("é w", False),
                                             (r"\bhello\b", True), ("([", True), ("", True)])
async def test_a_bounded_scan_finds_what_find_all_finds(term: str, regex: bool) -> None:
    import re

    from procos_tui.core.document import Document
    from procos_tui.core.find import find_all, find_all_bounded

    doc = Document("hello world é w\U0001f642rld\n" * 500 + "Hello WORLD\ud800 end")
    try:
        expected = find_all(doc, term, regex=regex)
    except re.error:
        expected = find_all(doc, "", regex=False)  # a pattern Python cannot read: nothing
    found = await find_all_bounded(doc, term, regex=regex)
    assert (list(found.starts), list(found.ends)) == (list(expected.starts),
                                                      list(expected.ends))
    assert not found.gave_up
