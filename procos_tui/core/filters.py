"""The process list's filter line: `provider:openai model:gpt-4o since:2026-11-01 id:3f2a`.

A bare word is an id prefix. Dates are ISO 8601 (a date alone means midnight UTC); `until` is
exclusive. Unknown keys and bad dates are errors that name the offending word.
"""

from __future__ import annotations

import shlex
from datetime import datetime

from procos_tui.core.search_syntax import SearchSyntaxError, parse_when
from procos_tui.core.types import ProcessFilter

KEYS = ("provider", "model", "since", "until", "id")


class FilterError(ValueError):
    pass


def _when(key: str, value: str) -> datetime:
    try:
        return parse_when(key, value)
    except SearchSyntaxError as exc:
        raise FilterError(str(exc)) from None


def parse_filter(line: str) -> ProcessFilter:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise FilterError(f"cannot read the filter: {exc}") from None
    values: dict[str, str] = {}
    for word in words:
        key, sep, value = word.partition(":")
        if not sep:
            key, value = "id", word
        key = key.lower()
        if key not in KEYS:
            raise FilterError(f"unknown filter {key!r}: use {', '.join(k + ':' for k in KEYS)}")
        if not value:
            raise FilterError(f"{key}: needs a value")
        if key in values:
            raise FilterError(f"{key}: given twice")
        values[key] = value
    since = _when("since", values["since"]) if "since" in values else None
    until = _when("until", values["until"]) if "until" in values else None
    if since and until and since >= until:
        raise FilterError("since: must be before until:")
    return ProcessFilter(provider=values.get("provider"), model=values.get("model"),
                         since=since, until=until, id_prefix=values.get("id"))


def format_filter(flt: ProcessFilter) -> str:
    parts = []
    for key, value in (("provider", flt.provider), ("model", flt.model), ("id", flt.id_prefix)):
        if value:
            parts.append(f"{key}:{shlex.quote(value)}")
    for key, when in (("since", flt.since), ("until", flt.until)):
        if when:
            parts.append(f"{key}:{when.isoformat()}")
    return " ".join(parts)
