"""Token counts of one `token_usage` value, whatever provider wrote it, split into input and
output where the shape says so.

The same rules as init-db.sql's procos_ai_token_input/_output/_total (a test holds the two to
each other); the SQL side is what rollups, sorting and stats use, this side is what the
conversation shows for one row.

Shapes (keys of a JSON object; other keys are ignored):

=========== ================================== ================================================
provider    input                              output
=========== ================================== ================================================
OpenAI      ``prompt_tokens``                  ``completion_tokens``
Anthropic   ``input_tokens``                   ``output_tokens``
Gemini      ``promptTokenCount``               ``candidatesTokenCount`` + ``thoughtsTokenCount``
Ollama      ``prompt_eval_count``              ``eval_count``
=========== ================================== ================================================

The total is ``total_tokens`` (or Gemini's ``totalTokenCount``) when the value has one, else
input + output. A count is a JSON number from 0 to 10^15, rounded half away from zero; anything
else (a string, a negative, a boolean) is absent. A row is *split* when both sides are known,
or one side and a total (the other side is then total minus it); otherwise its tokens count in
the total only (``total_tokens`` alone: unsplit). Anthropic's cache read/creation counts are
not added to the input: they are billed at other rates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

INPUT_KEYS = ("prompt_tokens", "input_tokens", "promptTokenCount", "prompt_eval_count")
OUTPUT_KEYS = ("completion_tokens", "output_tokens", "candidatesTokenCount",
               "thoughtsTokenCount", "eval_count")
TOTAL_KEYS = ("total_tokens", "totalTokenCount")
LARGEST = Decimal(10) ** 15


@dataclass(frozen=True)
class TokenSplit:
    input: int | None  # None: the shape does not say
    output: int | None
    total: int

    @property
    def split(self) -> bool:
        return self.input is not None and self.output is not None


UNKNOWN = TokenSplit(None, None, 0)


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None
    try:
        number = Decimal(value) if not isinstance(value, float) else Decimal(repr(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number > LARGEST:
        return None
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _side(usage: dict[str, Any], keys: tuple[str, ...]) -> int | None:
    counts = [_count(usage[k]) for k in keys if k in usage]
    known = [c for c in counts if c is not None]
    return sum(known) if known else None


def split_usage(usage: Any) -> TokenSplit:
    """The parsed value (a dict from JSON, numbers as int/float/Decimal) -> its counts."""
    if not isinstance(usage, dict):
        return UNKNOWN
    explicit: int | None = None
    for key in TOTAL_KEYS:
        # A total that is a number but out of range counts as 0, not as "absent": init-db's
        # procos_ai_token_total has always read it so, and the list's totals must not move.
        if key in usage and _is_number(usage[key]):
            explicit = _count(usage[key]) or 0
            break
    inp, out = _side(usage, INPUT_KEYS), _side(usage, OUTPUT_KEYS)
    total = explicit if explicit is not None else (inp or 0) + (out or 0)
    if inp is not None and out is not None:
        return TokenSplit(inp, out, total)
    if inp is not None and explicit is not None and explicit >= inp:
        return TokenSplit(inp, explicit - inp, total)
    if out is not None and explicit is not None and explicit >= out:
        return TokenSplit(explicit - out, out, total)
    return TokenSplit(None, None, total)


def split_usage_json(text: str | None) -> TokenSplit:
    """From token_usage as PostgreSQL printed it (hostile text allowed)."""
    if text is None:
        return UNKNOWN
    try:
        value = json.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError):
        return UNKNOWN
    return split_usage(value)
