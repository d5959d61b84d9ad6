"""Usage -> cost in Decimal USD, from the price table; never raises on an unknown model.

A cloud resells a vendor's model under its own name: ``bedrock:`` a Bedrock model id
(``us.anthropic.claude-sonnet-4-5-20250929-v1:0``), ``vertex-anthropic:`` a Vertex AI one
(``claude-sonnet-4-5@20250929``), ``vertex:`` the Gemini model, ``azure:`` a deployment. Such a
reference is priced as the model it serves (``underlying``), times the cloud's regional premium
where it has one (``cloud_price``); ``config.load.prices_for`` adds those prices to the table for
every cloud model a config names, and a config's own ``prices:`` entry wins over them.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources

from reviewbot.config.schema import Price
from reviewbot.domain import ModelRef, Usage

_MILLION = Decimal(1_000_000)
GLOBAL_LOCATION = "global"
# A Bedrock model id, after any ARN prefix: an optional inference profile (``global.``, or a
# geography: ``us.``, ``eu.``, ``apac.``, ``jp.``, ``au.``, ``us-gov.`` ...), the provider, the
# model name, an optional date and an optional version (``-v1:0``).
_BEDROCK_ID = re.compile(
    r"^(?:(?P<profile>[a-z]{2,6}(?:-gov)?)\.)?anthropic\."
    r"(?P<name>claude-[a-z0-9.-]+?)(?:-\d{8})?(?:-v\d+(?::\d+)?)?$"
)
_GEMINI_VERSION = re.compile(r"-\d{3}$")  # a pinned Vertex AI version: gemini-2.0-flash-001


def underlying(
    ref: ModelRef, deployments: Mapping[str, str] | None = None
) -> tuple[ModelRef, bool] | None:
    """The model ``ref`` serves and whether its name says a regional endpoint; None if unknown.

    Args:
        ref: A model reference of a cloud backend (another one gives None).
        deployments: Azure OpenAI deployment name -> the OpenAI model it serves.

    Returns:
        ``(anthropic:claude-sonnet-4-5, True)`` for ``bedrock:us.anthropic.claude-sonnet-4-5-…``;
        a Vertex AI reference is never regional by its name (its location says so).
    """
    model = ref.model.strip()
    if ref.provider == "bedrock":
        found = _BEDROCK_ID.match(model.rsplit("/", 1)[-1])
        if found is None:
            return None
        regional = found.group("profile") != GLOBAL_LOCATION
        return ModelRef("anthropic", found.group("name")), regional
    if ref.provider == "vertex-anthropic":
        name = model.rsplit("/", 1)[-1].split("@", 1)[0]
        return (ModelRef("anthropic", name), False) if name.startswith("claude-") else None
    if ref.provider == "vertex":
        name = _GEMINI_VERSION.sub("", model.rsplit("/", 1)[-1])
        return ModelRef("google", name), False
    if ref.provider == "azure":
        return ModelRef("openai", (deployments or {}).get(model, model)), False
    return None


def cloud_price(
    ref: ModelRef,
    table: Mapping[str, Price],
    premiums: Mapping[str, Decimal],
    *,
    location: str | None = None,
    deployments: Mapping[str, str] | None = None,
    regional: bool = False,
) -> Price | None:
    """The list price of cloud model ``ref``: its underlying model's, times any premium.

    Args:
        ref: A cloud model reference.
        table: The vendors' prices (``anthropic:…``, ``openai:…``, ``google:…``).
        premiums: Underlying model -> its multiplier on a regional endpoint.
        location: The Vertex AI location a ``vertex-anthropic`` model is called in.
        deployments: Azure OpenAI deployment name -> the OpenAI model it serves.
        regional: Take the regional price whatever the name or location say.

    Returns:
        The price, or None when the model it serves is unknown.
    """
    found = underlying(ref, deployments)
    if found is None:
        return None
    base_ref, named_regional = found
    base = table.get(str(base_ref))
    if base is None:
        return None
    if ref.provider == "vertex-anthropic":
        named_regional = (location or GLOBAL_LOCATION) != GLOBAL_LOCATION
    regional = regional or named_regional
    factor = premiums.get(str(base_ref), Decimal(1)) if regional else Decimal(1)
    if factor == 1:
        return base
    return Price(
        input=base.input * factor,
        output=base.output * factor,
        cached_input=None if base.cached_input is None else base.cached_input * factor,
        cache_write=None if base.cache_write is None else base.cache_write * factor,
    )


@cache
def regional_premiums() -> dict[str, Decimal]:
    """Model -> its price's multiplier on a cloud's regional endpoint (the table's [clouds])."""
    text = resources.files("reviewbot.config").joinpath("pricing.toml").read_text(encoding="utf-8")
    table = tomllib.loads(text).get("clouds", {}).get("regional_premium", {})
    return {name: Decimal(str(value)) for name, value in table.items()}


def price_of(ref: ModelRef, prices: Mapping[str, Price]) -> Price | None:
    """``ref``'s price in ``prices``; a cloud model missing there, as the model it serves.

    ``prices_for`` prices every cloud model of the config with its location; one priced here
    instead is assumed on a regional endpoint, the dearer one, so a budget never counts low.
    """
    price = prices.get(str(ref))
    if price is not None or underlying(ref) is None:
        return price
    return cloud_price(ref, prices, regional_premiums(), location="", regional=True)


def cost(ref: ModelRef, usage: Usage, prices: Mapping[str, Price]) -> Decimal | None:
    """The cost of ``usage`` on ``ref``; None when the model has no price.

    Cache reads are billed at ``cached_input`` (else ``input``), cache writes at
    ``cache_write`` (else ``input``); reasoning tokens are already inside output tokens.
    """
    price = price_of(ref, prices)
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
    price = price_of(ref, prices)
    if price is None:
        return None
    per_input = max(price.input, price.cache_write or price.input)
    return (input_tokens * per_input + max_output_tokens * price.output) / _MILLION
