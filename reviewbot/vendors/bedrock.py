"""Claude on Amazon Bedrock: the Messages API through ``anthropic``'s ``AsyncAnthropicBedrock``.

The request is the one ``AnthropicProvider`` sends; the SDK moves the model into the path
(``POST /model/{model id}/invoke``) and signs each request with SigV4 (``Authorization:
AWS4-HMAC-SHA256 …``, ``X-Amz-Date``, ``X-Amz-Security-Token`` for temporary credentials), or
sends a Bedrock API key as a bearer token. botocore resolves the credentials: the ones the
environment gives (``clouds.py`` reads them), else its own chain.
"""

from __future__ import annotations

from dataclasses import replace

import anthropic
import botocore.exceptions

from reviewbot.vendors._deadline import event_hooks
from reviewbot.vendors._failure import ErrorTable
from reviewbot.vendors.anthropic import _ERRORS as _MESSAGES_ERRORS
from reviewbot.vendors.anthropic import AnthropicProvider, MessagesClient
from reviewbot.vendors.base import CloudSettings, CredentialsUnavailable, ProviderSettings
from reviewbot.vendors.clouds import AWS_NO_CREDENTIALS


class BedrockProvider(AnthropicProvider):
    """Claude on Amazon Bedrock (``bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0``)."""

    def make_client(self, settings: ProviderSettings) -> MessagesClient:
        """An ``AsyncAnthropicBedrock`` for the region, signing with the resolved credentials.

        Raises:
            CredentialsUnavailable: No region, or botocore's chain found no credentials.
        """
        cloud = settings.cloud or CloudSettings()
        if not (cloud.bearer_token or cloud.aws_access_key or cloud.aws_profile):
            _require_chain_credentials(cloud.region)
        try:
            return anthropic.AsyncAnthropicBedrock(
                aws_access_key=cloud.aws_access_key,
                aws_secret_key=cloud.aws_secret_key,
                aws_session_token=cloud.aws_session_token,
                aws_region=cloud.region,
                aws_profile=cloud.aws_profile,
                api_key=cloud.bearer_token,
                base_url=settings.base_url,
                timeout=settings.timeout_s,
                max_retries=settings.max_retries,
                http_client=anthropic.DefaultAsyncHttpxClient(event_hooks=event_hooks("header")),
            )
        except ValueError:  # the SDK could not tell the region (none set, none in the profile)
            raise CredentialsUnavailable("no AWS_REGION") from None
        except botocore.exceptions.BotoCoreError as exc:  # e.g. ProfileNotFound
            raise CredentialsUnavailable(f"AWS_PROFILE: {type(exc).__name__}") from None

    def error_table(self) -> ErrorTable:
        """The Messages API's errors, and botocore's from signing (credentials, STS)."""
        return _ERRORS


def _require_chain_credentials(region: str | None) -> None:
    """Raise ``CredentialsUnavailable`` unless botocore's chain finds credentials.

    The chain: a web identity token file (``AWS_WEB_IDENTITY_TOKEN_FILE`` + ``AWS_ROLE_ARN``),
    the shared credentials and config files, container credentials, the instance role.
    """
    import boto3

    try:
        found = boto3.Session(region_name=region).get_credentials()
    except botocore.exceptions.BotoCoreError as exc:
        raise CredentialsUnavailable(f"{AWS_NO_CREDENTIALS}: {type(exc).__name__}") from None
    if found is None:
        raise CredentialsUnavailable(AWS_NO_CREDENTIALS)


# Signing happens inside the SDK call: botocore's errors are the credentials' (a web identity
# rejected by STS, an expired profile), its connection errors the way to STS or IMDS.
_ERRORS = replace(
    _MESSAGES_ERRORS,
    transport=(
        *_MESSAGES_ERRORS.transport,
        botocore.exceptions.ConnectionError,
        botocore.exceptions.HTTPClientError,
    ),
    auth=(
        *_MESSAGES_ERRORS.auth,
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
    ),
)
