"""One-line previews of a search hit: the text around the match, match marked."""

from __future__ import annotations

import re

_SPACE = re.compile(r"\s+")
LEAD = 30  # characters kept before the match


def _one_line(text: str) -> str:
    return _SPACE.sub(" ", text)


def snippet_parts(snippet: str, start: int, length: int, lead: int = LEAD
                  ) -> tuple[str, str, str]:
    """(before, match, after): white space runs become one space, at most `lead` characters
    stay before the match, and a cut is marked with '…'. Without a known match (start < 0)
    the whole snippet is `after`."""
    if start < 0 or start > len(snippet):
        return "", "", _one_line(snippet).strip()
    before = _one_line(snippet[:start])
    match = _one_line(snippet[start:start + max(length, 0)])
    after = _one_line(snippet[start + max(length, 0):])
    if len(before) > lead:
        before = "…" + before[-(lead - 1):]
    return before, match, after
