"""Outside text for the hostile-input tests: what a hostile reply, name or row tries."""

from __future__ import annotations

# A clipboard write, a window title, a screen clear, a C1 CSI and a bidi override.
ESCAPES = "\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b]2;owned\x07\x1b[2J\x9b31m\u202e"


def assert_safe(text: str) -> None:
    """Nothing in text would act on a terminal."""
    assert not any(c in text for c in "\x1b\x07\x9b\u202e"), repr(text)
