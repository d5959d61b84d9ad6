"""Run the model steps: classify when needed, then the review steps concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from reviewbot.config.schema import Config
from reviewbot.diff.chunks import Chunk, chunk_paths, plan_chunks
from reviewbot.diff.kinds import file_kind
from reviewbot.domain import (
    ChangeType,
    Classification,
    ContextFile,
    FileDiff,
    Finding,
    PullRequestRef,
    StepResult,
)
from reviewbot.engine import findings as findings_mod
from reviewbot.engine import signal
from reviewbot.engine.chain import ChainContext, StepCall, run_chain
from reviewbot.engine.chunked import BUDGET, StepRun, run_chunks
from reviewbot.engine.context import Gathered, RepoInputs, gather, room_for_context, wanted_modes
from reviewbot.engine.routing import Route, route
from reviewbot.engine.verify import verify_findings
from reviewbot.output.render import render_prompt
from reviewbot.steps import instructions as instructions_mod
from reviewbot.steps import schema
from reviewbot.steps.classify import heuristic_risk_hint
from reviewbot.steps.views import view_for


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """What the model steps produced."""

    classification: Classification
    steps: tuple[StepResult, ...]
    # Model findings only, anchored but not merged; held-back ones carry ``suppressed``.
    findings: tuple[Finding, ...]
    notes: tuple[str, ...]
    context_files: tuple[ContextFile, ...] = ()
    # Paths no step reviewed because the money budget ran out first (``skipped: budget``).
    unpaid: tuple[str, ...] = ()


async def run_pipeline(
    files: Sequence[FileDiff],
    pr: PullRequestRef | None,
    heuristic: Classification | None,
    config: Config,
    ctx: ChainContext,
    repo: RepoInputs | None = None,
    known_secrets: Sequence[tuple[str, str]] = (),
) -> PipelineResult:
    """Classify (unless the heuristic is sure), route, and run the review steps in parallel.

    Between routing and the review steps, the new files that ``context: function | file``
    steps read are fetched once (``repo.source``), for the steps that will run.
    """
    notes: list[str] = []
    classification, classify_step = await _classify(files, pr, heuristic, config, ctx, notes)
    reviewed = [f for f in files if f.reviewed]
    kinds = {file_kind(f.path) for f in reviewed}
    plans = {
        step: route(step, classification, config, kinds, heuristic_risk_hint(reviewed))
        for step in config.steps.review_steps()
        if config.steps.get(step).enabled
    }
    floor_note = _floor_note(classification, plans, reviewed)
    if floor_note:
        notes.append(floor_note)
    repo = repo or RepoInputs()
    gathered = await _gather_context(plans, reviewed, config, repo, known_secrets, notes)

    async def one(step: str) -> StepRun:
        return await _review_step(
            step, plans[step], reviewed, pr, classification, config, ctx, notes, repo, gathered
        )

    runs = dict(zip(plans, await asyncio.gather(*(one(step) for step in plans)), strict=True))
    notes.extend(coverage_notes(runs.values()))
    ordered = [
        (run.result, run.findings)
        if (run := runs.get(step))
        else (StepResult(step, "skipped", reason="disabled in the config"), [])
        for step in config.steps.review_steps()
    ]
    # Signal over noise: each step's confidence floor, then the verify step's second opinion
    # (when enabled), then each step's cap on what it may show.
    by_step = {
        result.name: signal.below_floor(found, config.min_confidence_for(result.name))
        for result, found in ordered
    }
    verified: tuple[StepResult, ...] = ()
    if config.steps.verify.enabled:
        producers = {result.name: result.model for result, _ in ordered}
        verify_step, by_step = await verify_findings(
            by_step, producers, reviewed, classification.risk, config, ctx, notes
        )
        verified = (verify_step,)
    found = [
        f
        for name, step_findings in by_step.items()
        for f in signal.cap(step_findings, config.steps.get(name).max_findings)
    ]
    steps = (classify_step, *(result for result, _ in ordered), *verified)
    return PipelineResult(
        classification,
        steps,
        tuple(found),
        tuple(dict.fromkeys(notes)),
        tuple(gathered.files),
        unpaid(runs.values()),
    )


def unpaid(runs: Iterable[StepRun]) -> tuple[str, ...]:
    """Paths that no step reviewed any of because the money budget ran out before them."""
    runs = list(runs)
    covered = set().union(*(run.covered for run in runs))
    return tuple(
        dict.fromkeys(
            path
            for run in runs
            for path, why in run.left_out
            if why == BUDGET and path not in covered
        )
    )


def coverage_notes(runs: Iterable[StepRun]) -> list[str]:
    """One note per step that was split into chunks: how many requests, and what was left out.

    Paths stay out of notes (they are the PR's text); the comment lists them under "Not
    reviewed" from ``StepResult.not_reviewed``.
    """
    out = []
    for run in runs:
        result = run.result
        if result.chunks <= 1 or result.status != "ok":  # else the step's status says it all
            continue
        sent = run.reviewed_chunks
        text = (
            f"{result.name}: its part of the diff is larger than max_review_tokens, so it was "
            f"split into {result.chunks} requests"
        )
        missing = len(result.not_reviewed)
        if missing:
            why = sorted({why for _, why in result.not_reviewed})
            text += (
                f", of which {sent} reviewed; {missing} file{'s' * (missing != 1)} not reviewed "
                f"by it ({', '.join(_WHY.get(w, w) for w in why)}), listed under Not reviewed"
            )
        out.append(text)
    return out


_WHY = {
    BUDGET: "the money budget, budget_usd, ran out",
    "deadline": "step_timeout_s ran out",
    "failed": "every model failed on them",
}


async def _gather_context(
    plans: Mapping[str, Route],
    reviewed: Sequence[FileDiff],
    config: Config,
    repo: RepoInputs,
    known_secrets: Sequence[tuple[str, str]],
    notes: list[str],
) -> Gathered:
    """Read the files the running steps want beyond the hunk (off the event loop)."""
    views = {
        step: view_for(step, reviewed, config.steps.get(step).files)
        for step, plan in plans.items()
        if plan.skip_reason is None
    }
    modes = wanted_modes(views, config)
    if not modes:
        return Gathered()
    if repo.source is None:  # a local diff: hunks only (the CLI says so on stderr)
        return Gathered()
    reserved = instructions_mod.reserved_tokens(config, repo.guidelines)
    room = room_for_context(reviewed, config, reserved)
    source = repo.source
    gathered = await asyncio.to_thread(gather, reviewed, modes, source, config, room, known_secrets)
    notes.extend(gathered.notes)
    return gathered


async def _classify(
    files: Sequence[FileDiff],
    pr: PullRequestRef | None,
    heuristic: Classification | None,
    config: Config,
    ctx: ChainContext,
    notes: list[str],
) -> tuple[Classification, StepResult]:
    if heuristic is not None:
        return heuristic, StepResult(name="classify", status="skipped", reason="heuristic")
    reviewed = [f for f in files if f.reviewed]
    step_config = config.steps.classify
    system, prompt = render_prompt("classify", files=reviewed, pr=pr, classification=None)
    call = StepCall(
        step="classify",
        system=system,
        prompt=prompt,
        max_output_tokens=step_config.max_output_tokens,
        json_schema=schema.classify_json_schema(),
        schema_name="classification",
    )
    chain = step_config.chain(heuristic_risk_hint(reviewed))
    outcome = await run_chain(call, chain, schema.parse_classify, ctx)
    notes.extend(outcome.notes)
    if outcome.value is not None:
        return outcome.value, outcome.result
    risk = heuristic_risk_hint(reviewed)
    fallback = Classification(
        change_type=ChangeType.FEATURE,
        risk=risk,
        source="default",
        rationale=f"no model classified this change; assumed a feature of {risk.value} risk "
        "from its paths and size",
    )
    return fallback, outcome.result


def _floor_note(
    classification: Classification, plans: Mapping[str, Route], reviewed: Sequence[FileDiff]
) -> str | None:
    """What to tell readers when the model's change type and the files disagree, or None.

    Paths are left out on purpose: notes are our own text, and a path is the PR's.
    """
    kept = {step: plan.floor for step, plan in plans.items() if plan.floor}
    if not kept:
        return None
    kinds = sorted({kind for floor in kept.values() for kind in floor})
    count = sum(file_kind(f.path) in kinds for f in reviewed)
    what = " and ".join(_KIND_NAMES[kind] for kind in kinds)
    return (
        f"the classifier called this a {classification.change_type.value} change, but it "
        f"changes {what} ({count} file{'s' * (count != 1)}): {' and '.join(kept)} ran anyway; "
        "a model's classification may choose the models, never skip these reviews"
    )


_KIND_NAMES = {
    "code": "code",
    "config": "configuration",
    "ci": "CI workflows",
    "deps": "dependency manifests",
    "test": "tests",
    "docs": "docs",
    "data": "data",
}


async def _review_step(
    step: str,
    plan: Route,
    reviewed: Sequence[FileDiff],
    pr: PullRequestRef | None,
    classification: Classification,
    config: Config,
    ctx: ChainContext,
    notes: list[str],
    repo: RepoInputs,
    gathered: Gathered,
) -> StepRun:
    if plan.skip_reason is not None:
        return StepRun(StepResult(name=step, status="skipped", reason=plan.skip_reason), [], ())
    step_config = config.steps.get(step)
    view = view_for(step, reviewed, step_config.files)
    if not any(f.hunks for f in view):  # renames, mode changes, submodule bumps: no content
        result = StepResult(name=step, status="skipped", reason="nothing for this step to review")
        return StepRun(result, [], ())
    # The system prompt is the stable prefix every chunk repeats (vendors cache it): the rubric,
    # the repository's guidelines and instructions, and the path instructions of the whole view.
    sections = instructions_mod.sections(config, view, repo.guidelines)
    context = gathered.for_view(view, step_config.context)

    def make_call(chunk: Chunk) -> StepCall:
        system, prompt = render_prompt(
            step,
            files=chunk,
            pr=pr,
            classification=classification,
            instructions=step_config.instructions,
            globs=step_config.files,
            sections=sections,
            context={path: ctx_ for path, ctx_ in context.items() if path in chunk_paths(chunk)},
        )
        return StepCall(
            step=step,
            system=system,
            prompt=prompt,
            max_output_tokens=step_config.max_output_tokens,
            json_schema=schema.review_json_schema(),
            schema_name="review",
        )

    def parse(text: str) -> tuple[str, list[Finding]]:
        # Anchoring is part of reading the reply: if it fails, this model's attempt failed.
        # Against the whole view: a chunk may cite a line of a file's other part.
        summary, found = schema.parse_review(text, step)
        return summary, findings_mod.anchor(found, view)

    chunks = plan_chunks(view, config.max_review_tokens)
    run = await run_chunks(step, chunks, make_call, plan.chain, parse, ctx)
    notes.extend(run.notes)
    return run
