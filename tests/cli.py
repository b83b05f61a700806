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
