"""Search hits as table cells."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from procos_tui.core.sanitize import clip, sanitize_line
from procos_tui.core.snippets import snippet_parts

if TYPE_CHECKING:
    from procos_tui.core.types import Hit

# Wide terminals show every column; at 80 columns model and size give way to the match.
WIDE = (("When", 16), ("Type", 6), ("Process", 20), ("Model", 14), ("Chars", 5),
        ("Match", 0))
NARROW = (("When", 11), ("Type", 6), ("Process", 14), ("Match", 0))


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


def chars(n: int) -> str:
    """A text's length in characters, short: '812', '4.1k', '20.0M'."""
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"
