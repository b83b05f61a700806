"""`procos-tui export`: what the database holds, byte for byte, as JSON or Markdown."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procos_tui.core.errors import UnknownProcess
from procos_tui.core.sanitize import visible_escape
from procos_tui.db.export import (
    COLUMNS,
    export_process,
    export_to_file,
)
from tests.cli import run_binary as run

Conn = psycopg.Connection[tuple[Any, ...]]

HOSTILE = ("osc52 \x1b]52;c;aGk=\x07 clear \x1b[2J bidi \u202eevil\u202c crlf\r\nlone cr\r"
           "tab\there cjk 中文字 emoji 👩‍👩‍👧 🦀 combining e\u0301 C1 \x9b31m del \x7f "
           "tag \U000e0041 fences ``` ```` `x` <img src=x> [a](b) *b* \\ \" end ")
PID = "exp-hostile"
BOTH_LAYOUTS = True  # every test here on the plain and the partitioned table


def insert(conn: Conn, pid: str, label: str, *, kind: str = "output",
           text: str | None = "text", data: str = '{"content": "x"}',
           usage: str | None = None, at: str | None = "2026-11-01 12:00:00+00",
           task: str | None = "Task_1", provider: str | None = "openai",
           model: str | None = "gpt-4o") -> str:
    row = conn.execute(
        "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id, context_type,"
        " content_data, content_text, ai_provider, model_used, token_usage, created_at)"
        " VALUES (%s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s::jsonb, %s::timestamptz)"
        " RETURNING id::text",
        (pid, task, label, kind, data, text, provider, model, usage, at)).fetchone()
    assert row is not None
    return str(row[0])


def export_bytes(conn: Conn, pid: str, fmt: str, visible: bool = False) -> bytes:
    out = io.BytesIO()
    result = export_process(conn, pid, fmt, out, visible_controls=visible)  # type: ignore[arg-type]
    assert result.bytes_written == len(out.getvalue())
    return out.getvalue()


def fenced_blocks(md: str, info: str) -> list[str]:
    """The exact text of each fenced block with this info string."""
    blocks = []
    for opening in re.finditer(rf"^(`{{3,}}){info}\n", md, re.M):
        end = md.index("\n" + opening.group(1) + "\n", opening.end())
        blocks.append(md[opening.end() : end])
    return blocks


@pytest.fixture(scope="module")
def conn(db: str) -> Iterator[Conn]:
    with psycopg.connect(db, autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def hostile(conn: Conn) -> list[str]:
    """Rows of PID in the order the export must give them (labels in activity_id)."""
    insert(conn, PID, "finite-late", text=HOSTILE, at="2026-11-02 01:02:03.123456+02",
           data=json.dumps({"content": HOSTILE, "n": [1, 2.5, None, True]}),
           usage='{"prompt_tokens": 10, "completion_tokens": 32}')
    insert(conn, PID, "infinity", text="\x1b[2J" + HOSTILE[::-1], at="infinity",
           data='"a plain string"', usage="[1, 2]", provider=None, model=None)
    insert(conn, PID, "null-text", kind="input", text=None, at="2026-11-01 09:00:00+00",
           data=json.dumps([HOSTILE, {"deep": [[["x"]]]}, 7]), task=None)
    insert(conn, PID, "null-time", kind="system", text="", at=None, data="12.5",
           task="T\n`x`\x1b[31m", provider="<b>p</b>", model="m`o``d")
    insert(conn, PID, "minus-infinity", text="  spaced  ", at="-infinity", data="{}")
    insert(conn, PID, "finite-early", text="\r\n\n", at="2026-11-01 12:00:00+00",
           data='{"x": 1}', usage='{"total_tokens": 99}')
    return ["null-time", "minus-infinity", "null-text", "finite-early", "finite-late",
            "infinity"]


TRUTH = """
SELECT id::text, process_instance_id, task_id, activity_id, context_type, content_data,
       content_text, ai_provider, model_used, token_usage,
       CASE WHEN isfinite(created_at) THEN created_at END, created_at::text,
       CASE WHEN isfinite(updated_at) THEN updated_at END, updated_at::text
FROM procos_ai_context WHERE activity_id = %s AND process_instance_id = %s
"""


def same_time(exported: str | None, finite: datetime | None, text: str | None) -> bool:
    if finite is None:
        return exported == text  # NULL, 'infinity' or '-infinity'
    assert exported is not None and exported.endswith("Z")
    return datetime.fromisoformat(exported) == finite


@pytest.mark.db
def test_json_export_equals_the_database(conn: Conn, hostile: list[str]) -> None:
    exported = json.loads(export_bytes(conn, PID, "json").decode("utf-8"))
    assert exported["process_instance_id"] == PID
    assert [r["activity_id"] for r in exported["rows"]] == hostile
    for row in exported["rows"]:
        assert list(row) == list(COLUMNS)
        truth = conn.execute(TRUTH, (row["activity_id"], PID)).fetchone()
        assert truth is not None
        (id_, pid, task, activity, kind, data, text, provider, model, usage,
         created, created_text, updated, updated_text) = truth
        assert (row["id"], row["process_instance_id"], row["task_id"], row["activity_id"],
                row["context_type"]) == (id_, pid, task, activity, kind)
        assert row["content_data"] == data
        assert row["content_text"] == text and type(row["content_text"]) is type(text)
        assert (row["ai_provider"], row["model_used"]) == (provider, model)
        assert row["token_usage"] == usage
        assert same_time(row["created_at"], created, created_text)
        assert same_time(row["updated_at"], updated, updated_text)
    assert exported["rows"][-1]["created_at"] == "infinity"
    assert exported["rows"][0]["created_at"] is None
    assert exported["rows"][1]["created_at"] == "-infinity"


@pytest.mark.db
def test_markdown_carries_text_exactly(conn: Conn, hostile: list[str]) -> None:
    md = export_bytes(conn, PID, "md").decode("utf-8")
    texts = []
    for label in hostile:
        row = conn.execute("SELECT content_text FROM procos_ai_context"
                           " WHERE process_instance_id = %s AND activity_id = %s",
                           (PID, label)).fetchone()
        assert row is not None
        texts.append(row[0])
    assert fenced_blocks(md, "text") == [t for t in texts if t is not None]
    assert "(content_text is NULL)" in md and json.dumps(HOSTILE, ensure_ascii=False) in md
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert len(headings) == 6 and headings[0].startswith("## 1. (no time) · system · ")
    assert headings[0].endswith(" · `<b>p</b>`/```m`o``d```")
    assert headings[4] == "## 5. 2026-11-01T23:02:03.123456Z · output · openai/gpt-4o"
    # A line break would end the list item: the value is a JSON string in a code span.
    assert '- task: ``"T\\n`x`\\u001b[31m"``' in md
    assert "- tokens: 42" in md and "- tokens: 99" in md
    assert md.startswith(f"# AI context of process instance {PID}\n")


@pytest.mark.db
def test_visible_controls_neutralise_terminal_sequences(conn: Conn, hostile: list[str]) -> None:
    md = export_bytes(conn, PID, "md", visible=True).decode("utf-8")
    for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\r", "\x7f", "\U000e0041"):
        assert bad not in md
    assert "␛]52;c;aGk=␇" in md and "<U+202E>evil" in md and "中文字 emoji 👩‍👩‍👧" in md
    raw = export_bytes(conn, PID, "json", visible=True).decode("utf-8")
    # Same JSON values; the dangerous characters travel as \u escapes.
    assert json.loads(raw) == json.loads(export_bytes(conn, PID, "json"))
    assert all(visible_escape(ch) == ch for ch in raw.replace("\n", ""))
    assert "中文字" in raw


@pytest.mark.db
def test_unknown_process_writes_nothing(conn: Conn) -> None:
    out = io.BytesIO()
    with pytest.raises(UnknownProcess):
        export_process(conn, "no-such-process", "json", out)
    assert out.getvalue() == b""
    assert conn.execute("SELECT 1").fetchone() == (1,)  # the connection is still usable


@pytest.mark.db
def test_deep_and_inexact_json_are_carried_verbatim(conn: Conn) -> None:
    pid = "exp-deep"
    deep = "[" * 5000 + "]" * 5000
    insert(conn, pid, "deep", text=None, data=deep)
    insert(conn, pid, "tiny", text=None, data='{"tiny": 1e-400, "pi": 3.14159265358979323846}')
    raw = export_bytes(conn, pid, "json").decode("utf-8")
    # Python cannot parse 5000 levels; the server can, and compares with what it holds.
    same = conn.execute(
        "SELECT bool_and(c.content_data = e.value -> 'content_data') FROM procos_ai_context c"
        " JOIN jsonb_array_elements(%s::jsonb -> 'rows') AS e(value)"
        " ON e.value ->> 'id' = c.id::text WHERE c.process_instance_id = %s",
        (raw, pid)).fetchone()
    assert same == (True,)
    md = export_bytes(conn, pid, "md").decode("utf-8")
    stored = [r[0] for r in conn.execute(
        "SELECT content_data::text FROM procos_ai_context WHERE process_instance_id = %s"
        " ORDER BY created_at, id", (pid,))]
    assert sorted(fenced_blocks(md, "json")) == sorted(stored)


# Hypothesis reuses the module's connection; each example writes and removes its own row.
unicode_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"],
                                              blacklist_characters="\x00"))


@pytest.mark.db
@settings(max_examples=40, deadline=None)
@given(text=unicode_text)
def test_any_text_round_trips(conn: Conn, text: str) -> None:
    pid = f"exp-prop-{uuid.uuid4().hex}"
    insert(conn, pid, "prop", text=text, data=json.dumps({"content": text}))
    try:
        row = json.loads(export_bytes(conn, pid, "json").decode("utf-8"))["rows"][0]
        assert row["content_text"] == text
        assert row["content_data"] == {"content": text}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "out.md"
            with path.open("wb") as out:
                export_process(conn, pid, "md", out)
            assert fenced_blocks(path.read_bytes().decode("utf-8"), "text") == [text]
    finally:
        conn.execute("DELETE FROM procos_ai_context WHERE process_instance_id = %s", (pid,))


@pytest.mark.db
def test_twenty_megabytes_via_the_cli(db: str, conn: Conn, tmp_path: Path) -> None:
    lines = [f"{i:07d} ünïcödé 中文 \x1b[3{i % 8}m colour\x1b[0m {'`' * (i % 9)}\tend\r\n"
             for i in range(330_000)]
    long_line = ("abcdefghij€🦀 " * 160_000)[:2_000_000]
    big = "".join(lines[:150_000]) + long_line + "\n" + "".join(lines[150_000:])
    assert len(big.encode()) > 20_000_000
    insert(conn, "exp-big", "big", text=big)
    out_json, out_md = tmp_path / "big.json", tmp_path / "big.md"
    done = run("export", "exp-big", "--format", "json", "-o", str(out_json), "--dsn", db)
    assert done.returncode == 0, done.stderr
    stored = conn.execute("SELECT content_text FROM procos_ai_context"
                          " WHERE process_instance_id = 'exp-big'").fetchone()
    assert stored is not None
    exported = json.loads(out_json.read_bytes())["rows"][0]["content_text"]
    assert exported.encode() == stored[0].encode() == big.encode()
    done = run("export", "exp-big", "-o", str(out_md), "--dsn", db)
    assert done.returncode == 0, done.stderr
    assert fenced_blocks(out_md.read_bytes().decode("utf-8"), "text") == [big]


# --- the command line ---------------------------------------------------------------------------

@pytest.mark.db
def test_cli_unknown_id_exit_1(db: str) -> None:
    done = run("export", "nope\x1b[2J", "--dsn", db)
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().splitlines() == [
        "procos-tui: no AI context for process instance 'nope␛[2J'"]


@pytest.mark.db
def test_cli_stdout_is_exact_bytes(db: str, conn: Conn, hostile: list[str]) -> None:
    done = run("export", PID, env={"PROCOS_DSN": db})
    assert done.returncode == 0, done.stderr
    assert done.stdout == export_bytes(conn, PID, "md") and HOSTILE.encode() in done.stdout
    assert done.stderr == b""


@pytest.mark.db
def test_cli_terminal_gets_visible_controls(db: str, hostile: list[str]) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "procos_tui", "export", PID, "--dsn", db],
                            stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert b"\x1b" not in shown and "␛]52;c;aGk=␇".encode() in shown
    assert b"made visible" in err and b"-o FILE" in err


@pytest.mark.db
def test_cli_output_file_is_atomic(db: str, conn: Conn, hostile: list[str],
                                   tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    done = run("export", PID, "--format", "json", "-o", str(target), "--dsn", db)
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == export_bytes(conn, PID, "json")
    size = target.stat().st_size
    assert done.stderr.decode() == f"procos-tui: wrote 6 rows, {size} bytes to {target}\n"
    # A failed export leaves the previous file untouched and no temporary file behind.
    target.write_bytes(b"previous")
    done = run("export", "no-such-id", "-o", str(target), "--dsn", db)
    assert done.returncode == 1 and target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["out.json"]


@pytest.mark.db
def test_export_to_file(conn: Conn, hostile: list[str], tmp_path: Path) -> None:
    target = tmp_path / "x.md"
    result = export_to_file(conn, PID, "md", target)
    assert result.rows == 6 and target.read_bytes() == export_bytes(conn, PID, "md")
    with pytest.raises(UnknownProcess, match="no AI context for process instance 'gone'"):
        export_to_file(conn, "gone", "json", target)
    with pytest.raises(ValueError):
        export_to_file(conn, PID, "html", target)
    assert os.listdir(tmp_path) == ["x.md"] and result.bytes_written == target.stat().st_size


