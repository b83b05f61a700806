"""What `check --roundtrip` writes and what it found: the guide's "Test AI worker storage after
database changes" and "Verify no truncation occurs with large AI responses", as data.

The bodies are multi-byte text holding every character the sanitiser knows as hostile (the
ones PostgreSQL's text can hold: NUL cannot be stored, a lone surrogate is not UTF-8), so a
database, driver or encoding setting that mangles any of them shows up as a difference.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from procos_tui.core.sanitize import UNSAFE_RANGES

MB = 1024 * 1024
DEFAULT_SIZES_MB = (1, 10, 50)
JSON_DEPTH = 200

# Text that takes 1, 2, 3 and 4 bytes a character, combining marks, ZWJ sequences, flags.
MULTI_BYTE = ("Grüße, naïve café — Ελληνικά, русский, עברית, عربي, हिन्दी, 日本語のテキスト, "
              "한국어, 中文 🙂👩‍💻🇪🇺 e\u0301 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﷺ ")


def storable(cp: int) -> bool:
    return cp != 0 and not 0xD800 <= cp <= 0xDFFF


def hostile_characters() -> str:
    """Every code point of every range the sanitiser replaces, that text can hold."""
    return "".join(chr(cp) for lo, hi in UNSAFE_RANGES for cp in range(lo, hi + 1)
                   if storable(cp))


NOT_STORABLE = "NUL (PostgreSQL text cannot hold it) and lone surrogates (not UTF-8)"


def body(size_bytes: int) -> str:
    """Text of exactly `size_bytes` UTF-8 bytes: the hostile characters and multi-byte text,
    repeated, with a numbered line every block so that a moved or dropped block differs."""
    block_core = hostile_characters() + MULTI_BYTE
    parts: list[str] = []
    total = 0
    n = 0
    while total < size_bytes:
        piece = f"\n[block {n}] " + block_core
        parts.append(piece)
        total += len(piece.encode())
        n += 1
    text = "".join(parts)
    raw = text.encode()[:size_bytes]
    # Cut at a character boundary, then pad with ASCII to the exact size.
    cut = raw.decode("utf-8", "ignore")
    return cut + "." * (size_bytes - len(cut.encode()))


def nested_json(depth: int = JSON_DEPTH) -> dict[str, Any]:
    """JSONB nested `depth` objects deep, with hostile keys and values at every level."""
    hostile = hostile_characters()
    value: dict[str, Any] = {"leaf": MULTI_BYTE, "numbers": [0, -1, 1.5, 10**18], "null": None}
    for level in range(depth):
        value = {f"level {level} {hostile[level % len(hostile)]}": value,
                 "text": MULTI_BYTE + hostile[: 1 + level % 40], "flag": level % 2 == 0}
    return value


def digest(text: str) -> tuple[int, str]:
    """UTF-8 length and md5, as the server computes them (octet_length, md5)."""
    data = text.encode()
    return len(data), hashlib.md5(data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class RowResult:
    size_bytes: int
    same: bool
    detail: str  # what differs, or the digest when the same
    write_s: float
    read_s: float

    @property
    def write_mb_s(self) -> float:
        return self.size_bytes / MB / self.write_s if self.write_s else 0.0

    @property
    def read_mb_s(self) -> float:
        return self.size_bytes / MB / self.read_s if self.read_s else 0.0


@dataclass
class RoundtripReport:
    server: str = ""
    rows: list[RowResult] = field(default_factory=list)
    json_same: bool = False
    json_detail: str = ""
    hostile_count: int = 0
    camunda: list[str] = field(default_factory=list)  # lines about act_ru_variable.text_

    @property
    def ok(self) -> bool:
        return self.json_same and all(r.same for r in self.rows)


class RoundtripRefused(Exception):
    """The round trip will not write here (read-only, a standby, no INSERT): one line why."""
