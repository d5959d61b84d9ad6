"""How a failed vendor call is classified, and how long it asks us to wait."""

from __future__ import annotations

import email.utils
import time

import pytest

from reviewbot.domain import ErrorKind
from reviewbot.vendors._failure import kind_for_status, retry_after_seconds, short


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [
        (429, "", ErrorKind.RATE_LIMITED),
        (529, "", ErrorKind.OVERLOADED),
        (503, "", ErrorKind.OVERLOADED),
        (500, "", ErrorKind.SERVER_ERROR),
        (502, "prompt is too long", ErrorKind.SERVER_ERROR),
        (401, "", ErrorKind.AUTH),
        (403, "", ErrorKind.AUTH),
        (400, "max_tokens: must be positive", ErrorKind.BAD_REQUEST),
        (404, "model not found", ErrorKind.BAD_REQUEST),
        (422, "", ErrorKind.BAD_REQUEST),
        (400, "prompt is too long: 250000 tokens > 200000 maximum", ErrorKind.CONTEXT_TOO_LONG),
        (400, "Something context_length_exceeded", ErrorKind.CONTEXT_TOO_LONG),
        (400, "This model's Maximum Context Length is 128000", ErrorKind.CONTEXT_TOO_LONG),
        (400, "input exceeds the maximum number of tokens allowed", ErrorKind.CONTEXT_TOO_LONG),
        (413, "request_too_large", ErrorKind.CONTEXT_TOO_LONG),
    ],
)
def test_kind_for_status(status: int, message: str, kind: ErrorKind) -> None:
    assert kind_for_status(status, message) is kind


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "retry-after": "30"}, 1.5),
        ({"retry-after-ms": "soon", "retry-after": "30"}, 30.0),
        ({"retry-after": "2.5"}, 2.5),
        ({"retry-after": "tomorrow"}, None),
        ({}, None),
        (None, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, str] | None, seconds: float | None) -> None:
    assert retry_after_seconds(headers) == seconds


def test_retry_after_http_date() -> None:
    date = email.utils.formatdate(time.time() + 120, usegmt=True)

    waited = retry_after_seconds({"retry-after": date})

    assert waited is not None and 100 < waited <= 120


def test_short_is_one_bounded_line() -> None:
    text = short("line one\nline two " + "x" * 1000)

    assert "\n" not in text and len(text) <= 300 and text.startswith("line one line two")
