"""Two stored interactions' rows compared: their text line by line, their JSON by path.

Pure: the rows come from db/compare.py, the printing from cli/compare.py. The text diff is
difflib's unified format (what diff(1) and reviewers read); the JSON diff walks both values
and names each path that was added, removed or changed, so a reordered object is no change
and a changed number deep inside `token_usage` is one line, not a rewritten blob.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

# JSON deeper than this is compared as one value at that depth: the walk is recursive, and
# a hostile row may nest thousands deep (json.loads itself stops near 1,000).
MAX_DEPTH = 200


@dataclass(frozen=True)
class PathChange:
    path: str  # "$.usage.prompt_tokens", "$.messages[2]"
    kind: str  # "added", "removed", "changed"
    before: Any = None  # the value (JSON-decoded) before; None for "added"
    after: Any = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.kind != "added":
            out["before"] = self.before
        if self.kind != "removed":
            out["after"] = self.after
        return out


@dataclass(frozen=True)
class RowForCompare:
    id: str
    process_instance_id: str
    context_type: str | None
    created_at: str | None
    content_text: str | None
    content_data: str | None  # JSON text as stored (jsonb's own text)
    token_usage: str | None

    @property
    def label(self) -> str:
        return (f"{self.id} ({self.context_type or '?'} of {self.process_instance_id}, "
                f"{self.created_at or 'no time'})")


@dataclass
class Comparison:
    a: RowForCompare
    b: RowForCompare
    text: list[str] = field(default_factory=list)  # unified diff lines, without newlines
    content_data: list[PathChange] = field(default_factory=list)
    token_usage: list[PathChange] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.text or self.content_data or self.token_usage)

    def as_json(self) -> dict[str, Any]:
        return {"identical": self.identical, "a": self.a.id, "b": self.b.id,
                "content_text": self.text,
                "content_data": [c.as_json() for c in self.content_data],
                "token_usage": [c.as_json() for c in self.token_usage]}


def unified_text(a: str | None, b: str | None, context: int, label_a: str, label_b: str
                 ) -> list[str]:
    """Unified diff lines of two texts, every line whole ("\\ No newline" marked as diff(1)
    does); [] when equal. NULL differs from an empty text and says so."""
    if a == b:
        return []
    if a is None or b is None:
        return [f"--- {label_a}", f"+++ {label_b}",
                f"content_text is NULL in {'a' if a is None else 'b'} only"]
    lines_a, lines_b = a.splitlines(keepends=True), b.splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(lines_a, lines_b, label_a, label_b, n=context):
        if line.endswith("\n"):
            out.append(line[:-1].removesuffix("\r"))
        else:
            out += [line, "\\ No newline at end of file"]
    return out


def _path(parent: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    plain = isinstance(key, str) and key.isidentifier()
    return f"{parent}.{key}" if plain else f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def json_changes(a: str | None, b: str | None) -> list[PathChange]:
    """Paths added, removed or changed from JSON text `a` to `b` (either may be NULL or not
    JSON at all: then the whole value, compared as text)."""
    if a == b:
        return []
    try:
        va = None if a is None else json.loads(a)
        vb = None if b is None else json.loads(b)
    except (ValueError, RecursionError):
        return [PathChange("$", "changed", a, b)]
    out: list[PathChange] = []
    _walk(va, vb, "$", out, 0)
    return out


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _walk(a: Any, b: Any, path: str, out: list[PathChange], depth: int) -> None:
    if type(a) is not type(b):
        # 1 and 1.0 are one JSON number; true and 1 are not one value (Python says equal).
        if not (_number(a) and _number(b) and a == b):
            out.append(PathChange(path, "changed", a, b))
        return
    if depth >= MAX_DEPTH:
        if a != b:
            out.append(PathChange(path, "changed", a, b))
        return
    if isinstance(a, dict):
        for key in a:
            if key not in b:
                out.append(PathChange(_path(path, key), "removed", a[key]))
            else:
                _walk(a[key], b[key], _path(path, key), out, depth + 1)
        out.extend(PathChange(_path(path, key), "added", after=b[key]) for key in b
                   if key not in a)
    elif isinstance(a, list):
        for i in range(min(len(a), len(b))):
            _walk(a[i], b[i], _path(path, i), out, depth + 1)
        out.extend(PathChange(_path(path, i), "removed", a[i]) for i in range(len(b), len(a)))
        out.extend(PathChange(_path(path, i), "added", after=b[i])
                   for i in range(len(a), len(b)))
    elif a != b:
        out.append(PathChange(path, "changed", a, b))


def compare(a: RowForCompare, b: RowForCompare, context: int = 3) -> Comparison:
    return Comparison(a, b, unified_text(a.content_text, b.content_text, context,
                                         f"a/{a.label}", f"b/{b.label}"),
                      json_changes(a.content_data, b.content_data),
                      json_changes(a.token_usage, b.token_usage))
