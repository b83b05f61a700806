"""Text that reaches us by routes other than stored rows is hostile too: server messages,
config files, profile names, libpq's environment. None may reach the terminal raw or break a
parser. (Stored text has its own tests: test_sanitize, test_terminal.)"""

from __future__ import annotations

import socket
import struct
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from procos_tui.core.errors import ConnectionFailed
from procos_tui.db.connect import connect_sync
from procos_tui.db.conninfo import ConnInfoError, Target, load_profiles, profile_conninfo
from procos_tui.db.session import BrowseSession

# What a hostile reply tries: a clipboard write, a window title, a screen clear.
ESCAPES = "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b]2;owned\x07\x1b[2J\x9b31m\u202e"


def assert_safe(text: str) -> None:
    assert not any(c in text for c in "\x1b\x07\x9b\u202e"), repr(text)


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


@pytest.mark.db
async def test_pgdatestyle_in_the_environment_breaks_no_parser(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pid = f"datestyle-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_text, content_data, created_at) VALUES (%s, 'output', 'hello', '{}',"
                     " '2026-11-13 14:15:16+00')", (pid,))
    monkeypatch.setenv("PGDATESTYLE", "SQL, DMY")
    session = BrowseSession(Target(db, "test"))
    try:
        headers = await session.interactions(pid)
    finally:
        await session.close()
    assert [h.created_at.isoformat()[:19] for h in headers if h.created_at] == [
        "2026-11-13T14:15:16"]
