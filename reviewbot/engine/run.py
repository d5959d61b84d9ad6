"""One review, end to end: diff bytes in, a priced ``Review`` out (no GitHub I/O here)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from reviewbot.checks.deadline import CHECK_TIMEOUT_S, run_check
from reviewbot.checks.injection import injection_findings
from reviewbot.checks.secrets import (
    mask_for,
    redact_files,
    redact_text,
    scan_diff,
    secret_findings,
    withheld_finding,
)
from reviewbot.config.load import prices_for
from reviewbot.config.schema import Config, Price
from reviewbot.diff.filters import apply_filters
from reviewbot.diff.parse import parse_diff
from reviewbot.domain import (
    ChangeType,
    Classification,
    ContextFile,
    FileDiff,
    Finding,
    PullRequestRef,
    Review,
    Risk,
    Severity,
    SkipReason,
    StepResult,
)
from reviewbot.engine import findings as findings_mod
from reviewbot.engine import fingerprint, pricing, signal
from reviewbot.engine.budget import Budget
from reviewbot.engine.chain import ChainContext
from reviewbot.engine.context import RepoInputs
from reviewbot.engine.steps import PipelineResult, run_pipeline
from reviewbot.errors import EXIT_FINDINGS, EXIT_OK, ReviewCrashed
from reviewbot.steps.classify import classify_heuristic
from reviewbot.steps.instructions import guideline_note
from reviewbot.vendors.base import Provider
from reviewbot.vendors.registry import ProviderPool, provider_settings

log = logging.getLogger(__name__)


def prepare_files(
    diff: bytes | str,
    config: Config,
    extra_skipped: Mapping[str, SkipReason] | None = None,
) -> tuple[FileDiff, ...]:
    """Parse and filter the diff (secrets are handled by ``review``).

    Nothing is dropped for size: past ``max_review_tokens`` each step reviews its view in
    chunks (``diff/chunks.py``), and only the money budget leaves files out.
    """
    files = parse_diff(diff)
    if extra_skipped:
        files = tuple(
            replace(f, skipped=extra_skipped[f.path]) if f.path in extra_skipped else f
            for f in files
        )
    return apply_filters(files, config.ignore)


def review(
    diff: bytes | str,
    *,
    config: Config,
    env: Mapping[str, str],
    pr: PullRequestRef | None = None,
    extra_skipped: Mapping[str, SkipReason] | None = None,
    notes: Sequence[str] = (),
    providers: Mapping[str, Provider] | None = None,
    check_timeout_s: float = CHECK_TIMEOUT_S,
    repo: RepoInputs | None = None,
) -> Review:
    """Review ``diff``: the whole pipeline of DESIGN §1 up to (not including) posting.

    The deterministic checks (secret scan, prompt-injection patterns, path heuristic) run
    first, each under ``check_timeout_s``; one that times out or fails is left out with a
    note. When the secret scan does not finish, nothing is sent to a model.

    ``repo`` carries the guideline files read at the base commit and a reader of the head
    commit's files for ``context: function | file`` (None: a local diff, hunks only).

    Raises:
        InputError: ``diff`` is not a unified diff.
        ReviewCrashed: anything broke after the diff was read; its ``review`` carries the
            fixed checks' findings, to be published anyway.
    """
    started = time.monotonic()
    pool = ProviderPool(provider_settings(config, env), providers)
    # Vendor SDKs import in the background while the diff is parsed, filtered and scanned.
    pool.preload(
        ref.provider
        for name in config.steps.names()
        if config.steps.get(name).enabled
        for ref in config.steps.get(name).all_models()
    )
    repo = repo or RepoInputs()
    files = prepare_files(diff, config, extra_skipped)
    all_notes = list(notes)
    guide_note = guideline_note(repo.guidelines)
    if guide_note:
        all_notes.append(guide_note)
    scan = run_check("secret scan", lambda: _scan(files, pr), check_timeout_s)
    known: tuple[tuple[str, str], ...] = ()
    if scan.value is not None:
        safe_files, safe_pr, secrets_found, known = scan.value
    else:
        safe_files, safe_pr, secrets_found = files, _untold(pr), ()
        all_notes.append(
            f"the secret scan {scan.failure}: committed secrets may be missing from this "
            "review, and nothing was sent to any model"
        )
    injection = run_check(
        "prompt-injection check", lambda: injection_findings(safe_files, safe_pr), check_timeout_s
    )
    if not injection.ok:
        all_notes.append(
            f"the prompt-injection check {injection.failure}; its findings are missing"
        )
    heuristic = run_check("path heuristic", lambda: classify_heuristic(safe_files), check_timeout_s)
    if not heuristic.ok:
        all_notes.append(f"the path heuristic {heuristic.failure}; a model classified the change")
    fixed = (*secrets_found, *(injection.value or ()))
    prices = prices_for(config, env)
    budget = Budget(config.budget_usd)
    try:
        reviewed = [f for f in safe_files if f.reviewed]
        if not reviewed or not scan.ok:
            if not scan.ok:
                why = "not sent to a model: the secret scan did not finish"
            elif files:
                why = "nothing to review: every file was skipped"
            else:
                why = "nothing to review"
            classification = heuristic.value or Classification(
                ChangeType.CHORE, Risk.LOW, "heuristic", why
            )
            steps: tuple[StepResult, ...] = (
                StepResult(name="classify", status="skipped", reason="heuristic"),
                *(
                    StepResult(name=s, status="skipped", reason=why)
                    for s in config.steps.review_steps()
                ),
            )
            model_findings: tuple[Finding, ...] = ()
            context_files: tuple[ContextFile, ...] = ()
        else:
            ctx = ChainContext(pool, budget, prices, float(config.step_timeout_s), started)
            result = asyncio.run(
                _run(safe_files, safe_pr, heuristic.value, config, ctx, pool, repo, known)
            )
            classification, steps = result.classification, result.steps
            model_findings = result.findings
            context_files = result.context_files
            all_notes.extend(result.notes)
            if result.unpaid:
                unpaid = set(result.unpaid)
                safe_files = tuple(
                    replace(f, skipped=SkipReason.BUDGET) if f.path in unpaid else f
                    for f in safe_files
                )

        shown, held = signal.split(model_findings)
        vendors = {s.name: s.model.provider for s in steps if s.model is not None}
        merged = fingerprint.stamp(
            findings_mod.sort_findings(findings_mod.dedupe([*fixed, *shown], vendors)), safe_files
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
            suppressed=tuple(fingerprint.stamp(findings_mod.sort_findings(held), safe_files)),
            guidelines=repo.guidelines,
            context_files=context_files,
        )
    except Exception as exc:
        log.debug("the review broke", exc_info=True)
        what = f"{type(exc).__name__} while running the model steps"
        partial = Review(
            pr=safe_pr,
            files=safe_files,
            classification=heuristic.value
            or Classification(ChangeType.FEATURE, Risk.MEDIUM, "default", ""),
            steps=tuple(
                StepResult(name=s, status="failed", reason=what) for s in config.steps.names()
            ),
            findings=tuple(fingerprint.stamp(findings_mod.sort_findings(fixed), safe_files)),
            cost_usd=budget.spent,
            baseline_cost_usd=None,
            baseline_model=config.baseline_ref,
            budget_usd=config.budget_usd,
            wall_s=time.monotonic() - started,
            notes=tuple(dict.fromkeys(all_notes)),
        )
        raise ReviewCrashed(
            f"internal error: {what}", fixed_only(partial, crash_note(what))
        ) from exc


def crash_note(what: str) -> str:
    """The note a review carries when the run broke (``what``: the error's type and stage)."""
    return (
        f"reviewbot broke ({what}): only the findings of the fixed checks (committed secrets, "
        "prompt injection) are shown; the job log says more, and a re-run may complete"
    )


def fixed_only(review: Review, note: str) -> Review:
    """``review`` reduced to what no model wrote, with ``note``: for publishing after a crash.

    The fixed checks' findings (committed secrets, prompt injection) stay, and so do the files
    and the money spent; model findings, summaries, reasons and vendor messages go, so that the
    value that broke the run is not rendered again.
    """
    steps = tuple(
        StepResult(name=s.name, status=s.status, model=s.model, attempts=s.attempts)
        for s in review.steps
    )
    classification = replace(review.classification, rationale="")
    return replace(
        review,
        classification=classification,
        steps=steps,
        findings=tuple(f for f in review.findings if f.step in findings_mod.DETERMINISTIC_STEPS),
        suppressed=(),
        notes=tuple(dict.fromkeys((*review.notes, note))),
    )


def _scan(
    files: tuple[FileDiff, ...], pr: PullRequestRef | None
) -> tuple[
    tuple[FileDiff, ...],
    PullRequestRef | None,
    tuple[Finding, ...],
    tuple[tuple[str, str], ...],
]:
    """The secret scan: redacted files and PR text, a finding per committed secret, and each
    secret with its mask (to mask it again in files read for context)."""
    scan = scan_diff(files)
    hits = scan.hits
    safe_pr = (
        replace(pr, title=redact_text(pr.title), body=redact_text(pr.body))
        if pr is not None
        else None
    )
    known = tuple(dict.fromkeys((h.secret, mask_for(h.kind)) for h in hits))
    found = secret_findings(hits)
    if scan.withheld:
        found = (*found, withheld_finding([files[i].path for i in sorted(scan.withheld)]))
    return redact_files(files, hits, scan.withheld), safe_pr, found, known


def _untold(pr: PullRequestRef | None) -> PullRequestRef | None:
    """The PR without its title and description, which could not be scanned for secrets."""
    return replace(pr, title="(not shown: the secret scan did not finish)", body="") if pr else None


async def _run(
    files: tuple[FileDiff, ...],
    pr: PullRequestRef | None,
    heuristic: Classification | None,
    config: Config,
    ctx: ChainContext,
    pool: ProviderPool,
    repo: RepoInputs | None = None,
    known: tuple[tuple[str, str], ...] = (),
) -> PipelineResult:
    try:
        return await run_pipeline(files, pr, heuristic, config, ctx, repo, known)
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
