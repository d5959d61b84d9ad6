"""Application Default Credentials for the Vertex AI backends (``google-auth``).

``clouds.google_credentials_source`` decided where the credentials are (a file, or the metadata
server); this loads them without a network call. A service-account key, gcloud's user
credentials, or the Workload Identity Federation file that google-github-actions/auth writes
(``external_account``: the runner's OIDC token, exchanged at Google's STS, then optionally for a
service account's token) all give a ``Credentials`` whose token the SDKs fetch and refresh
themselves, through ``token_uri`` or ``token_url``.

Unlike ``google.auth.load_credentials_from_file``, loading an ``external_account`` file here
does not ask Cloud Resource Manager for the project: the project comes from the config or the
environment (google-github-actions/auth exports ``GOOGLE_CLOUD_PROJECT``).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import google.auth
import google.auth.exceptions
from google.auth.credentials import Credentials

from reviewbot.vendors._failure import ErrorTable
from reviewbot.vendors.base import CloudSettings, CredentialsUnavailable
from reviewbot.vendors.clouds import GOOGLE_NO_CREDENTIALS

SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
_AWS_SUBJECT_TOKEN_TYPE = "urn:ietf:params:aws:token-type:aws4_request"
# A credentials file is a few kilobytes; anything much larger is not one.
_MAX_FILE_BYTES = 1 << 20


def load_credentials(cloud: CloudSettings) -> tuple[Credentials, str | None]:
    """The credentials ``cloud`` names and the project they carry (None when they carry none).

    Raises:
        CredentialsUnavailable: There are none, or the file cannot be read or used; the reason
            names the variable, never a value from the file.
    """
    if cloud.credentials_file:
        return _from_file(cloud.credentials_file)
    if cloud.metadata_server:
        try:
            credentials, project = google.auth.default(scopes=list(SCOPES))
        except google.auth.exceptions.DefaultCredentialsError:
            raise CredentialsUnavailable(GOOGLE_NO_CREDENTIALS) from None
        return credentials, project
    raise CredentialsUnavailable(GOOGLE_NO_CREDENTIALS)


def _from_file(path: str) -> tuple[Credentials, str | None]:
    where = "GOOGLE_APPLICATION_CREDENTIALS"
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CredentialsUnavailable(
            f"{where}: cannot read {Path(path).name} ({exc.strerror or type(exc).__name__})"
        ) from None
    try:
        info = json.loads(raw) if len(raw) <= _MAX_FILE_BYTES else None
    except ValueError:
        info = None
    if not isinstance(info, dict):
        raise CredentialsUnavailable(f"{where}: {Path(path).name} is not a credentials JSON file")
    try:
        return credentials_from_info(info)
    except (ValueError, KeyError, google.auth.exceptions.GoogleAuthError) as exc:
        kind = info.get("type") if isinstance(info.get("type"), str) else "unknown"
        raise CredentialsUnavailable(
            f"{where}: {Path(path).name} holds no usable credentials "
            f"(type {kind!r}: {type(exc).__name__})"
        ) from None


def credentials_from_info(info: dict[str, Any]) -> tuple[Credentials, str | None]:
    """Credentials of a parsed credentials file, scoped for Vertex AI, and its project."""
    kind = info.get("type")
    if kind == "service_account":
        from google.oauth2 import service_account

        sa = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)  # type: ignore[no-untyped-call]
        return sa, _text(info.get("project_id"))
    if kind == "authorized_user":
        from google.oauth2 import credentials as user

        creds = user.Credentials.from_authorized_user_info(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call]
        return creds, _text(info.get("quota_project_id"))
    if kind == "external_account":
        return _external_account(info), _text(info.get("quota_project_id"))
    with warnings.catch_warnings():  # google-auth's advice on files from strangers: ours is not
        warnings.simplefilter("ignore")
        credentials, project = google.auth.load_credentials_from_dict(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call]
    return credentials, project


def _external_account(info: dict[str, Any]) -> Credentials:
    source = info.get("credential_source")
    if info.get("subject_token_type") == _AWS_SUBJECT_TOKEN_TYPE:
        from google.auth import aws

        return aws.Credentials.from_info(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call,no-any-return]
    if isinstance(source, dict) and source.get("executable") is not None:
        from google.auth import pluggable

        return pluggable.Credentials.from_info(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call,no-any-return]
    from google.auth import identity_pool

    return identity_pool.Credentials.from_info(info, scopes=list(SCOPES))  # type: ignore[no-untyped-call,no-any-return]


def token_of(credentials: Credentials | None) -> tuple[str, ...]:
    """The access token ``credentials`` hold now, for masking (none before the first call)."""
    token = getattr(credentials, "token", None)
    return (token,) if isinstance(token, str) and token else ()


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


# google-auth's exceptions, by what they mean (added to each Vertex AI provider's error table).
AUTH_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (google.auth.exceptions.TransportError,)
AUTH_ERRORS: tuple[type[BaseException], ...] = (google.auth.exceptions.GoogleAuthError,)


def with_auth_errors(table: ErrorTable) -> ErrorTable:
    """``table`` (an SDK's errors) with google-auth's, raised while fetching the token."""
    return replace(
        table,
        transport=(*table.transport, *AUTH_TRANSPORT_ERRORS),
        auth=(*table.auth, *AUTH_ERRORS),
    )
