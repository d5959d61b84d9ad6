"""Read the configuration: defaults merged with the file, validated, errors that name the key."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, get_args, get_origin

import annotated_types
import yaml
from pydantic import (
    BaseModel,
    ValidationError,
)
from pydantic.fields import FieldInfo

from reviewbot.config.schema import (
    Config,
    Price,
    ProviderConfig,
    StepConfig,
)
from reviewbot.domain import ModelRef
from reviewbot.engine.pricing import cloud_price, regional_premiums
from reviewbot.errors import ConfigError
from reviewbot.vendors.clouds import DEFAULT_LOCATION, LOCATION_VARS
from reviewbot.vendors.specs import VENDORS


@cache
def _defaults() -> dict[str, Any]:
    text = resources.files("reviewbot.config").joinpath("defaults.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def _pricing_toml() -> dict[str, Any]:
    return tomllib.loads(
        resources.files("reviewbot.config").joinpath("pricing.toml").read_text(encoding="utf-8")
    )


@cache
def price_table() -> tuple[str, tuple[str, ...], dict[str, Price]]:
    """The built-in price table: ``(as_of, sources, {model: Price})``."""
    raw = _pricing_toml()
    models = {name: Price(**row) for name, row in raw["models"].items()}
    return str(raw["as_of"]), tuple(raw["sources"]), models


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge a user config over the defaults: dicts recursively, everything else replaced.

    Within one step, a user's ``models`` replaces the default chain and also drops the
    default ``by_risk`` chains, so that a user who picks models is never surprised by a
    built-in premium chain they did not write.
    """
    merged = dict(base)
    for key, value in over.items():
        if key == "steps" and isinstance(value, dict) and isinstance(base.get(key), dict):
            steps = dict(base[key])
            for name, step in value.items():
                default = steps.get(name)
                if isinstance(step, dict) and isinstance(default, dict):
                    keep = {
                        k: v
                        for k, v in default.items()
                        if not ("models" in step and k == "by_risk")
                    }
                    steps[name] = {**keep, **step}
                else:
                    steps[name] = step
            merged[key] = steps
        elif isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


def _key_path(loc: tuple[Any, ...]) -> str:
    """``steps.security.models[0]``: list indexes in brackets, as a user reads them."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _start(loc: tuple[Any, ...]) -> tuple[type[BaseModel], tuple[Any, ...]]:
    """Where a key path starts: ``steps.<any name>`` is a ``StepConfig``, the rest ``Config``."""
    if len(loc) >= 2 and loc[0] == "steps":
        return StepConfig, loc[2:]
    return Config, loc


def _field(model: type[BaseModel] | None, key: object) -> FieldInfo | None:
    """``model``'s field for config key ``key``, by its alias (``vertex-anthropic``) or name."""
    if model is None:
        return None
    for name, field in model.model_fields.items():
        if key in (field.alias, name):
            return field
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    """The config keys of ``model``, as a user writes them (aliases, not Python names)."""
    return sorted(field.alias or name for name, field in model.model_fields.items())


def _field_at(loc: tuple[Any, ...]) -> FieldInfo | None:
    """The schema field that ``loc`` points into (dict keys and list indexes skipped)."""
    start, loc = _start(loc)
    model: type[BaseModel] | None = start
    field: FieldInfo | None = None
    skip_key = False
    for part in loc:
        if skip_key or isinstance(part, int):
            skip_key = False
            continue
        field = _field(model, str(part))
        if field is None:
            return None
        annotation = field.annotation
        if get_origin(annotation) in (dict, list):
            skip_key = get_origin(annotation) is dict
            annotation = get_args(annotation)[-1]
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
    return field


def _allowed_range(loc: tuple[Any, ...]) -> str:
    """`` (allowed: a number from 0 to 1000000)`` for a bounded numeric key, else ''."""
    field = _field_at(loc)
    if field is None:
        return ""
    low = high = ""
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            low = f"from {item.ge}"
        elif isinstance(item, annotated_types.Gt):
            low = f"above {item.gt}"
        elif isinstance(item, annotated_types.Le):
            high = f"to {item.le}" if low.startswith("from") else f"up to {item.le}"
        elif isinstance(item, annotated_types.Lt):
            high = f"below {item.lt}"
    if not (low or high):
        return ""
    kind = "a whole number" if field.annotation is int else "a number"
    return f" (allowed: {' '.join(p for p in (kind, low, high) if p)})"


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid configuration"]
    for item in error.errors():
        path = _key_path(item["loc"]) or "(top level)"
        kind = item["type"]
        if kind == "extra_forbidden":
            parent = item["loc"][:-1]
            allowed = _allowed_keys(parent)
            hint = (
                f"unknown key; allowed keys here: {', '.join(allowed)}"
                if allowed
                else "unknown key"
            )
            lines.append(f"  {path}: {hint}")
        else:
            message = item["msg"].removeprefix("Value error, ")
            ctx = item.get("ctx") or {}
            if "expected" in ctx and str(ctx["expected"]) not in message:
                message = f"{message} (allowed: {ctx['expected']})"
            bounds = _allowed_range(item["loc"])
            lines.append(f"  {path}: {message}; got {item.get('input')!r}{bounds}")
    return "\n".join(lines)


def _allowed_keys(parent: tuple[Any, ...]) -> list[str]:
    if len(parent) == 2 and parent[0] in ("providers", "prices"):
        return _keys(ProviderConfig if parent[0] == "providers" else Price)
    start, parent = _start(parent)
    model: type[BaseModel] | None = start
    for part in parent:
        field = _field(model, str(part))
        if field is None:
            return []
        annotation = field.annotation
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
    return _keys(model) if model is not None else []


def parse_config(text: str | None, source: str = "config") -> Config:
    """Validate YAML ``text`` (None/empty: defaults only); ``ConfigError`` names the key."""
    user: Any = {}
    if text and text.strip():
        try:
            user = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ConfigError(
                f"{source}: not valid YAML{where}: {getattr(exc, 'problem', exc)}"
            ) from None
        if user is None:
            user = {}
        if not isinstance(user, dict):
            raise ConfigError(
                f"{source}: the top level must be a mapping of keys, got {type(user).__name__}"
            )
    try:
        config = Config.model_validate(_merge(_defaults(), user))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
    problems = _unknown_providers(config)
    if problems:
        raise ConfigError("\n".join([f"{source}: invalid configuration", *problems]))
    return config


def _unknown_providers(config: Config) -> list[str]:
    """A line per model whose provider is neither built in nor declared under ``providers:``."""
    known = ", ".join(VENDORS)
    if config.providers:
        known += f", {', '.join(config.providers)} (from providers:)"
    refs: list[tuple[str, str]] = []
    for name in config.steps.root:  # every step, ask included
        step = config.steps.get(name)
        refs += [(f"steps.{name}.models[{i}]", m) for i, m in enumerate(step.models)]
        for risk, chain in step.by_risk.items():
            refs += [(f"steps.{name}.by_risk.{risk.value}[{i}]", m) for i, m in enumerate(chain)]
    refs.append(("baseline", config.baseline))
    problems = []
    for path, text in refs:
        provider = ModelRef.parse(text).provider
        if provider not in VENDORS and provider not in config.providers:
            problems.append(
                f"  {path}: unknown provider {provider!r} in {text!r}; known providers: {known};"
                " an OpenAI-compatible endpoint can be added under providers:"
            )
    return problems


def override(config: Config, values: Mapping[str, Any], names: Mapping[str, str]) -> Config:
    """``config`` with ``values`` laid over it, validated like the file (``model_copy`` is not).

    Args:
        config: A validated config.
        values: Config keys (``budget_usd``) and their new values, e.g. as typed by the user.
        names: How the user wrote each key (``--budget-usd``, ``input budget-usd``), for errors.

    Returns:
        The new, validated config.

    Raises:
        ConfigError: A value is not allowed; the message names the flag or input and the range.
    """
    try:
        return Config.model_validate({**config.model_dump(), **values})
    except ValidationError as exc:
        problems = []
        for item in exc.errors():
            loc = tuple(item["loc"])
            key = str(loc[0]) if loc else ""
            problems.append(
                f"{names.get(key, key)}: {item.get('input')!r} is not allowed: "
                f"{item['msg'].removeprefix('Value error, ')}{_allowed_range(loc)}"
            )
        raise ConfigError("; ".join(problems)) from None


def load_config(path: str | None) -> Config:
    """Read the config file at ``path`` (None: built-in defaults only)."""
    if path is None:
        return parse_config(None)
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    return parse_config(text, path)


def prices_for(config: Config, env: Mapping[str, str] | None = None) -> dict[str, Price]:
    """The built-in price table with the config's cloud models and its ``prices`` merged over it.

    Every cloud model the config names (``bedrock:…``, ``vertex-anthropic:…``, ``vertex:…``,
    ``azure:…``) is priced as the model it serves, with the regional premium where the cloud
    has one; a ``vertex-anthropic`` model's location comes from ``vendors:`` or ``env``
    (``CLOUD_ML_REGION``, ``GOOGLE_CLOUD_LOCATION``), else ``global``, as its calls' does.
    """
    _, _, table = price_table()
    premiums = regional_premiums()
    location = config.vendors.vertex_anthropic.location
    for var in LOCATION_VARS["vertex-anthropic"]:
        location = location or (env or {}).get(var, "").strip() or None
    derived: dict[str, Price] = {}
    for ref in _model_refs(config):
        spec = VENDORS.get(ref.provider)
        if str(ref) in table or spec is None or spec.cloud is None:
            continue
        price = cloud_price(
            ref,
            table,
            premiums,
            location=location or DEFAULT_LOCATION,
            deployments=config.vendors.azure.deployments,
        )
        if price is not None:
            derived[str(ref)] = price
    return {**table, **derived, **config.prices}


def _model_refs(config: Config) -> list[ModelRef]:
    refs = [ref for name in config.steps.names() for ref in config.steps.get(name).all_models()]
    return list(dict.fromkeys([*refs, config.baseline_ref]))
