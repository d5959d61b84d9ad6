"""Claude through the Anthropic Messages API (``anthropic`` SDK, async client).

``AnthropicProvider`` is also the body of Claude on Amazon Bedrock and on Vertex AI
(``bedrock.py``, ``vertex_anthropic.py``): the same Messages API request and reply, sent by the
SDK's platform clients, which only change the path, the signature and the error shapes.
"""

from __future__ import annotations

from typing import Any, Protocol

import anthropic
from anthropic.resources.messages import AsyncMessages
from anthropic.types import Message

from reviewbot.domain import ErrorKind, Usage
from reviewbot.errors import ProviderError
from reviewbot.vendors._deadline import event_hooks, within
from reviewbot.vendors._failure import (
    ErrorTable,
    HttpFailure,
    LiveSecrets,
    cloud_error_kind,
    completion,
    translate_errors,
)
from reviewbot.vendors.base import Completion, CompletionRequest, ProviderSettings


class MessagesClient(Protocol):
    """What the provider uses of an ``anthropic`` client (direct, Bedrock or Vertex AI)."""

    @property
    def messages(self) -> AsyncMessages:
        """The Messages resource."""
        ...

    async def close(self) -> None:
        """Close the HTTP client."""
        ...


class AnthropicProvider:
    """Anthropic Messages API: native JSON-schema output, a cached system prefix.

    The 2026-10-21 Messages API has no temperature: ``req.temperature`` is ignored.
    """

    def __init__(self, settings: ProviderSettings) -> None:
        """Build one client from ``settings`` (key, URL, timeout, retries)."""
        self.name = settings.name
        self._secrets = settings.all_secrets()
        self._timeout_s = settings.timeout_s  # also per call: the SDK's x-stainless-timeout
        self._errors = self.error_table()
        self._client = self.make_client(settings)

    def make_client(self, settings: ProviderSettings) -> MessagesClient:
        """The SDK client: ``AsyncAnthropic`` here, a platform client in the cloud subclasses."""
        return anthropic.AsyncAnthropic(
            api_key=settings.api_key,
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
            http_client=anthropic.DefaultAsyncHttpxClient(event_hooks=event_hooks("header")),
        )

    def error_table(self) -> ErrorTable:
        """The SDK's exception classes by what they mean (a cloud adds its signer's)."""
        return _ERRORS

    def live_secrets(self) -> tuple[str, ...]:
        """The credentials this provider holds now (a cloud's short-lived token included)."""
        return self._secrets

    async def complete(self, req: CompletionRequest) -> Completion:
        """Send ``req`` as one Messages call (the SDK retries transient failures).

        Raises:
            ProviderError: The call failed (kind says how).
            OutputError: The reply was truncated, refused or empty (carries its usage).
        """
        system: Any = (
            [{"type": "text", "text": req.system, "cache_control": {"type": "ephemeral"}}]
            if req.system
            else anthropic.omit
        )
        with translate_errors(self._errors, self.name, req.model, LiveSecrets(self.live_secrets)):
            async with within(req.timeout_s):
                message = await self._client.messages.create(
                    model=req.model,
                    max_tokens=req.max_output_tokens,
                    system=system,
                    messages=[{"role": "user", "content": req.prompt}],
                    output_config={"format": {"type": "json_schema", "schema": req.json_schema}},
                    timeout=self._timeout_s if req.timeout_s is None else req.timeout_s,
                )
        return self._completion(message, req.model)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.close()

    def _completion(self, message: Message, model: str) -> Completion:
        request_id: str | None = getattr(message, "_request_id", None)
        # A 200 that is not JSON comes back as a str; {} parses with every field None.
        if not isinstance(message, Message) or message.content is None:
            raise ProviderError(
                ErrorKind.SERVER_ERROR,
                "reply is not a Messages API message",
                provider=self.name,
                model=model,
                request_id=request_id,
            )
        usage = _usage(message)
        text = "".join(
            block.text for block in message.content if block.type == "text" and block.text
        )
        stop = message.stop_reason
        problem: tuple[ErrorKind, str] | None = None
        if stop == "max_tokens":
            problem = (ErrorKind.INVALID_OUTPUT, "reply cut off at max_tokens")
        elif stop == "model_context_window_exceeded":
            problem = (ErrorKind.CONTEXT_TOO_LONG, "reply cut off at the context window")
        elif stop == "refusal":
            problem = (ErrorKind.REFUSED, "model refused to answer")
        elif not text.strip():
            problem = (ErrorKind.INVALID_OUTPUT, "reply was empty")
        return completion(
            provider=self.name,
            model=model,
            text=text,
            usage=usage,
            problem=problem,
            reply_model=message.model,
            finish=stop,
            request_id=request_id,
        )


def _usage(message: Message) -> Usage:
    """Normalise Anthropic usage: ``input_tokens`` already excludes cache reads and writes."""
    usage = message.usage
    if usage is None:
        return Usage()
    details = usage.output_tokens_details
    return Usage(
        input_tokens=usage.input_tokens or 0,
        output_tokens=usage.output_tokens or 0,
        cached_tokens=usage.cache_read_input_tokens or 0,
        cache_write_tokens=usage.cache_creation_input_tokens or 0,
        reasoning_tokens=(details.thinking_tokens or 0) if details else 0,
    )


def _read_status(err: anthropic.APIStatusError) -> HttpFailure:
    message = err.api_message or _body_text(err.body) or err.message
    headers = err.response.headers
    # Bedrock names its error in a header, Vertex AI in a Google ``status`` in the body.
    code = str(err.error_code or "") or _cloud_code(err.body, headers.get("x-amzn-errortype"))
    request_id = err.request_id or headers.get("x-amzn-requestid")
    return HttpFailure(
        status=err.status_code,
        message=message,
        code=code,
        headers=headers,
        request_id=request_id,
        kind=cloud_error_kind(err.status_code, code, message),
    )


# The anthropic SDK's exception classes, by what they mean (read by ``translate_errors``).
_ERRORS = ErrorTable(
    api="Messages API",
    status_errors=(anthropic.APIStatusError,),
    read_status=_read_status,
    timeouts=(anthropic.APITimeoutError,),
    transport=(anthropic.APIConnectionError,),
    bad_replies=(anthropic.APIResponseValidationError,),
    auth=(anthropic.CredentialsError,),
    bad_reply_request_id=lambda err: err.response.headers.get("request-id"),
)


def _body_text(body: object) -> str:
    """The message of an error body: Anthropic's, Bedrock's (``{"message": …}``) or Vertex
    AI's (a Google error, which Vertex may wrap in a list)."""
    if isinstance(body, str):
        return body
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or "")
        message = body.get("message") or body.get("Message")
        if isinstance(message, str):
            return message
    return ""


def _cloud_code(body: object, aws_error_type: str | None) -> str:
    """Bedrock's ``x-amzn-ErrorType`` name or Vertex AI's Google ``status``, else ''."""
    if aws_error_type:
        return aws_error_type.split(":", 1)[0].strip()
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("status"), str):
            return str(error["status"])
    return ""
