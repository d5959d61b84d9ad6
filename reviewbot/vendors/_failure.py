"""Vendor-neutral reading of a failed call: its error kind, its retry-after, one translator."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from reviewbot.credentials import mask_secrets
from reviewbot.domain import ErrorKind, Usage
from reviewbot.errors import OutputError, ProviderError
from reviewbot.vendors.base import Completion

# Phrases vendors use for a prompt over the model's context window (matched lower-cased).
_TOO_LONG = (
    "prompt is too long",
    "context_length_exceeded",
    "maximum context length",
    "exceeds the maximum number of tokens",
    "context window",
    "too many tokens",
    "input is too long",  # Amazon Bedrock's ValidationException
)
MESSAGE_LIMIT = 300

# What the clouds' own error names mean, where the HTTP status alone would say less or other:
# Amazon Bedrock's ``x-amzn-ErrorType``, Google's ``status`` (Vertex AI) and Azure OpenAI's
# ``error.code``. Read with the status by ``cloud_error_kind``; an unknown name reads as its
# status does. (A 403 is ``auth`` and a 429 ``rate_limited`` whatever the name.)
CLOUD_ERROR_KINDS: dict[str, ErrorKind] = {
    # Amazon Bedrock (InvokeModel errors)
    "ThrottlingException": ErrorKind.RATE_LIMITED,
    "ServiceQuotaExceededException": ErrorKind.RATE_LIMITED,  # sent with 400
    "ModelNotReadyException": ErrorKind.OVERLOADED,
    "ServiceUnavailableException": ErrorKind.OVERLOADED,
    "ModelTimeoutException": ErrorKind.TIMEOUT,
    "ModelErrorException": ErrorKind.SERVER_ERROR,  # sent with 424
    "InternalServerException": ErrorKind.SERVER_ERROR,
    "AccessDeniedException": ErrorKind.AUTH,
    "UnrecognizedClientException": ErrorKind.AUTH,
    "InvalidSignatureException": ErrorKind.AUTH,
    "ExpiredTokenException": ErrorKind.AUTH,
    "IncompleteSignatureException": ErrorKind.AUTH,
    # Google APIs (Vertex AI)
    "RESOURCE_EXHAUSTED": ErrorKind.RATE_LIMITED,
    "UNAVAILABLE": ErrorKind.OVERLOADED,
    "DEADLINE_EXCEEDED": ErrorKind.TIMEOUT,
    "UNAUTHENTICATED": ErrorKind.AUTH,
    "PERMISSION_DENIED": ErrorKind.AUTH,
    # Azure OpenAI
    "content_filter": ErrorKind.REFUSED,  # the prompt tripped the deployment's content filter
    "DeploymentNotFound": ErrorKind.BAD_REQUEST,
}


def cloud_error_kind(status: int, code: str, message: str = "") -> ErrorKind | None:
    """The kind a cloud's error name ``code`` gives a failed call, or None (read the status).

    A "too long" message stays ``context_too_long`` whatever the name (Bedrock sends it as a
    ``ValidationException``).
    """
    kind = CLOUD_ERROR_KINDS.get(code.strip())
    if kind is None or kind_for_status(status, message) is ErrorKind.CONTEXT_TOO_LONG:
        return None
    return kind


class LiveSecrets:
    """A provider's credentials as they are when a message is masked, not when a call started.

    A cloud's access token may be fetched or refreshed during the call that then fails; reading
    the provider's secrets late masks that token too.
    """

    def __init__(self, read: Callable[[], Iterable[str | None]]) -> None:
        self._read = read

    def __iter__(self) -> Iterator[str | None]:
        return iter(tuple(self._read()))


def kind_for_status(status: int, message: str = "") -> ErrorKind:
    """The ``ErrorKind`` of an HTTP error ``status`` whose vendor message is ``message``.

    Args:
        status: HTTP status code of the failed response.
        message: The vendor's error message and code, used to spot "context too long".

    Returns:
        rate_limited (429), overloaded (503, 529), timeout (408), auth (401-403),
        context_too_long (413, or a 4xx saying so), server_error (other 5xx) or
        bad_request (other 4xx).
    """
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status in (503, 529):
        return ErrorKind.OVERLOADED
    if status >= 500:
        return ErrorKind.SERVER_ERROR
    if status == 408:
        return ErrorKind.TIMEOUT
    if status in (401, 402, 403):
        return ErrorKind.AUTH
    lowered = message.lower()
    if status == 413 or any(phrase in lowered for phrase in _TOO_LONG):
        return ErrorKind.CONTEXT_TOO_LONG
    return ErrorKind.BAD_REQUEST


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """Seconds a response asks the client to wait: ``retry-after-ms``, else ``retry-after``.

    ``retry-after`` may be seconds (a float is tolerated) or an HTTP date. Returns None when
    neither header is present or parseable.
    """
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(float(email.utils.mktime_tz(parsed)) - time.time(), 0.0)


def short(message: object, secrets: Iterable[str | None] = ()) -> str:
    """One line of at most ``MESSAGE_LIMIT`` characters, for error messages and reports.

    ``secrets`` (the provider's own key) are masked *before* the cut: a key a server echoes
    near the limit would otherwise keep its first characters past the mask.
    """
    text = " ".join(mask_secrets(str(message), secrets).split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def innermost(err: BaseException) -> str:
    """The text of the innermost cause, e.g. "[Errno 111] Connection refused"."""
    while err.__cause__ is not None:
        err = err.__cause__
    return str(err) or type(err).__name__


def transport_message(err: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """What a transport error says, for a ``connection`` attempt; never a header's value.

    HTTP clients quote the offending header when they refuse to send or to read it (h11's
    "Illegal header value b'Bearer sk-…'", urllib3's ``InvalidHeader``): such an error is
    reduced to its kind, whatever else it says.
    """
    names = {type(e).__name__ for e in _chain(err)}
    text = innermost(err)
    if "header" in text.lower() or any("Header" in n for n in names):
        if "RemoteProtocolError" in names:
            return "invalid reply header"
        return "invalid request header"
    return short(text, secrets)


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and current not in seen and len(seen) < 20:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


@dataclass(frozen=True, slots=True)
class HttpFailure:
    """What a vendor's HTTP error says, read by that vendor's ``ErrorTable.read_status``."""

    status: int
    message: str
    code: str = ""  # the vendor's error code, read with the message to spot "too long"
    headers: Mapping[str, str] | None = None
    request_id: str | None = None
    kind: ErrorKind | None = None  # set when the vendor's answer overrides the status
    retry_after: float | None = None  # set when known without headers


@dataclass(frozen=True, slots=True)
class ErrorTable:
    """One SDK's exception classes by what they mean; ``translate_errors`` reads it.

    Order matters where an SDK's classes inherit from each other: timeouts are caught before
    transport errors (``APITimeoutError`` is an ``APIConnectionError`` in two SDKs).
    """

    api: str  # "Messages API", for "reply does not match the Messages API"
    status_errors: tuple[type[BaseException], ...]
    read_status: Callable[[Any], HttpFailure]
    timeouts: tuple[type[BaseException], ...]
    transport: tuple[type[BaseException], ...]
    bad_replies: tuple[type[BaseException], ...] = ()
    auth: tuple[type[BaseException], ...] = ()  # raised before a request is sent
    bad_reply_request_id: Callable[[Any], str | None] = lambda err: None


@contextmanager
def translate_errors(
    table: ErrorTable, provider: str, model: str, secrets: Iterable[str | None] = ()
) -> Iterator[None]:
    """Turn an SDK's exceptions (and the step deadline) into ``ProviderError``.

    Messages are masked with ``secrets`` before they are cut, and transport errors that
    quote a header are reduced to their kind.
    """
    try:
        yield
    except table.status_errors as err:
        failure = table.read_status(err)
        kind = failure.kind or kind_for_status(failure.status, f"{failure.message} {failure.code}")
        raise ProviderError(
            kind,
            short(failure.message or f"HTTP {failure.status}", secrets),
            status=failure.status,
            retry_after=failure.retry_after
            if failure.retry_after is not None
            else retry_after_seconds(failure.headers),
            request_id=failure.request_id,
            provider=provider,
            model=model,
        ) from None
    except table.timeouts:
        raise ProviderError(
            ErrorKind.TIMEOUT, "request timed out", provider=provider, model=model
        ) from None
    except table.transport as err:
        raise ProviderError(
            ErrorKind.CONNECTION, transport_message(err, secrets), provider=provider, model=model
        ) from None
    except table.bad_replies as err:
        raise ProviderError(
            ErrorKind.SERVER_ERROR,
            f"reply does not match the {table.api}",
            status=getattr(err, "status_code", None),
            request_id=table.bad_reply_request_id(err),
            provider=provider,
            model=model,
        ) from None
    except json.JSONDecodeError:
        raise ProviderError(
            ErrorKind.SERVER_ERROR, "reply is not JSON", provider=provider, model=model
        ) from None
    except table.auth as err:
        raise ProviderError(
            ErrorKind.AUTH, short(err, secrets), provider=provider, model=model
        ) from None
    except TimeoutError:
        raise ProviderError(
            ErrorKind.TIMEOUT, "step deadline reached", provider=provider, model=model
        ) from None


def completion(
    *,
    provider: str,
    model: str,
    text: str,
    usage: Usage,
    problem: tuple[ErrorKind, str] | None,
    reply_model: str | None,
    finish: str | None,
    request_id: str | None,
) -> Completion:
    """The ``Completion`` of a 200 reply, or the ``OutputError`` its ``problem`` makes it.

    ``problem`` is what the vendor's own finish signal says (cut off, refused, empty); the
    attempt is billed either way, so the error carries the usage.
    """
    if problem:
        raise OutputError(
            problem[0],
            problem[1],
            provider=provider,
            model=model,
            request_id=request_id,
            usage=usage,
        )
    return Completion(
        text=text,
        usage=usage,
        model=reply_model or model,
        finish_reason=finish,
        request_id=request_id,
    )
