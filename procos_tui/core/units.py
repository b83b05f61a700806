"""Numbers as a narrow column shows them: whole, or abbreviated, never cut."""

from __future__ import annotations

from datetime import datetime


def format_seconds(seconds: float | None) -> str:
    """'0.8 s', '12.3 s', '4.2 min', '2.0 h'; '—' when unknown."""
    if seconds is None:
        return "—"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def compact_count(n: float) -> str:
    """'950', '80k', '1.5M', '5.0M', '2.1G': for axes and tight cells, where '80,397' would
    not fit; exact figures go where there is room."""
    sign = "-" if n < 0 else ""
    value = abs(n)
    if round(value) < 1000:
        return f"{sign}{value:.0f}"
    for unit in ("k", "M", "G", "T"):
        value /= 1000
        text = f"{value:.1f}" if value < 9.95 else f"{value:.0f}"
        if float(text) < 1000 or unit == "T":
            return f"{sign}{text}{unit}"
    raise AssertionError("unreachable")


def ago(iso: str | None, now: datetime, suffix: str = " ago") -> str:
    """'never', '40 s ago', '12 min ago', '5 h ago', '3 d ago': when a table was last
    vacuumed or analysed, from its ISO 8601 time (a narrow column drops the suffix)."""
    if iso is None:
        return "never"
    seconds = max(0.0, (now - datetime.fromisoformat(iso)).total_seconds())
    for limit, unit, size in ((120, "s", 1), (7200, "min", 60), (172800, "h", 3600)):
        if seconds < limit:
            return f"{seconds / size:.0f} {unit}{suffix}"
    return f"{seconds / 86400:.0f} d{suffix}"


def whole_count(parts: list[str], width: int, sep: str = " · ") -> int:
    """How many of `parts`, from the first, fit in `width` cells whole, with a final "…"
    when some have to go (at least one: a screen narrower than the first part cuts it)."""
    from rich.cells import cell_len

    for keep in range(len(parts), 0, -1):
        text = sep.join(parts[:keep] + (["…"] if keep < len(parts) else []))
        if cell_len(text) <= width:
            return keep
    return 0


def whole_parts(parts: list[str], width: int, sep: str = " · ") -> str:
    """As many of `parts` as fit in `width` cells, each whole, joined by `sep`, with a final
    "…" when some had to go: a figure cut at the edge ("1,91…") reads as another figure."""
    keep = whole_count(parts, width, sep)
    if not keep:
        return "…"
    return sep.join(parts[:keep] + (["…"] if keep < len(parts) else []))
