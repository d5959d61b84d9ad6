"""Usage -> cost in Decimal USD, from the price table; never raises on an unknown model."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from reviewbot.config.schema import Price
from reviewbot.domain import ModelRef, Usage

_MILLION = Decimal(1_000_000)


def cost(ref: ModelRef, usage: Usage, prices: Mapping[str, Price]) -> Decimal | None:
    """The cost of ``usage`` on ``ref``; None when the model has no price.

    Cache reads are billed at ``cached_input`` (else ``input``), cache writes at
    ``cache_write`` (else ``input``); reasoning tokens are already inside output tokens.
    """
    price = prices.get(str(ref))
    if price is None:
        return None
    cached = price.cached_input if price.cached_input is not None else price.input
    write = price.cache_write if price.cache_write is not None else price.input
    total = (
        usage.input_tokens * price.input
        + usage.cached_tokens * cached
        + usage.cache_write_tokens * write
        + usage.output_tokens * price.output
    )
    return total / _MILLION


def worst_case(
    ref: ModelRef, input_tokens: int, max_output_tokens: int, prices: Mapping[str, Price]
) -> Decimal | None:
    """An upper bound on one call: every input token uncached (or written to cache), full output."""
    price = prices.get(str(ref))
    if price is None:
        return None
    per_input = max(price.input, price.cache_write or price.input)
    return (input_tokens * per_input + max_output_tokens * price.output) / _MILLION
