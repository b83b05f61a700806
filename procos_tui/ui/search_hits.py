"""Search hits as table cells, and where opening one lands in the conversation."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from procos_tui.core.sanitize import clip, sanitize_line
from procos_tui.core.search_syntax import SearchMode
from procos_tui.core.snippets import snippet_parts

if TYPE_CHECKING:
    from procos_tui.db.search import Hit, SearchRun

# Wide terminals show every column; at 80 columns model and size give way to the match.
WIDE = (("When", 16), ("Type", 6), ("Process", 20), ("Model", 14), ("Chars", 5),
        ("Match", 0))
NARROW = (("When", 11), ("Type", 6), ("Process", 14), ("Match", 0))


@dataclass
class Landing:
    """Where a search hit sends the reader: its match, to find and highlight."""

    term: str
    regex: bool = False
    fallback: str = ""  # literal text to find when the term finds nothing (a regex)
    tries: int = 0

    def next_step(self, found: int | None, *, raw: bool) -> str:
        """After a find of `found` matches: "raw" (the rendered view lacks the text: try the
        raw one), "fallback" (find the literal instead), or "done"."""
        if found == 0 and not raw and self.tries == 1:
            return "raw"
        if found == 0 and self.fallback:
            return "fallback"
        return "done"


def hit_cells(hit: Hit, columns: tuple[tuple[str, int], ...], match_width: int
              ) -> list[Text]:
    before, match, after = snippet_parts(hit.snippet, hit.match_start, hit.match_len,
                                         lead=max(8, min(30, match_width // 3)))
    line = sanitize_line(before)
    line.append_text(sanitize_line(match, style="bold reverse"))
    line.append_text(sanitize_line(after))
    line.truncate(match_width, overflow="ellipsis")
    cells: list[Text] = []
    for label, width in columns:
        if label == "When":
            fmt = "%Y-%m-%d %H:%M" if width >= 16 else "%m-%d %H:%M"
            cells.append(Text(hit.created_at.strftime(fmt) if hit.created_at else "—"))
        elif label == "Type":
            cells.append(Text(clip(hit.context_type, width)))
        elif label == "Process":
            cells.append(Text(clip(hit.process_instance_id, width)))
        elif label == "Model":
            cells.append(Text(clip(hit.model_used or "—", width)))
        elif label == "Chars":
            cells.append(Text(chars(hit.chars) if hit.chars is not None else "—",
                              justify="right"))
        else:
            cells.append(line)
    return cells


def landing_for(hit: Hit, run: SearchRun | None) -> Landing:
    """What the conversation finds for a hit: every term (in fuzzy mode the close word the
    row holds, and the close words of the other terms). A regex goes with the text the
    server matched: where Python reads the pattern differently (PostgreSQL's dialect differs
    in places), the pane still lands on that text."""
    request = run.request if run is not None else None
    if request is None or not request.terms:
        return Landing(hit.matched or "")
    if run is not None and request.mode is SearchMode.FUZZY:
        words = [hit.matched or ""]
        for _term, close in list(run.close_words.items())[1:]:
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


def chars(n: int) -> str:
    """A text's length in characters, short: '812', '4.1k', '20.0M'."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"
