"""The vendor registry: one spec per built-in vendor, read by everything that needs a vendor list.

A spec is data: the provider name used in model references (``anthropic:claude-…``), the
module that implements it (the only place its SDK is imported), the environment variables
that carry its key (in order of preference), the action input for that key, and the
variable that overrides its endpoint. The CLI, the Action runtime, the config validation,
key masking and the "set X to run it" hints all read this one table.

Adding a vendor is one module (``reviewbot/vendors/<vendor>.py`` with a ``Provider``
class and its error table) plus one entry in ``VENDORS`` below (and its input in
``action.yml``, which a test keeps in step with this table).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VendorSpec:
    """One built-in vendor."""

    name: str  # the provider part of "provider:model"
    module: str  # implements it; importing it imports the vendor SDK
    provider_class: str  # the Provider class in ``module``
    key_vars: tuple[str, ...]  # key variables, in order of preference
    action_input: str  # the action input that carries the key (kebab-case)
    base_url_var: str  # the variable that overrides the endpoint

    @property
    def key_var(self) -> str:
        """The key variable users are told to set (the first of ``key_vars``)."""
        return self.key_vars[0]


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
    )
}


def key_variables() -> tuple[str, ...]:
    """Every variable any built-in vendor reads its key from, in registry order."""
    return tuple(var for spec in VENDORS.values() for var in spec.key_vars)


def key_inputs() -> dict[str, str]:
    """Action input -> the key variable it sets (``anthropic-api-key`` -> ``ANTHROPIC_API_KEY``)."""
    return {spec.action_input: spec.key_var for spec in VENDORS.values()}
