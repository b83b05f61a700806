"""Two stored interactions' rows compared: their text line by line, their JSON by path.

Pure: the rows come from db/compare.py, the printing from cli/compare.py and the compare
screen. The text diff is line by line in difflib's unified format (what diff(1) and
reviewers read), its matching done by fast-diff-match-patch (C++: two 5 MB bodies in well
under a second, where difflib takes seconds) on one character per distinct line; the JSON diff
walks both values and names each path that was added, removed or changed, so a reordered
object is no change and a changed number deep inside `token_usage` is one line.
"""

from __future__ import annotations

import difflib
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from procos_tui.core.sanitize import sanitize_plain

if TYPE_CHECKING:
    from procos_tui.core.conversation import Interaction

# How long the line diff may take before difflib answers instead (see line_opcodes).
FAST_LIMIT_S = 0.1
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
    lines_a, lines_b = lines_of(a), lines_of(b)
    out = [f"--- {label_a}", f"+++ {label_b}"]
    for group in grouped(line_opcodes(lines_a, lines_b), context):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows = [" " + line for line in lines_a[i1:i2]]
            else:
                rows = ["-" + line for line in lines_a[i1:i2]]
                rows += ["+" + line for line in lines_b[j1:j2]]
            for row in rows:
                if row.endswith("\n"):
                    out.append(row[:-1].removesuffix("\r"))
                else:
                    out += [row, "\\ No newline at end of file"]
    return out if len(out) > 2 else []


Opcode = tuple[str, int, int, int, int]  # difflib's: tag, a[i1:i2], b[j1:j2]


def lines_of(text: str) -> list[str]:
    """Lines as diff(1) sees them, each with its "\n": split at "\n" only (str.splitlines
    would also split at form feeds, \x1c-\x1e and U+2028, which stored text may hold and
    which are no line ends to diff)."""
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _range(start: int, stop: int) -> str:
    """A unified hunk's range as diff(1) writes it: 1-based start, length when not 1."""
    length = stop - start
    begin = start + 1 if length else start
    return str(begin) if length == 1 else f"{begin},{length}"


def line_opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    """difflib's opcodes for two lists of lines, matched by fast-diff-match-patch on one
    code point per distinct line (beyond ~1.1M distinct lines: difflib itself)."""
    import fast_diff_match_patch

    codes: dict[str, str] = {}

    def encode(lines: list[str]) -> str:
        out = []
        for line in lines:
            code = codes.get(line)
            if code is None:
                n = len(codes) + 1
                code = codes[line] = chr(n + 0x800 if n >= 0xD800 else n)  # no surrogates
            out.append(code)
        return "".join(out)

    def by_difflib() -> list[Opcode]:
        return list(difflib.SequenceMatcher(None, a, b).get_opcodes())

    # Lines of one side found nowhere on the other are changes whatever the alignment: when
    # they are many, Myers' diff would only run into its time limit.
    only = len(set(a).symmetric_difference(b))
    if only > (len(a) + len(b)) // 10:
        return by_difflib()
    left, right = encode(a), encode(b)
    if len(codes) >= 0x10FFFF - 0x800:  # more distinct lines than code points
        return by_difflib()
    # Myers' diff is fast while the texts are mostly alike (O(N·D)); when half the lines
    # differ it is not, and past its time limit it answers "all changed". Then difflib,
    # whose matching of whole lines is quick exactly there.
    started = time.perf_counter()
    diff = fast_diff_match_patch.diff(left, right, cleanup="No", timelimit=FAST_LIMIT_S)
    if time.perf_counter() - started >= FAST_LIMIT_S * 0.9:
        return by_difflib()
    ops: list[Opcode] = []
    i = j = 0
    for op, length in diff:
        if op == "=":
            ops.append(("equal", i, i + length, j, j + length))
            i, j = i + length, j + length
        elif op == "-":
            ops.append(("delete", i, i + length, j, j))
            i += length
        else:
            if ops and ops[-1][0] == "delete" and ops[-1][4] == j:
                _, i1, i2, j1, _ = ops.pop()
                ops.append(("replace", i1, i2, j1, j + length))
            else:
                ops.append(("insert", i, i, j, j + length))
            j += length
    return ops


def grouped(ops: list[Opcode], context: int) -> list[list[Opcode]]:
    """The changes in hunks with `context` equal lines around each; equal runs longer
    than twice that split hunks (as diff -U does)."""
    if not ops or all(op[0] == "equal" for op in ops):
        return []
    ops = list(ops)
    if ops[0][0] == "equal":  # only its last `context` lines lead into the first hunk
        _, i1, i2, j1, j2 = ops[0]
        ops[0] = ("equal", max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    if ops[-1][0] == "equal":
        _, i1, i2, j1, j2 = ops[-1]
        ops[-1] = ("equal", i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    groups: list[list[Opcode]] = []
    current: list[Opcode] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal" and i2 - i1 > 2 * context and current:
            current.append((tag, i1, i1 + context, j1, j1 + context))
            groups.append(current)
            current = [(tag, i2 - context, i2, j2 - context, j2)] if context else []
            continue
        current.append((tag, i1, i2, j1, j2))
    if current and not (len(current) == 1 and current[0][0] == "equal"):
        groups.append(current)
    return [[op for op in g if op[1] != op[2] or op[3] != op[4]] for g in groups]


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


# --- the compare screen's rows ---------------------------------------------------------------

@dataclass(frozen=True)
class DiffRow:
    """One row of the compare view: a line of each side (side by side), or a fold.

    kind: "same", "changed" (a line of each, word marks on both), "removed" (a only),
    "added" (b only), "fold" (`folded` equal lines not shown). Texts are escaped for the
    terminal (core.sanitize); marks are (start, end) ranges of them that differ."""

    kind: str
    a_no: int | None = None  # 1-based line numbers
    a: str = ""
    b_no: int | None = None
    b: str = ""
    a_marks: tuple[tuple[int, int], ...] = ()
    b_marks: tuple[tuple[int, int], ...] = ()
    folded: int = 0


def word_marks(a: str, b: str) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """What differs inside a changed line, on each side, widened to whole words by the
    library's semantic clean-up (a reader sees "tokens 412 → 415", not scattered letters)."""
    import fast_diff_match_patch

    a_marks: list[tuple[int, int]] = []
    b_marks: list[tuple[int, int]] = []
    i = j = 0
    for op, length in fast_diff_match_patch.diff(a, b, cleanup="Semantic"):
        if op == "=":
            i, j = i + length, j + length
        elif op == "-":
            a_marks.append((i, i + length))
            i += length
        else:
            b_marks.append((j, j + length))
            j += length
    return tuple(a_marks), tuple(b_marks)


def line_marks(a: str, b: str, up_to: int = 2000
               ) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Word marks of a changed pair; longer lines are marked whole (a character diff of two
    long lines is slow and reads no better)."""
    if max(len(a), len(b)) <= up_to:
        return word_marks(a, b)
    return ((0, len(a)),), ((0, len(b)),)


def _strip_eol(line: str) -> str:
    """A line as the compare screen shows it: without its end, escaped for the terminal
    (a stored escape sequence is shown, never obeyed), tabs expanded."""
    line = line.removesuffix("\n").removesuffix("\r")
    if line.isascii() and line.isprintable():  # nothing to escape (most lines): C speed
        return line
    return sanitize_plain(line)


def diff_rows(a: str | None, b: str | None, context: int = 3, fold: bool = True,
              marks_up_to: int = 2000, marks: bool = True) -> list[DiffRow]:
    """Both texts as rows of the compare view: equal stretches longer than twice `context`
    folded to one row with their count (unless `fold` is off), a replaced block paired line
    with line (word marks on lines up to `marks_up_to` characters; none with `marks` off,
    for a caller that marks only the lines it shows), the rest removed or added. NULL is
    shown as no lines."""
    lines_a, lines_b = lines_of(a or ""), lines_of(b or "")
    rows: list[DiffRow] = []
    ops = line_opcodes(lines_a, lines_b)
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            keep_head = 0 if n == 0 else context
            keep_tail = 0 if n == len(ops) - 1 else context
            hidden = (i2 - i1) - keep_head - keep_tail
            def same(k: int, i1: int = i1, j1: int = j1) -> DiffRow:
                line = _strip_eol(lines_a[i1 + k])  # equal on both sides: escaped once
                return DiffRow("same", i1 + k + 1, line, j1 + k + 1, line)

            if not fold or hidden <= 1:
                rows += [same(k) for k in range(i2 - i1)]
                continue
            rows += [same(k) for k in range(keep_head)]
            rows.append(DiffRow("fold", folded=hidden))
            rows += [same(k) for k in range(i2 - i1 - keep_tail, i2 - i1)]
            continue
        pairs = min(i2 - i1, j2 - j1)
        for k in range(pairs):
            la, lb = _strip_eol(lines_a[i1 + k]), _strip_eol(lines_b[j1 + k])
            pair = line_marks(la, lb, marks_up_to) if marks else ((), ())
            rows.append(DiffRow("changed", i1 + k + 1, la, j1 + k + 1, lb, *pair))
        rows += [DiffRow("removed", i + 1, _strip_eol(lines_a[i]))
                 for i in range(i1 + pairs, i2)]
        rows += [DiffRow("added", b_no=j + 1, b=_strip_eol(lines_b[j]))
                 for j in range(j1 + pairs, j2)]
    return rows


def change_starts(rows: list[DiffRow]) -> list[int]:
    """The index of the first row of each run of changes: where n / N go."""
    starts = []
    for n, row in enumerate(rows):
        if row.kind in ("changed", "removed", "added") and (
                n == 0 or rows[n - 1].kind in ("same", "fold")):
            starts.append(n)
    return starts


@dataclass(frozen=True)
class CompareSide:
    """One side of the compare screen: an interaction's rows (either may be missing), or a
    text that is no row of ours (Camunda's copy of a variable)."""

    label: str  # "#3 of <id> · Activity_X · 11-03 10:00" (escaped by whoever shows it)
    process_instance_id: str
    prompt_id: str | None = None
    response_id: str | None = None
    text: str | None = None  # given instead of rows: compared with the other's response


def side_of(n: int, process_instance_id: str, interaction: Interaction) -> CompareSide:
    """A conversation's interaction `n` (1-based) as one side: '#3 of ID · Activity · time'."""
    first = interaction.first
    when = first.created_at.strftime("%Y-%m-%d %H:%M:%S") if first.created_at else "no time"
    return CompareSide(f"#{n} of {process_instance_id} · {first.activity_id or 'no activity'}"
                       f" · {when}", process_instance_id,
                       interaction.prompt.id if interaction.prompt else None,
                       interaction.response.id if interaction.response else None)
