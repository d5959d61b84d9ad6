"""Vendor-neutral reading of a failed HTTP call: its error kind and its retry-after."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterable, Mapping

from reviewbot.credentials import mask_secrets
from reviewbot.domain import ErrorKind

# Phrases vendors use for a prompt over the model's context window (matched lower-cased).
_TOO_LONG = (
    "prompt is too long",
    "context_length_exceeded",
    "maximum context length",
    "exceeds the maximum number of tokens",
    "context window",
    "too many tokens",
)
MESSAGE_LIMIT = 300


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
