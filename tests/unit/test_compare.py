"""core/compare.py: the text diff is difflib's, the JSON diff names paths."""

from __future__ import annotations

import difflib
import json

from procos_tui.core.compare import MAX_DEPTH, PathChange, json_changes, unified_text


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
