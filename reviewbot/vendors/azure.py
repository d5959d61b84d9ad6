"""GPT on Azure OpenAI: Chat Completions through ``openai``'s ``AsyncAzureOpenAI``.

The request is the one ``OpenAIProvider`` sends, to a deployment:
``POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…``, with the
resource's key (``api-key``) or a Microsoft Entra token (``Authorization: Bearer``). The model
reference names the deployment (``azure:<deployment>``).
"""

from __future__ import annotations

from dataclasses import replace

import openai

from reviewbot.vendors._deadline import event_hooks
from reviewbot.vendors._failure import ErrorTable, HttpFailure, cloud_error_kind
from reviewbot.vendors.base import CloudSettings, ProviderSettings
from reviewbot.vendors.openai import _ERRORS as _OPENAI_ERRORS
from reviewbot.vendors.openai import OpenAIProvider


class AzureOpenAIProvider(OpenAIProvider):
    """GPT on Azure OpenAI (``azure:<deployment>``)."""

    def make_client(self, settings: ProviderSettings) -> openai.AsyncOpenAI:
        """An ``AsyncAzureOpenAI`` for the endpoint and API version, with a key or a token."""
        cloud = settings.cloud or CloudSettings()
        return openai.AsyncAzureOpenAI(
            azure_endpoint=settings.base_url or "",  # always set: clouds.py requires it
            api_version=cloud.api_version,
            api_key=None if cloud.bearer_token else settings.api_key,
            azure_ad_token=cloud.bearer_token,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
            http_client=openai.DefaultAsyncHttpxClient(event_hooks=event_hooks("header")),
        )

    def error_table(self) -> ErrorTable:
        """The openai SDK's errors, with Azure's error codes read (``content_filter``…)."""
        return _ERRORS


def _read_status(err: openai.APIStatusError) -> HttpFailure:
    failure = _OPENAI_ERRORS.read_status(err)
    return replace(failure, kind=cloud_error_kind(failure.status, failure.code, failure.message))


_ERRORS = replace(_OPENAI_ERRORS, read_status=_read_status)
