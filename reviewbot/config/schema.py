"""The configuration file's schema, its built-in defaults and the price table."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal, get_args, get_origin

import annotated_types
import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    ValidationError,
    field_validator,
)
from pydantic.fields import FieldInfo

from reviewbot.credentials import check_base_url
from reviewbot.domain import ChangeType, ModelRef, Risk, Severity
from reviewbot.errors import ConfigError
from reviewbot.steps.registry import BUILT_IN, CLASSIFY, NAME_RE
from reviewbot.vendors.specs import VENDORS

FailOn = Literal["none", "info", "low", "medium", "high", "critical"]
# Far above any real run, and small enough that rounding a cost or a budget to cents stays
# within Decimal's default 28-digit precision.
MAX_USD = Decimal(1_000_000)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_model(value: str) -> str:
    ModelRef.parse(value)  # raises ValueError with the expected form
    return value


# One item of a chain; validated one by one so that an error names its index.
ModelName = Annotated[str, AfterValidator(_check_model)]


class StepConfig(_Strict):
    """One step: its model chain (primary first), risk-specific chains and when to skip it.

    A built-in step (``classify``, ``security``, ``quality``, ``docs``) gets its defaults
    from ``defaults.yml``; any other name is a step the repository adds, which needs a chain.
    """

    enabled: bool = True
    instructions: str = Field(default="", max_length=20_000)
    files: list[str] | None = None  # gitignore-style globs; None: the step's file kinds
    models: list[ModelName] = Field(default_factory=list)
    by_risk: dict[Risk, list[ModelName]] = Field(default_factory=dict)
    skip_for: list[ChangeType] = Field(default_factory=list)
    max_output_tokens: int = Field(default=4096, ge=64, le=64000)

    def all_models(self) -> tuple[ModelRef, ...]:
        """Every model any chain of this step may use, ``models`` first."""
        chains = [self.models, *self.by_risk.values()]
        return tuple(ModelRef.parse(m) for m in dict.fromkeys(m for c in chains for m in c))

    def chain(self, risk: Risk) -> tuple[ModelRef, ...]:
        """The chain for ``risk``: ``by_risk[risk]`` when set, else ``models``."""
        return tuple(ModelRef.parse(m) for m in self.by_risk.get(risk, self.models))


def _check_steps(steps: dict[str, StepConfig]) -> dict[str, StepConfig]:
    for name, step in steps.items():
        if not NAME_RE.fullmatch(name):
            raise ValueError(
                f"step name {name!r}: use 1-32 lower-case letters, digits, '-' or '_', "
                "starting with a letter"
            )
        if name == CLASSIFY and (not step.enabled or step.files or step.instructions):
            raise ValueError(
                "classify cannot be switched off, narrowed with files or given instructions; "
                "it only decides routing (set its models to change who classifies)"
            )
        if name not in BUILT_IN and not step.models:
            raise ValueError(
                f"step {name!r} is not built in, so it needs a model chain (steps.{name}.models)"
            )
    for name in BUILT_IN:
        if name not in steps:
            raise ValueError(f"built-in step {name!r} is missing from the defaults")
    return steps


class Steps(RootModel[Annotated[dict[str, StepConfig], AfterValidator(_check_steps)]]):
    """Every step by name: the built-ins (from the defaults) and those the config adds."""

    model_config = ConfigDict(frozen=True)

    def get(self, name: str) -> StepConfig:
        """The config of step ``name``."""
        return self.root[name]

    @property
    def classify(self) -> StepConfig:
        """The classify step's config."""
        return self.root[CLASSIFY]

    def review_steps(self) -> tuple[str, ...]:
        """The review steps, built-ins first, then the config's own in the order written.

        Disabled steps are included (they show as skipped); classify is not.
        """
        return tuple(name for name in self.root if name != CLASSIFY)

    def names(self) -> tuple[str, ...]:
        """Every step, classify first."""
        return (CLASSIFY, *self.review_steps())


class ProviderConfig(_Strict):
    """An extra OpenAI-compatible endpoint (gateway, DeepSeek, self-hosted server)."""

    type: Literal["openai"] = "openai"
    base_url: str
    api_key_env: str

    @field_validator("base_url")
    @classmethod
    def _v_url(cls, value: str) -> str:
        # https only: the key travels with every request (http:// only to a loopback host).
        return check_base_url(value)


class Price(_Strict):
    """USD per 1M tokens."""

    input: Decimal = Field(ge=0, le=MAX_USD)
    output: Decimal = Field(ge=0, le=MAX_USD)
    cached_input: Decimal | None = Field(default=None, ge=0, le=MAX_USD)
    cache_write: Decimal | None = Field(default=None, ge=0, le=MAX_USD)


class Config(_Strict):
    """The whole configuration, defaults merged in."""

    version: Literal[1] = 1
    budget_usd: Decimal = Field(default=Decimal("1.00"), ge=0, le=MAX_USD)
    step_timeout_s: float = Field(default=180, gt=0, le=3600, allow_inf_nan=False)
    max_retries: int = Field(default=2, ge=0, le=10)
    steps: Steps
    providers: dict[str, ProviderConfig] = Field(default_factory=dict)
    prices: dict[str, Price] = Field(default_factory=dict)
    baseline: str = "anthropic:claude-opus-4-7"
    ignore: list[str] = Field(default_factory=list)
    inline_comments: bool = True
    max_inline_comments: int = Field(default=20, ge=0, le=100)
    fail_on: FailOn = "none"
    fail_on_step_error: bool = False
    review_drafts: bool = False
    max_review_tokens: int = Field(default=120000, ge=1000)

    _v_baseline = field_validator("baseline")(lambda v: str(ModelRef.parse(v)))

    @field_validator("providers")
    @classmethod
    def _v_providers(cls, value: dict[str, ProviderConfig]) -> dict[str, ProviderConfig]:
        for name in value:
            if name in VENDORS:
                raise ValueError(f"{name!r} is built in; pick another name for a custom endpoint")
        return value

    @property
    def baseline_ref(self) -> ModelRef:
        """The baseline model that savings are measured against."""
        return ModelRef.parse(self.baseline)

    @property
    def fail_on_severity(self) -> Severity | None:
        """The severity at or above which the run exits 1, or None."""
        return None if self.fail_on == "none" else Severity(self.fail_on)


# ------------------------------------------------------------------ loading


@cache
def _defaults() -> dict[str, Any]:
    text = resources.files("reviewbot.config").joinpath("defaults.yml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


@cache
def price_table() -> tuple[str, tuple[str, ...], dict[str, Price]]:
    """The built-in price table: ``(as_of, sources, {model: Price})``."""
    raw = tomllib.loads(
        resources.files("reviewbot.config").joinpath("pricing.toml").read_text(encoding="utf-8")
    )
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
        field = model.model_fields.get(str(part)) if model is not None else None
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
        return sorted((ProviderConfig if parent[0] == "providers" else Price).model_fields)
    start, parent = _start(parent)
    model: type[BaseModel] | None = start
    for part in parent:
        field = model.model_fields.get(str(part)) if model is not None else None
        if field is None:
            return []
        annotation = field.annotation
        model = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
    return sorted(model.model_fields) if model is not None else []


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
    for name in config.steps.names():
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


def prices_for(config: Config) -> dict[str, Price]:
    """The built-in price table with the config's ``prices`` merged over it."""
    _, _, table = price_table()
    return {**table, **config.prices}
