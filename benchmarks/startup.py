"""Time to something on screen, measured as a user sees it: the app runs in tmux and the pane
is polled until the expected text shows.

    python benchmarks/startup.py            # uses the demo database (builds it if needed)

Prints: a bare Textual app's first frame, procos-tui to process rows on screen (server up),
and `procos-tui demo` from a stopped server to rows on screen (the second-start path).
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def time_to_text(command: str, expect: str, timeout: float = 20.0) -> float:
    session = "procos-bench"
    tmux("kill-session", "-t", session)
    started = time.perf_counter()
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", command)
    try:
        while time.perf_counter() - started < timeout:
            if expect in tmux("capture-pane", "-p", "-t", session):
                return time.perf_counter() - started
            time.sleep(0.005)
        screen = tmux("capture-pane", "-p", "-t", session)
        raise TimeoutError(f"{expect!r} not on screen after {timeout} s: {command}\n{screen}")
    finally:
        tmux("kill-session", "-t", session)


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
    # A session that outlives the measured ones, so the tmux server never exits between runs.
    tmux("new-session", "-d", "-s", "procos-bench-keeper", "sleep 3600")
    tui = shlex.quote(str(BIN / "procos-tui"))
    dsn = subprocess.run([str(BIN / "procos-tui"), "demo", "--no-tui"], capture_output=True,
                         text=True, check=True).stdout.strip()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as bare:
        bare.write(BARE_APP)
    python = shlex.quote(sys.executable)
    bare_s = median_of(args.runs, f"{python} {bare.name}", "bare-first-frame")
    rows_s = median_of(args.runs, f"{tui} --dsn {shlex.quote(dsn)}", "process instances (")
    demo_s = median_of(args.runs, f"{tui} demo", "process instances (",
                       before=f"{BIN / 'procos-tui'} demo --stop")
    print(f"bare Textual app, first frame:            {bare_s:6.3f} s")
    print(f"procos-tui, process rows on screen:       {rows_s:6.3f} s "
          f"({rows_s / bare_s:.2f} x bare)")
    print(f"procos-tui demo, stopped server -> rows:  {demo_s:6.3f} s")
    subprocess.run([str(BIN / "procos-tui"), "demo", "--stop"], capture_output=True, check=False)
    tmux("kill-session", "-t", "procos-bench-keeper")


if __name__ == "__main__":
    main()
