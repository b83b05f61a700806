"""SQL pieces that several question areas share: a timestamp the screen can hold, and a LIKE
prefix pattern."""

from __future__ import annotations


def shown_time(expr: str) -> str:
    """A timestamp for the screen, NULL where Python's datetime cannot hold it (infinity, BC,
    after 9999): one odd row must not break a whole page."""
    return (f"CASE WHEN {expr} BETWEEN '0001-01-02 00:00:00+00'::timestamptz"
            f" AND '9999-12-30 00:00:00+00'::timestamptz THEN {expr} END")


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching strings that start with prefix, its wildcards taken literally."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"
