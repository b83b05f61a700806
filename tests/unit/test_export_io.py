"""`procos-tui export` without a server: atomic writes, the module's imports, usage errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from procos_tui.db.export import write_atomically
from tests.cli import run_binary as run


def test_help_lists_export() -> None:
    done = run("--help")
    assert done.returncode == 0 and b"export" in done.stdout
    done = run("export", "--help")
    assert done.returncode == 0 and b"--format" in done.stdout and b"--output" in done.stdout


def test_cli_bad_dsn_exit_2() -> None:
    done = run("export", "x", "--dsn", "host=127.0.0.1 port=1 user=u connect_timeout=3")
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and "cannot connect" in lines[0]


def test_write_atomically(tmp_path: Path) -> None:
    target = tmp_path / "f.md"

    def fail(out: Any) -> None:
        out.write(b"half")
        raise RuntimeError("connection lost")

    with pytest.raises(RuntimeError):
        write_atomically(str(target), fail)
    assert os.listdir(tmp_path) == []
    assert write_atomically(str(target), lambda out: out.write(b"new")) == 3
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o600
    target.chmod(0o644)
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        write_atomically(str(target), fail)
    assert target.read_bytes() == b"old"
    write_atomically(str(target), lambda out: out.write(b"newer"))
    assert target.read_bytes() == b"newer" and target.stat().st_mode & 0o777 == 0o644
    assert os.listdir(tmp_path) == ["f.md"]


def test_export_module_is_headless() -> None:
    code = ("import sys, procos_tui.db.export\n"
            "print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"


def test_write_atomically_refuses_links_and_writes_to_devices(tmp_path: Path) -> None:
    from procos_tui.db.export import ExportToLink, write_atomically

    target = tmp_path / "real.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    with pytest.raises(ExportToLink, match="symbolic link"):
        write_atomically(link, lambda out: out.write(b"new"))
    assert link.is_symlink() and target.read_text() == "old"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    import threading

    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_atomically(fifo, lambda out: out.write(b"through the pipe"))
    reader.join(5)
    assert got == [b"through the pipe"] and not list(tmp_path.glob(".fifo.*"))
