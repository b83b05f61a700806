"""Find in a pane: every occurrence of a term in a Document, kept as offset arrays."""

from __future__ import annotations

import asyncio
import math
import re
import sys
import warnings
from array import array
from bisect import bisect_right
from dataclasses import dataclass

from procos_tui.core.document import Document


@dataclass(frozen=True)
class Matches:
    """Where a term occurs in a Document: sorted start and end offsets (arrays: a search for
    a space in 20 MB finds millions)."""

    term: str
    starts: array[int]
    ends: array[int]
    # The scan was stopped at its deadline: no match is known, not that there is none.
    gave_up: bool = False

    def __len__(self) -> int:
        return len(self.starts)

    def in_range(self, start: int, end: int) -> list[tuple[int, int, int]]:
        """(index, start, end) of the matches that overlap [start, end)."""
        first = max(0, bisect_right(self.starts, start) - 1)
        out = []
        for i in range(first, len(self.starts)):
            if self.starts[i] >= end:
                break
            if self.ends[i] > start:
                out.append((i, self.starts[i], self.ends[i]))
        return out

    def next_after(self, offset: int, backwards: bool = False) -> int | None:
        if not self.starts:
            return None
        if backwards:
            i = bisect_right(self.starts, offset - 1) - 1
            return i if i >= 0 else len(self.starts) - 1
        i = bisect_right(self.starts, offset)
        return i if i < len(self.starts) else 0


def find_all(doc: Document, term: str, *, regex: bool = False,
             ignore_case: bool | None = None) -> Matches:
    """Every occurrence of term (a Python regular expression when regex is set);
    case-insensitive unless the term has a capital (smart case) or ignore_case says."""
    starts, ends = array("q"), array("q")
    if term:
        flags = _flags(term, ignore_case)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" and kin
            pattern = re.compile(term if regex else re.escape(term), flags)
        for match in pattern.finditer(doc.text):
            if match.end() > match.start():
                starts.append(match.start())
                ends.append(match.end())
    return Matches(term, starts, ends)


def _flags(term: str, ignore_case: bool | None) -> int:
    if ignore_case is None:
        ignore_case = not any(ch.isupper() for ch in term)
    return re.IGNORECASE if ignore_case else 0


# How long a user's pattern may take over one text before the scan is given up. Python's `re`
# backtracks: `(x+x+)+y` over 32 x's takes hours, and holds the GIL the whole time, so a
# thread would freeze the UI with it. The scan therefore runs in a child process, killed at the
# deadline (or when the find is cancelled).
REGEX_DEADLINE_S = 5.0

# The child: reads "flags pattern-bytes\n", the pattern and the text from stdin, writes the
# match starts then ends as native 64-bit integers. Isolated (-I -S) from the user's
# environment and site packages; its CPU limit ends it too if the app dies without killing it.
_CHILD = r"""
import re, sys, warnings
from array import array
try:
    import resource
    cpu = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
except (ImportError, ValueError, OSError):
    pass
data = sys.stdin.buffer.read()
head, _, rest = data.partition(b"\n")
flags, size = map(int, head.split())
pattern = rest[:size].decode("utf-8", "surrogatepass")
text = rest[size:].decode("utf-8", "surrogatepass")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    try:
        compiled = re.compile(pattern, flags)
    except (re.error, RecursionError, OverflowError, ValueError):
        sys.exit(3)
starts, ends = array("q"), array("q")
for m in compiled.finditer(text):
    if m.end() > m.start():
        starts.append(m.start())
        ends.append(m.end())
sys.stdout.buffer.write(starts.tobytes() + ends.tobytes())
"""


async def find_all_bounded(doc: Document, term: str, *, regex: bool = False,
                           ignore_case: bool | None = None,
                           deadline_s: float | None = None) -> Matches:
    """find_all, off the event loop and bounded: a literal term in a thread (linear), a
    regular expression in a child process given `deadline_s` (REGEX_DEADLINE_S), then killed:
    `gave_up` says so. Cancelling the caller kills the child as well. A pattern Python cannot
    read finds nothing."""
    if not regex or not term:
        return await asyncio.to_thread(find_all, doc, term, regex=regex,
                                       ignore_case=ignore_case)
    deadline = REGEX_DEADLINE_S if deadline_s is None else deadline_s
    empty = Matches(term, array("q"), array("q"))
    pattern = term.encode("utf-8", "surrogatepass")

    def payload() -> bytes:
        return (f"{int(_flags(term, ignore_case))} {len(pattern)}\n".encode() + pattern
                + doc.text.encode("utf-8", "surrogatepass"))

    data = await asyncio.to_thread(payload)  # 20 MB to encode: not on the event loop
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-S", "-c", _CHILD, str(math.ceil(deadline) + 1),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL)
    try:
        out, _ = await asyncio.wait_for(child.communicate(data), deadline)
    except TimeoutError:
        return Matches(term, array("q"), array("q"), gave_up=True)
    finally:
        if child.returncode is None:
            child.kill()
    if child.returncode != 0:
        return empty
    half = len(out) // 2
    starts, ends = array("q"), array("q")
    starts.frombytes(out[:half])
    ends.frombytes(out[half:])
    return Matches(term, starts, ends)
