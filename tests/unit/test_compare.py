"""core/compare.py: the text diff in difflib's format (checked against difflib and by applying
it), the compare screen's rows, the JSON diff by path."""

from __future__ import annotations

import difflib
import json

from hypothesis import given
from hypothesis import strategies as st

from procos_tui.core.compare import (
    MAX_DEPTH,
    PathChange,
    change_starts,
    diff_rows,
    json_changes,
    lines_of,
    unified_text,
)


def test_the_text_diff_is_difflibs_unified_diff() -> None:
    a = "one\ntwo\nthree\nfour\n"
    b = "one\n2\nthree\nfour\nfive\n"
    expected = [line.rstrip("\n") for line in difflib.unified_diff(
        a.splitlines(True), b.splitlines(True), "a", "b", n=1)]
    assert unified_text(a, b, 1, "a", "b") == expected
    assert unified_text(a, a, 3, "a", "b") == []


def test_a_last_line_without_newline_is_marked_and_null_differs_from_empty() -> None:
    lines = unified_text("x", "y", 3, "a", "b")
    assert lines[-4:] == ["-x", "\\ No newline at end of file", "+y",
                          "\\ No newline at end of file"]
    assert unified_text(None, "", 3, "a", "b")[-1] == "content_text is NULL in a only"


def test_json_paths_added_removed_changed_and_reordering_is_no_change() -> None:
    a = json.dumps({"usage": {"in": 1, "out": 2}, "list": [1, 2, 3], "gone": True})
    b = json.dumps({"list": [1, 5], "usage": {"out": 2, "in": 1.0}, "new": {"k": None}})
    assert json_changes(a, b) == [
        PathChange("$.list[1]", "changed", 2, 5), PathChange("$.list[2]", "removed", 3),
        PathChange("$.gone", "removed", True), PathChange("$.new", "added", after={"k": None})]
    assert json_changes(a, json.dumps(json.loads(a), indent=2)) == []


def test_true_is_not_one_and_hostile_keys_are_quoted_paths() -> None:
    assert json_changes('{"a": true}', '{"a": 1}') == [PathChange("$.a", "changed", True, 1)]
    key = "k\x1b]2;x\x07 y"
    changes = json_changes(json.dumps({key: 1}), json.dumps({key: 2}))
    assert [c.path for c in changes] == ["$[" + json.dumps(key, ensure_ascii=False) + "]"]


def test_deep_and_invalid_json_are_compared_whole() -> None:
    deep = "[" * (MAX_DEPTH + 5) + "1" + "]" * (MAX_DEPTH + 5)
    deeper = deep.replace("1", "2")
    assert [c.kind for c in json_changes(deep, deeper)] == ["changed"]
    assert json_changes("not json", "{}") == [PathChange("$", "changed", "not json", "{}")]
    assert json_changes(None, None) == []


def _apply(a: str, lines: list[str]) -> str:
    """Apply unified diff lines to `a`: what patch(1) would make of it."""
    import re

    source = lines_of(a)
    out: list[str] = []
    at = 0
    previous = ""
    for line in lines[2:]:
        hunk = re.match(r"@@ -(\d+)(?:,(\d+))? \+", line)
        if hunk:
            start = int(hunk.group(1)) - (0 if hunk.group(2) == "0" else 1)
            out += source[at:start]
            at = start
        elif line.startswith("\\"):
            if previous in (" ", "+"):  # the line just written has no end
                out[-1] = out[-1].removesuffix("\n")
        elif line[:1] == " ":
            out.append(source[at])
            at += 1
        elif line[:1] == "-":
            at += 1
        elif line[:1] == "+":
            out.append(line[1:] + "\n")
        previous = line[:1]
    return "".join(out + source[at:])


some_lines = st.lists(st.sampled_from(["a", "b", "c", "d", "", "x y"]), max_size=12)


@given(some_lines, some_lines, st.integers(0, 3), st.booleans(), st.booleans())
def test_the_unified_diff_turns_a_into_b_and_is_never_longer_than_difflibs(
        a_lines: list[str], b_lines: list[str], context: int, a_end: bool, b_end: bool) -> None:
    a = "\n".join(a_lines) + ("\n" if a_end and a_lines else "")
    b = "\n".join(b_lines) + ("\n" if b_end and b_lines else "")
    ours = unified_text(a, b, context, "a", "b")
    assert (ours == []) == (a == b)
    if ours:
        assert _apply(a, ours) == b
        theirs = list(difflib.unified_diff(lines_of(a), lines_of(b), n=context))
        changed = [x for x in ours[2:] if x[:1] in "+-"]
        assert len(changed) <= len([x for x in theirs[2:] if x[:1] in "+-"])


@given(some_lines, some_lines)
def test_compare_rows_unfolded_hold_both_texts_line_for_line(a_lines: list[str],
                                                            b_lines: list[str]) -> None:
    a, b = "\n".join(a_lines), "\n".join(b_lines)
    rows = diff_rows(a, b, fold=False)
    assert [r.a for r in rows if r.kind in ("same", "changed", "removed")] == [
        line.removesuffix("\n") for line in lines_of(a)]
    assert [r.b for r in rows if r.kind in ("same", "changed", "added")] == [
        line.removesuffix("\n") for line in lines_of(b)]
    starts = change_starts(rows)
    assert all(rows[i].kind != "same" for i in starts)


def test_folds_count_what_they_hide_and_word_marks_name_the_changed_word() -> None:
    a = "".join(f"line {n}\n" for n in range(30))
    b = a.replace("line 15\n", "line fifteen\n")
    rows = diff_rows(a, b, context=2)
    assert [r.kind for r in rows] == ["fold", "same", "same", "changed", "same", "same",
                                      "fold"]
    assert rows[0].folded == 13 and rows[-1].folded == 12
    changed = rows[3]
    assert changed.a[slice(*changed.a_marks[0])] == "15"
    assert changed.b[slice(*changed.b_marks[0])] == "fifteen"


def test_compare_rows_escape_stored_control_sequences() -> None:
    rows = diff_rows("ok\n", "ok\n\x1b]2;pwned\x07\n", fold=False)
    assert rows[-1].kind == "added" and "\x1b" not in rows[-1].b and "\x07" not in rows[-1].b


def test_on_the_demos_bodies_the_diff_rebuilds_b_and_is_never_longer_than_difflibs() -> None:
    """Pairs of the demo's outputs (Markdown, code, tables, hostile text, CJK and emoji):
    applied, the unified diff turns one into the other; it never changes more lines than
    difflib's own; the compare rows hold both texts whole."""
    import random

    from procos_tui.core.sanitize import sanitize_plain
    from procos_tui.demo.content import demo_dataset

    texts = [r.content_text for r in demo_dataset().rows()
             if r.content_text and r.context_type == "output"
             and len(r.content_text) < 200_000]
    rng = random.Random(5)
    for _ in range(40):
        a, b = rng.sample(texts, 2)
        ours = unified_text(a, b, 3, "a", "b")
        assert _apply(a, ours) == b
        theirs = list(difflib.unified_diff(lines_of(a), lines_of(b), n=3))
        assert len([x for x in ours[2:] if x[:1] in "+-"]) <= len(
            [x for x in theirs[2:] if x[:1] in "+-"])
        rows = diff_rows(a, b, fold=False, marks=False)
        assert [r.a for r in rows if r.kind != "added"] == [
            sanitize_plain(line.removesuffix("\r")) for line in a.split("\n")][
                :len(lines_of(a))]


def test_only_newline_ends_a_line() -> None:
    """A form feed or U+2028 inside stored text is a character to compare, not a line end."""
    a, b = "one\x0ctwo\nthree\n", "one\x0cTWO\nthree\n"
    assert unified_text(a, b, 1, "a", "b")[2:] == [
        "@@ -1,2 +1,2 @@", "-one\x0ctwo", "+one\x0cTWO", " three"]
