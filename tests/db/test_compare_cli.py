"""`procos-tui diff` on real rows: exit codes as diff(1), the terminal form safe, --json exact."""

from __future__ import annotations

import json

import psycopg
import pytest

from tests.cli import run
from tests.hostile import ESCAPES, assert_safe

pytestmark = pytest.mark.db

BODY_A = "Plan:\n1. retry the OCR job\n2. tell the approver\n" + "same line\n" * 50 + "end"
BODY_B = BODY_A.replace("2. tell the approver", f"2. tell the approver {ESCAPES}") + "\nmore"


def _insert(conn: psycopg.Connection[tuple[object, ...]], body: str, usage: dict[str, object]
            ) -> str:
    row = conn.execute(
        "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
        " content_text, token_usage) VALUES ('cmp-1', 'output', %s, %s, %s) RETURNING id::text",
        (json.dumps({"content": body, "finish_reason": "stop"}), body, json.dumps(usage))
    ).fetchone()
    assert row is not None
    return str(row[0])


def test_diff_exit_codes_terminal_form_and_exact_json(fresh: str) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        a = _insert(conn, BODY_A, {"prompt_tokens": 10, "completion_tokens": 5})
        b = _insert(conn, BODY_B, {"prompt_tokens": 10, "completion_tokens": 7,
                                   "total_tokens": 17})
        stored: dict[str, str] = dict(conn.execute("SELECT id::text, content_data::text FROM "
                                   "procos_ai_context").fetchall())
    done = run("diff", a, b, "--dsn", fresh, "--context", "1")
    assert done.returncode == 1, done.stderr
    assert_safe(done.stdout)
    out = done.stdout.splitlines()
    assert "-2. tell the approver" in out and "+more" in out
    assert any(line.startswith("+2. tell the approver ␛]52;c;") for line in out)
    assert "  ~ $.completion_tokens: 5 → 7" in out and "  + $.total_tokens: 17" in out
    assert out.count(" same line") == 2  # one line of context after the first change, one
    # before the last
    as_json = run("diff", a, b, "--dsn", fresh, "--json")
    assert as_json.returncode == 1
    assert_safe(as_json.stdout)  # escapes as \\u sequences: the same JSON values
    result = json.loads(as_json.stdout)
    content = next(c for c in result["content_data"] if c["path"] == "$.content")
    assert content["before"] == json.loads(stored[a])["content"] == BODY_A
    assert content["after"] == json.loads(stored[b])["content"] == BODY_B
    assert result["identical"] is False and result["a"] == a
    same = run("diff", a, a, "--dsn", fresh)
    assert same.returncode == 0 and same.stdout.startswith("identical: ")
    missing = run("diff", a, "00000000-0000-0000-0000-000000000000", "--dsn", fresh)
    assert missing.returncode == 2 and "no row of procos_ai_context has id" in missing.stderr
    bad = run("diff", "x\x1b]2;t\x07", a, "--dsn", fresh)
    assert bad.returncode == 2 and "is not a row id" in bad.stderr
    assert_safe(bad.stderr)
