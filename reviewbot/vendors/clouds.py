"""The cloud backends' settings, read from the config's ``vendors:`` and the standard variables.

No SDK is imported here: this decides, from the environment alone, whether a cloud backend can
be tried and what it would sign with, so that a run without cloud credentials pays nothing for
them. What the environment does not say is left to the cloud's own chain when the provider is
built (``CredentialsUnavailable`` then passes its models over with a reason):

- ``bedrock``: region from ``vendors.bedrock.region``, ``AWS_REGION`` or ``AWS_DEFAULT_REGION``;
  credentials from ``AWS_BEARER_TOKEN_BEDROCK`` (a Bedrock API key), ``AWS_ACCESS_KEY_ID`` +
  ``AWS_SECRET_ACCESS_KEY`` (+ ``AWS_SESSION_TOKEN``: what aws-actions/configure-aws-credentials
  exports), ``AWS_PROFILE``, else botocore's chain (web identity, container, instance role).
- ``vertex-anthropic``, ``vertex``: project from the config, ``GOOGLE_CLOUD_PROJECT`` (and the
  other names google-github-actions/auth exports) or the credentials file; location from the
  config, ``GOOGLE_CLOUD_LOCATION`` (``CLOUD_ML_REGION`` for Claude), else ``global``;
  Application Default Credentials: ``GOOGLE_APPLICATION_CREDENTIALS``, else gcloud's user
  credentials file, else the metadata server on Google Cloud.
- ``azure``: endpoint from ``vendors.azure.endpoint`` or ``AZURE_OPENAI_ENDPOINT``; API version
  from the config or ``OPENAI_API_VERSION``; ``AZURE_OPENAI_AD_TOKEN`` (a Microsoft Entra token)
  or ``AZURE_OPENAI_API_KEY``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from reviewbot.config.schema import AzureConfig, BedrockConfig, Config, VertexConfig
from reviewbot.credentials import check_base_url, clean_credential, file_secrets
from reviewbot.errors import ConfigError
from reviewbot.vendors.base import CloudSettings, ProviderSettings
from reviewbot.vendors.specs import VendorSpec

DEFAULT_LOCATION = "global"
# Where each backend may read its project and location, in order (the config comes first).
PROJECT_VARS = (
    "GOOGLE_CLOUD_PROJECT",
    "CLOUDSDK_CORE_PROJECT",
    "CLOUDSDK_PROJECT",
    "GCLOUD_PROJECT",
    "GCP_PROJECT",
)
LOCATION_VARS = {
    "vertex-anthropic": ("CLOUD_ML_REGION", "GOOGLE_CLOUD_LOCATION"),
    "vertex": ("GOOGLE_CLOUD_LOCATION",),
}
EXTRA_PROJECT_VARS = {"vertex-anthropic": ("ANTHROPIC_VERTEX_PROJECT_ID",)}
AWS_NO_CREDENTIALS = "no AWS_ACCESS_KEY_ID (nor a profile, web identity or instance role)"
GOOGLE_NO_CREDENTIALS = "no GOOGLE_APPLICATION_CREDENTIALS"
_GCE_PRODUCT_FILE = "/sys/class/dmi/id/product_name"
_BEDROCK_URL = "ANTHROPIC_BEDROCK_BASE_URL"


def cloud_provider_settings(
    spec: VendorSpec, config: Config, env: Mapping[str, str]
) -> ProviderSettings:
    """The settings of cloud backend ``spec``: usable, or ``missing`` says what is not set.

    Raises:
        ConfigError: A credential variable holds a line break, whitespace or a control
            character, or an endpoint is not https; the message names the variable.
    """
    vendor = config.vendors.for_vendor(spec.name)
    base = ProviderSettings(
        name=spec.name,
        kind=spec.name,
        api_key=None,
        base_url=None,
        key_env=spec.key_var,
        timeout_s=float(config.step_timeout_s),
        max_retries=config.max_retries,
    )
    try:
        if isinstance(vendor, BedrockConfig):
            return _bedrock(base, vendor, env)
        if isinstance(vendor, VertexConfig):
            return _vertex(base, spec, vendor, env)
        if isinstance(vendor, AzureConfig):
            return _azure(base, spec, vendor, env)
    except OSError as exc:  # a credentials file or folder the OS will not show: pass it over
        why = exc.strerror or type(exc).__name__
        return replace(base, missing=f"its credentials could not be looked up ({why})")
    raise ValueError(f"{spec.name} is not a cloud backend")  # pragma: no cover


def _first(env: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def _secret(env: Mapping[str, str], name: str) -> str | None:
    return clean_credential(env.get(name), name)


def base_url(value: str | None, var: str) -> str | None:
    """``value`` if it is https (or http to loopback); ``ConfigError`` naming ``var`` otherwise."""
    if not value or not value.strip():
        return None
    try:
        return check_base_url(value)
    except ValueError as exc:
        shown = value.split("://", 1)[-1].rsplit("@", 1)[-1]  # never echo user:password@
        raise ConfigError(f"{var}: {value.split('://', 1)[0]}://{shown} {exc}") from None


# ---------------------------------------------------------------- AWS


def _bedrock(
    base: ProviderSettings, vendor: BedrockConfig, env: Mapping[str, str]
) -> ProviderSettings:
    region = vendor.region or _first(env, ("AWS_REGION", "AWS_DEFAULT_REGION"))
    profile = _first(env, ("AWS_PROFILE",))
    bearer = _secret(env, "AWS_BEARER_TOKEN_BEDROCK")
    access_key = _secret(env, "AWS_ACCESS_KEY_ID")
    secret_key = _secret(env, "AWS_SECRET_ACCESS_KEY")
    session_token = _secret(env, "AWS_SESSION_TOKEN")
    url = vendor.base_url or base_url(env.get(_BEDROCK_URL), _BEDROCK_URL)
    secrets = tuple(s for s in (bearer, access_key, secret_key, session_token) if s)
    missing: str | None = None
    if not region and not profile:
        missing = "no AWS_REGION"
    elif bearer:
        access_key = secret_key = session_token = profile = None  # one credential, the key
    elif access_key and not secret_key:
        missing = "no AWS_SECRET_ACCESS_KEY"
    elif secret_key and not access_key:
        missing = "no AWS_ACCESS_KEY_ID"
    elif access_key:
        profile = None  # the variables win over a profile, as in botocore's chain
    cloud = CloudSettings(
        region=region,
        aws_access_key=access_key,
        aws_secret_key=secret_key,
        aws_session_token=session_token if access_key else None,
        aws_profile=profile,
        bearer_token=bearer,
    )
    key_env = "AWS_BEARER_TOKEN_BEDROCK" if bearer else "AWS_ACCESS_KEY_ID"
    return replace(
        base, base_url=url, cloud=cloud, missing=missing, secrets=secrets, key_env=key_env
    )


# ---------------------------------------------------------------- Google


def _vertex(
    base: ProviderSettings, spec: VendorSpec, vendor: VertexConfig, env: Mapping[str, str]
) -> ProviderSettings:
    project = vendor.project or _first(env, (*EXTRA_PROJECT_VARS.get(spec.name, ()), *PROJECT_VARS))
    location = vendor.location or _first(env, LOCATION_VARS[spec.name]) or DEFAULT_LOCATION
    url = vendor.base_url or base_url(env.get(spec.base_url_var), spec.base_url_var)
    credentials_file, metadata = google_credentials_source(env)
    missing = None if credentials_file or metadata else GOOGLE_NO_CREDENTIALS
    cloud = CloudSettings(
        region=location,
        project=project,
        credentials_file=credentials_file,
        metadata_server=metadata,
    )
    secrets = tuple(file_secrets(credentials_file)) if credentials_file else ()
    return replace(base, base_url=url, cloud=cloud, missing=missing, secrets=secrets)


def google_credentials_source(env: Mapping[str, str]) -> tuple[str | None, bool]:
    """Where Application Default Credentials come from: ``(credentials file, metadata server)``.

    ``GOOGLE_APPLICATION_CREDENTIALS`` (what google-github-actions/auth exports), else gcloud's
    user credentials (``gcloud auth application-default login``), else the metadata server when
    this machine is on Google Cloud (``GCE_METADATA_HOST`` set, or a Google Compute Engine DMI
    name). Decided without a network call, unlike ``google.auth.default()``, which would probe
    the metadata server for seconds on every other machine.
    """
    named = env.get("GOOGLE_APPLICATION_CREDENTIALS", "").strip()
    if named:
        return named, False
    folder = env.get("CLOUDSDK_CONFIG", "").strip()
    if not folder and env.get("HOME", "").strip():
        folder = os.path.join(env["HOME"].strip(), ".config", "gcloud")
    if folder:
        user_file = Path(folder) / "application_default_credentials.json"
        try:
            found = user_file.is_file()
        except OSError:  # e.g. a HOME the container's user may not enter: no such credentials
            found = False
        if found:
            return str(user_file), False
    if env.get("GCE_METADATA_HOST", "").strip() or env.get("GCE_METADATA_IP", "").strip():
        return None, True
    try:
        product = Path(_GCE_PRODUCT_FILE).read_text(encoding="ascii", errors="replace")
    except OSError:
        return None, False
    return None, product.strip().startswith("Google")


# ---------------------------------------------------------------- Azure


def _azure(
    base: ProviderSettings, spec: VendorSpec, vendor: AzureConfig, env: Mapping[str, str]
) -> ProviderSettings:
    endpoint = vendor.endpoint or base_url(env.get(spec.base_url_var), spec.base_url_var)
    api_version = vendor.api_version or _first(env, ("OPENAI_API_VERSION",))
    token = _secret(env, "AZURE_OPENAI_AD_TOKEN")
    key = _secret(env, "AZURE_OPENAI_API_KEY")
    missing: str | None = None
    if not endpoint:
        missing = "no AZURE_OPENAI_ENDPOINT"
    elif not (token or key):
        missing = "no AZURE_OPENAI_API_KEY (nor AZURE_OPENAI_AD_TOKEN)"
    elif not api_version:
        missing = "no OPENAI_API_VERSION"
    cloud = CloudSettings(api_version=api_version, bearer_token=token)
    return replace(
        base,
        api_key=None if token else key,
        base_url=endpoint,
        cloud=cloud,
        missing=missing,
        secrets=tuple(s for s in (token, key) if s),
        key_env="AZURE_OPENAI_AD_TOKEN" if token else "AZURE_OPENAI_API_KEY",
    )
