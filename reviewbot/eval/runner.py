"""Run every case under every configuration with the real pipeline, and keep what it did.

Each case is reviewed by ``reviewbot.engine.run.review``, the function ``reviewbot review
--diff`` calls: the same parsing, filters, checks, routing, chains, budget and pricing. With
keys set, the vendors are the real ones; in scripted mode every provider is replaced by a
``ScriptedProvider`` (the one seam ``review`` offers for it, ``providers=``).

Runs are interleaved (run 1: case 1 under every configuration, case 2 ..., then run 2), so
that a vendor having a slow hour weighs on every configuration alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reviewbot.config.load import override
from reviewbot.config.schema import Config
from reviewbot.domain import Finding, Review, StepResult
from reviewbot.engine.findings import DETERMINISTIC_STEPS
from reviewbot.engine.run import review
from reviewbot.errors import ReviewCrashed
from reviewbot.eval.corpus import Case
from reviewbot.eval.match import Label, Spot
from reviewbot.eval.scripted import CallContext, Script, scripted_providers, step_prompts
from reviewbot.vendors.registry import provider_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Variant:
    """One configuration under evaluation."""

    name: str
    config: Config
    source: str  # the config file, or "built-in defaults"
    baseline_of: tuple[str, ...] = ()  # the configurations whose baseline this is

    @property
    def is_baseline(self) -> bool:
        """Whether this is a baseline (one model for every step)."""
        return bool(self.baseline_of)


def baseline_config(config: Config) -> Config:
    """``config`` with its baseline model as the whole chain of every step, classify included.

    Prompts, views, ``skip_for``, budget and everything else stay: only the choice of model
    differs, which is what the routing claim is about.
    """
    steps = {
        name: {
            **config.steps.get(name).model_dump(mode="json"),
            "models": [config.baseline],
            "by_risk": {},
        }
        for name in config.steps.root  # every step, verify too (a full steps map replaces it)
    }
    return override(config, {"steps": steps}, {"steps": "--baseline"})


def build_variants(configs: Sequence[tuple[str, str, Config]], baseline: bool) -> list[Variant]:
    """The variants for ``(name, source, config)`` triples, plus their baselines if asked.

    Baselines that come out identical (two configurations with the same baseline model and
    settings) are run once.
    """
    variants = [Variant(name, config, source) for name, source, config in configs]
    if not baseline:
        return variants
    baselines: list[Variant] = []
    for name, _, config in configs:
        derived = baseline_config(config)
        for index, existing in enumerate(baselines):
            if existing.config == derived:
                baselines[index] = Variant(
                    existing.name, derived, existing.source, (*existing.baseline_of, name)
                )
                break
        else:
            baselines.append(Variant(f"baseline {config.baseline}", derived, "--baseline", (name,)))
    if len({b.name for b in baselines}) < len(baselines):
        baselines = [
            Variant(f"{b.name} ({', '.join(b.baseline_of)})", b.config, b.source, b.baseline_of)
            for b in baselines
        ]
    return variants + baselines


def referenced_providers(config: Config) -> set[str]:
    """Every provider a step of ``config`` may call."""
    return {
        ref.provider
        for name in config.steps.names()
        if config.steps.get(name).enabled
        for ref in config.steps.get(name).all_models()
    }


def keyed_providers(
    variants: Sequence[Variant], env: Mapping[str, str]
) -> tuple[set[str], set[str]]:
    """``(with a key, without one)`` among the providers the variants may call."""
    with_key: set[str] = set()
    without: set[str] = set()
    for variant in variants:
        settings = provider_settings(variant.config, env)
        for name in referenced_providers(variant.config):
            found = settings.get(name)
            (with_key if found is not None and found.api_key else without).add(name)
    return with_key, without - with_key


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What one step did on one case."""

    name: str
    status: str
    reason: str | None
    model: str | None
    spots: tuple[Spot, ...]
    cost_usd: Decimal
    input_tokens: int
    output_tokens: int
    wall_s: float
    unpriced_calls: int = 0


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """One case reviewed under one variant in one run."""

    case_id: str
    variant: str
    run: int
    labels: tuple[Label, ...]
    spots: tuple[Spot, ...]  # the review's findings, merged as a user sees them
    findings: tuple[dict[str, Any], ...]  # the same, for the report
    steps: tuple[StepOutcome, ...]
    cost_usd: Decimal
    input_tokens: int
    output_tokens: int
    wall_s: float
    error: str | None = None

    @property
    def unpriced_calls(self) -> int:
        """Model calls whose price is unknown (their cost is missing from ``cost_usd``)."""
        return sum(s.unpriced_calls for s in self.steps)


def spot(finding: Finding) -> Spot:
    """Where ``finding`` points."""
    return Spot(finding.path, finding.line, finding.end_line, finding.category)


def _tokens(step: StepResult) -> tuple[int, int]:
    usage = step.usage
    return usage.input_tokens + usage.cached_tokens + usage.cache_write_tokens, usage.output_tokens


def outcome_of(
    case: Case, variant: str, run: int, result: Review, error: str | None
) -> CaseOutcome:
    """Reduce a ``Review`` to what the evaluation scores."""
    steps: list[StepOutcome] = []
    for step in result.steps:
        tokens_in, tokens_out = _tokens(step)
        ran = step.status != "skipped" or bool(step.attempts)
        steps.append(
            StepOutcome(
                name=step.name,
                status=step.status,
                reason=step.reason,
                model=str(step.model) if step.model else None,
                spots=tuple(spot(f) for f in step.findings),
                cost_usd=step.cost_usd or Decimal(0),
                input_tokens=tokens_in,
                output_tokens=tokens_out,
                wall_s=max(step.ended_s - step.started_s, 0.0) if ran else 0.0,
                unpriced_calls=sum(1 for a in step.attempts if a.cost_usd is None),
            )
        )
    for name in sorted(DETERMINISTIC_STEPS):
        fixed = tuple(spot(f) for f in result.findings if f.step == name)
        steps.append(StepOutcome(name, "ok", None, None, fixed, Decimal(0), 0, 0, 0.0))
    tokens_in = sum(s.input_tokens for s in steps)
    tokens_out = sum(s.output_tokens for s in steps)
    return CaseOutcome(
        case_id=case.id,
        variant=variant,
        run=run,
        labels=case.labels,
        spots=tuple(spot(f) for f in result.findings),
        findings=tuple(
            {
                "step": f.step,
                "severity": f.severity.value,
                "category": f.category,
                "path": f.path,
                "line": f.line,
                "end_line": f.end_line,
                "title": f.title,
            }
            for f in result.findings
        ),
        steps=tuple(steps),
        cost_usd=result.cost_usd,
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        wall_s=result.wall_s,
        error=error,
    )


def run_case(
    case: Case,
    variant: Variant,
    run: int,
    env: Mapping[str, str],
    script: Script | None,
    prompts: Mapping[str, str] | None = None,
) -> CaseOutcome:
    """Review ``case`` under ``variant`` (scripted when ``script`` is given).

    ``prompts`` is ``step_prompts(variant.config)``, computed once per variant by the caller.
    """
    providers = None
    if script is not None:
        steps = prompts if prompts is not None else step_prompts(variant.config)
        context = CallContext(variant.name, case.id, case.labels, steps)
        providers = scripted_providers(variant.config, script, context)
    try:
        result = review(
            case.diff,
            config=variant.config,
            env=env,
            pr=case.pull_request(),
            providers=providers,
        )
        error = None
    except ReviewCrashed as crash:
        log.warning("%s under %s: %s", case.id, variant.name, crash)
        result, error = crash.review, str(crash)
    return outcome_of(case, variant.name, run, result, error)


def evaluate(
    cases: Sequence[Case],
    variants: Sequence[Variant],
    *,
    env: Mapping[str, str],
    runs: int = 1,
    script: Script | None = None,
    progress: Callable[[int, int, CaseOutcome], None] | None = None,
) -> list[CaseOutcome]:
    """Every case under every variant, ``runs`` times, interleaved; outcomes in that order."""
    outcomes: list[CaseOutcome] = []
    todo = runs * len(cases) * len(variants)
    prompts = {v.name: step_prompts(v.config) for v in variants} if script is not None else {}
    for run in range(1, runs + 1):
        for case in cases:
            for variant in variants:
                outcome = run_case(case, variant, run, env, script, prompts.get(variant.name))
                outcomes.append(outcome)
                if progress is not None:
                    progress(len(outcomes), todo, outcome)
    return outcomes
