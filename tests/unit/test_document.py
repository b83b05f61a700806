"""The pane's text model: wrap index, offsets, find; property-tested against direct slicing."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len, split_graphemes

from procos_tui.core import sanitize
from procos_tui.core.document import _SPECIAL, Document, WrapLayout, shown
from procos_tui.core.find import find_all
from procos_tui.core.highlight import MarkdownStyler, find_blocks, json_line_spans

texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400)
mixed = st.lists(st.sampled_from(["word ", "longerword ", "x" * 30, "\n", "\t", "\x1b[2J",
                                  "漢字", "e\u0301", "\u202e", "🙏🏽", " ", "a", "⚠\ufe0f",
                                  "✔\ufe0f", "1\ufe0f\u20e3", "\u200d", "👩\u200d💻",
                                  "x\u200d\u200d漢"]),
                 max_size=80).map("".join)


def rows_of(layout: WrapLayout) -> list[tuple[int, str]]:
    out = []
    for row in range(layout.row_count):
        line, sub = layout.locate(row)
        start, end = layout.row_span(line, sub)
        plain = (layout.shown(line).plain if layout.is_complex(line)
                 else layout.doc.line(line))
        out.append((line, plain[start:end]))
    return out


@settings(max_examples=300, deadline=None)
@given(st.one_of(texts, mixed), st.integers(min_value=2, max_value=50))
def test_rows_cover_every_line_exactly_and_fit(text: str, width: int) -> None:
    doc = Document(text)
    layout = WrapLayout(doc, width)
    rows = rows_of(layout)
    by_line: dict[int, str] = {}
    for line, piece in rows:
        by_line[line] = by_line.get(line, "") + piece
        # A row is wider than the pane only when its one grapheme or stand-in is (<U+202E>).
        assert cell_len(piece) <= width or len(split_graphemes(piece)[0]) == 1 or (
            piece.startswith("<U+") and len(piece) <= 10)
    assert sorted(by_line) == list(range(doc.line_count))
    for index in range(doc.line_count):
        assert by_line[index] == shown(doc.line(index)).plain


@settings(max_examples=200, deadline=None)
@given(st.one_of(texts, mixed), st.integers(min_value=2, max_value=40), st.data())
def test_row_of_offset_is_the_row_that_shows_it(text: str, width: int,
                                                 data: st.DataObject) -> None:
    doc = Document(text)
    layout = WrapLayout(doc, width)
    offset = data.draw(st.integers(min_value=0, max_value=max(0, len(text) - 1)))
    row = layout.row_of_offset(offset)
    line, _sub = layout.locate(row)
    assert line == doc.line_of(offset)
    assert layout.row_start_offset(row) <= offset
    # A stand-in (\\x80, <U+202E>) may run over rows: its character maps to the first.
    assert layout.row_of_offset(layout.row_start_offset(row)) <= row


def test_document_lines_and_selection_are_exact() -> None:
    doc = Document("a\r\nb\n\nc\t\x1b[31m")
    assert doc.line_count == 4
    assert [doc.line(i) for i in range(4)] == ["a\r", "b", "", "c\t\x1b[31m"]
    assert doc.lines_between(0, 3) == doc.text
    assert doc.lines_between(1, 2) == "b\n"


def test_stand_ins_match_the_sanitiser() -> None:
    for cp in list(range(0x00, 0x250)) + list(range(0x2000, 0x2070)) + [0xFEFF, 0xE0041]:
        ch = chr(cp)
        if ch == "\n":
            continue
        assert shown("x" + ch + "y").plain == sanitize.sanitize_plain("x" + ch + "y"), hex(cp)
        assert bool(_SPECIAL.search(ch)) == (sanitize.sanitize_plain(ch) != ch or ch == "\t")


def test_wide_line_wraps_at_words_and_ten_megabytes_lays_out() -> None:
    doc = Document("alpha beta gamma delta")
    layout = WrapLayout(doc, 11)
    assert [p for _, p in rows_of(layout)] == ["alpha beta ", "gamma delta"]
    big = Document(("lorem ipsum dolor sit amet " * 40 + "\n") * 9000)  # ~10 MB
    layout = WrapLayout(big, 80)
    assert layout.row_count > 9000
    last = layout.row_of_offset(len(big.text) - 2)
    assert layout.locate(last)[0] == big.line_count - 2


def test_find_is_smart_case_and_literal() -> None:
    doc = Document("Total 50% off\ntotal: 100%_x\nTOTAL")
    assert len(find_all(doc, "total")) == 3
    assert len(find_all(doc, "Total")) == 1
    assert [doc.text[a:b] for a, b in zip(find_all(doc, "%_").starts,
                                          find_all(doc, "%_").ends, strict=True)] == ["%_"]
    matches = find_all(doc, "total")
    assert matches.next_after(0) == 1 and matches.next_after(len(doc.text)) == 0
    assert matches.next_after(0, backwards=True) == 2


def test_fenced_blocks_and_markdown_styles() -> None:
    text = "# Title\n\n- item `code`\n\n```python\ndef f():\n    return 1\n```\ntail\n~~~\nopen"
    doc = Document(text)
    blocks = find_blocks(doc)
    assert [(b.first, b.last, b.language, b.closed) for b in blocks] == [
        (4, 7, "python", True), (9, 10, "", False)]
    styler = MarkdownStyler(doc)
    assert styler.line_spans(doc, 0)  # heading
    code = styler.line_spans(doc, 5)
    assert any(doc.line(5)[a:b] == "def" for a, b, _ in code)
    assert styler.line_spans(doc, 8) == []


def test_json_line_spans_tell_keys_from_values() -> None:
    line = '  "key": "value", "n": -1.5e3, "ok": true'
    spans = json_line_spans(line)
    words = {line[a:b] for a, b, _ in spans}
    assert {'"key"', '"value"', "-1.5e3", "true"} <= words
    assert re.search("x", "x")


def test_line_starts_across_the_window_boundaries() -> None:
    window = 1 << 20
    for text in ("a" * (window - 1) + "\nb\n" + "c" * window + "\n\n",
                 "\n" * (window + 3), "x" * window, "y" * (window + 1) + "\n"):
        expected = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                expected.append(i + 1)
        assert Document(text).starts == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["ab", "\t", "x", " ", "\x1b", "漢"]), max_size=30).map("".join))
def test_lazy_tab_lines_map_offsets_like_the_full_walk(line: str) -> None:
    lazy, full = shown(line), shown(line, lazy=False)
    assert lazy.plain == full.plain
    assert [lazy.to_display(i) for i in range(len(line) + 1)] == \
        [full.to_display(i) for i in range(len(line) + 1)]
    for i in range(len(line)):
        assert full.to_source(full.to_display(i)) == i
