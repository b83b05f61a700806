"""The search line: `model:gpt-4o type:output since:2026-01-01 "exact phrase" refund`.

Filters are `key:value` (a value may be quoted). In substring and fuzzy mode every other word
is a term and a row must hold all of them; a double-quoted phrase is one term, spaces and
all. In regex mode everything that is not a filter is the one pattern, exactly as typed.
Nothing is an escape character: `%`, `_` and `\\` are literal (the SQL escapes them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

KEYS = ("type", "provider", "model", "since", "until", "id", "mode")
CONTEXT_TYPES = ("input", "output", "system")
# pg_trgm indexes three-character sequences: a shorter term cannot narrow the search.
MIN_INDEXED = 3

_TOKEN = re.compile(r'(?P<key>[A-Za-z]+):(?:"(?P<quoted>[^"]*)"|(?P<value>\S+))'
                    r'|"(?P<phrase>[^"]*)"|(?P<word>\S+)')


class SearchMode(StrEnum):
    SUBSTRING = "substring"
    FUZZY = "fuzzy"
    REGEX = "regex"

    def next(self) -> SearchMode:
        modes = list(SearchMode)
        return modes[(modes.index(self) + 1) % len(modes)]


class SearchSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class SearchRequest:
    terms: tuple[str, ...]
    mode: SearchMode = SearchMode.SUBSTRING
    context_type: str | None = None
    provider: str | None = None
    model: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    process_prefix: str | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def empty(self) -> bool:
        return not any(self.terms)

    def short_terms(self) -> list[str]:
        """Terms the trigram index cannot serve (regex: no literal run of three characters)."""
        if self.mode is SearchMode.REGEX:
            return [] if any(regex_has_literal_run(t) for t in self.terms) else list(self.terms)
        return [t for t in self.terms if len(t) < MIN_INDEXED]

    @property
    def indexed(self) -> bool:
        """Whether at least one term narrows the search through the trigram index."""
        if self.mode is SearchMode.REGEX:
            return not self.short_terms()
        return any(len(t) >= MIN_INDEXED for t in self.terms)


def regex_has_literal_run(pattern: str) -> bool:
    """A rough test of whether pg_trgm can extract a trigram: three plain characters in a row
    outside brackets and escapes (it errs towards 'no', which only changes the warning and
    the plan chosen, never the hits)."""
    run, depth, i = 0, 0, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            run, i = 0, i + 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        elif depth == 0 and (ch.isalnum() or ch in " -_'"):
            run += 1
            if run >= MIN_INDEXED:
                return True
            i += 1
            continue
        run = 0 if ch not in "()" else run
        i += 1
    return False


def parse_when(key: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SearchSyntaxError(f"{key}: {value!r} is not an ISO date or time "
                                "(for example 2026-11-01 or 2026-11-01T08:30)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_search(line: str, mode: SearchMode = SearchMode.SUBSTRING) -> SearchRequest:
    values: dict[str, str] = {}
    terms: list[str] = []
    kept: list[str] = []  # regex mode: the text between the filters, verbatim
    last = 0
    for match in _TOKEN.finditer(line):
        key = (match.group("key") or "").lower()
        if key in KEYS:
            value = match.group("quoted")
            value = match.group("value") if value is None else value
            if not value:
                raise SearchSyntaxError(f"{key}: needs a value")
            if key in values:
                raise SearchSyntaxError(f"{key}: given twice")
            values[key] = value
            kept.append(line[last:match.start()])
            last = match.end()
            if line[last:last + 1] == " ":  # "a type:output b" leaves "a b", not "a  b"
                last += 1
            continue
        phrase = match.group("phrase")
        word = match.group(0)
        if phrase is None and word.endswith(":") and word[:-1].lower() in KEYS:
            raise SearchSyntaxError(f"{word[:-1].lower()}: needs a value")
        terms.append(phrase if phrase is not None else word)
    kept.append(line[last:])
    if "mode" in values:
        try:
            mode = SearchMode(values["mode"].lower())
        except ValueError:
            raise SearchSyntaxError(f"mode: {values['mode']!r} is not one of "
                                    f"{', '.join(m.value for m in SearchMode)}") from None
    if mode is SearchMode.REGEX:
        pattern = "".join(kept).strip()
        terms = [pattern] if pattern else []
    terms = [t for t in terms if t]
    kind = values.get("type")
    if kind is not None:
        kind = kind.lower()
        if kind not in CONTEXT_TYPES:
            raise SearchSyntaxError(f"type: {values['type']!r} is not one of "
                                    f"{', '.join(CONTEXT_TYPES)}")
    since = parse_when("since", values["since"]) if "since" in values else None
    until = parse_when("until", values["until"]) if "until" in values else None
    if since and until and since >= until:
        raise SearchSyntaxError("since: must be before until:")
    return SearchRequest(tuple(terms), mode, kind, values.get("provider"), values.get("model"),
                         since, until, values.get("id"))


def like_pattern(term: str) -> str:
    """An ILIKE pattern matching term anywhere, with LIKE's own characters taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
