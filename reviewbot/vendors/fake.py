"""An in-memory provider for unit tests: scripted replies and errors, records every request."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable, Mapping

from reviewbot.domain import Usage
from reviewbot.errors import ProviderError
from reviewbot.vendors.base import Completion, CompletionRequest

Scripted = Completion | ProviderError | float  # a float is a delay in seconds before the next item


def ok(text: str, usage: Usage | None = None, model: str = "fake") -> Completion:
    """A successful completion with ``text``."""
    return Completion(text=text, usage=usage or Usage(100, 20), model=model, finish_reason="stop")


class FakeProvider:
    """Serves scripted items per model, in order; the last item of a queue repeats."""

    def __init__(self, name: str, script: Mapping[str, Iterable[Scripted]]) -> None:
        self.name = name
        self._script = {model: deque(items) for model, items in script.items()}
        self.requests: list[CompletionRequest] = []

    async def complete(self, req: CompletionRequest) -> Completion:
        """Pop the next scripted item for ``req.model``: sleep, raise or return it."""
        self.requests.append(req)
        queue = self._script.get(req.model)
        if not queue:
            raise AssertionError(f"FakeProvider {self.name}: nothing scripted for {req.model}")
        while True:
            item = queue.popleft() if len(queue) > 1 else queue[0]
            if isinstance(item, float | int):
                await asyncio.sleep(float(item))
                continue
            if isinstance(item, ProviderError):
                raise item
            return item

    async def aclose(self) -> None:
        """Nothing to release."""
