"""The process list's filter line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from procos_tui.core.filters import FilterError, format_filter, parse_filter
from procos_tui.core.types import ProcessFilter


def test_keys_dates_and_bare_words() -> None:
    flt = parse_filter('provider:openai model:"gpt 4o" since:2026-11-01 until:2026-11-02T08:30 ab')
    assert flt == ProcessFilter(provider="openai", model="gpt 4o",
                                since=datetime(2026, 11, 1, tzinfo=UTC),
                                until=datetime(2026, 11, 2, 8, 30, tzinfo=UTC), id_prefix="ab")
    assert parse_filter(format_filter(flt)) == flt
    assert parse_filter("") == ProcessFilter()


@pytest.mark.parametrize(("line", "message"), [
    ("colour:red", "unknown filter 'colour'"),
    ("since:someday", "since: .someday. is not an ISO date"),
    ("since:2026-11-02 until:2026-11-01", "since: must be before until:"),
    ("model:", "model: needs a value"),
    ("a b", "id: given twice"),
    ('model:"open', "cannot read the filter"),
])
def test_errors_name_the_word(line: str, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        parse_filter(line)
