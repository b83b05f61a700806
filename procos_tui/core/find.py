"""Find in a pane: every occurrence of a term in a Document, kept as offset arrays."""

from __future__ import annotations

import re
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
        if ignore_case is None:
            ignore_case = not any(ch.isupper() for ch in term)
        flags = re.IGNORECASE if ignore_case else 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" and kin
            pattern = re.compile(term if regex else re.escape(term), flags)
        for match in pattern.finditer(doc.text):
            if match.end() > match.start():
                starts.append(match.start())
                ends.append(match.end())
    return Matches(term, starts, ends)
