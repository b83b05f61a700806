"""What `check --roundtrip` sends: exact sizes, every hostile character it can, deep JSONB."""

from __future__ import annotations

import json

from procos_tui.core.roundtrip import MB, body, hostile_characters, nested_json, storable
from procos_tui.core.sanitize import UNSAFE_RANGES


def test_every_storable_hostile_character_is_in_every_body() -> None:
    expected = {chr(cp) for lo, hi in UNSAFE_RANGES for cp in range(lo, hi + 1) if storable(cp)}
    assert set(hostile_characters()) == expected
    assert "\x00" not in expected and "\x1b" in expected and "\u202e" in expected
    assert "\U000e0041" in expected and "\x9b" in expected
    for size in (MB, 3 * MB + 7):
        text = body(size)
        assert len(text.encode()) == size
        assert expected <= set(text)
        assert "👩‍💻" in text and "日本語" in text


def test_nested_json_is_as_deep_as_promised() -> None:
    value = nested_json(200)
    depth = 0
    while isinstance(value, dict) and any(k.startswith("level") for k in value):
        value = next(v for k, v in value.items() if k.startswith("level"))
        depth += 1
    assert depth == 200
    assert json.loads(json.dumps(nested_json(200))) == nested_json(200)
