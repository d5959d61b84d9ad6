"""GPT and OpenAI-compatible endpoints through Chat Completions (``openai`` SDK, async).

``OpenAIProvider`` is also the body of GPT on Azure OpenAI (``azure.py``): the same request and
reply, sent by the SDK's Azure client to a deployment.
"""

from __future__ import annotations

from typing import Any

import openai
from openai.types.chat import ChatCompletion

from reviewbot.domain import ErrorKind, Usage
from reviewbot.errors import ProviderError
from reviewbot.vendors._deadline import event_hooks, within
from reviewbot.vendors._failure import (
    ErrorTable,
    HttpFailure,
    LiveSecrets,
    completion,
    translate_errors,
)
from reviewbot.vendors.base import Completion, CompletionRequest, ProviderSettings


class OpenAIProvider:
    """OpenAI Chat Completions with a strict JSON-schema ``response_format``.

    Chat Completions rather than Responses, so that OpenAI-compatible gateways declared in
    the config (same class, another ``base_url`` and key) work too.
    """

    def __init__(self, settings: ProviderSettings) -> None:
        """Build one client from ``settings`` (key, URL, timeout, retries)."""
        self.name = settings.name
        self._secrets = settings.all_secrets()
        self._timeout_s = settings.timeout_s  # also per call: the SDK's x-stainless-timeout
        self._errors = self.error_table()
        self._client = self.make_client(settings)

    def make_client(self, settings: ProviderSettings) -> openai.AsyncOpenAI:
        """``AsyncOpenAI``; ``base_url`` includes ``/v1`` (None: SDK default)."""
        return openai.AsyncOpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
            http_client=openai.DefaultAsyncHttpxClient(event_hooks=event_hooks("header")),
        )

    def error_table(self) -> ErrorTable:
        """The SDK's exception classes by what they mean."""
        return _ERRORS

    def live_secrets(self) -> tuple[str, ...]:
        """The credentials this provider holds."""
        return self._secrets

    async def complete(self, req: CompletionRequest) -> Completion:
        """Send ``req`` as one chat completion (the SDK retries transient failures).

        Raises:
            ProviderError: The call failed (kind says how).
            OutputError: The reply was truncated, refused or empty (carries its usage).
        """
        messages: list[Any] = []
        if req.system:
            messages.append({"role": "system", "content": req.system})
        messages.append({"role": "user", "content": req.prompt})
        response_format: Any = {
            "type": "json_schema",
            "json_schema": {"name": req.schema_name, "strict": True, "schema": req.json_schema},
        }
        with translate_errors(self._errors, self.name, req.model, LiveSecrets(self.live_secrets)):
            async with within(req.timeout_s):
                reply = await self._client.chat.completions.create(
                    model=req.model,
                    messages=messages,
                    max_completion_tokens=req.max_output_tokens,
                    response_format=response_format,
                    temperature=openai.omit if req.temperature is None else req.temperature,
                    timeout=self._timeout_s if req.timeout_s is None else req.timeout_s,
                )
        return self._completion(reply, req.model)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()

    def _completion(self, reply: ChatCompletion, model: str) -> Completion:
        request_id: str | None = getattr(reply, "_request_id", None)
        # A 200 that is not JSON comes back as a str; {} parses with every field None.
        if not isinstance(reply, ChatCompletion) or not reply.choices:
            raise ProviderError(
                ErrorKind.SERVER_ERROR,
                "reply is not a chat completion",
                provider=self.name,
                model=model,
                request_id=request_id,
            )
        usage = _usage(reply)
        choice = reply.choices[0]
        message = choice.message
        text = (message.content if message else None) or ""
        finish = choice.finish_reason
        problem: tuple[ErrorKind, str] | None = None
        if finish == "length":
            problem = (ErrorKind.INVALID_OUTPUT, "reply cut off at max_tokens")
        elif (message and message.refusal) or finish == "content_filter":
            problem = (ErrorKind.REFUSED, "model refused to answer")
        elif not text.strip():
            problem = (ErrorKind.INVALID_OUTPUT, "reply was empty")
        return completion(
            provider=self.name,
            model=model,
            text=text,
            usage=usage,
            problem=problem,
            reply_model=reply.model,
            finish=finish,
            request_id=request_id,
        )


def _usage(reply: ChatCompletion) -> Usage:
    """Normalise OpenAI usage: ``prompt_tokens`` includes cache reads (and writes); subtract.

    OpenAI-compatible DeepSeek reports cache reads as ``prompt_cache_hit_tokens`` instead.
    """
    usage = reply.usage
    if usage is None:
        return Usage()
    prompt_details = usage.prompt_tokens_details
    output_details = usage.completion_tokens_details
    cached = (prompt_details.cached_tokens or 0) if prompt_details else 0
    written = (prompt_details.cache_write_tokens or 0) if prompt_details else 0
    if not cached and usage.model_extra:
        hit = usage.model_extra.get("prompt_cache_hit_tokens")
        cached = hit if isinstance(hit, int) else 0
    prompt = usage.prompt_tokens or 0
    return Usage(
        input_tokens=max(prompt - cached - written, 0),
        output_tokens=usage.completion_tokens or 0,
        cached_tokens=cached,
        cache_write_tokens=written,
        reasoning_tokens=(output_details.reasoning_tokens or 0) if output_details else 0,
    )


def _read_status(err: openai.APIStatusError) -> HttpFailure:
    error = err.body if isinstance(err.body, dict) else {}
    return HttpFailure(
        status=err.status_code,
        message=str(error.get("message") or err.message),
        code=str(err.code or ""),
        headers=err.response.headers,
        request_id=err.request_id,
    )


# The openai SDK's exception classes, by what they mean (read by ``translate_errors``).
_ERRORS = ErrorTable(
    api="Chat Completions API",
    status_errors=(openai.APIStatusError,),
    read_status=_read_status,
    timeouts=(openai.APITimeoutError,),
    transport=(openai.APIConnectionError,),
    bad_replies=(openai.APIResponseValidationError,),
    bad_reply_request_id=lambda err: err.response.headers.get("x-request-id"),
)
