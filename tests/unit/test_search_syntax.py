"""The search line and the hit snippets (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from procos_tui.core.search_syntax import (
    SearchMode,
    SearchSyntaxError,
    like_pattern,
    parse_search,
    regex_has_literal_run,
)
from procos_tui.core.snippets import snippet_parts


def test_terms_phrases_and_filters() -> None:
    req = parse_search('model:gpt-4o type:OUTPUT since:2026-01-01 "exact phrase" refund 100%_')
    assert req.terms == ("exact phrase", "refund", "100%_")
    assert (req.model, req.context_type, req.mode) == ("gpt-4o", "output", SearchMode.SUBSTRING)
    assert req.since == datetime(2026, 1, 1, tzinfo=UTC)
    req = parse_search('provider:"open ai" id:pi-00 until:2026-02-01T08:30+01:00 x\\y')
    assert (req.provider, req.process_prefix, req.terms) == ("open ai", "pi-00", ("x\\y",))
    assert req.until is not None and req.until.utcoffset() is not None
    # an unknown key is text, not an error: URLs and "note:" stay searchable
    assert parse_search("https://x.example/a note:b").terms == ("https://x.example/a", "note:b")


def test_regex_mode_keeps_the_pattern_as_typed() -> None:
    req = parse_search(r'type:input INV-\d{4}  "x" type2 mode:regex')
    assert req.mode is SearchMode.REGEX and req.context_type == "input"
    assert req.terms == (r'INV-\d{4}  "x" type2',)
    assert parse_search("foo type:output bar", SearchMode.REGEX).terms == ("foo bar",)


@pytest.mark.parametrize(("line", "message"), [
    ("type:reply x", "type: 'reply' is not one of"),
    ("since:yesterday x", "not an ISO date"),
    ("since:2026-02-01 until:2026-01-01 x", "since: must be before until:"),
    ("model:a model:b x", "model: given twice"),
    ("mode:sloppy x", "mode: 'sloppy' is not one of"),
    ('model:"" x', "model: needs a value"),
    ("refund model:", "model: needs a value"),
])
def test_mistakes_are_named(line: str, message: str) -> None:
    with pytest.raises(SearchSyntaxError, match=message):
        parse_search(line)


def test_short_terms_and_literal_runs() -> None:
    assert parse_search("ab refund").short_terms() == ["ab"]
    assert parse_search("ab refund").indexed and not parse_search("ab").indexed
    assert regex_has_literal_run(r"INV-\d+") and not regex_has_literal_run(r"(.)\1\1")
    assert not regex_has_literal_run("[abc][def][ghi]")


def test_like_pattern_escapes_its_own_characters() -> None:
    assert like_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"


def test_snippet_parts() -> None:
    text = "line one\n\tand the  NEEDLE here\r\nafter"
    start = text.index("NEEDLE")
    assert snippet_parts(text, start, 6) == ("line one and the ", "NEEDLE", " here after")
    before, match, after = snippet_parts("x" * 100 + "NEEDLE", 100, 6, lead=10)
    assert before == "…" + "x" * 9 and match == "NEEDLE" and after == ""
    assert snippet_parts(" a\nb ", -1, 0) == ("", "", "a b")
