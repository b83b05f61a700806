"""The process list's filter line: `provider:openai tokens:>5000 since:2d key:INV- 3f2a`.

A bare word is an id prefix. Keys:

- `provider:`, `model:`, `activity:` (an activity_id of one of its rows), `def:` (Camunda
  process definition key), `key:` (Camunda business key prefix), `id:` (instance id prefix);
- numbers of the whole instance, each with `>`, `>=`, `<`, `<=` or `=` (none means `>=`):
  `tokens:>5000` (total; `5k`, `2M` allowed), `calls:>=3`, `cost:>0.50` (the models' currency),
  `size:>10MB` (B, KB, MB, GB are powers of 1000; KiB, MiB, GiB of 1024),
  `latency:>30s` (the slowest interaction; ms, s, m, h; a bare number is seconds);
- `cut:yes` / `cut:no`: with / without outputs under 50 characters;
- times of the last activity: `since:` (at or after) and `until:` (before), as ISO 8601 (a
  date alone means midnight UTC), `today`, `yesterday` (midnight UTC), or an age: `30m`, `1h`,
  `2d`, `1w` (that long before now).

Unknown keys, bad numbers and dates are errors that name the offending word.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from procos_tui.core.search_syntax import SearchSyntaxError, parse_when
from procos_tui.core.types import Bound, ProcessFilter

# Key on the line -> ProcessFilter field.
TEXT_KEYS = {"provider": "provider", "model": "model", "id": "id_prefix",
             "activity": "activity", "def": "definition", "key": "business_key"}
NUMBER_KEYS = {"tokens": "tokens", "calls": "calls", "cost": "cost", "size": "size",
               "latency": "latency"}
KEYS = ("provider", "model", "since", "until", "id", "tokens", "calls", "cost", "size",
        "latency", "cut", "key", "def", "activity")

_NUMBER = re.compile(r"(?P<op>>=|<=|>|<|=)?\s*(?P<num>[0-9]+(?:\.[0-9]+)?)\s*(?P<unit>[A-Za-z]*)")
_UNITS: dict[str, dict[str, Decimal]] = {
    "tokens": {"": Decimal(1), "k": Decimal(1000), "m": Decimal(1_000_000)},
    "calls": {"": Decimal(1)},
    "cost": {"": Decimal(1)},
    "size": {"": Decimal(1), "b": Decimal(1), "kb": Decimal(1000), "mb": Decimal(10**6),
             "gb": Decimal(10**9), "kib": Decimal(1024), "mib": Decimal(1024**2),
             "gib": Decimal(1024**3)},
    "latency": {"": Decimal(1), "ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60),
                "min": Decimal(60), "h": Decimal(3600)},
}
_UNIT_HELP = {"tokens": "a whole number, or with k or M (tokens:>5k)",
              "calls": "a whole number (calls:>3)", "cost": "an amount (cost:>0.50)",
              "size": "a size in B, KB, MB, GB, KiB, MiB or GiB (size:>10MB)",
              "latency": "a duration in ms, s, m or h (latency:>30s)"}
_AGE = re.compile(r"(?P<n>[0-9]+)\s*(?P<unit>s|m|min|h|d|w)")
_AGE_UNITS = {"s": timedelta(seconds=1), "m": timedelta(minutes=1), "min": timedelta(minutes=1),
              "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_YES = {"yes": True, "y": True, "true": True, "1": True,
        "no": False, "n": False, "false": False, "0": False}


class FilterError(ValueError):
    pass


def parse_time(key: str, value: str, now: datetime | None = None) -> datetime:
    """An ISO time, `today`, `yesterday`, or an age before now (`1h`, `2d`)."""
    now = now or datetime.now(UTC)
    word = value.strip().lower()
    if word in ("today", "yesterday"):
        midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - timedelta(days=1) if word == "yesterday" else midnight
    age = _AGE.fullmatch(word)
    if age:
        try:
            return now - int(age["n"]) * _AGE_UNITS[age["unit"]]
        except OverflowError:
            raise FilterError(f"{key}: {value!r} reaches before year 1") from None
    try:
        return parse_when(key, value)
    except SearchSyntaxError as exc:
        raise FilterError(f"{exc}; or today, yesterday, or an age such as 1h, 2d") from None


def parse_bound(key: str, value: str) -> Bound:
    match = _NUMBER.fullmatch(value.strip())
    units = _UNITS[key]
    unit = (match["unit"] or "").lower() if match else ""
    if match is None or unit not in units:
        raise FilterError(f"{key}: {value!r} is not {_UNIT_HELP[key]}")
    try:
        number = Decimal(match["num"]) * units[unit]
    except InvalidOperation:
        raise FilterError(f"{key}: {value!r} is too large") from None
    if key in ("tokens", "calls", "size") and number != number.to_integral_value():
        raise FilterError(f"{key}: {value!r} must come to a whole number")
    if number > Decimal(10) ** 18:
        raise FilterError(f"{key}: {value!r} is too large")
    return Bound(match["op"] or ">=", number if key in ("cost", "latency")
                 else number.to_integral_value())


def parse_filter(line: str, now: datetime | None = None) -> ProcessFilter:
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
    now = now or datetime.now(UTC)
    since = parse_time("since", values["since"], now) if "since" in values else None
    until = parse_time("until", values["until"], now) if "until" in values else None
    if since and until and since >= until:
        raise FilterError("since: must be before until:")
    cut = None
    if "cut" in values:
        if values["cut"].lower() not in _YES:
            raise FilterError(f"cut: {values['cut']!r} is not yes or no")
        cut = _YES[values["cut"].lower()]
    kwargs: dict[str, object] = {field: values.get(key) for key, field in TEXT_KEYS.items()}
    kwargs.update({field: parse_bound(key, values[key]) for key, field in NUMBER_KEYS.items()
                   if key in values})
    return ProcessFilter(since=since, until=until, cut=cut, **kwargs)  # type: ignore[arg-type]


def _bound_text(bound: Bound) -> str:
    return f"{bound.op}{bound.value}"


def format_filter(flt: ProcessFilter) -> str:
    parts = []
    for key, field in (("provider", "provider"), ("model", "model"), ("id", "id_prefix"),
                       ("activity", "activity"), ("def", "definition"),
                       ("key", "business_key")):
        value = getattr(flt, field)
        if value:
            parts.append(f"{key}:{shlex.quote(value)}")
    for key, field in NUMBER_KEYS.items():
        bound = getattr(flt, field)
        if bound is not None:
            parts.append(f"{key}:{_bound_text(bound)}")
    if flt.cut is not None:
        parts.append(f"cut:{'yes' if flt.cut else 'no'}")
    for key, when in (("since", flt.since), ("until", flt.until)):
        if when:
            parts.append(f"{key}:{when.isoformat()}")
    return " ".join(parts)


def is_empty(flt: ProcessFilter) -> bool:
    return all(getattr(flt, f.name) is None for f in fields(flt))


# The keys whose values are names that rows hold: what completion and "did you mean" know.
NAMED_KEYS = {"provider": "provider", "model": "model", "activity": "activity",
              "def": "definition"}


def unknown_value(field: str, value: str, known: Sequence[str]) -> str | None:
    """"no such model 'gpt4o'; did you mean gpt-4o?" when no row has `value`, else None (a
    silent empty list would read as "nothing matches")."""
    if value in known:
        return None
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"no such {field} {value!r}{hint}"


def complete(line: str, known: Mapping[str, Sequence[str]]) -> str | None:
    """The line with its last word completed to the first value rows have that starts with
    it (case-insensitively), for `provider:`, `model:`, `activity:` and `def:` (`known` is
    keyed by NAMED_KEYS' fields); None when there is nothing to add."""
    head, _, word = line.rpartition(" ")
    key, sep, typed = word.partition(":")
    field = NAMED_KEYS.get(key.lower())
    if not sep or field is None:
        return None
    for value in known.get(field, ()):
        if value.lower().startswith(typed.lower()) and value != typed and " " not in value:
            return f"{head} {key}:{value}" if head else f"{key}:{value}"
    return None
