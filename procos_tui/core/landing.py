"""Where opening a search hit lands in the conversation: the match to find and highlight."""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from procos_tui.core.search_syntax import SearchMode, SearchRequest
from procos_tui.core.types import Hit


@dataclass
class Landing:
    """Where a search hit sends the reader: its match, to find and highlight."""

    term: str
    regex: bool = False
    fallback: str = ""  # literal text to find when the term finds nothing (a regex)
    tries: int = 0

    def next_step(self, found: int | None, *, raw: bool, gave_up: bool = False) -> str:
        """After a find of `found` matches: "raw" (the rendered view lacks the text: try the
        raw one), "fallback" (find the literal instead), or "done". A find given up at its
        deadline goes to the literal the server matched at once: the raw view would only
        give the same pattern another deadline."""
        if gave_up:
            return "fallback" if self.fallback else "done"
        if found == 0 and not raw and self.tries == 1:
            return "raw"
        if found == 0 and self.fallback:
            return "fallback"
        return "done"


def landing_for(hit: Hit, request: SearchRequest | None,
                close_words: Mapping[str, Sequence[tuple[str, float]]]) -> Landing:
    """What the conversation finds for a hit of `request` (close_words: a fuzzy search's close
    words per typed term): every term (in fuzzy mode the close word the row holds, and the
    close words of the other terms). A regex goes with the text the server matched: where
    Python reads the pattern differently (PostgreSQL's dialect differs in places), the pane
    still lands on that text."""
    if request is None or not request.terms:
        return Landing(hit.matched or "")
    if request.mode is SearchMode.FUZZY:
        words = [hit.matched or ""]
        for _term, close in list(close_words.items())[1:]:
            words += [w for w, _ in close]
        return Landing("|".join(re.escape(w) for w in words if w), regex=True)
    if request.mode is SearchMode.SUBSTRING:
        if len(request.terms) == 1:
            return Landing(request.terms[0])
        # longest first: "refund" before "ref" where one term holds another
        terms = sorted(request.terms, key=len, reverse=True)
        return Landing("|".join(re.escape(t) for t in terms), regex=True)
    term = request.terms[0]
    found = hit.snippet[hit.match_start:hit.match_start + hit.match_len] \
        if hit.match_start >= 0 and hit.match_len > 0 else ""
    try:
        with warnings.catch_warnings():
            # Python warns where it will read a pattern differently (POSIX classes like
            # [[:alpha:]]): PostgreSQL's meaning then stands, through the matched text.
            warnings.simplefilter("error", FutureWarning)
            re.compile(term)
    except (re.error, RecursionError, FutureWarning):
        return Landing(found or term, regex=not found)
    return Landing(term, regex=True, fallback=found)
