"""Which providers this run can use: keys and base URLs from the environment, built lazily."""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Iterable, Mapping

from reviewbot.config.schema import Config
from reviewbot.credentials import check_base_url, clean_credential
from reviewbot.errors import ConfigError
from reviewbot.vendors.base import Provider, ProviderSettings, build_provider, provider_module
from reviewbot.vendors.specs import VENDORS


def provider_settings(config: Config, env: Mapping[str, str]) -> dict[str, ProviderSettings]:
    """Resolve every known provider's key and base URL; a missing key gives ``api_key=None``.

    Keys are stripped and validated here, where they are read, and base URLs must be https
    (or http to a loopback host).

    Raises:
        ConfigError: A key variable holds a line break, whitespace or a control character, or
            a ``*_BASE_URL`` variable is not https; the message names the variable.
    """
    timeout = float(config.step_timeout_s)
    result: dict[str, ProviderSettings] = {}
    for name, spec in VENDORS.items():
        key_env, api_key = spec.key_var, None
        for var in spec.key_vars:
            api_key = clean_credential(env.get(var), var)
            if api_key:
                key_env = var
                break
        result[name] = ProviderSettings(
            name=name,
            kind=spec.name,
            api_key=api_key,
            base_url=_env_base_url(env, spec.base_url_var),
            key_env=key_env,
            timeout_s=timeout,
            max_retries=config.max_retries,
        )
    for name, extra in config.providers.items():
        result[name] = ProviderSettings(
            name=name,
            kind=extra.type,
            api_key=clean_credential(
                env.get(extra.api_key_env),
                f"{extra.api_key_env} (the api_key_env of provider {name!r})",
            ),
            base_url=extra.base_url,
            key_env=extra.api_key_env,
            timeout_s=timeout,
            max_retries=config.max_retries,
        )
    return result


def _env_base_url(env: Mapping[str, str], var: str) -> str | None:
    value = env.get(var, "").strip()
    if not value:
        return None
    try:
        return check_base_url(value)
    except ValueError as exc:
        shown = value.split("://", 1)[-1].rsplit("@", 1)[-1]  # never echo user:password@
        raise ConfigError(f"{var}: {value.split('://', 1)[0]}://{shown} {exc}") from None


class ProviderPool:
    """Builds each provider on first use; ``None`` for a provider without a key."""

    def __init__(
        self,
        settings: Mapping[str, ProviderSettings],
        overrides: Mapping[str, Provider] | None = None,
    ) -> None:
        self._settings = dict(settings)
        self._built: dict[str, Provider] = dict(overrides or {})
        self._lock = threading.Lock()

    def preload(self, names: Iterable[str]) -> None:
        """Start importing the SDKs of ``names`` (those with a key) in a background thread.

        Importing a vendor SDK takes most of a second; doing it while the diff is parsed
        and classified keeps it off the critical path of the concurrent review steps.
        """
        modules = []
        for name in dict.fromkeys(names):
            settings = self._settings.get(name)
            if name in self._built or settings is None or not settings.api_key:
                continue
            module = provider_module(settings.kind)
            if module is not None:
                modules.append(module)
        if modules:
            thread = threading.Thread(
                target=lambda: [importlib.import_module(m) for m in modules],
                name="reviewbot-preload",
                daemon=True,
            )
            thread.start()

    def get(self, name: str) -> Provider | None:
        """The provider called ``name``, or None when unknown or without a key."""
        if name in self._built:
            return self._built[name]
        settings = self._settings.get(name)
        if settings is None or not settings.api_key:
            return None
        provider = build_provider(settings)  # outside the lock: imports may take a while
        with self._lock:
            return self._built.setdefault(name, provider)

    async def aget(self, name: str) -> Provider | None:
        """``get`` without blocking the event loop while a vendor SDK is still importing."""
        if name in self._built:
            return self._built[name]
        return await asyncio.to_thread(self.get, name)

    def unavailable_reason(self, name: str) -> str:
        """Why ``get(name)`` is None, as users read it: ``no OPENAI_API_KEY``."""
        settings = self._settings.get(name)
        if settings is None:
            return f"unknown provider {name!r} (declare it under providers:)"
        return f"no {settings.key_env}"

    def secrets(self) -> tuple[str, ...]:
        """Every key value in use, so callers can mask them."""
        return tuple(s.api_key for s in self._settings.values() if s.api_key)

    async def aclose(self) -> None:
        """Close every provider that was built."""
        for provider in self._built.values():
            await provider.aclose()
