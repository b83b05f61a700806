"""The pure parts of `backup verify`: COPY's text escapes, the archive header, the listing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procos_tui.core.backup import (
    DumpUnreadable,
    copy_field,
    copy_header,
    parse_archive_header,
    toc_tables,
)

_OUT = {0x08: b"\\b", 0x0C: b"\\f", 0x0A: b"\\n", 0x0D: b"\\r", 0x09: b"\\t", 0x0B: b"\\v",
        0x5C: b"\\\\"}


def copy_out(value: bytes) -> bytes:
    """What COPY TO writes for a text value (copyto.c, CopyAttributeOutText)."""
    return b"".join(_OUT.get(b, bytes([b])) for b in value)


@given(st.binary(max_size=300) | st.text(alphabet="\\\n\t\rab\b\f\v").map(str.encode))
def test_copy_field_undoes_what_copy_writes(value: bytes) -> None:
    assert copy_field(copy_out(value)) == value


def test_copy_field_general_escapes_and_null() -> None:
    assert copy_field(b"\\N") is None
    assert copy_field(b"a\\101\\x42\\.\\\\n") == b"aAB.\\n"
    assert copy_field(b"plain") == b"plain"
    # Where Python's escapes differ from COPY's: \\a is a, a one-digit \\x is hex.
    assert copy_field(b"\\a\\x4\\n") == b"a\x04\n"


def test_copy_header() -> None:
    assert copy_header(b"COPY public.procos_ai_context (id, content_text) FROM stdin;\n") == (
        "procos_ai_context", ["id", "content_text"])
    assert copy_header(b"COPY x FROM stdin;\n") is None


def test_archive_header_of_pg_dump_18() -> None:
    # The first bytes of a real `pg_dump -Fc` (18.6) archive.
    head = bytes.fromhex(
        "5047444d50011000040801010017000000002700000000080000000001000000000b0000"
        "00007e0000000000000000000b00000070726f636f735f64656d6f000400000031382e36"
        "000400000031382e36")
    header = parse_archive_header(head)
    assert header.version == (1, 16, 0) and header.dbname == "procos_demo"
    assert header.dump_version == "18.6" and header.dump_major == 18
    with pytest.raises(DumpUnreadable):
        parse_archive_header(b"-- PostgreSQL database dump")
    with pytest.raises(DumpUnreadable, match="cut off"):
        parse_archive_header(head[:40])


def test_toc_listing() -> None:
    listing = (";\n; Archive created at 2026-12-01 08:39:23 UTC\n;     dbname: procos_demo\n"
               "220; 1259 16467 TABLE public procos_ai_context postgres\n"
               "221; 1259 16481 TABLE public procos_ai_models postgres\n"
               "2706; 0 16481 TABLE DATA public procos_ai_models postgres\n")
    defined, data, facts = toc_tables(listing)
    assert defined == {"procos_ai_context", "procos_ai_models"} and data == {"procos_ai_models"}
    assert facts["created"] == "2026-12-01 08:39:23 UTC" and facts["dbname"] == "procos_demo"
