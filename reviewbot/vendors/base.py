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
class CloudSettings:
    """Where a cloud backend runs and what it signs with, read from the config and environment.

    Only what is set is here; the rest is left to the cloud's own credential chain (botocore's
    for AWS, Application Default Credentials for Google), resolved when the provider is built.
    """

    region: str | None = None  # AWS region, or Vertex AI location
    project: str | None = None  # Google Cloud project
    api_version: str | None = None  # Azure OpenAI
    aws_access_key: str | None = None
    aws_secret_key: str | None = None
    aws_session_token: str | None = None
    aws_profile: str | None = None
    bearer_token: str | None = None  # AWS_BEARER_TOKEN_BEDROCK, or AZURE_OPENAI_AD_TOKEN
    credentials_file: str | None = None  # Google: GOOGLE_APPLICATION_CREDENTIALS or gcloud's
    metadata_server: bool = False  # Google: no file, but the metadata server of GCE or GKE


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """How to reach one provider: resolved by ``cli`` from the environment and config."""

    name: str
    kind: str  # "anthropic" | "openai" | "google" | a cloud (``bedrock`` ...) | "fake"
    api_key: str | None
    base_url: str | None
    key_env: str  # the variable the key came from, for "no OPENAI_API_KEY" messages
    timeout_s: float = 180.0
    max_retries: int = 2
    cloud: CloudSettings | None = None  # set for a cloud backend: it may sign without api_key
    missing: str | None = None  # why it cannot be used, as users read it ("no AWS_REGION")
    secrets: tuple[str, ...] = ()  # other credential values it holds, to mask in messages

    @property
    def unavailable(self) -> str | None:
        """Why this provider cannot be used (``no OPENAI_API_KEY``), or None when it can."""
        if self.missing is not None:
            return self.missing
        if self.api_key or self.cloud is not None:
            return None
        return f"no {self.key_env}"

    def all_secrets(self) -> tuple[str, ...]:
        """Every credential value in these settings (the key first), for masking."""
        return tuple(s for s in (self.api_key, *self.secrets) if s)


class CredentialsUnavailable(Exception):
    """A cloud backend found no credentials in its chain when it was built.

    ``reason`` is what users read, in the form of the other "passed over" reasons
    (``no AWS_ACCESS_KEY_ID (nor a profile, web identity or instance role)``).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
