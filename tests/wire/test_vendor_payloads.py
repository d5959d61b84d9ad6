"""The vendor fakes' replies parse as the SDKs' own response types, with no unknown fields."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pydantic
import pytest
from anthropic.types import Message
from google.genai.types import GenerateContentResponse
from openai.types.chat import ChatCompletion

from reviewbot.domain import Usage
from tests.fakeserver.vendors import PAYLOADS, VENDORS, canned, success_body

SDK_TYPES: dict[str, type[pydantic.BaseModel]] = {
    "anthropic": Message,
    "openai": ChatCompletion,
    "google": GenerateContentResponse,
}
FULL_USAGE = Usage(
    input_tokens=100,
    output_tokens=50,
    cached_tokens=900,
    cache_write_tokens=40,
    reasoning_tokens=20,
)


def _unknown_fields(model: Any, where: str = "") -> list[str]:
    """Paths of fields the SDK type does not declare (Stainless models accept extras)."""
    if isinstance(model, list):
        return [p for i, item in enumerate(model) for p in _unknown_fields(item, f"{where}[{i}]")]
    if not isinstance(model, pydantic.BaseModel):
        return []
    found = [f"{where}.{key}" for key in (model.model_extra or {})]
    for name in type(model).model_fields:
        found += _unknown_fields(getattr(model, name), f"{where}.{name}")
    return found


def _validate(vendor: str, body: dict[str, Any]) -> pydantic.BaseModel:
    parsed = SDK_TYPES[vendor].model_validate(body)
    assert _unknown_fields(parsed) == []
    return parsed


def test_every_vendor_has_one_canned_payload() -> None:
    assert len(list(PAYLOADS.glob("*.json"))) == len(VENDORS)


@pytest.mark.parametrize("vendor", VENDORS)
def test_canned_payload_is_a_valid_sdk_response(vendor: str) -> None:
    parsed = _validate(vendor, canned(vendor))
    text = {
        "anthropic": lambda m: m.content[0].text,
        "openai": lambda m: m.choices[0].message.content,
        "google": lambda m: m.text,
    }[vendor](parsed)
    assert json.loads(text) == {"summary": "No problems found.", "findings": []}


BUILDERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "usage": lambda v: success_body(v, '{"a": 1}', usage=FULL_USAGE, model="m"),
    "truncated": lambda v: success_body(
        v, '{"a"', finish={"anthropic": "max_tokens", "openai": "length"}.get(v, "MAX_TOKENS")
    ),
    "empty": lambda v: success_body(v, ""),
}


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_generated_replies_are_valid_sdk_responses(vendor: str, kind: str) -> None:
    _validate(vendor, BUILDERS[kind](vendor))
