"""The provider protocol, its request and reply types, and ``build_provider``.

Only the modules in this package import a vendor SDK, and each does so lazily, so that
``reviewbot --version`` and runs that never call a vendor do not pay for importing it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

from reviewbot.domain import Usage
from reviewbot.vendors.specs import VENDORS


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """One call: a stable ``system`` prefix (cacheable) and the per-call ``prompt``."""

    model: str
    system: str
    prompt: str
    max_output_tokens: int
    json_schema: dict[str, Any]
    schema_name: str = "review"
    temperature: float | None = None
    timeout_s: float | None = None  # what is left of the step's deadline


@dataclass(frozen=True, slots=True)
class Completion:
    """A vendor's reply, normalised."""

    text: str
    usage: Usage
    model: str
    finish_reason: str | None
    request_id: str | None = None


class Provider(Protocol):
    """A vendor (or OpenAI-compatible endpoint) that completes requests."""

    name: str

    async def complete(self, req: CompletionRequest) -> Completion:
        """Send one request; raise ``ProviderError``/``OutputError`` on failure."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """How to reach one provider: resolved by ``cli`` from the environment and config."""

    name: str
    kind: str  # "anthropic" | "openai" | "google" | "fake"
    api_key: str | None
    base_url: str | None
    key_env: str  # the variable the key came from, for "no OPENAI_API_KEY" messages
    timeout_s: float = 180.0
    max_retries: int = 2


def provider_module(kind: str) -> str | None:
    """The module implementing provider type ``kind`` (importing it imports the vendor SDK)."""
    spec = VENDORS.get(kind)
    return spec.module if spec else None


def build_provider(settings: ProviderSettings) -> Provider:
    """Build the provider for ``settings``; the vendor SDK is imported here, not before."""
    spec = VENDORS.get(settings.kind)
    if spec is not None:
        provider_class = getattr(importlib.import_module(spec.module), spec.provider_class)
        provider: Provider = provider_class(settings)
        return provider
    raise ValueError(f"unknown provider type {settings.kind!r}")
