"""Where pane text goes: the pager's input and export names."""

from __future__ import annotations

from procos_tui.core.sanitize import sanitize_plain
from procos_tui.ui.actions import (
    _PAGER_UNSAFE,
    check_export_path,
    default_export_name,
    pager_input,
)


def test_pager_input_keeps_every_character_and_defuses_controls() -> None:
    text = "a\tb\r\nc\x1b]52;c;SGk=\x07 d\u202e e\rf\x9b"
    out = pager_input(text).decode("utf-8")
    assert out == "a\tb\r\nc␛]52;c;SGk=␇ d<U+202E> e␍f\\x9b"
    assert "\x1b" not in out and "\u202e" not in out


def test_pager_replaces_what_the_sanitiser_replaces() -> None:
    for cp in [*range(0x300), *range(0x2000, 0x2070), 0xFEFF, 0xFFF9, 0xE0041]:
        ch = chr(cp)
        if ch in "\t\n\r":
            continue
        assert bool(_PAGER_UNSAFE.fullmatch(ch)) == (sanitize_plain(ch) != ch), hex(cp)


def test_export_names_are_safe_and_checked(tmp_path: object) -> None:
    assert default_export_name("a/b\x1b..c d") == "procos-a_b_..c_d.md"
    assert check_export_path("x.txt") is not None
    assert check_export_path("") is not None
    assert check_export_path(f"{tmp_path}/nope/x.md") is not None
    assert check_export_path(f"{tmp_path}/x.json") is None
