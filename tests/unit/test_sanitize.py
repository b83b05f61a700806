"""procos_tui.core.sanitize: stored text is hostile; nothing dangerous may reach the terminal."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import unicodedata
from io import StringIO

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from procos_tui.core.sanitize import (
    CONTROL_STYLE,
    clip,
    human_size,
    sanitize_line,
    sanitize_plain,
    sanitize_text,
    visible_escape,
)

# The forbidden set, written out from the spec rather than imported, so the tests can disagree.
FORMAT_FORBIDDEN = (
    {0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF, 0xFFF9, 0xFFFA, 0xFFFB}
    | set(range(0x202A, 0x202F))
    | set(range(0x2066, 0x2070))
    | set(range(0xE0000, 0xE0080))
)
HOSTILE = (
    [chr(c) for c in range(0x20)]
    + ["\x7f", "\x85", "\x9b", "\x9d", "\x9f"]
    + [chr(c) for c in sorted(FORMAT_FORBIDDEN)][:40]
    + ["\U000e0041", "\U000e007f"]
)
# Mostly arbitrary Unicode, with hostile characters far more often than chance would give.
hostile_text = st.text(st.one_of(st.characters(), st.sampled_from(HOSTILE)))
safe_chars = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])


def forbidden(ch: str, allow_newline: bool = False) -> bool:
    if ch == "\n" and allow_newline:
        return False
    cp = ord(ch)
    return unicodedata.category(ch) in ("Cc", "Cs") or cp in FORMAT_FORBIDDEN


def styled_positions(text: Text) -> set[int]:
    return {i for span in text.spans if span.style == CONTROL_STYLE for i in range(*span[:2])}


def render(text: Text) -> str:
    out = StringIO()
    Console(file=out, force_terminal=True, color_system="truecolor", width=80).print(text)
    return out.getvalue()


SGR = re.compile(r"\x1b\[[0-9;]*m")


def terminal_is_safe(output: str) -> bool:
    """Only Rich's own SGR styling may reach the terminal: no OSC, CSI other than SGR, BEL..."""
    rest = SGR.sub("", output)
    return "\x1b]" not in output and not any(forbidden(ch, allow_newline=True) for ch in rest)


@given(hostile_text)
def test_single_line_outputs_have_no_control_or_format_characters(s: str) -> None:
    line = sanitize_line(s)
    assert not any(forbidden(ch) for ch in line.plain)
    assert "\t" not in line.plain
    assert sanitize_plain(s) == line.plain


@given(hostile_text)
def test_multi_line_output_keeps_only_newlines(s: str) -> None:
    plain = sanitize_text(s).plain
    assert not any(forbidden(ch, allow_newline=True) for ch in plain)
    assert plain.count("\n") == s.replace("\r\n", "\n").count("\n")


@given(st.lists(st.one_of(st.text(safe_chars, min_size=1), st.sampled_from(HOSTILE))))
def test_stand_ins_are_styled_and_nothing_else_is(pieces: list[str]) -> None:
    pieces = [p for p in pieces if p not in ("\t", "\n", "\r")]  # tested on their own below
    expected, marked = "", set()
    for piece in pieces:
        shown = visible_escape(piece) if piece in HOSTILE else piece
        if piece in HOSTILE:
            marked |= set(range(len(expected), len(expected) + len(shown)))
        expected += shown
    line = sanitize_line("".join(pieces), style="italic")
    assert line.plain == expected
    assert styled_positions(line) == marked
    assert line.style == "italic"


@given(st.text(safe_chars))
@example("héllo wörld")
@example("日本語のテキスト")
@example("👨\u200d👩\u200d👧\u200d👦 ❤️ 👍🏽")
@example("e\u0301 a\u0308 \u0915\u094d\u0937")
@example("مرحبا بالعالم")
@example("می\u200cخواهم")  # Persian needs ZWNJ
@example("שלום")
def test_printable_text_passes_through_unchanged(s: str) -> None:
    for text in (sanitize_line(s), sanitize_text(s)):
        assert text.plain == s
        assert text.spans == []
    assert sanitize_plain(s) == s


@pytest.mark.parametrize(
    "markup",
    ["[@click=app.quit]x[/]", "[/x]", "[bold red]hi[/]", "[link=https://evil]x[/link]", ":smile:"],
)
def test_markup_lookalikes_stay_literal(markup: str) -> None:
    assert sanitize_line(markup).plain == markup
    assert sanitize_text(markup).spans == []
    assert markup in render(sanitize_text(markup))


@pytest.mark.parametrize(
    ("raw", "shown", "marked"),
    [
        ("\x1b]52;c;aGVsbG8=\x07", "␛]52;c;aGVsbG8=␇", {0, 15}),
        ("\x1b]2;pwned\x07", "␛]2;pwned␇", {0, 9}),
        ("\x1b[2J", "␛[2J", {0}),
        ("a\u202eb", "a<U+202E>b", set(range(1, 9))),
        ("\x9b31m", "\\x9b31m", {0, 1, 2, 3}),
        ("\x7f\x00", "␡␀", {0, 1}),
        ("x\ud800", "x<U+D800>", set(range(1, 9))),
        ("\U000e0069\U000e0067", "<U+E0069><U+E0067>", set(range(18))),
        ("a\u2028b", "a<U+2028>b", set(range(1, 9))),
    ],
)
def test_attacks_are_shown_escaped(raw: str, shown: str, marked: set[int]) -> None:
    for text in (sanitize_line(raw), sanitize_text(raw)):
        assert text.plain == shown
        assert styled_positions(text) == marked
        assert terminal_is_safe(render(text))
    assert sanitize_plain(raw) == shown
    sanitize_plain(raw).encode("utf-8")  # lone surrogates would raise here


def test_visible_escape_forms() -> None:
    assert visible_escape("\x1b") == "␛"
    assert visible_escape("\x07") == "␇"
    assert visible_escape("\x00") == "␀"
    assert visible_escape("\t") == "␉"
    assert visible_escape("\x7f") == "␡"
    assert visible_escape("\x9b") == "\\x9b"
    assert visible_escape("\x85") == "\\x85"
    assert visible_escape("\u202e") == "<U+202E>"
    assert visible_escape("\u2066") == "<U+2066>"
    assert visible_escape("\ufeff") == "<U+FEFF>"
    assert visible_escape("\U000e0041") == "<U+E0041>"
    assert visible_escape("a") == "a"
    assert visible_escape("\u200d") == "\u200d"
    with pytest.raises(ValueError):
        visible_escape("ab")


def test_newlines() -> None:
    text = sanitize_text("a\r\nb\rc\n")
    assert text.plain == "a\nb␍c\n"
    assert styled_positions(text) == {3}
    line = sanitize_line("a\r\nb\nc")
    assert line.plain == "a⏎b⏎c"
    assert styled_positions(line) == {1, 3}
    assert sanitize_plain("one\ntwo\r\nthree\r") == "one⏎two⏎three␍"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\tb", "a   b"),
        ("\tx", "    x"),
        ("abcd\tx", "abcd    x"),
        ("a\t\tb", "a       b"),
        ("日\tx", "日  x"),  # the wide character fills two of the four cells
        ("\x1b\tx", "␛   x"),
        ("\u202e\tx", "<U+202E>    x"),
    ],
)
def test_tabs_expand_to_four_cell_stops(raw: str, shown: str) -> None:
    assert sanitize_line(raw).plain == shown
    assert sanitize_text(raw).plain == shown


def test_tab_stops_restart_on_each_line_but_not_on_a_shown_newline() -> None:
    assert sanitize_text("ab\n\tc").plain == "ab\n    c"
    assert sanitize_line("ab\n\tc").plain == "ab⏎ c"  # the shown ⏎ takes a cell


@given(st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.just("\t")))
def test_ascii_tabs_match_expandtabs(s: str) -> None:
    assert sanitize_line(s).plain == s.expandtabs(4)


@given(hostile_text, st.integers(min_value=0, max_value=60))
@example("a" + "\u0301" * 5000 + "bcdefghijklmnop", 5)  # zero-width head: full-text fallback
@example("日本語" * 1000, 7)
@example("x" * 10_000 + "\x1b", 10)
@example("\u200d\u200d中中中中", 3)  # stray ZWJs: grapheme and cell widths disagree
def test_clip(s: str, width: int) -> None:
    clipped = clip(s, width)
    full = sanitize_plain(s)
    assert cell_len(clipped) <= width
    assert not any(forbidden(ch) for ch in clipped)
    if cell_len(full) <= width:
        assert clipped == full
    elif width > 0:
        assert clipped.endswith("…")
        assert full.startswith(clipped[:-1])
        assert cell_len(clipped) >= width - 2  # cut at most one wide character early
    else:
        assert clipped == ""


def test_clip_examples() -> None:
    assert clip("abcdef", 6) == "abcdef"
    assert clip("abcdefg", 6) == "abcde…"
    assert clip("日本語テキスト", 6) == "日本…"
    assert clip("e\u0301" * 4, 3) == "e\u0301e\u0301…"  # accents stay with their letters
    assert clip("ab\x1b[2Jcd", 6) == "ab␛[2…"
    assert clip("…", 1) == "…"
    assert clip("ab", 1) == "…"


@pytest.mark.parametrize(
    ("n", "shown"),
    [
        (0, "0 B"),
        (812, "812 B"),
        (1023, "1023 B"),
        (1024, "1.0 KB"),
        (1536, "1.5 KB"),
        (1024**2 - 1, "1.0 MB"),
        (20 * 1024**2, "20.0 MB"),
        (5 * 1024**3 + 1024**3 // 4, "5.2 GB"),
        (3 * 1024**4, "3.0 TB"),
    ],
)
def test_human_size(n: int, shown: str) -> None:
    assert human_size(n) == shown


@given(st.integers(min_value=0, max_value=1024**6))
def test_human_size_shape(n: int) -> None:
    number, unit = human_size(n).split(" ")
    assert unit in ("B", "KB", "MB", "GB", "TB", "PB", "EB")
    assert float(number) < 1024
    assert (unit == "B") == (n < 1024)


def test_human_size_rejects_negative() -> None:
    with pytest.raises(ValueError):
        human_size(-1)


@given(hostile_text)
@example("\x1b]52;c;aGVsbG8=\x07\x1b]2;pwned\x07\x1b[2J\x9b2J\x9d0;x\x9c\u202e")
def test_rendered_terminal_output_has_only_rich_sgr(s: str) -> None:
    for text in (sanitize_text(s, style="bold"), sanitize_line(s)):
        assert terminal_is_safe(render(text))


def test_safety_check_itself_catches_raw_text() -> None:
    # Rich does not strip ESC or C1 itself: without sanitising, the same pipeline leaks them.
    assert not terminal_is_safe(render(Text("\x1b]2;pwned\x07")))
    assert not terminal_is_safe(render(Text("\x1b[2J")))
    assert not terminal_is_safe(render(Text("\x9b2J")))
    assert not terminal_is_safe(render(Text("\u202eabc")))


@given(hostile_text)
def test_text_behaves_like_one_built_publicly(s: str) -> None:
    text = sanitize_text(s, style="green")
    public = Text(text.plain, style="green", spans=list(text.spans))
    assert (text.plain, len(text), text.spans) == (public.plain, len(public), public.spans)
    assert render(text) == render(public)
    text.append("[/x]")
    assert text.plain.endswith("[/x]")
    assert len(text) == len(text.plain)


def test_module_imports_no_textual() -> None:
    code = "import sys, procos_tui.core.sanitize; print(any('textual' in m for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_large_inputs_stay_fast() -> None:
    # Loose bounds, meant to catch quadratic behaviour rather than measure speed.
    line = ("lorem 日本語 \x1b[1mipsum\x1b[0m\tمرحبا " * 80_000)[:2_000_000]
    text = ("The quick brown fox jumps over the lazy dog 👍\n" * 420_000)[:20_000_000]
    started = time.perf_counter()
    assert len(sanitize_line(line)) > 2_000_000
    assert len(sanitize_text(text)) == len(text)
    assert time.perf_counter() - started < 5
