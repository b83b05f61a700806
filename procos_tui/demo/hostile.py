"""Hostile demo content: strings a terminal UI must show as text, never interpret, and
content_data shapes that are not what the procos_ai_conversations view expects."""

from __future__ import annotations

import base64
import random
from typing import Any

from procos_tui.demo.corpus import zalgo


def single_line(rng: random.Random, size: int) -> str:
    """One line of `size` characters: a base64 blob, as pasted from a data: URL."""
    head = "data:application/octet-stream;base64,"
    return head + base64.b64encode(rng.randbytes((size - len(head)) * 3 // 4)).decode()[
        : size - len(head)]


# Strings a terminal UI must show as text, never interpret.
ANSI = (
    "Report ready.\x1b[2J\x1b[H\x1b]52;c;aGVsbG8=\x07\x1b]2;pwned\x07"
    "\x1b[31mRED ALERT\x1b[0m \x1b[5mblink\x1b[25m \x1b[8mhidden\x1b[28m "
    "\x1b[?1049h alt screen \x1b[?25l cursor off \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"
)
CONTROLS = (
    "bell\x07 backspace\x08\x08\x08XYZ del\x7f C1-CSI\x9b31m NEL\x85 OSC\x9d0;t\x9c "
    "vt\x0b ff\x0c cr-overwrite\rOK lone-esc\x1b tab\tend \x01\x02\x03\x1f"
)
BIDI = (
    "Total: \u202e00.001$\u202c — access_level != \"user\u202e \u2066// admin only\u2069 \u2066\"\n"
    "File: invoice\u202excod.exe\u202c \u200f\u200e zero\u200bwidth \ufeffbom \u2067عربي\u2069"
)
MARKUP = (
    "[@click=app.quit]click me[/] [/x] [bold red]not bold[/bold red] [link=https://evil.example]"
    "link[/link] [on red] $variable [b]unclosed \\[escaped] [[double]] [/] :smile: :red_circle:"
)


def hostile(case: str, rng: random.Random) -> tuple[Any, str | None, Any, str | None, Any]:
    """(input data, input text, output data, output text, token usage) of one hostile case."""
    query = "Summarise the attached customer message."
    body = {"ansi": ANSI, "controls": CONTROLS, "bidi": BIDI, "markup": MARKUP,
            "zalgo": zalgo(rng, "Your refund has been processed, thank you!", 12),
            "metadata": "The fields around this row carry escapes and markup."}.get(
                case, "Customer asks why order 7731 was charged twice.")
    inp: Any = {"query": f"{query} {body}".strip(), "context": body or None}
    text: str | None = f"Summary:\n\n{body}\n\n## Heading after {case}\n\n- item one\n- item two"
    out: Any = {"content": text, "finish_reason": "stop"}
    usage: Any = {"prompt_tokens": 180, "completion_tokens": 95, "total_tokens": 275}
    if case == "single-line":
        text = single_line(rng, 2_000_000)
        out = {"content": text, "finish_reason": "stop"}
    elif case == "json-string":
        text = out = "A bare JSON string where an object with 'content' was expected."
    elif case == "json-array":
        parts = ["First streamed chunk, ", "second chunk, ", "and the last one."]
        out, text, usage = [{"content": p, "index": i} for i, p in enumerate(parts)], "".join(
            parts), [180, 95]
    elif case == "json-number":
        out, text, usage = 42, "42", "n/a"
    elif case == "null-content":
        out, text, usage = {"content": None, "finish_reason": "content_filter"}, "", {
            "total_tokens": -5}
    elif case == "missing-keys":
        inp = {"messages": [{"role": "user", "content": query}], "temperature": 0.2}
        out = {"choices": [{"index": 0, "finish_reason": "stop",
                            "message": {"role": "assistant", "content": text}}]}
    elif case == "nested-content":
        out = {"content": {"type": "text", "text": text, "annotations": [{"n": [1, {"k": None}]}]},
               "finish_reason": "end_turn"}
    elif case == "no-text":
        text = None
    return inp, f"{query}\n\n{body}" if body else query, out, text, usage
