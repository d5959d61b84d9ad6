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

Billing: with ``billing = "tokens"`` every success whose usage a test did not script is billed
at the request's real token count, as a vendor would: the o200k_base tokens (see ``o200k``) of
every text sent and of the reply schema's JSON, plus a few tokens of framing per message;
output is the reply's own token count, at most the request's output limit. Every success
served is written to ``ledger`` (vendor, model, usage), so a test can price what a run spent.

Prompt caching (``caching = True``, with token billing): a request whose cacheable prefix the
fake has already served for the same model reports that prefix as cache reads, the way each
vendor does on the wire: Anthropic ``cache_read_input_tokens`` for the system blocks up to the
last one marked ``cache_control`` (the first such request reports ``cache_creation_input_tokens``
instead: a cache write); OpenAI ``prompt_tokens_details.cached_tokens`` and Gemini
``cachedContentTokenCount`` for the system message / ``systemInstruction`` (implicit caching,
no write reported). As the vendors document, a prefix under 1024 tokens is never cached
(Anthropic's and OpenAI's prompt-caching guides; Gemini's implicit caching starts at 1024 for
2.5 Flash), and only an identical prefix hits.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from reviewbot.config.schema import Price
from reviewbot.domain import ModelRef, Usage
from reviewbot.engine import pricing
from reviewbot.vendors.base import ProviderSettings
from tests.fakeserver.base import FakeServer, Recorded, Reply
from tests.fakeserver.o200k import count_tokens

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


# Framing a vendor bills on top of the content: OpenAI documents 3 tokens per message and 3 to
# prime the reply; the fakes bill the same for every vendor.
PER_MESSAGE_TOKENS = 3
PRIMING_TOKENS = 3
MIN_CACHED_TOKENS = 1024


def cacheable_prefix(vendor: str, body: Mapping[str, Any]) -> str:
    """The text of a request that the vendor may serve from its prompt cache ('' if none)."""
    vendor = vendor_name(vendor)
    if vendor == "anthropic":
        system = body.get("system")
        if not isinstance(system, list):
            return ""  # a plain string cannot carry cache_control
        marked = [n for n, b in enumerate(system) if isinstance(b, dict) and b.get("cache_control")]
        return "".join(_texts(system[: marked[-1] + 1])) if marked else ""
    if vendor == "openai":
        messages = body.get("messages") or []
        first = messages[0] if messages else {}
        if first.get("role") in ("system", "developer"):
            return "".join(_texts(first.get("content")))
        return ""
    return "".join(_texts((body.get("systemInstruction") or {}).get("parts") or []))


@dataclass(frozen=True)
class Billed:
    """One success a fake served: who billed it, for which model, and what."""

    vendor: str
    model: str
    usage: Usage


def _texts(node: Any) -> list[str]:
    """The ``text`` strings of a vendor content value (a string, or a list of blocks)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [b["text"] for b in node if isinstance(b, dict) and isinstance(b.get("text"), str)]
    return []


def request_parts(vendor: str, body: Mapping[str, Any]) -> tuple[list[str], Any, int, int | None]:
    """(texts sent, reply schema or None, message count, output limit) of a request body."""
    vendor = vendor_name(vendor)
    if vendor == "anthropic":
        messages = body.get("messages") or []
        texts = _texts(body.get("system")) + [t for m in messages for t in _texts(m["content"])]
        schema = ((body.get("output_config") or {}).get("format") or {}).get("schema")
        count = len(messages) + bool(body.get("system"))
        return texts, schema, count, body.get("max_tokens")
    if vendor == "openai":
        messages = body.get("messages") or []
        texts = [t for m in messages for t in _texts(m.get("content"))]
        schema = (body.get("response_format") or {}).get("json_schema")
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        return texts, schema, len(messages), limit
    system = (body.get("systemInstruction") or {}).get("parts") or []
    contents = body.get("contents") or []
    texts = _texts(system) + [t for c in contents for t in _texts(c.get("parts"))]
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    return texts, schema, len(contents) + bool(system), config.get("maxOutputTokens")


def request_tokens(vendor: str, body: Mapping[str, Any]) -> int:
    """The input tokens the fakes bill for a request: what a real vendor would count."""
    texts, schema, messages, _ = request_parts(vendor, body)
    tokens = sum(count_tokens(text) for text in texts)
    if schema is not None:
        tokens += count_tokens(json.dumps(schema))
    return tokens + PER_MESSAGE_TOKENS * messages + PRIMING_TOKENS


def _reply_text(vendor: str, body: Mapping[str, Any]) -> str:
    if vendor == "anthropic":
        return "".join(_texts(body.get("content")))
    if vendor == "openai":
        return str(body["choices"][0]["message"].get("content") or "")
    return "".join(_texts(body["candidates"][0]["content"].get("parts")))


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
        self.billing = "scripted"  # or "tokens": bill unscripted usage at real token counts
        self.caching = False  # with "tokens": a repeated cacheable prefix is billed as cached
        self._cached: set[tuple[str, str, str]] = set()
        self.ledger: list[Billed] = []
        self.checked = 0  # ledger entries a budget check has already covered
        self._ledger_lock = threading.Lock()
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
        bill = self._biller(vendor, usage)
        replies = [
            Reply(200, copy.deepcopy(body), _request_id_header(vendor), delay_s=delay_s)
            for _ in range(times)
        ]
        for reply in replies:
            reply.finish = bill
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
        bill = self._biller(vendor, usage or Usage(input_tokens=1200, output_tokens=5))
        self.queue(vendor, Reply(200, body, _request_id_header(vendor), finish=bill))

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
        """Forget requests, queued replies, changed defaults and the ledger."""
        self.server.reset()
        self._defaults.clear()
        with self._ledger_lock:
            self.ledger.clear()
            self.checked = 0
            self._cached.clear()
        self.caching = False

    def spent_usd(self, prices: Mapping[str, Price], since: int = 0) -> Decimal:
        """What the successes served since ``ledger[since]`` cost, at ``prices``.

        A model without a price is left out: no budget can be enforced for it.
        """
        with self._ledger_lock:
            entries = self.ledger[since:]
        total = Decimal(0)
        for entry in entries:
            cost = pricing.cost(ModelRef(entry.vendor, entry.model), entry.usage, prices)
            total += cost if cost is not None else Decimal(0)
        return total

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
            return Reply(200, body, _request_id_header(vendor), finish=self._biller(vendor, usage))

        return handle

    # ---------------------------------------------------------------- billing

    def _biller(
        self, vendor: str, scripted: Usage | dict[str, Any] | None
    ) -> Callable[[Recorded, Reply], Reply]:
        """The hook that bills a success when it is served, and writes it to the ledger."""

        def bill(req: Recorded, reply: Reply) -> Reply:
            body = req.json if req.body else {}
            if vendor == "google":
                found = re.search(r"/models/([^/:]+):", req.path)
                model = found.group(1) if found else ""
            else:
                model = str(body.get("model", ""))
            if isinstance(scripted, Usage):
                usage = scripted
            elif scripted is None and self.billing == "tokens":
                _, _, _, limit = request_parts(vendor, body)
                output = count_tokens(_reply_text(vendor, reply.body))
                usage = Usage(request_tokens(vendor, body), min(output, limit or output))
                if self.caching:
                    usage = self._cache(vendor, model, body, usage)
                reply = copy.copy(reply)
                reply.body = copy.deepcopy(reply.body)
                wire = wire_usage(vendor, usage)
                key = {"anthropic": "usage", "openai": "usage"}.get(vendor, "usageMetadata")
                reply.body[key] = wire
            else:
                usage = DEFAULT_USAGE if scripted is None else Usage()  # a raw wire dict
            with self._ledger_lock:
                self.ledger.append(Billed(vendor, model, usage))
            return reply

        return bill

    def _cache(self, vendor: str, model: str, body: Mapping[str, Any], usage: Usage) -> Usage:
        """``usage`` with the request's cacheable prefix read from (or written to) the cache."""
        prefix = cacheable_prefix(vendor, body)
        tokens = count_tokens(prefix) if prefix else 0
        if tokens < MIN_CACHED_TOKENS:
            return usage
        key = (vendor, model, prefix)
        with self._ledger_lock:
            hit = key in self._cached
            self._cached.add(key)
        rest = usage.input_tokens - tokens
        if hit:
            return Usage(rest, usage.output_tokens, cached_tokens=tokens)
        if vendor == "anthropic":  # an explicit breakpoint: the first request writes the cache
            return Usage(rest, usage.output_tokens, cache_write_tokens=tokens)
        return usage


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
