"""Run the command line as a user does: a real process, real exit codes, real stderr."""

from __future__ import annotations

import os
import subprocess
import sys


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    full_env = {k: v for k, v in os.environ.items() if k != "PROCOS_DSN"}
    full_env.update(extra or {})
    return full_env


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "procos_tui", *args], capture_output=True,
                          text=True, timeout=120, env=_env(env))


def run_binary(*args: str, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess[bytes]:
    """As run, with stdout and stderr as bytes: for exports, compared byte for byte."""
    return subprocess.run([sys.executable, "-m", "procos_tui", *args], capture_output=True,
                          timeout=300, env=_env(env))


def run_tui_in_a_terminal(*args: str) -> tuple[int, str, str]:
    """The TUI on a pseudo-terminal (stdin, stdout), stderr captured: (exit code, all of
    stderr, what stderr says once Textual's last frame is gone, its escapes removed)."""
    import re

    leader, follower = os.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "procos_tui", *args], stdin=follower, stdout=follower,
            stderr=subprocess.PIPE, timeout=60,
            env=_env({"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}))
    finally:
        os.close(follower)
        os.close(leader)
    # Textual draws on stderr: what the user reads is what follows its last frame.
    err = done.stderr.decode("utf-8", "replace")
    after = re.sub(r"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)", "",
                   err.rpartition("\x1b[?1049l")[2])
    return done.returncode, err, after
