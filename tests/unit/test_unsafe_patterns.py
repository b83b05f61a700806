"""Every "unsafe character" pattern derives from core.sanitize's one set: each replaces exactly
what the sanitiser replaces, minus the exceptions it states."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from types import SimpleNamespace

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from procos_tui.cli.search import _json, _unsafe_in_json
from procos_tui.core import sanitize
from procos_tui.core.registry import _UNSAFE as EDITOR_UNSAFE
from procos_tui.core.registry import _pretty
from procos_tui.core.sanitize import UNSAFE_CLASS, sanitize_plain, unsafe_class
from procos_tui.ui.actions import _PAGER_UNSAFE, pager_input

# Code points around every edge of the set, plus samples of each block it touches.
_EDGES = sorted({cp + d for lo, hi in sanitize.UNSAFE_RANGES for cp in (lo, hi)
                 for d in (-1, 0, 1) if 0 <= cp + d <= 0x10FFFF})
_EXHAUSTIVE = [*range(0x3000), *range(0xD7F0, 0xE010), *range(0xFE00, 0x10000),
               *range(0xDFFF0, 0xE0100)]
code_points = st.integers(min_value=0, max_value=0x10FFFF)


def replaced_by_sanitiser(ch: str) -> bool:
    """The reference: one character the sanitiser shows otherwise (a stand-in, or spaces for
    a tab)."""
    return sanitize_plain(ch) != ch


def _editor(ch: str) -> bool:
    return bool(EDITOR_UNSAFE.fullmatch(ch))


def _cli_json(ch: str) -> bool:
    return bool(_unsafe_in_json().fullmatch(ch))


def _pager(ch: str) -> bool:
    return bool(_PAGER_UNSAFE.fullmatch(ch))  # on its own: a CR here ends no line


def _whole(ch: str) -> bool:
    return bool(re.fullmatch(f"[{UNSAFE_CLASS}]", ch))


def _line(ch: str) -> bool:
    return bool(sanitize._ANY_LINE.fullmatch(ch))


def _text(ch: str) -> bool:
    return bool(sanitize._ANY_TEXT.fullmatch(ch))


# (pattern, the characters it states it keeps although the sanitiser replaces them)
DERIVED: dict[str, tuple[Callable[[str], bool], str]] = {
    "UNSAFE_CLASS": (_whole, ""),
    "sanitiser, one line (tabs expanded)": (_line, "\t"),
    "sanitiser, text (tabs expanded, lines kept)": (_text, "\t\n"),
    # A lone CR is replaced (the pager would move to the line's start); only CR LF is kept.
    "pager (tab and line ends as stored)": (_pager, "\t\n"),
    "model editor (its JSON's line breaks)": (_editor, "\n"),
    "search --json (its JSON's line breaks)": (_cli_json, "\n"),
}


def _agrees(name: str, cp: int) -> None:
    matches, keeps = DERIVED[name]
    ch = chr(cp)
    assert matches(ch) == (replaced_by_sanitiser(ch) and ch not in keeps), (name, hex(cp))


@pytest.mark.parametrize("name", DERIVED)
def test_each_pattern_is_the_sanitisers_set_minus_its_exceptions(name: str) -> None:
    for cp in (*_EDGES, *_EXHAUSTIVE):
        _agrees(name, cp)


@pytest.mark.parametrize("name", DERIVED)
@given(cp=code_points)
@example(cp=0xD800)
@example(cp=0xE007F)
@example(cp=0x0D)
def test_each_pattern_agrees_on_any_code_point(name: str, cp: int) -> None:
    _agrees(name, cp)


def test_the_sanitisers_set_is_the_documented_one() -> None:
    assert [cp for cp in _EXHAUSTIVE if replaced_by_sanitiser(chr(cp))] == [
        cp for cp in _EXHAUSTIVE if any(lo <= cp <= hi for lo, hi in sanitize.UNSAFE_RANGES)]


def test_unsafe_class_keeps_exactly_what_it_is_told() -> None:
    assert unsafe_class() == UNSAFE_CLASS
    kept = re.compile(f"[{unsafe_class(keep=chr(0) + chr(0x9F) + chr(0xDA00))}]")
    assert not kept.match(chr(0)) and not kept.match(chr(0x9F)) and not kept.match(chr(0xDA00))
    assert all(kept.match(chr(cp)) for cp in (1, 0x9E, 0xD9FF, 0xDA01, 0xE0000))
    assert not any(ord(c) < 0x20 for c in UNSAFE_CLASS)  # escapes, not raw controls


def test_pager_keeps_crlf_and_replaces_a_lone_cr() -> None:
    assert pager_input("a\r\nb\rc\u2029\ud800").decode() == "a\r\nb␍c<U+2029><U+D800>"


def test_editor_escapes_keep_the_json_value() -> None:
    value = {"k": "a\tb\u202e\u2028\U000e0041\ud800\n"}
    shown = _pretty(json.dumps(value))
    assert not EDITOR_UNSAFE.search(shown)
    assert json.loads(shown) == value


# Lone surrogates one at a time: two in a row would read back as one astral character.
hostile = st.sampled_from(["\x9b", "\u202e", "\u2028", "\ufeff", "\U000e0041", "\ud800",
                           "\udfff", "\x1b", "\n"])


@given(st.lists(st.text() | hostile).map("x".join))
@example("a\x9b\u202e\U000e0041\ud800\u2028")
def test_search_json_escapes_keep_the_json_value(snippet: str) -> None:
    hit = SimpleNamespace(id="x", process_instance_id="x", context_type="x", created_at=None,
                          ai_provider=None, model_used=None, chars=0, position=0, match_len=0,
                          match_start=-1, matched=None, snippet=snippet)
    text = _json([hit])
    assert not _unsafe_in_json().search(text)
    assert json.loads(text)[0]["snippet"] == snippet
