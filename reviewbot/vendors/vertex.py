"""Gemini on Vertex AI: ``generateContent`` through a ``vertexai=True`` ``google-genai`` client.

The request is the one ``GeminiProvider`` sends, to ``POST /{version}/projects/{project}/
locations/{location}/publishers/google/models/{model}:generateContent``, with a Google access
token from Application Default Credentials (the SDK fetches and refreshes it) instead of an API
key.
"""

from __future__ import annotations

from google import genai
from google.auth.credentials import Credentials

from reviewbot.vendors._failure import ErrorTable
from reviewbot.vendors._google_auth import (
    load_credentials,
    token_of,
    with_auth_errors,
)
from reviewbot.vendors.base import CloudSettings, CredentialsUnavailable, ProviderSettings
from reviewbot.vendors.clouds import DEFAULT_LOCATION
from reviewbot.vendors.gemini import _ERRORS as _GEMINI_ERRORS
from reviewbot.vendors.gemini import GeminiProvider, http_options


class VertexGeminiProvider(GeminiProvider):
    """Gemini on Vertex AI (``vertex:gemini-2.5-flash``)."""

    _credentials: Credentials | None = None

    def make_client(self, settings: ProviderSettings) -> genai.Client:
        """A Vertex AI client for the project and location, with ADC.

        Raises:
            CredentialsUnavailable: No credentials, or no project anywhere.
        """
        cloud = settings.cloud or CloudSettings()
        credentials, file_project = load_credentials(cloud)
        project = cloud.project or file_project
        if not project:
            raise CredentialsUnavailable("no GOOGLE_CLOUD_PROJECT")
        self._credentials = credentials
        return genai.Client(
            vertexai=True,
            project=project,
            location=cloud.region or DEFAULT_LOCATION,
            credentials=credentials,
            http_options=http_options(settings),
        )

    def error_table(self) -> ErrorTable:
        """google-genai's errors, and google-auth's from fetching the token."""
        return _ERRORS

    def live_secrets(self) -> tuple[str, ...]:
        """The credentials file's secrets and the access token fetched with them."""
        return (*self._secrets, *token_of(self._credentials))


_ERRORS = with_auth_errors(_GEMINI_ERRORS)
