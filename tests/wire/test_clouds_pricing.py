"""Cloud model ids are priced as the model they serve, at the cloud's list price; and the
config's ``vendors:`` section is validated like the rest of the file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reviewbot.config.load import parse_config, prices_for
from reviewbot.config.schema import Price
from reviewbot.domain import ModelRef, Usage
from reviewbot.engine import pricing
from reviewbot.errors import ConfigError

SONNET = Price(
    input=Decimal("3"),
    output=Decimal("15"),
    cached_input=Decimal("0.30"),
    cache_write=Decimal("3.75"),
)
SONNET_REGIONAL = Price(
    input=Decimal("3.30"),
    output=Decimal("16.50"),
    cached_input=Decimal("0.330"),
    cache_write=Decimal("4.125"),
)


@pytest.mark.parametrize(
    ("ref", "served", "regional"),
    [
        ("bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic:claude-sonnet-4-5", True),
        (
            "bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic:claude-sonnet-4-5",
            False,
        ),
        ("bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic:claude-haiku-4-5", True),
        ("bedrock:eu.anthropic.claude-opus-4-5-20251101-v1:0", "anthropic:claude-opus-4-5", True),
        (
            "bedrock:apac.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic:claude-sonnet-4-5",
            True,
        ),
        (
            "bedrock:us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic:claude-sonnet-4-5",
            True,
        ),
        ("bedrock:global.anthropic.claude-opus-4-6-v1", "anthropic:claude-opus-4-6", False),
        (
            "bedrock:arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic:claude-sonnet-4-5",
            False,
        ),
        ("vertex-anthropic:claude-sonnet-4-5@20250929", "anthropic:claude-sonnet-4-5", False),
        ("vertex-anthropic:claude-opus-4-6", "anthropic:claude-opus-4-6", False),
        ("vertex:gemini-2.5-flash", "google:gemini-2.5-flash", False),
        ("vertex:gemini-2.5-pro-001", "google:gemini-2.5-pro", False),
        ("azure:gpt-5-mini", "openai:gpt-5-mini", False),
    ],
)
def test_a_cloud_model_id_maps_to_the_model_it_serves(
    ref: str, served: str, regional: bool
) -> None:
    found = pricing.underlying(ModelRef.parse(ref))
    assert found is not None
    assert (str(found[0]), found[1]) == (served, regional)


@pytest.mark.parametrize(
    "ref",
    [
        "bedrock:arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3",
        "bedrock:meta.llama3-70b-instruct-v1:0",
        "vertex-anthropic:mistral-large@2407",
        "anthropic:claude-sonnet-4-5",
    ],
)
def test_an_id_that_names_no_known_model_has_no_cloud_price(ref: str) -> None:
    assert pricing.underlying(ModelRef.parse(ref)) is None or ref.startswith("anthropic:")
    assert pricing.cost(ModelRef.parse(ref), Usage(1000, 100), {}) is None


def test_the_config_prices_its_cloud_models_with_the_regional_premium_where_it_applies() -> None:
    config = parse_config(
        "vendors: {vertex-anthropic: {location: us-east5}, azure: {deployments: {rev: gpt-5.4}}}\n"
        "steps:\n  security:\n    models:\n"
        "      - bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0\n"
        "      - bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0\n"
        "      - vertex-anthropic:claude-sonnet-4-5@20250929\n"
        "      - vertex:gemini-2.5-flash\n"
        "      - azure:rev\n"
    )
    prices = prices_for(config)

    assert prices["bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0"] == SONNET_REGIONAL
    assert prices["bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0"] == SONNET
    assert prices["vertex-anthropic:claude-sonnet-4-5@20250929"] == SONNET_REGIONAL
    assert prices["vertex:gemini-2.5-flash"] == prices["google:gemini-2.5-flash"]
    assert prices["azure:rev"] == prices["openai:gpt-5.4"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, SONNET),  # no location anywhere: the backend calls global
        ({"GOOGLE_CLOUD_LOCATION": "global"}, SONNET),
        ({"CLOUD_ML_REGION": "us-east5"}, SONNET_REGIONAL),
        ({"GOOGLE_CLOUD_LOCATION": "europe-west1"}, SONNET_REGIONAL),
    ],
)
def test_a_vertex_claude_price_follows_the_location_its_calls_use(
    env: dict[str, str], expected: Price
) -> None:
    config = parse_config(
        "steps: {security: {models: ['vertex-anthropic:claude-sonnet-4-5@20250929']}}\n"
    )
    assert prices_for(config, env)["vertex-anthropic:claude-sonnet-4-5@20250929"] == expected


def test_the_configs_own_price_for_a_cloud_model_wins() -> None:
    config = parse_config(
        "steps: {security: {models: ['azure:review-gpt']}}\n"
        "prices: {'azure:review-gpt': {input: 2.75, output: 16.5}}\n"
    )
    price = prices_for(config)["azure:review-gpt"]
    assert (price.input, price.output) == (Decimal("2.75"), Decimal("16.5"))


def test_a_cloud_model_outside_the_config_is_priced_at_the_dearer_regional_rate() -> None:
    prices = prices_for(parse_config(None))
    usage = Usage(input_tokens=1_000_000, output_tokens=0)
    ref = ModelRef.parse("vertex-anthropic:claude-sonnet-4-5@20250929")
    assert pricing.cost(ref, usage, prices) == Decimal("3.30")
    bound = pricing.worst_case(ref, 1_000_000, 0, prices)
    assert bound is not None and bound >= Decimal("3.30")


# ---------------------------------------------------------------- the vendors: section


def test_the_vendors_section_names_the_key_and_the_allowed_keys() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("vendors:\n  bedrock: {regoin: us-east-1}\n  acme: {}\n")
    text = str(caught.value)
    assert "vendors.bedrock.regoin: unknown key; allowed keys here: base_url, region" in text
    assert "allowed keys here: azure, bedrock, vertex, vertex-anthropic" in text


@pytest.mark.parametrize(
    "text",
    [
        "vendors: {azure: {endpoint: 'http://my-resource.openai.azure.com'}}",
        "vendors: {bedrock: {base_url: 'http://bedrock.internal'}}",
        "vendors: {vertex: {location: 'us east'}}",
        "vendors: {bedrock: {region: 'us-east-1/../x'}}",
    ],
)
def test_an_endpoint_off_https_or_an_odd_location_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="vendors"):
        parse_config(text)


def test_a_loopback_http_endpoint_is_allowed_for_local_servers() -> None:
    config = parse_config("vendors: {azure: {endpoint: 'http://127.0.0.1:8080'}}")
    assert config.vendors.azure.endpoint == "http://127.0.0.1:8080"


def test_an_unknown_cloud_provider_is_listed_with_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("steps: {security: {models: ['bedrok:anthropic.claude-x']}}")
    assert (
        "known providers: anthropic, openai, google, bedrock, vertex-anthropic, vertex, azure"
        in str(caught.value)
    )
