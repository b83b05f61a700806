"""The wheel carries init-db.sql and the partition migration (a wheel has no scripts/), byte
for byte."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_carries_the_schema(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = tmp_path.glob("procos_tui-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        packaged = {name: zf.read(f"procos_tui/db/{name}")
                    for name in ("init-db.sql", "partition-ai-context.sql")}
        names = zf.namelist()
    for name, data in packaged.items():
        assert data == (ROOT / "scripts" / name).read_bytes(), name
    assert "procos_tui/ui/app.py" in names and "procos_tui/demo/content.py" in names
    assert not any(n.startswith(("tests/", "benchmarks/")) for n in names)
