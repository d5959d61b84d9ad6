"""The vendor registry: one spec per built-in vendor, read by everything that needs a vendor list.

A spec is data: the provider name used in model references (``anthropic:claude-…``), the
module that implements it (the only place its SDK is imported), the environment variables
that carry its key (in order of preference), the action input for that key, and the
variable that overrides its endpoint. The CLI, the Action runtime, the config validation,
key masking and the "set X to run it" hints all read this one table.

Adding a vendor is one module (``reviewbot/vendors/<vendor>.py`` with a ``Provider``
class and its error table) plus one entry in ``VENDORS`` below (and its input in
``action.yml``, which a test keeps in step with this table).

The enterprise clouds (``bedrock``, ``vertex-anthropic``, ``vertex``, ``azure``) are vendors
too, with a ``cloud``: their credentials are the short-lived ones each cloud's own tooling puts
in the environment (an OIDC step in a workflow), never an action input. Their region, project,
location, endpoint and API version come from the config's ``vendors:`` section or the cloud's
standard variables (``reviewbot/vendors/clouds.py`` resolves them without importing an SDK).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Cloud = Literal["aws", "google", "azure"]


@dataclass(frozen=True, slots=True)
class VendorSpec:
    """One built-in vendor."""

    name: str  # the provider part of "provider:model"
    module: str  # implements it; importing it imports the vendor SDK
    provider_class: str  # the Provider class in ``module``
    key_vars: tuple[str, ...]  # variables carrying its credential (secrets), in order of preference
    action_input: str | None  # the action input that carries the key; None: environment only
    base_url_var: str  # the variable that overrides the endpoint
    cloud: Cloud | None = None  # whose credential chain it signs with (None: an API key)
    file_vars: tuple[str, ...] = ()  # variables naming a credentials file (its secrets are masked)

    @property
    def key_var(self) -> str:
        """The key variable users are told to set (the first of ``key_vars``)."""
        return self.key_vars[0] if self.key_vars else self.file_vars[0]


# The standard variables of each cloud's SDKs that hold a secret, and the Google credentials file
# (a service-account key, or the Workload Identity Federation file google-github-actions/auth
# writes, which carries the runner's OIDC request token).
AWS_KEY_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_BEARER_TOKEN_BEDROCK",  # a Bedrock API key
)
AZURE_KEY_VARS = ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN")
GOOGLE_FILE_VARS = ("GOOGLE_APPLICATION_CREDENTIALS",)

VENDORS: dict[str, VendorSpec] = {
    spec.name: spec
    for spec in (
        VendorSpec(
            name="anthropic",
            module="reviewbot.vendors.anthropic",
            provider_class="AnthropicProvider",
            key_vars=("ANTHROPIC_API_KEY",),
            action_input="anthropic-api-key",
            base_url_var="ANTHROPIC_BASE_URL",
        ),
        VendorSpec(
            name="openai",
            module="reviewbot.vendors.openai",
            provider_class="OpenAIProvider",
            key_vars=("OPENAI_API_KEY",),
            action_input="openai-api-key",
            base_url_var="OPENAI_BASE_URL",
        ),
        VendorSpec(
            name="google",
            module="reviewbot.vendors.gemini",
            provider_class="GeminiProvider",
            key_vars=("GEMINI_API_KEY", "GOOGLE_API_KEY"),
            action_input="gemini-api-key",
            base_url_var="GOOGLE_GEMINI_BASE_URL",
        ),
        VendorSpec(
            name="bedrock",
            module="reviewbot.vendors.bedrock",
            provider_class="BedrockProvider",
            key_vars=AWS_KEY_VARS,
            action_input=None,
            base_url_var="ANTHROPIC_BEDROCK_BASE_URL",
            cloud="aws",
        ),
        VendorSpec(
            name="vertex-anthropic",
            module="reviewbot.vendors.vertex_anthropic",
            provider_class="VertexAnthropicProvider",
            key_vars=(),
            action_input=None,
            base_url_var="ANTHROPIC_VERTEX_BASE_URL",
            cloud="google",
            file_vars=GOOGLE_FILE_VARS,
        ),
        VendorSpec(
            name="vertex",
            module="reviewbot.vendors.vertex",
            provider_class="VertexGeminiProvider",
            key_vars=(),
            action_input=None,
            base_url_var="GOOGLE_VERTEX_BASE_URL",
            cloud="google",
            file_vars=GOOGLE_FILE_VARS,
        ),
        VendorSpec(
            name="azure",
            module="reviewbot.vendors.azure",
            provider_class="AzureOpenAIProvider",
            key_vars=AZURE_KEY_VARS,
            action_input=None,
            base_url_var="AZURE_OPENAI_ENDPOINT",
            cloud="azure",
        ),
    )
}


def key_variables() -> tuple[str, ...]:
    """Every variable any built-in vendor reads a secret from, in registry order (masked)."""
    return tuple(dict.fromkeys(var for spec in VENDORS.values() for var in spec.key_vars))


def credential_file_variables() -> tuple[str, ...]:
    """Every variable naming a credentials file (``GOOGLE_APPLICATION_CREDENTIALS``)."""
    return tuple(dict.fromkeys(var for spec in VENDORS.values() for var in spec.file_vars))


def credential_variables() -> tuple[str, ...]:
    """Every variable whose presence gives some vendor a credential: keys and credential files."""
    return (*key_variables(), *credential_file_variables())


def key_inputs() -> dict[str, str]:
    """Action input -> the key variable it sets (``anthropic-api-key`` -> ``ANTHROPIC_API_KEY``)."""
    return {spec.action_input: spec.key_var for spec in VENDORS.values() if spec.action_input}
