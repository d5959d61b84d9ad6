"""The step deadline inside a provider call: no retry wait or request outlives it.

``within(seconds)`` bounds one ``complete()`` call and makes the deadline visible to the
httpx2 event hooks of the SDK's HTTP client (through a context variable, so concurrent
calls on one client each see their own). The hooks:

- shrink each attempt's timeout to what is left of the deadline, so an SDK retry never
  waits past it;
- when an error response asks for a ``retry-after`` longer than what is left, stop the
  SDK's retry: the Stainless SDKs (anthropic, openai) obey the ``x-should-retry: false``
  response header; google-genai has no such switch, so the hook raises ``RetryAfterTooLong``.
  Either way the call fails at once and the pipeline moves to the next model instead of
  sleeping (anthropic would otherwise sleep any retry-after, uncapped).

Event hooks rather than a custom transport keep each SDK's own client defaults (proxy
environment, keep-alive, connection limits).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, Literal

import httpx2

from reviewbot.vendors._failure import retry_after_seconds

_DEADLINE: ContextVar[float | None] = ContextVar("reviewbot_deadline", default=None)
_MIN_TIMEOUT_S = 0.001

Hook = Callable[[Any], Awaitable[None]]


class RetryAfterTooLong(Exception):
    """An error response asked to wait longer than what is left of the deadline."""

    def __init__(self, response: httpx2.Response, retry_after: float) -> None:
        super().__init__(
            f"HTTP {response.status_code}: retry-after {retry_after:g}s exceeds deadline"
        )
        self.status = response.status_code
        self.retry_after = retry_after
        self.headers = dict(response.headers)


@asynccontextmanager
async def within(seconds: float | None) -> AsyncIterator[None]:
    """Run the body under a deadline ``seconds`` from now (no deadline when None).

    Raises:
        TimeoutError: The deadline passed before the body finished.
    """
    if seconds is None:
        yield
        return
    token = _DEADLINE.set(time.monotonic() + seconds)
    try:
        async with asyncio.timeout(seconds):
            yield
    finally:
        _DEADLINE.reset(token)


def time_left() -> float | None:
    """Seconds left before the current call's deadline, or None outside ``within``."""
    deadline = _DEADLINE.get()
    return None if deadline is None else deadline - time.monotonic()


def event_hooks(stop: Literal["header", "raise"]) -> dict[str, list[Hook]]:
    """httpx2 ``event_hooks`` enforcing the deadline.

    Args:
        stop: How to stop a retry whose ``retry-after`` is too long: ``header`` sets
            ``x-should-retry: false`` on the response (anthropic, openai); ``raise`` raises
            ``RetryAfterTooLong`` (google-genai).
    """

    async def clamp_timeout(request: httpx2.Request) -> None:
        left = time_left()
        timeout = request.extensions.get("timeout")
        if left is None or not isinstance(timeout, dict):
            return
        left = max(left, _MIN_TIMEOUT_S)
        request.extensions["timeout"] = {
            key: left if value is None else min(float(value), left)
            for key, value in timeout.items()
        }

    async def refuse_long_wait(response: httpx2.Response) -> None:
        left = time_left()
        if left is None or response.status_code < 400:
            return
        wait = retry_after_seconds(response.headers)
        if wait is None or wait <= left:
            return
        if stop == "raise":
            raise RetryAfterTooLong(response, wait)
        response.headers["x-should-retry"] = "false"

    return {"request": [clamp_timeout], "response": [refuse_long_wait]}
