"""Time to something on screen: the app runs on a pseudo-terminal and the time is taken when
it writes the expected text (what the terminal then shows).

    python benchmarks/startup.py            # uses the demo database (builds it if needed)

Prints: a bare Textual app's first frame, procos-tui to process rows on screen (server up),
and `procos-tui demo` from a stopped server to rows on screen (the second-start path).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import shlex
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BARE_APP = '''
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("bare-first-frame")
Bare().run()
'''


def time_to_text(command: str, expect: str, timeout: float = 20.0) -> float:
    """Seconds from spawning command on a 120x40 pseudo-terminal until expect is written.

    Reading the pty is passive: polling a terminal multiplexer would spend CPU that the
    measured program (with its prefetching child) competes for on a small machine.
    """
    argv = shlex.split(command)
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        os.execvpe(argv[0], argv, {**os.environ, "TERM": "xterm-256color"})
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    needle = expect.encode()
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            seen = seen[-len(needle):] + chunk
            if needle in seen:
                return time.perf_counter() - started
        raise TimeoutError(f"{expect!r} not written after {timeout} s: {command}")
    finally:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)


def median_of(runs: int, command: str, expect: str, before: str | None = None) -> float:
    times = []
    for _ in range(runs):
        if before:
            subprocess.run(shlex.split(before), capture_output=True, check=False)
        times.append(time_to_text(command, expect))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    tui = shlex.quote(str(BIN / "procos-tui"))
    dsn = subprocess.run([str(BIN / "procos-tui"), "demo", "--no-tui"], capture_output=True,
                         text=True, check=True).stdout.strip()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as bare:
        bare.write(BARE_APP)
    python = shlex.quote(sys.executable)
    # Rows on screen means the newest instance's id written, not just the frame around it.
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT process_instance_id FROM procos_ai_context"
                           " ORDER BY created_at DESC NULLS LAST, id DESC LIMIT 1").fetchone()
    assert row is not None
    newest = str(row[0])
    tui_cmd = f"{tui} --dsn {shlex.quote(dsn)}"
    # Interleaved rounds: the machine's drift (caches, CPU clock, neighbours) hits all alike.
    bare_t: list[float] = []
    rows_t: list[float] = []
    serial_t: list[float] = []
    for _ in range(args.runs):
        bare_t.append(time_to_text(f"{python} {bare.name}", "bare-first-frame"))
        rows_t.append(time_to_text(tui_cmd, newest))
        os.environ["PROCOS_TUI_NO_PREFETCH"] = "1"  # the same without the forked first page
        serial_t.append(time_to_text(tui_cmd, newest))
        del os.environ["PROCOS_TUI_NO_PREFETCH"]
    bare_s, rows_s, serial_s = map(statistics.median, (bare_t, rows_t, serial_t))
    demo_s = median_of(args.runs, f"{tui} demo", newest,
                       before=f"{BIN / 'procos-tui'} demo --stop")
    print(f"bare Textual app, first frame:            {bare_s:6.3f} s")
    print(f"procos-tui, process rows on screen:       {rows_s:6.3f} s "
          f"({rows_s / bare_s:.2f} x bare)")
    print(f"  the same without the prefetching child: {serial_s:6.3f} s "
          f"({serial_s / bare_s:.2f} x bare)")
    print(f"procos-tui demo, stopped server -> rows:  {demo_s:6.3f} s")
    subprocess.run([str(BIN / "procos-tui"), "demo", "--stop"], capture_output=True, check=False)


if __name__ == "__main__":
    main()
