"""Model prices, read from `procos_ai_models.config_data`, and what a call costs.

The documented keys (one object under ``pricing``)::

    {"pricing": {"input_per_million": 2.50, "output_per_million": "10.00", "currency": "USD"}}

- ``input_per_million`` / ``output_per_million``: the price of a million input / output
  tokens, a JSON number or a decimal string (``"2.50"``), from 0 to 1,000,000; both required.
- ``currency``: three capital letters (ISO 4217), ``USD`` when absent.

A model whose config has no ``pricing`` is unpriced; one whose ``pricing`` breaks a rule is
unpriced too, and the model form says why (``price_problems``). init-db.sql's
procos_ai_price_value() and the view procos_ai_model_prices apply the same rules on the
server, where rollups and stats price their tokens. Money is Decimal (numeric on the server),
never float; an unpriced call has no cost (None, shown as "—"), never a cost of zero.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

PRICING_KEY = "pricing"
INPUT_KEY = "input_per_million"
OUTPUT_KEY = "output_per_million"
CURRENCY_KEY = "currency"
DEFAULT_CURRENCY = "USD"
MAX_PRICE = Decimal(1_000_000)
MILLION = Decimal(1_000_000)
_DECIMAL_TEXT = re.compile(r"[0-9]{1,7}(\.[0-9]{1,12})?")
_CURRENCY = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True)
class Price:
    input_per_million: Decimal
    output_per_million: Decimal
    currency: str = DEFAULT_CURRENCY

    def cost(self, input_tokens: int, output_tokens: int) -> Decimal:
        return (input_tokens * self.input_per_million
                + output_tokens * self.output_per_million) / MILLION


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            return None
        number = Decimal(value)
    elif isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        return None
    try:
        if not number.is_finite() or number < 0 or number > MAX_PRICE:
            return None
    except InvalidOperation:
        return None
    return number


def price_problems(config: Any) -> list[str]:
    """Why the config's pricing is not a valid price (empty: valid, or no pricing at all)."""
    if not isinstance(config, dict) or PRICING_KEY not in config:
        return []
    pricing = config[PRICING_KEY]
    if not isinstance(pricing, dict):
        return [f"{PRICING_KEY} must be an object with {INPUT_KEY} and {OUTPUT_KEY}"]
    problems = []
    for key in (INPUT_KEY, OUTPUT_KEY):
        if key not in pricing:
            problems.append(f"{PRICING_KEY}.{key} is required")
        elif _amount(pricing[key]) is None:
            problems.append(f"{PRICING_KEY}.{key} must be a number from 0 to 1000000 "
                            "(a JSON number or a decimal string such as \"2.50\")")
    currency = pricing.get(CURRENCY_KEY, DEFAULT_CURRENCY)
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        problems.append(f"{PRICING_KEY}.{CURRENCY_KEY} must be three capital letters "
                        "(ISO 4217, e.g. USD)")
    return problems


def price_of(config: Any) -> Price | None:
    """The model's price, or None when it has none (or an invalid one)."""
    if not isinstance(config, dict) or price_problems(config):
        return None
    pricing = config.get(PRICING_KEY)
    if not isinstance(pricing, dict):
        return None
    inp, out = _amount(pricing.get(INPUT_KEY)), _amount(pricing.get(OUTPUT_KEY))
    if inp is None or out is None:
        return None
    return Price(inp, out, str(pricing.get(CURRENCY_KEY, DEFAULT_CURRENCY)))


def price_of_json(text: str | None) -> Price | None:
    if text is None:
        return None
    try:
        return price_of(json.loads(text, parse_float=Decimal))
    except (ValueError, RecursionError):
        return None


def format_cost(cost: Decimal | None, currency: str | None = None) -> str:
    """'—' for unknown; otherwise up to 4 decimals (cents hide what a cheap model costs)."""
    if cost is None:
        return "—"
    text = f"{cost.quantize(Decimal('0.0001')):,}"
    return f"{text} {currency}" if currency else text
