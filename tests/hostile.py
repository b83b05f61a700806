"""Outside text for the hostile-input tests: what a hostile reply, name or row tries."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# A clipboard write, a window title, a screen clear, a C1 CSI and a bidi override.
ESCAPES = "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b]2;owned\x07\x1b[2J\x9b31m\u202e"


def assert_safe(text: str) -> None:
    """Nothing in text would act on a terminal."""
    assert not any(c in text for c in "\x1b\x07\x9b\u202e"), repr(text)


@contextmanager
def fatal_server() -> Iterator[int]:
    """A local port whose every connection's startup is answered with a FATAL error full of
    ESCAPES (as a hostile server, or anything on the port, may answer)."""
    listener = socket.create_server(("127.0.0.1", 0))
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
                try:
                    (length,) = struct.unpack("!i", conn.recv(4))
                    conn.recv(length - 4)  # the startup packet, whatever it says
                    fields = b"".join(code + value.encode() + b"\0" for code, value in (
                        (b"S", "FATAL"), (b"V", "FATAL"), (b"C", "28000"),
                        (b"M", f"no entry {ESCAPES} for you")))
                    body = fields + b"\0"
                    conn.sendall(b"E" + struct.pack("!i", len(body) + 4) + body)
                except (OSError, struct.error):
                    continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()
