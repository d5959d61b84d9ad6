"""Which providers this run can use: keys and base URLs from the environment, built lazily.

A cloud backend (``bedrock:``, ``vertex:``...) is usable when its environment names what it
needs (``clouds.py``); the credentials its cloud's own chain would find are looked for when it
is first built, and a backend that finds none is passed over with the reason, like a vendor
without a key.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
from collections.abc import Iterable, Mapping

from reviewbot.config.schema import Config
from reviewbot.credentials import clean_credential
from reviewbot.vendors.base import (
    CredentialsUnavailable,
    Provider,
    ProviderSettings,
    build_provider,
    provider_module,
)
from reviewbot.vendors.clouds import base_url, cloud_provider_settings
from reviewbot.vendors.specs import VENDORS


def provider_settings(config: Config, env: Mapping[str, str]) -> dict[str, ProviderSettings]:
    """Resolve every known provider's key and base URL; a missing key gives ``api_key=None``.

    Keys are stripped and validated here, where they are read, and base URLs must be https
    (or http to a loopback host). A cloud backend's settings come from ``clouds.py``: its
    ``missing`` says what its environment lacks.

    Raises:
        ConfigError: A key or cloud credential variable holds a line break, whitespace or a
            control character, or an endpoint variable is not https; the message names it.
    """
    timeout = float(config.step_timeout_s)
    result: dict[str, ProviderSettings] = {}
    for name, spec in VENDORS.items():
        if spec.cloud is not None:
            result[name] = cloud_provider_settings(spec, config, env)
            continue
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
    return base_url(env.get(var), var)


class ProviderPool:
    """Builds each provider on first use; ``None`` for a provider without credentials."""

    def __init__(
        self,
        settings: Mapping[str, ProviderSettings],
        overrides: Mapping[str, Provider] | None = None,
    ) -> None:
        self._settings = dict(settings)
        self._built: dict[str, Provider] = dict(overrides or {})
        self._failed: dict[str, str] = {}  # provider -> why its credentials were not found
        self._lock = threading.Lock()

    def preload(self, names: Iterable[str]) -> None:
        """Start importing the SDKs of ``names`` (those with a key) in a background thread.

        Importing a vendor SDK takes most of a second; doing it while the diff is parsed
        and classified keeps it off the critical path of the concurrent review steps.
        """
        modules = []
        for name in dict.fromkeys(names):
            settings = self._settings.get(name)
            if name in self._built or settings is None or settings.unavailable:
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
        """The provider called ``name``, or None when unknown or without credentials.

        A cloud backend looks for its credentials here (its cloud's chain may read files or
        ask a metadata endpoint), once: a backend that found none stays None for the run.
        """
        if name in self._built:
            return self._built[name]
        settings = self._settings.get(name)
        if settings is None or settings.unavailable or name in self._failed:
            return None
        try:
            provider = build_provider(settings)  # outside the lock: imports may take a while
        except CredentialsUnavailable as exc:
            with self._lock:
                self._failed.setdefault(name, exc.reason)
            return None
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
        return settings.unavailable or self._failed.get(name) or f"no {settings.key_env}"

    def secrets(self) -> tuple[str, ...]:
        """Every key and cloud credential value in use, so callers can mask them."""
        built = (s for p in self._built.values() for s in getattr(p, "live_secrets", tuple)())
        found = (s for settings in self._settings.values() for s in settings.all_secrets())
        return tuple(dict.fromkeys((*found, *built)))

    async def aclose(self) -> None:
        """Close every provider that was built."""
        for provider in self._built.values():
            await provider.aclose()
