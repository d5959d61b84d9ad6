"""Gemini through the Gemini API ``generateContent`` (``google-genai`` SDK, async client).

``GeminiProvider`` is also the body of Gemini on Vertex AI (``vertex.py``): the same request
and reply, sent by a ``vertexai=True`` client with Google Cloud credentials.
"""

from __future__ import annotations

import json

import httpx2
import pydantic
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from reviewbot.domain import ErrorKind, Usage
from reviewbot.errors import OutputError, ProviderError
from reviewbot.vendors._deadline import RetryAfterTooLong, event_hooks, within
from reviewbot.vendors._failure import (
    ErrorTable,
    HttpFailure,
    LiveSecrets,
    kind_for_status,
    translate_errors,
)
from reviewbot.vendors.base import Completion, CompletionRequest, ProviderSettings

# Finish reasons that mean the model would not answer (any prompt block reason does too).
_REFUSALS = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",
    }
)
# google-genai retries only when told to, and ignores Retry-After; these mirror the
# Stainless SDKs' backoff (0.5 s, 1 s, 2 s ... capped at 8 s).
_RETRY_INITIAL_DELAY_S = 0.5
_RETRY_MAX_DELAY_S = 8.0
_RETRY_JITTER_S = 0.25


class GeminiProvider:
    """Gemini ``generateContent`` with ``responseJsonSchema`` structured output."""

    def __init__(self, settings: ProviderSettings) -> None:
        """Build one async ``genai`` client; transient errors are retried by the SDK."""
        self.name = settings.name
        self._secrets = settings.all_secrets()
        self._errors = self.error_table()
        self._client = self.make_client(settings)
        self._aio = self._client.aio

    def make_client(self, settings: ProviderSettings) -> genai.Client:
        """A Gemini API client with ``settings``' key (a Vertex AI one in ``vertex.py``)."""
        return genai.Client(api_key=settings.api_key, http_options=http_options(settings))

    def error_table(self) -> ErrorTable:
        """The SDK's exception classes by what they mean (Vertex AI adds google-auth's)."""
        return _ERRORS

    def live_secrets(self) -> tuple[str, ...]:
        """The credentials this provider holds now."""
        return self._secrets

    async def complete(self, req: CompletionRequest) -> Completion:
        """Send ``req`` as one ``generateContent`` call.

        Raises:
            ProviderError: The call failed (kind says how).
            OutputError: The reply was truncated, refused or empty (carries its usage).
        """
        config = types.GenerateContentConfig(
            system_instruction=req.system or None,
            max_output_tokens=req.max_output_tokens,
            temperature=req.temperature,
            response_mime_type="application/json",
            response_json_schema=req.json_schema,
            http_options=(
                types.HttpOptions(timeout=_millis(req.timeout_s)) if req.timeout_s else None
            ),
        )
        with translate_errors(self._errors, self.name, req.model, LiveSecrets(self.live_secrets)):
            async with within(req.timeout_s):
                reply = await self._aio.models.generate_content(
                    model=req.model, contents=req.prompt, config=config
                )
        return self._completion(reply, req.model)

    async def aclose(self) -> None:
        """Close the HTTP clients."""
        await self._aio.aclose()
        self._client.close()

    def _completion(self, reply: types.GenerateContentResponse, model: str) -> Completion:
        usage = _usage(reply)
        request_id = reply.response_id

        def fail(kind: ErrorKind, message: str) -> OutputError:
            return OutputError(
                kind, message, provider=self.name, model=model, request_id=request_id, usage=usage
            )

        if not reply.candidates:
            feedback = reply.prompt_feedback
            if feedback is not None and feedback.block_reason is not None:
                raise fail(ErrorKind.REFUSED, f"prompt blocked: {_name(feedback.block_reason)}")
            raise ProviderError(
                ErrorKind.SERVER_ERROR,
                "reply has no candidates",
                provider=self.name,
                model=model,
                request_id=request_id,
            )
        candidate = reply.candidates[0]
        finish = _name(candidate.finish_reason)
        parts = candidate.content.parts if candidate.content else None
        text = "".join(part.text for part in parts or () if part.text and not part.thought)
        if finish == "MAX_TOKENS":
            raise fail(ErrorKind.INVALID_OUTPUT, "reply cut off at max_tokens")
        if finish in _REFUSALS:
            raise fail(ErrorKind.REFUSED, f"model refused to answer ({finish})")
        if not text.strip():
            raise fail(ErrorKind.INVALID_OUTPUT, "reply was empty")
        return Completion(
            text=text,
            usage=usage,
            model=reply.model_version or model,
            finish_reason=finish,
            request_id=request_id,
        )


def _usage(reply: types.GenerateContentResponse) -> Usage:
    """Normalise Gemini usage.

    ``promptTokenCount`` includes ``cachedContentTokenCount`` (subtract it);
    ``thoughtsTokenCount`` is not in ``candidatesTokenCount`` (add it: billed as output).
    """
    meta = reply.usage_metadata
    if meta is None:
        return Usage()
    cached = meta.cached_content_token_count or 0
    thoughts = meta.thoughts_token_count or 0
    prompt = (meta.prompt_token_count or 0) + (meta.tool_use_prompt_token_count or 0)
    return Usage(
        input_tokens=max(prompt - cached, 0),
        output_tokens=(meta.candidates_token_count or 0) + thoughts,
        cached_tokens=cached,
        reasoning_tokens=thoughts,
    )


def _read_status(err: genai_errors.APIError | RetryAfterTooLong) -> HttpFailure:
    if isinstance(err, RetryAfterTooLong):
        return HttpFailure(
            status=err.status,
            message=f"retry-after {err.retry_after:g}s is longer than the deadline allows",
            retry_after=err.retry_after,
            kind=kind_for_status(err.status),
        )
    message = str(err.message or err.status or "")
    kind = None
    if err.status == "UNAVAILABLE":
        kind = ErrorKind.OVERLOADED
    elif "API key not valid" in message or "API_KEY_INVALID" in json.dumps(err.details):
        kind = ErrorKind.AUTH  # Gemini answers a bad key with 400 INVALID_ARGUMENT
    headers = err.response.headers if isinstance(err.response, httpx2.Response) else None
    return HttpFailure(status=err.code, message=message, headers=headers, kind=kind)


# google-genai's exception classes, by what they mean (read by ``translate_errors``). The
# SDK does not wrap transport errors, so those are httpx2's own.
_ERRORS = ErrorTable(
    api="generateContent response",
    status_errors=(genai_errors.APIError, RetryAfterTooLong),
    read_status=_read_status,
    timeouts=(httpx2.TimeoutException,),
    transport=(httpx2.TransportError,),
    bad_replies=(pydantic.ValidationError,),
)


def http_options(settings: ProviderSettings, **extra: object) -> types.HttpOptions:
    """The client's HTTP options: base URL, timeout, the SDK's retries and the deadline hooks.

    ``timeout`` is given to the SDK in milliseconds; ``max_retries`` becomes
    ``HttpRetryOptions(attempts=max_retries + 1)``.
    """
    return types.HttpOptions(
        base_url=settings.base_url,
        timeout=_millis(settings.timeout_s),
        retry_options=types.HttpRetryOptions(
            attempts=settings.max_retries + 1,
            initial_delay=_RETRY_INITIAL_DELAY_S,
            max_delay=_RETRY_MAX_DELAY_S,
            jitter=_RETRY_JITTER_S,
        ),
        async_client_args={"event_hooks": event_hooks("raise")},
        **extra,  # type: ignore[arg-type]
    )


def _millis(seconds: float | None) -> int | None:
    return None if seconds is None else max(int(seconds * 1000), 1)


def _name(reason: object) -> str:
    """An enum's value (``FinishReason.STOP`` -> ``"STOP"``), or '' for None."""
    if reason is None:
        return ""
    return str(getattr(reason, "value", reason))
