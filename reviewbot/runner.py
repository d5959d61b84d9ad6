"""One review, end to end: diff bytes in, a priced ``Review`` out (no GitHub I/O here)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from reviewbot import findings as findings_mod
from reviewbot import pricing
from reviewbot.budget import Budget
from reviewbot.classify import classify_heuristic
from reviewbot.config import Config, Price, prices_for
from reviewbot.diff import parse_diff
from reviewbot.domain import (
    REVIEW_STEPS,
    ChangeType,
    Classification,
    FileDiff,
    Finding,
    PullRequestRef,
    Review,
    Risk,
    Severity,
    SkipReason,
    StepResult,
)
from reviewbot.errors import EXIT_FINDINGS, EXIT_OK
from reviewbot.fallback import ChainContext
from reviewbot.filters import apply_filters
from reviewbot.injection import injection_findings
from reviewbot.pipeline import PipelineResult, run_pipeline
from reviewbot.providers import Provider
from reviewbot.redact import redact_files, redact_text, scan_files, secret_findings
from reviewbot.sizing import apply_size_budget
from reviewbot.vendors import ProviderPool, provider_settings


def prepare_files(
    diff: bytes | str, config: Config, extra_skipped: Mapping[str, SkipReason] | None = None
) -> tuple[FileDiff, ...]:
    """Parse, filter and size-budget the diff (secrets are handled by ``review``)."""
    files = parse_diff(diff)
    if extra_skipped:
        files = tuple(
            replace(f, skipped=extra_skipped[f.path]) if f.path in extra_skipped else f
            for f in files
        )
    files = apply_filters(files, config.ignore)
    return apply_size_budget(files, config.max_review_tokens)


def review(
    diff: bytes | str,
    *,
    config: Config,
    env: Mapping[str, str],
    pr: PullRequestRef | None = None,
    extra_skipped: Mapping[str, SkipReason] | None = None,
    notes: Sequence[str] = (),
    providers: Mapping[str, Provider] | None = None,
) -> Review:
    """Review ``diff``: the whole pipeline of DESIGN §1 up to (not including) posting.

    Raises:
        InputError: ``diff`` is not a unified diff.
    """
    started = time.monotonic()
    pool = ProviderPool(provider_settings(config, env), providers)
    # Vendor SDKs import in the background while the diff is parsed, filtered and scanned.
    pool.preload(
        ref.provider
        for name in ("classify", *REVIEW_STEPS)
        for ref in config.steps.get(name).all_models()
    )
    files = prepare_files(diff, config, extra_skipped)
    hits = scan_files(files)
    safe_files = redact_files(files, hits)
    safe_pr = (
        replace(pr, title=redact_text(pr.title), body=redact_text(pr.body))
        if pr is not None
        else None
    )
    prices = prices_for(config)
    budget = Budget(config.budget_usd)
    all_notes = list(notes)

    reviewed = [f for f in safe_files if f.reviewed]
    if not reviewed:
        why = "nothing to review" if not files else "nothing to review: every file was skipped"
        classification = classify_heuristic(safe_files) or Classification(
            ChangeType.CHORE, Risk.LOW, "heuristic", why
        )
        steps = (
            StepResult(name="classify", status="skipped", reason="heuristic"),
            *(StepResult(name=s, status="skipped", reason=why) for s in REVIEW_STEPS),
        )
        model_findings: tuple[Finding, ...] = ()
    else:
        ctx = ChainContext(pool, budget, prices, float(config.step_timeout_s), started)
        result = asyncio.run(_run(safe_files, safe_pr, config, ctx, pool))
        classification, steps, model_findings = result.classification, result.steps, result.findings
        all_notes.extend(result.notes)

    merged = findings_mod.sort_findings(
        findings_mod.dedupe(
            [*secret_findings(hits), *injection_findings(safe_files, safe_pr), *model_findings]
        )
    )
    cost = sum((s.cost_usd or Decimal(0) for s in steps), Decimal(0))
    return Review(
        pr=safe_pr,
        files=safe_files,
        classification=classification,
        steps=tuple(steps),
        findings=tuple(merged),
        cost_usd=cost,
        baseline_cost_usd=baseline_cost(steps, config, prices),
        baseline_model=config.baseline_ref,
        budget_usd=config.budget_usd,
        wall_s=time.monotonic() - started,
        notes=tuple(dict.fromkeys(all_notes)),
    )


async def _run(
    files: tuple[FileDiff, ...],
    pr: PullRequestRef | None,
    config: Config,
    ctx: ChainContext,
    pool: ProviderPool,
) -> PipelineResult:
    try:
        return await run_pipeline(files, pr, classify_heuristic(files), config, ctx)
    finally:
        await pool.aclose()


def baseline_cost(
    steps: Sequence[StepResult], config: Config, prices: Mapping[str, Price]
) -> Decimal | None:
    """What the baseline model alone would have cost for the review steps' successful calls."""
    total = Decimal(0)
    any_call = False
    for step in steps:
        if step.name == "classify":
            continue
        for attempt in step.attempts:
            if attempt.status != "ok":
                continue
            value = pricing.cost(config.baseline_ref, attempt.usage, prices)
            if value is None:
                return None
            total += value
            any_call = True
    return total if any_call else None


def max_severity(review: Review) -> Severity | None:
    """The worst severity among the findings, or None."""
    return max((f.severity for f in review.findings), key=lambda s: s.rank, default=None)


def exit_code(review: Review, config: Config) -> int:
    """0, or 1 when a finding is at or above ``fail_on`` (or a step failed and that is asked)."""
    threshold = config.fail_on_severity
    worst = max_severity(review)
    if threshold is not None and worst is not None and worst.rank >= threshold.rank:
        return EXIT_FINDINGS
    if config.fail_on_step_error and any(s.status == "failed" for s in review.steps):
        return EXIT_FINDINGS
    return EXIT_OK
