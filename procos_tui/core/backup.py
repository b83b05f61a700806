"""What `procos-tui backup verify` finds in a pg_dump: the AI tables' definitions and data,
row counts, per-row body digests, and why a file is not a usable dump.

Pure parts live here: the archive header, pg_restore's table of contents, and the COPY text
format the data comes in. db/backup.py runs the client tools and the database.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

# The tables the guide asks to be backed up, and those init-db.sql adds beside them.
AI_TABLES = ("procos_ai_context", "procos_ai_models")
OPTIONAL_TABLES = ("procos_ai_search_words", "procos_ai_search_words_state")
# The guide's truncation check: outputs under this many characters look cut.
SUSPECT_CHARS = 50


class DumpUnreadable(Exception):
    """Not a dump, a cut-off one, or one the client tools cannot read: one line why (exit 2)."""


@dataclass(frozen=True)
class ArchiveHeader:
    """The head of a custom, tar or directory archive (toc.dat): who made it."""

    version: tuple[int, int, int]  # the archive format's version, e.g. (1, 16, 0)
    dbname: str | None
    server_version: str | None  # "Dumped from database version"
    dump_version: str | None  # "Dumped by pg_dump version"

    @property
    def dump_major(self) -> int | None:
        return major(self.dump_version)


def major(version: str | None) -> int | None:
    match = re.match(r"(\d+)", version or "")
    return int(match.group(1)) if match else None


def parse_archive_header(head: bytes) -> ArchiveHeader:
    """pg_dump's archive header (pg_backup_archiver.c, WriteHead): magic, version bytes, int
    and offset sizes, format, compression, creation time, then the database name and the two
    version strings. Raises DumpUnreadable if `head` is not one."""
    if not head.startswith(b"PGDMP") or len(head) < 11:
        raise DumpUnreadable("not a pg_dump archive (no PGDMP header)")
    version = (head[5], head[6], head[7])
    int_size = head[8]
    pos = 11
    if not 1 <= int_size <= 8:
        raise DumpUnreadable("not a pg_dump archive (impossible integer size in its header)")

    def read_int() -> int:
        nonlocal pos
        if pos + 1 + int_size > len(head):
            raise DumpUnreadable("the archive header is cut off")
        sign, raw = head[pos], head[pos + 1: pos + 1 + int_size]
        pos += 1 + int_size
        value = int.from_bytes(raw, "little")
        return -value if sign else value

    def read_str() -> str | None:
        nonlocal pos
        n = read_int()
        if n < 0:
            return None
        if pos + n > len(head):
            raise DumpUnreadable("the archive header is cut off")
        text = head[pos: pos + n].decode("utf-8", "replace")
        pos += n
        return text

    if version >= (1, 15, 0):
        pos += 1  # compression algorithm, one byte
    elif version >= (1, 4, 0):
        read_int()  # compression level
    else:
        pos += 1
    if version >= (1, 4, 0):
        for _ in range(7):  # the creation time, field by field
            read_int()
    dbname = read_str()
    server = dump = None
    if version >= (1, 10, 0):
        server, dump = read_str(), read_str()
    return ArchiveHeader(version, dbname, server, dump)


# pg_restore --list: "220; 1259 16467 TABLE public procos_ai_context postgres".
_TOC_LINE = re.compile(r"^\d+; \d+ \d+ (TABLE DATA|TABLE) (\S+) (\S+) ")


def toc_tables(listing: str) -> tuple[set[str], set[str], dict[str, str]]:
    """From pg_restore --list: tables defined, tables with data, and the header's facts."""
    defined: set[str] = set()
    data: set[str] = set()
    facts: dict[str, str] = {}
    for line in listing.splitlines():
        if line.startswith(";"):
            comment = line[1:].strip()
            key, sep, value = comment.partition(":")
            if comment.startswith("Archive created at "):
                facts["created"] = comment.removeprefix("Archive created at ")
            elif sep and key:
                facts[key.strip()] = value.strip()
            continue
        match = _TOC_LINE.match(line)
        if match:
            (data if match.group(1) == "TABLE DATA" else defined).add(match.group(3))
    return defined, data, facts


# "ALTER TABLE ONLY public.procos_ai_context ATTACH PARTITION public.procos_ai_context_p2026_01
# FOR VALUES …": how a dump says which table a partition's rows belong to.
_ATTACH = re.compile(rb'^ALTER TABLE ONLY (?:\S+\.)?"?([^\s".]+)"? ATTACH PARTITION '
                     rb'(?:\S+\.)?"?([^\s".]+)"? ')


def attached_partition(line: bytes) -> tuple[str, str] | None:
    """(parent, partition) of a dump's ATTACH PARTITION statement, else None."""
    match = _ATTACH.match(line)
    if not match:
        return None
    return match.group(1).decode("utf-8", "replace"), match.group(2).decode("utf-8", "replace")


def toc_has_partitions(listing: str) -> bool:
    """pg_restore --list names attached partitions ("TABLE ATTACH") but not their parent."""
    return any(" TABLE ATTACH " in line for line in listing.splitlines()
               if not line.startswith(";"))


_ESCAPES = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_ESCAPE = re.compile(rb"\\(x[0-9A-Fa-f]{1,2}|[0-7]{1,3}|.)", re.DOTALL)


def _one_escape(match: re.Match[bytes]) -> bytes:
    code = match.group(1)
    if code in _ESCAPES:
        return _ESCAPES[code]
    if code[:1] == b"x" and len(code) > 1:
        return bytes([int(code[1:], 16)])
    if code[:1].isdigit() and code[:1] in b"01234567":
        return bytes([int(code, 8) & 0xFF])
    return code  # \\ and any other escaped character stand for themselves


def copy_field(raw: bytes) -> bytes | None:
    """One field of COPY's text format as its bytes; None for \\N.

    COPY TO writes only \\\\ and the six letter escapes, which Python's bytes escape decoder
    undoes in C (a regex callback per escaped newline halved the throughput). Where the two
    differ (an unknown escape, \\a, a one-digit \\x) the regex does it COPY's way."""
    if raw == b"\\N":
        return None
    if b"\\" not in raw:
        return raw
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)  # an unknown escape
            value: bytes = codecs.escape_decode(raw)[0]
    except (ValueError, DeprecationWarning):
        return _ESCAPE.sub(_one_escape, raw)
    if b"\x07" in value and b"\\a" in raw:
        return _ESCAPE.sub(_one_escape, raw)
    return value


def digest(value: bytes | None) -> tuple[int, str] | None:
    """Length in bytes and md5, as the server's octet_length() and md5() compute them."""
    if value is None:
        return None
    return len(value), hashlib.md5(value, usedforsecurity=False).hexdigest()


# "COPY public.procos_ai_context (id, process_instance_id, ...) FROM stdin;"
_COPY_HEAD = re.compile(rb"^COPY (?:(\S+)\.)?(\S+) \(([^)]*)\) FROM stdin;$")


def copy_header(line: bytes) -> tuple[str, list[str]] | None:
    """The table and columns of a COPY line, or None if the line is not one."""
    match = _COPY_HEAD.match(line.rstrip(b"\r\n"))
    if not match:
        return None
    table = match.group(2).decode("utf-8", "replace").strip('"')
    columns = [c.strip().strip('"') for c in match.group(3).decode("utf-8", "replace").split(",")]
    return table, columns


@dataclass
class TableInDump:
    table: str
    defined: bool = False
    data: bool = False  # a TABLE DATA entry (archive) or a COPY block (plain)
    rows: int = 0
    live_rows: int | None = None  # with --dsn

    def as_json(self) -> dict[str, Any]:
        return {"table": self.table, "defined": self.defined, "data": self.data,
                "rows": self.rows, "live_rows": self.live_rows}


@dataclass(frozen=True)
class BodyRow:
    """One procos_ai_context row as the dump holds it: its body's length and digest."""

    text: tuple[int, str] | None  # content_text: bytes, md5
    data: tuple[int, str] | None  # content_data as jsonb's text


@dataclass
class VerifyReport:
    dump: str = ""
    format: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    tables: dict[str, TableInDump] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)  # one line each
    suspects: list[tuple[str, str, int]] = field(default_factory=list)  # id, pid, chars
    suspect_count: int = 0
    compared: bool = False
    missing_from_dump: list[str] = field(default_factory=list)  # ids live, not dumped
    newer_than_dump: int = 0  # live rows not dumped, created after the dump: no finding
    not_live: list[str] = field(default_factory=list)  # ids dumped, no longer live
    differs: list[str] = field(default_factory=list)  # ids whose body differs
    bytes_read: int = 0
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {"dump": self.dump, "format": self.format, "facts": dict(self.facts),
                "tables": [t.as_json() for t in self.tables.values()],
                "findings": list(self.findings), "suspect_outputs": self.suspect_count,
                "suspects": [{"id": i, "process_instance_id": p, "chars": c}
                             for i, p, c in self.suspects],
                "compared_with_database": self.compared,
                "missing_from_dump": list(self.missing_from_dump),
                "newer_than_dump": self.newer_than_dump,
                "no_longer_in_database": list(self.not_live),
                "body_differs": list(self.differs),
                "bytes_read": self.bytes_read, "seconds": round(self.seconds, 3)}
