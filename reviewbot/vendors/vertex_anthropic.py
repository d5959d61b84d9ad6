"""Claude on Vertex AI: the Messages API through ``anthropic``'s ``AsyncAnthropicVertex``.

The request is the one ``AnthropicProvider`` sends; the SDK moves the model into the path
(``POST /v1/projects/{project}/locations/{location}/publishers/anthropic/models/{model}``
``:rawPredict``) and sends a Google access token from Application Default Credentials as a
bearer token, fetching and refreshing it itself.
"""

from __future__ import annotations

import anthropic
from google.auth.credentials import Credentials

from reviewbot.vendors._deadline import event_hooks
from reviewbot.vendors._failure import ErrorTable
from reviewbot.vendors._google_auth import (
    load_credentials,
    token_of,
    with_auth_errors,
)
from reviewbot.vendors.anthropic import _ERRORS as _MESSAGES_ERRORS
from reviewbot.vendors.anthropic import AnthropicProvider, MessagesClient
from reviewbot.vendors.base import CloudSettings, CredentialsUnavailable, ProviderSettings
from reviewbot.vendors.clouds import DEFAULT_LOCATION


class VertexAnthropicProvider(AnthropicProvider):
    """Claude on Vertex AI (``vertex-anthropic:claude-sonnet-4-5@20250929``)."""

    _credentials: Credentials | None = None

    def make_client(self, settings: ProviderSettings) -> MessagesClient:
        """An ``AsyncAnthropicVertex`` for the project and location, with ADC.

        Raises:
            CredentialsUnavailable: No credentials, or no project anywhere.
        """
        cloud = settings.cloud or CloudSettings()
        credentials, file_project = load_credentials(cloud)
        project = cloud.project or file_project
        if not project:
            raise CredentialsUnavailable("no GOOGLE_CLOUD_PROJECT")
        self._credentials = credentials
        return anthropic.AsyncAnthropicVertex(
            region=cloud.region or DEFAULT_LOCATION,
            project_id=project,
            credentials=credentials,
            base_url=settings.base_url,
            timeout=settings.timeout_s,
            max_retries=settings.max_retries,
            http_client=anthropic.DefaultAsyncHttpxClient(event_hooks=event_hooks("header")),
        )

    def error_table(self) -> ErrorTable:
        """The Messages API's errors, and google-auth's from fetching the token."""
        return _ERRORS

    def live_secrets(self) -> tuple[str, ...]:
        """The credentials file's secrets and the access token fetched with them."""
        return (*self._secrets, *token_of(self._credentials))


_ERRORS = with_auth_errors(_MESSAGES_ERRORS)
