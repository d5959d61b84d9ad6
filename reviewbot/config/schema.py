"""The configuration file's schema: pydantic models, validated, frozen (loading is in load.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    field_validator,
)

from reviewbot.credentials import check_base_url
from reviewbot.domain import ChangeType, ModelRef, Risk, Severity
from reviewbot.steps.registry import ASK, BUILT_IN, CLASSIFY, NAME_RE, NOT_REVIEWING, VERIFY
from reviewbot.vendors.specs import VENDORS

FailOn = Literal["none", "info", "low", "medium", "high", "critical"]
SeverityName = Literal["info", "low", "medium", "high", "critical"]
# How much of the new file a step reads around each hunk (``steps.<name>.context``).
ContextMode = Literal["hunk", "function", "file"]
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
    # Signal over noise: this step's confidence floor (None: the top-level ``min_confidence``)
    # and the most findings it may show (None: no cap); the rest stay in the report only.
    min_confidence: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False)
    max_findings: int | None = Field(default=None, ge=0, le=1000)
    context: ContextMode = "hunk"  # the defaults give security and quality ``function``

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
        if name == CLASSIFY and (
            not step.enabled or step.files or step.instructions or step.context != "hunk"
        ):
            raise ValueError(
                "classify cannot be switched off, narrowed with files, given instructions or "
                "context; it only decides routing (set its models to change who classifies)"
            )
        if name == VERIFY and (step.files or step.skip_for):
            raise ValueError(
                "verify reads the review steps' findings, not files, and runs whenever they "
                "do: it takes no files or skip_for"
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

        Disabled steps are included (they show as skipped); classify, verify and ask are not.
        """
        return tuple(name for name in self.root if name not in NOT_REVIEWING)

    @property
    def verify(self) -> StepConfig:
        """The verify step's config (``enabled: false`` unless the config switches it on)."""
        return self.root[VERIFY]

    def names(self) -> tuple[str, ...]:
        """Every step of a review, classify first, verify last when it is enabled.

        ``ask`` answers commands and is not one of them (see ``ask``).
        """
        return (CLASSIFY, *self.review_steps(), *((VERIFY,) if self.verify.enabled else ()))

    @property
    def ask(self) -> StepConfig:
        """The ask step's config (it answers ``/reviewbot ask``)."""
        return self.root[ASK]


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


def _check_url(value: str | None) -> str | None:
    # https only: credentials travel with every request (http:// only to a loopback host).
    return None if value is None else check_base_url(value)


# A cloud identifier (region, location, API version): letters, digits, '-', '_', '.'; a Google
# Cloud project may also be domain-scoped ("example.com:my-project").
_CLOUD_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
_PROJECT_ID = r"^[A-Za-z0-9][A-Za-z0-9.:_-]{0,62}$"


class BedrockConfig(_Strict):
    """Claude on Amazon Bedrock (``bedrock:<model id>``); credentials from the AWS chain."""

    region: str | None = Field(default=None, pattern=_CLOUD_ID)  # else AWS_REGION
    base_url: str | None = None  # else ANTHROPIC_BEDROCK_BASE_URL, else the regional endpoint

    _v_url = field_validator("base_url")(_check_url)


class VertexConfig(_Strict):
    """Claude or Gemini on Vertex AI; credentials from Application Default Credentials."""

    project: str | None = Field(default=None, pattern=_PROJECT_ID)  # else GOOGLE_CLOUD_PROJECT
    location: str | None = Field(default=None, pattern=_CLOUD_ID)  # else the env; else global
    base_url: str | None = None  # else the backend's *_BASE_URL variable

    _v_url = field_validator("base_url")(_check_url)


class AzureConfig(_Strict):
    """GPT on Azure OpenAI (``azure:<deployment>``); a key or a Microsoft Entra token."""

    endpoint: str | None = None  # else AZURE_OPENAI_ENDPOINT
    api_version: str | None = Field(default=None, pattern=_CLOUD_ID)  # else OPENAI_API_VERSION
    # deployment name -> the OpenAI model it serves, which prices it (a deployment named after
    # its model, e.g. ``gpt-5-mini``, needs no entry)
    deployments: dict[str, str] = Field(default_factory=dict)

    _v_url = field_validator("endpoint")(_check_url)


class VendorsConfig(_Strict):
    """Settings of the built-in cloud backends, by vendor name."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    bedrock: BedrockConfig = Field(default_factory=BedrockConfig)
    vertex_anthropic: VertexConfig = Field(default_factory=VertexConfig, alias="vertex-anthropic")
    vertex: VertexConfig = Field(default_factory=VertexConfig)
    azure: AzureConfig = Field(default_factory=AzureConfig)

    def for_vendor(self, name: str) -> BedrockConfig | VertexConfig | AzureConfig | None:
        """The settings of vendor ``name`` (``vertex-anthropic``), or None for a non-cloud one."""
        value = getattr(self, name.replace("-", "_"), None)
        return value if isinstance(value, BedrockConfig | VertexConfig | AzureConfig) else None


AuthorAssociation = Literal[
    "OWNER",
    "MEMBER",
    "COLLABORATOR",
    "CONTRIBUTOR",
    "FIRST_TIME_CONTRIBUTOR",
    "FIRST_TIMER",
    "MANNEQUIN",
    "NONE",
]

DEFAULT_ALLOWED: tuple[AuthorAssociation, ...] = ("OWNER", "MEMBER", "COLLABORATOR")


class CommandsConfig(_Strict):
    """Comment commands (``/reviewbot review``, ``ask``, ``ignore``...): who may run them."""

    enabled: bool = True
    # GitHub's ``author_association`` values whose commands run (and may spend money).
    allowed: list[AuthorAssociation] = Field(default_factory=lambda: list(DEFAULT_ALLOWED))
    handle: str | None = Field(default=None, pattern=r"^@?[A-Za-z0-9][A-Za-z0-9-]{0,38}$")


class Price(_Strict):
    """USD per 1M tokens."""

    input: Decimal = Field(ge=0, le=MAX_USD)
    output: Decimal = Field(ge=0, le=MAX_USD)
    cached_input: Decimal | None = Field(default=None, ge=0, le=MAX_USD)
    cache_write: Decimal | None = Field(default=None, ge=0, le=MAX_USD)


class PathInstruction(_Strict):
    """Instructions for the steps that read a file matching ``path`` (a gitignore-style glob)."""

    path: str = Field(min_length=1, max_length=500)
    instructions: str = Field(min_length=1, max_length=20_000)


class ContextLimits(_Strict):
    """Bounds on the new-file text fetched for ``context: function | file`` (once per file)."""

    max_files: int = Field(default=50, ge=0, le=1000)
    max_file_bytes: int = Field(default=200_000, ge=1000, le=1_000_000)
    max_total_bytes: int = Field(default=2_000_000, ge=1000, le=20_000_000)


class ReviewConfig(_Strict):
    """``review:``: how a PR is reviewed again after new pushes."""

    incremental: bool = True  # on a push, review only the new commits' part of the PR
    skip_labels: list[str] = Field(default_factory=lambda: ["reviewbot:skip"])
    min_changed_lines: int = Field(default=0, ge=0)  # fewer changed lines: no model call


class Config(_Strict):
    """The whole configuration, defaults merged in."""

    version: Literal[1] = 1
    budget_usd: Decimal = Field(default=Decimal("1.00"), ge=0, le=MAX_USD)
    step_timeout_s: float = Field(default=180, gt=0, le=3600, allow_inf_nan=False)
    max_retries: int = Field(default=2, ge=0, le=10)
    steps: Steps
    providers: dict[str, ProviderConfig] = Field(default_factory=dict)
    vendors: VendorsConfig = Field(default_factory=VendorsConfig)
    prices: dict[str, Price] = Field(default_factory=dict)
    baseline: str = "anthropic:claude-opus-4-7"
    ignore: list[str] = Field(default_factory=list)
    inline_comments: bool = True
    max_inline_comments: int = Field(default=20, ge=0, le=100)
    fail_on: FailOn = "none"
    fail_on_step_error: bool = False
    review_drafts: bool = False
    max_review_tokens: int = Field(default=120000, ge=1000)
    # Findings a model is less sure of than this are held back from the comment and the
    # inline comments (kept in the report); ``steps.<name>.min_confidence`` overrides it.
    min_confidence: float = Field(default=0.6, ge=0, le=1, allow_inf_nan=False)
    # Findings below this severity are listed in the summary comment only, never inline.
    inline_min_severity: SeverityName = "medium"
    # Repository instructions (trusted text from the base commit, like this file).
    instructions: str = Field(default="", max_length=20_000)
    path_instructions: list[PathInstruction] = Field(default_factory=list, max_length=100)
    guidelines: list[str] = Field(default_factory=list, max_length=20)
    context_limits: ContextLimits = Field(default_factory=ContextLimits)
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    commands: CommandsConfig = Field(default_factory=CommandsConfig)

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

    def min_confidence_for(self, step: str) -> float:
        """The confidence floor of ``step``: its own, else the top-level one."""
        own = self.steps.get(step).min_confidence if step in self.steps.root else None
        return self.min_confidence if own is None else own

    @property
    def fail_on_severity(self) -> Severity | None:
        """The severity at or above which the run exits 1, or None."""
        return None if self.fail_on == "none" else Severity(self.fail_on)
