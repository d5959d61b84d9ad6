"""Fakes of the Anthropic, OpenAI and Gemini wire protocols, scriptable per vendor.

One ``FakeServer`` serves all three vendors:

- Anthropic ``POST /v1/messages``
- OpenAI ``POST /v1/chat/completions``
- Gemini ``POST /v1/models/{model}:generateContent`` (and ``/v1beta/...``)

By default every route answers a valid, empty review (``{"summary": ..., "findings": []}``)
with realistic usage, echoing the requested model. Tests queue one-off replies with the
methods below; queued replies are served in order, then the default takes over again.
Vendor names are the provider kinds: ``anthropic``, ``openai``, ``google`` (``gemini``
is accepted as an alias).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from reviewbot.domain import Usage
from reviewbot.providers import ProviderSettings
from tests.fakeserver.base import FakeServer, Recorded, Reply

PAYLOADS = Path(__file__).parent / "payloads"
EMPTY_REVIEW = {"summary": "No problems found.", "findings": []}
DEFAULT_USAGE = Usage(input_tokens=1200, output_tokens=30)

ROUTES: dict[str, str] = {
    "anthropic": r"/v1/messages",
    "openai": r"/v1/chat/completions",
    "google": r"/v1(?:beta)?/models/(?P<model>[^/:]+):generateContent",
}
VENDORS: tuple[str, ...] = tuple(ROUTES)
_ALIASES = {"gemini": "google"}
_PAYLOAD_FILES = {
    "anthropic": "anthropic_message.json",
    "openai": "openai_chat_completion.json",
    "google": "gemini_generate_content.json",
}
_CONTEXT_TOO_LONG = {
    "anthropic": "prompt is too long: 250000 tokens > 200000 maximum",
    "openai": (
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 250000 tokens. Please reduce the length of the messages."
    ),
    "google": (
        "The input token count (2500000) exceeds the maximum number of tokens allowed (1048576)."
    ),
}
_RETRYABLE = {408, 409, 429, 500, 502, 503, 504, 529}


def vendor_name(vendor: str) -> str:
    """The canonical vendor name (``gemini`` -> ``google``); raise on an unknown one."""
    name = _ALIASES.get(vendor, vendor)
    if name not in ROUTES:
        raise ValueError(f"unknown vendor {vendor!r}; expected one of {VENDORS}")
    return name


def canned(vendor: str) -> dict[str, Any]:
    """A fresh copy of the vendor's canned success payload."""
    data: dict[str, Any] = json.loads((PAYLOADS / _PAYLOAD_FILES[vendor_name(vendor)]).read_text())
    return data


def wire_usage(vendor: str, usage: Usage) -> dict[str, Any]:
    """Encode a normalised ``Usage`` the way ``vendor`` reports it on the wire."""
    vendor = vendor_name(vendor)
    if vendor == "anthropic":
        out: dict[str, Any] = {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_creation_input_tokens": usage.cache_write_tokens,
            "cache_read_input_tokens": usage.cached_tokens,
            "cache_creation": {
                "ephemeral_5m_input_tokens": usage.cache_write_tokens,
                "ephemeral_1h_input_tokens": 0,
            },
        }
        if usage.reasoning_tokens:
            out["output_tokens_details"] = {"thinking_tokens": usage.reasoning_tokens}
        return out
    if vendor == "openai":
        prompt = usage.input_tokens + usage.cached_tokens + usage.cache_write_tokens
        details: dict[str, Any] = {"cached_tokens": usage.cached_tokens, "audio_tokens": 0}
        if usage.cache_write_tokens:
            details["cache_write_tokens"] = usage.cache_write_tokens
        return {
            "prompt_tokens": prompt,
            "completion_tokens": usage.output_tokens,
            "total_tokens": prompt + usage.output_tokens,
            "prompt_tokens_details": details,
            "completion_tokens_details": {
                "reasoning_tokens": usage.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }
    prompt = usage.input_tokens + usage.cached_tokens
    meta: dict[str, Any] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": usage.output_tokens - usage.reasoning_tokens,
        "totalTokenCount": prompt + usage.output_tokens,
    }
    if usage.cached_tokens:
        meta["cachedContentTokenCount"] = usage.cached_tokens
    if usage.reasoning_tokens:
        meta["thoughtsTokenCount"] = usage.reasoning_tokens
    return meta


def success_body(
    vendor: str,
    text: str,
    *,
    usage: Usage | dict[str, Any] | None = None,
    model: str | None = None,
    finish: str | None = None,
) -> dict[str, Any]:
    """A vendor success body carrying ``text``.

    Args:
        vendor: Vendor name.
        text: The reply text (JSON for a review).
        usage: Normalised usage (encoded per vendor) or a raw wire usage dict sent verbatim.
        model: Model to report; the canned one when None.
        finish: The vendor's own stop/finish reason; its normal "done" reason when None.
    """
    vendor = vendor_name(vendor)
    body = canned(vendor)
    wire = usage if isinstance(usage, dict) else wire_usage(vendor, usage or DEFAULT_USAGE)
    if vendor == "anthropic":
        body["content"] = [{"type": "text", "text": text}] if text else []
        body["stop_reason"] = finish or "end_turn"
        body["usage"] = wire
        body["model"] = model or body["model"]
    elif vendor == "openai":
        choice = body["choices"][0]
        choice["message"]["content"] = text
        choice["finish_reason"] = finish or "stop"
        body["usage"] = wire
        body["model"] = model or body["model"]
    else:
        candidate = body["candidates"][0]
        candidate["content"]["parts"] = [{"text": text}] if text else []
        candidate["finishReason"] = finish or "STOP"
        body["usageMetadata"] = wire
        body["modelVersion"] = model or body["modelVersion"]
    return body


def error_body(vendor: str, status: int, message: str) -> dict[str, Any]:
    """The vendor's JSON error body for ``status``."""
    vendor = vendor_name(vendor)
    if vendor == "anthropic":
        kind = {
            400: "invalid_request_error",
            401: "authentication_error",
            403: "permission_error",
            404: "not_found_error",
            413: "request_too_large",
            429: "rate_limit_error",
            529: "overloaded_error",
        }.get(status, "api_error")
        return {
            "type": "error",
            "error": {"type": kind, "message": message},
            "request_id": "req_fake",
        }
    if vendor == "openai":
        kind, code = {
            400: ("invalid_request_error", None),
            401: ("invalid_request_error", "invalid_api_key"),
            429: ("requests", "rate_limit_exceeded"),
        }.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
        return {"error": {"message": message, "type": kind, "param": None, "code": code}}
    google_status = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        429: "RESOURCE_EXHAUSTED",
        503: "UNAVAILABLE",
        504: "DEADLINE_EXCEEDED",
    }.get(status, "INTERNAL")
    return {"error": {"code": status, "message": message, "status": google_status}}


def _request_id_header(vendor: str) -> dict[str, str]:
    """The response header each vendor's SDK reads the request id from."""
    name = {"anthropic": "request-id", "openai": "x-request-id"}.get(vendor_name(vendor))
    return {name: "req_fake"} if name else {}


class VendorFakes:
    """One fake server speaking all three vendor protocols, with a scripting API."""

    def __init__(self, server: FakeServer | None = None) -> None:
        self.server = server or FakeServer()
        self._owns_server = server is None
        self._defaults: dict[str, tuple[str, Usage | dict[str, Any] | None]] = {}
        for vendor, pattern in ROUTES.items():
            self.server.route("POST", pattern, self._default_handler(vendor))

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT``."""
        return self.server.url

    # ---------------------------------------------------------------- settings

    def base_url(self, vendor: str) -> str:
        """The ``base_url`` each SDK needs to reach this fake (OpenAI's includes ``/v1``)."""
        return self.url + "/v1" if vendor_name(vendor) == "openai" else self.url

    def settings(
        self,
        vendor: str,
        *,
        name: str | None = None,
        max_retries: int = 0,
        timeout_s: float = 10.0,
        api_key: str = "test-key",
    ) -> ProviderSettings:
        """``ProviderSettings`` pointing at this fake; retries are off unless asked for."""
        vendor = vendor_name(vendor)
        return ProviderSettings(
            name=name or vendor,
            kind=vendor,
            api_key=api_key,
            base_url=self.base_url(vendor),
            key_env=f"{vendor.upper()}_API_KEY",
            timeout_s=timeout_s,
            max_retries=max_retries,
        )

    # ---------------------------------------------------------------- scripting

    def queue(self, vendor: str, *replies: Reply) -> None:
        """Queue raw replies for ``vendor``'s route, served before the default."""
        self.server.script("POST", ROUTES[vendor_name(vendor)], *replies)

    def set_default(
        self, vendor: str, obj: Any = None, *, text: str | None = None, usage: Usage | None = None
    ) -> None:
        """Change what ``vendor`` answers when nothing is queued (until the next reset)."""
        body = text if text is not None else json.dumps(EMPTY_REVIEW if obj is None else obj)
        self._defaults[vendor_name(vendor)] = (body, usage)

    def reply_json(
        self,
        vendor: str,
        obj: Any,
        *,
        usage: Usage | dict[str, Any] | None = None,
        model: str | None = None,
        times: int = 1,
        delay_s: float = 0.0,
    ) -> None:
        """Queue a success whose text is ``json.dumps(obj)``."""
        self.reply_text(
            vendor, json.dumps(obj), usage=usage, model=model, times=times, delay_s=delay_s
        )

    def reply_text(
        self,
        vendor: str,
        text: str,
        *,
        usage: Usage | dict[str, Any] | None = None,
        model: str | None = None,
        finish: str | None = None,
        times: int = 1,
        delay_s: float = 0.0,
    ) -> None:
        """Queue a success carrying ``text`` verbatim (need not be JSON)."""
        body = success_body(vendor, text, usage=usage, model=model, finish=finish)
        replies = [
            Reply(200, copy.deepcopy(body), _request_id_header(vendor), delay_s=delay_s)
            for _ in range(times)
        ]
        self.queue(vendor, *replies)

    def fail(
        self,
        vendor: str,
        status: int,
        *,
        message: str | None = None,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Queue ``times`` error replies in the vendor's error shape.

        Retryable statuses carry ``retry-after-ms: 1`` unless ``headers`` is given, so the
        SDKs' retries are fast. Every error carries a request id header.
        """
        vendor = vendor_name(vendor)
        text = message or f"fake error {status}"
        hdrs = dict(headers) if headers is not None else {}
        if headers is None and status in _RETRYABLE:
            hdrs["retry-after-ms"] = "1"
        hdrs.update({k: v for k, v in _request_id_header(vendor).items() if k not in hdrs})
        body = error_body(vendor, status, text)
        self.queue(vendor, *[Reply(status, copy.deepcopy(body), dict(hdrs)) for _ in range(times)])

    def context_too_long(self, vendor: str, *, times: int = 1) -> None:
        """Queue the vendor's real 400 "prompt/context too long" error."""
        vendor = vendor_name(vendor)
        body = error_body(vendor, 400, _CONTEXT_TOO_LONG[vendor])
        if vendor == "openai":  # OpenAI also says it in ``code``
            body["error"]["code"] = "context_length_exceeded"
        hdrs = _request_id_header(vendor)
        self.queue(vendor, *[Reply(400, copy.deepcopy(body), dict(hdrs)) for _ in range(times)])

    def delay(self, vendor: str, seconds: float, *, times: int = 1) -> None:
        """Queue the default success, each answered after ``seconds``."""
        vendor = vendor_name(vendor)
        text, usage = self._defaults.get(vendor, (json.dumps(EMPTY_REVIEW), None))
        self.reply_text(vendor, text, usage=usage, times=times, delay_s=seconds)

    def refuse(
        self, vendor: str, *, usage: Usage | None = None, prompt_blocked: bool = False
    ) -> None:
        """Queue the vendor's refusal (Gemini: SAFETY, or a blocked prompt if asked)."""
        vendor = vendor_name(vendor)
        body = success_body(vendor, "", usage=usage or Usage(input_tokens=1200, output_tokens=5))
        if vendor == "anthropic":
            body["stop_reason"] = "refusal"
        elif vendor == "openai":
            message = body["choices"][0]["message"]
            message["content"] = None
            message["refusal"] = "I'm sorry, I can't help with that."
        elif prompt_blocked:
            del body["candidates"]
            body["promptFeedback"] = {"blockReason": "PROHIBITED_CONTENT"}
        else:
            body["candidates"][0] = {"finishReason": "SAFETY", "index": 0}
        self.queue(vendor, Reply(200, body, _request_id_header(vendor)))

    def truncate(self, vendor: str, *, usage: Usage | None = None) -> None:
        """Queue a reply cut off at max tokens (partial JSON text, the vendor's stop reason)."""
        vendor = vendor_name(vendor)
        finish = {"anthropic": "max_tokens", "openai": "length", "google": "MAX_TOKENS"}[vendor]
        used = usage or Usage(input_tokens=1200, output_tokens=4096)
        self.reply_text(vendor, '{"summary": "The change adds', usage=used, finish=finish)

    def empty(self, vendor: str, *, usage: Usage | None = None) -> None:
        """Queue a normal-looking success whose text is empty."""
        self.reply_text(vendor, "", usage=usage or Usage(input_tokens=1200, output_tokens=0))

    def raw(
        self,
        vendor: str,
        body: str | bytes,
        *,
        status: int = 200,
        content_type: str = "text/html",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Queue a raw body (e.g. a proxy's HTML page instead of JSON)."""
        self.queue(vendor, Reply(status, body, dict(headers or {}), content_type=content_type))

    # ---------------------------------------------------------------- inspection

    def requests_for(self, vendor: str) -> list[Recorded]:
        """Requests received on ``vendor``'s route, in arrival order."""
        return self.server.matching("POST", ROUTES[vendor_name(vendor)])

    def reset(self) -> None:
        """Forget requests, queued replies and changed defaults."""
        self.server.reset()
        self._defaults.clear()

    def close(self) -> None:
        """Stop the server (only if this object started it)."""
        if self._owns_server:
            self.server.close()

    # ---------------------------------------------------------------- default replies

    def _default_handler(self, vendor: str) -> Any:
        def handle(req: Recorded, match: Any) -> Reply:
            text, usage = self._defaults.get(vendor, (json.dumps(EMPTY_REVIEW), None))
            if vendor == "google":
                model = match.group("model")
            else:
                model = (req.json or {}).get("model") if req.body else None
            body = success_body(vendor, text, usage=usage, model=model)
            return Reply(200, body, _request_id_header(vendor))

        return handle


KEY_VARS = {
    "anthropic": "ANTHROPIC_API_KEY",
    "openai": "OPENAI_API_KEY",
    "google": "GEMINI_API_KEY",
}


def vendor_env(
    fakes: VendorFakes,
    *,
    keys: Mapping[str, str] | None = None,
    vendors: tuple[str, ...] = ("anthropic", "openai", "google"),
) -> dict[str, str]:
    """CLI environment pointing every vendor at the fakes, with a key for each of ``vendors``."""
    env = {
        "ANTHROPIC_BASE_URL": fakes.base_url("anthropic"),
        "OPENAI_BASE_URL": fakes.base_url("openai"),
        "GOOGLE_GEMINI_BASE_URL": fakes.base_url("google"),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for vendor in vendors:
        env[KEY_VARS[vendor]] = (keys or {}).get(vendor, f"test-key-{vendor}")
    return env
