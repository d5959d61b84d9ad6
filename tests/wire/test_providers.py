"""The three providers through the real SDKs against the vendor fakes: replies, errors, retries."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from typing import Any

import pytest

from reviewbot.domain import ErrorKind, Usage
from reviewbot.errors import OutputError, ProviderError
from reviewbot.vendors.base import Completion, CompletionRequest, ProviderSettings, build_provider
from tests.fakeserver import fixtures
from tests.fakeserver.vendors import VENDORS, VendorFakes

# The fixtures, until tests/conftest.py provides them to every test module.
vendor_fakes_session = fixtures.vendor_fakes_session
vendor_fakes = fixtures.vendor_fakes

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "findings": {"type": "array", "items": {}}},
    "required": ["summary", "findings"],
    "additionalProperties": False,
}
REVIEW = {"summary": "One issue.", "findings": [{"path": "a.py", "line": 3}]}
OVERLOAD_STATUS = {"anthropic": 529, "openai": 503, "google": 503}


def _request(timeout_s: float | None = 5.0) -> CompletionRequest:
    return CompletionRequest(
        model="model-x",
        system="You review code.",
        prompt="Review this diff.",
        max_output_tokens=512,
        json_schema=SCHEMA,
        schema_name="review",
        timeout_s=timeout_s,
    )


async def _complete(settings: ProviderSettings, req: CompletionRequest) -> Completion:
    provider = build_provider(settings)
    try:
        return await provider.complete(req)
    finally:
        await provider.aclose()


def _call(
    fakes: VendorFakes,
    vendor: str,
    *,
    max_retries: int = 0,
    timeout_s: float | None = 5.0,
    settings: ProviderSettings | None = None,
) -> Completion:
    settings = settings or fakes.settings(vendor, max_retries=max_retries)
    return asyncio.run(_complete(settings, _request(timeout_s)))


def _fails(fakes: VendorFakes, vendor: str, **kwargs: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        _call(fakes, vendor, **kwargs)
    assert "test-key" not in str(caught.value)
    assert caught.value.provider == vendor
    return caught.value


# ---------------------------------------------------------------- success


WIRE_USAGE: dict[str, tuple[dict[str, Any], Usage]] = {
    "anthropic": (
        {
            "input_tokens": 120,
            "output_tokens": 30,
            "cache_creation_input_tokens": 50,
            "cache_read_input_tokens": 1000,
            "output_tokens_details": {"thinking_tokens": 7},
        },
        Usage(
            input_tokens=120,
            output_tokens=30,
            cached_tokens=1000,
            cache_write_tokens=50,
            reasoning_tokens=7,
        ),
    ),
    "openai": (
        {
            "prompt_tokens": 1200,
            "completion_tokens": 300,
            "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 1024},
            "completion_tokens_details": {"reasoning_tokens": 256},
        },
        Usage(input_tokens=176, output_tokens=300, cached_tokens=1024, reasoning_tokens=256),
    ),
    "google": (
        {
            "promptTokenCount": 3000,
            "candidatesTokenCount": 400,
            "cachedContentTokenCount": 2048,
            "thoughtsTokenCount": 500,
            "totalTokenCount": 3900,
        },
        Usage(input_tokens=952, output_tokens=900, cached_tokens=2048, reasoning_tokens=500),
    ),
}


def _schema_sent(vendor: str, body: dict[str, Any]) -> Any:
    if vendor == "anthropic":
        assert body["output_config"]["format"]["type"] == "json_schema"
        return body["output_config"]["format"]["schema"]
    if vendor == "openai":
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["name"] == "review"
        assert body["response_format"]["json_schema"]["strict"] is True
        return body["response_format"]["json_schema"]["schema"]
    assert body["generationConfig"]["responseMimeType"] == "application/json"
    return body["generationConfig"]["responseJsonSchema"]


def _system_sent(vendor: str, body: dict[str, Any]) -> Any:
    if vendor == "anthropic":
        assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
        return body["system"][0]["text"]
    if vendor == "openai":
        assert body["messages"][0]["role"] == "system"
        return body["messages"][0]["content"]
    return body["systemInstruction"]["parts"][0]["text"]


@pytest.mark.parametrize("vendor", VENDORS)
def test_success_returns_text_and_normalised_usage(vendor: str, vendor_fakes: VendorFakes) -> None:
    wire, expected = WIRE_USAGE[vendor]
    vendor_fakes.reply_json(vendor, REVIEW, usage=wire)

    done = _call(vendor_fakes, vendor)

    assert json.loads(done.text) == REVIEW
    assert done.usage == expected
    [sent] = vendor_fakes.requests_for(vendor)
    assert _schema_sent(vendor, sent.json) == SCHEMA
    assert _system_sent(vendor, sent.json) == "You review code."
    assert "Review this diff." in sent.text
    assert "model-x" in (sent.path if vendor == "google" else sent.json["model"])
    key_header = "x-goog-api-key" if vendor == "google" else "authorization"
    assert sent.headers[key_header].endswith("test-key")


@pytest.mark.parametrize("vendor", VENDORS)
def test_missing_usage_counts_as_zero(vendor: str, vendor_fakes: VendorFakes) -> None:
    vendor_fakes.reply_json(vendor, REVIEW, usage={})

    assert _call(vendor_fakes, vendor).usage == Usage()


# ---------------------------------------------------------------- retries


@pytest.mark.parametrize("vendor", VENDORS)
def test_rate_limit_is_retried_by_the_sdk(vendor: str, vendor_fakes: VendorFakes) -> None:
    vendor_fakes.fail(vendor, 429)  # retry-after-ms: 1, then the default success

    done = _call(vendor_fakes, vendor, max_retries=2)

    assert json.loads(done.text)["findings"] == []
    assert len(vendor_fakes.requests_for(vendor)) == 2


@pytest.mark.parametrize("vendor", VENDORS)
def test_overload_until_retries_run_out(vendor: str, vendor_fakes: VendorFakes) -> None:
    vendor_fakes.fail(vendor, OVERLOAD_STATUS[vendor], times=5)

    err = _fails(vendor_fakes, vendor, max_retries=2)

    assert err.kind is ErrorKind.OVERLOADED
    assert err.status == OVERLOAD_STATUS[vendor]
    assert len(vendor_fakes.requests_for(vendor)) == 3


@pytest.mark.parametrize("vendor", VENDORS)
def test_long_retry_after_beyond_deadline_moves_on_at_once(
    vendor: str, vendor_fakes: VendorFakes
) -> None:
    vendor_fakes.fail(vendor, 429, headers={"retry-after": "30"})

    err = _fails(vendor_fakes, vendor, max_retries=2, timeout_s=1.0)

    assert err.kind is ErrorKind.RATE_LIMITED
    assert err.retry_after == 30.0
    assert len(vendor_fakes.requests_for(vendor)) == 1


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize(("status", "kind"), [(400, ErrorKind.BAD_REQUEST), (401, ErrorKind.AUTH)])
def test_client_errors_are_not_retried(
    vendor: str, status: int, kind: ErrorKind, vendor_fakes: VendorFakes
) -> None:
    vendor_fakes.fail(vendor, status, message="nope", times=3)

    err = _fails(vendor_fakes, vendor, max_retries=2)

    assert (err.kind, err.status) == (kind, status)
    assert "nope" in str(err)
    assert len(vendor_fakes.requests_for(vendor)) == 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_context_too_long(vendor: str, vendor_fakes: VendorFakes) -> None:
    vendor_fakes.context_too_long(vendor)

    err = _fails(vendor_fakes, vendor, max_retries=2)

    assert err.kind is ErrorKind.CONTEXT_TOO_LONG
    assert len(vendor_fakes.requests_for(vendor)) == 1


# ---------------------------------------------------------------- transport


@pytest.mark.parametrize("vendor", VENDORS)
def test_reply_slower_than_the_deadline_times_out(vendor: str, vendor_fakes: VendorFakes) -> None:
    vendor_fakes.delay(vendor, 2.0, times=3)

    err = _fails(vendor_fakes, vendor, max_retries=2, timeout_s=0.3)

    assert err.kind is ErrorKind.TIMEOUT


@pytest.mark.parametrize("vendor", VENDORS)
def test_connection_refused(vendor: str, vendor_fakes: VendorFakes) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = vendor_fakes.base_url(vendor).replace(vendor_fakes.url, f"http://127.0.0.1:{port}")
    settings = dataclasses.replace(vendor_fakes.settings(vendor), base_url=base)

    err = _fails(vendor_fakes, vendor, settings=settings)

    assert err.kind is ErrorKind.CONNECTION


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("<html><body>502 Bad Gateway</body></html>", "text/html"),
        ("{not json", "application/json"),
        ("{}", "application/json"),
    ],
    ids=["html", "broken-json", "empty-object"],
)
def test_ok_status_without_a_protocol_reply_is_a_server_error(
    vendor: str, body: str, content_type: str, vendor_fakes: VendorFakes
) -> None:
    vendor_fakes.raw(vendor, body, content_type=content_type)

    err = _fails(vendor_fakes, vendor)

    assert err.kind is ErrorKind.SERVER_ERROR
    assert not isinstance(err, OutputError)


# ---------------------------------------------------------------- finish reasons


def _output_error(fakes: VendorFakes, vendor: str) -> OutputError:
    with pytest.raises(OutputError) as caught:
        _call(fakes, vendor)
    return caught.value


@pytest.mark.parametrize("vendor", VENDORS)
def test_refusal(vendor: str, vendor_fakes: VendorFakes) -> None:
    vendor_fakes.refuse(vendor)

    err = _output_error(vendor_fakes, vendor)

    assert err.kind is ErrorKind.REFUSED
    assert err.usage.input_tokens == 1200


def test_gemini_blocked_prompt_is_a_refusal(vendor_fakes: VendorFakes) -> None:
    vendor_fakes.refuse("google", prompt_blocked=True)

    err = _output_error(vendor_fakes, "google")

    assert err.kind is ErrorKind.REFUSED
    assert "PROHIBITED_CONTENT" in str(err)


@pytest.mark.parametrize("vendor", VENDORS)
def test_truncated_reply_keeps_its_usage(vendor: str, vendor_fakes: VendorFakes) -> None:
    vendor_fakes.truncate(vendor, usage=Usage(input_tokens=1000, output_tokens=512))

    err = _output_error(vendor_fakes, vendor)

    assert err.kind is ErrorKind.INVALID_OUTPUT
    assert err.args[0] == "reply cut off at max_tokens"
    assert (err.usage.input_tokens, err.usage.output_tokens) == (1000, 512)


@pytest.mark.parametrize("vendor", VENDORS)
def test_empty_reply(vendor: str, vendor_fakes: VendorFakes) -> None:
    vendor_fakes.empty(vendor)

    err = _output_error(vendor_fakes, vendor)

    assert err.kind is ErrorKind.INVALID_OUTPUT
    assert err.usage.input_tokens == 1200


# ---------------------------------------------------------------- vendor specifics


def test_gemini_invalid_key_is_auth_though_sent_as_400(vendor_fakes: VendorFakes) -> None:
    vendor_fakes.fail("google", 400, message="API key not valid. Please pass a valid API key.")

    assert _fails(vendor_fakes, "google").kind is ErrorKind.AUTH


def test_openai_compatible_endpoint_uses_its_own_name_key_and_cache_counts(
    vendor_fakes: VendorFakes,
) -> None:
    settings = vendor_fakes.settings("openai", name="deepseek", api_key="ds-key")
    usage = {"prompt_tokens": 1000, "completion_tokens": 20, "prompt_cache_hit_tokens": 800}
    vendor_fakes.reply_json("openai", REVIEW, usage=usage)
    vendor_fakes.fail("openai", 401)

    done = _call(vendor_fakes, "openai", settings=settings)
    with pytest.raises(ProviderError) as caught:
        _call(vendor_fakes, "openai", settings=settings)

    assert done.usage == Usage(input_tokens=200, output_tokens=20, cached_tokens=800)
    assert caught.value.provider == "deepseek"
    assert vendor_fakes.requests_for("openai")[0].headers["authorization"] == "Bearer ds-key"
