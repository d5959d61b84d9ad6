"""Run one step over the chunks of its view, concurrently, under one deadline and the budget.

Every chunk walks the step's model chain on its own (``chain.run_chain``): its own reservation
of the worst case, its own fallbacks. The chunks share the step's deadline (``step_timeout_s``
from the step's start) and run at most :data:`CHUNK_CONCURRENCY` at a time. A chunk the money
budget turns away while other chunks of the step are in flight waits for one of them to settle
(its real cost frees the rest of its worst-case reservation) and tries again; once it is
turned away with none in flight, it and the chunks not yet started are not sent. A chunk that fails
or is turned away costs only its own files: the step's result says which were not reviewed
and why, and the findings of the other chunks stand.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from reviewbot.diff.chunks import Chunk, chunk_paths
from reviewbot.domain import Attempt, Finding, ModelRef, StepResult
from reviewbot.engine.chain import ChainContext, ChainOutcome, StepCall, run_chain

# Requests of one step in flight at once: enough to finish a large PR in a few rounds, few
# enough for a 2-core runner and a vendor's rate limits (three steps run side by side).
CHUNK_CONCURRENCY = 4

# Why a chunk's files were not reviewed: the money budget, the step's deadline, or every model
# of the chain failed on it.
BUDGET = "budget"
DEADLINE = "deadline"
FAILED = "failed"

Reply = tuple[str, list[Finding]]


@dataclass(frozen=True, slots=True)
class StepRun:
    """One step's merged outcome over its chunks, and what it did and did not cover."""

    result: StepResult
    findings: list[Finding]
    notes: tuple[str, ...]
    # Paths that at least one ok chunk covered (a split file may be only partly covered).
    covered: frozenset[str] = frozenset()
    # Path -> why (a part of) it was not reviewed: ``budget``, ``deadline`` or ``failed``.
    left_out: tuple[tuple[str, str], ...] = ()
    reviewed_chunks: int = 0  # chunks whose reply was read


async def run_chunks(
    step: str,
    chunks: Sequence[Chunk],
    make_call: Callable[[Chunk], StepCall],
    chain: tuple[ModelRef, ...],
    parse: Callable[[str], Reply],
    ctx: ChainContext,
) -> StepRun:
    """Review ``chunks`` with ``chain``; merge the results into one step.

    Args:
        step: The step's name.
        chunks: The step's view in chunks (``diff.chunks.plan_chunks``), most valuable first.
        make_call: The request for one chunk (the same system prompt for every chunk).
        chain: The step's models, primary first.
        parse: Reads a reply into ``(summary, anchored findings)``.
        ctx: The run's pool, budget and prices; ``ctx.timeout_s`` is the step's deadline.

    Returns:
        The merged step. With one chunk this is exactly the chain's outcome.
    """
    if len(chunks) == 1:
        outcome = await run_chain(make_call(chunks[0]), chain, parse, ctx)
        return _single(chunks[0], outcome)
    started = time.monotonic()
    deadline = started + ctx.timeout_s
    gate = asyncio.Semaphore(CHUNK_CONCURRENCY)
    settled = asyncio.Condition()
    flight = _Flight()
    stopped: list[str] = []  # set once the budget turns a chunk away for good

    async def one(chunk: Chunk) -> ChainOutcome[Reply] | str:
        async with gate:
            while True:
                if stopped:
                    return BUDGET
                remaining = deadline - time.monotonic()
                if remaining <= 0.05:
                    return DEADLINE
                flight.count += 1
                try:
                    outcome = await run_chain(
                        make_call(chunk), chain, parse, replace(ctx, timeout_s=remaining)
                    )
                finally:
                    flight.count -= 1
                    async with settled:
                        settled.notify_all()
                refused = outcome.value is None and outcome.result.reason == BUDGET
                if not refused:
                    return outcome
                if flight.count == 0:  # nothing of this step holds a reservation: it will not fit
                    stopped.append(BUDGET)
                    return outcome
                # Other chunks hold worst-case reservations that their real cost will release:
                # try again when one of them has settled.
                async with settled:
                    await settled.wait_for(functools.partial(_fewer, flight, flight.count))

    outcomes = await asyncio.gather(*(one(chunk) for chunk in chunks))
    return _merge(step, chunks, outcomes, started - ctx.run_start)


@dataclass(slots=True)
class _Flight:
    """How many chunks of the step hold a reservation right now."""

    count: int = 0


def _fewer(flight: _Flight, than: int) -> bool:
    return flight.count < than


def _single(chunk: Chunk, outcome: ChainOutcome[Reply]) -> StepRun:
    paths = chunk_paths(chunk)
    if outcome.value is None:
        why = _why(outcome)
        return StepRun(outcome.result, [], outcome.notes, left_out=tuple((p, why) for p in paths))
    summary, found = outcome.value
    result = replace(outcome.result, summary=summary, findings=tuple(found))
    return StepRun(result, list(found), outcome.notes, frozenset(paths), (), 1)


def _why(outcome: ChainOutcome[Reply]) -> str:
    if outcome.result.status == "failed":
        return FAILED
    return BUDGET if outcome.result.reason == BUDGET else (outcome.result.reason or FAILED)


def _merge(
    step: str,
    chunks: Sequence[Chunk],
    outcomes: Sequence[ChainOutcome[Reply] | str],
    started_s: float,
) -> StepRun:
    """One step out of its chunks: ok when any chunk was, with every attempt and finding."""
    attempts: list[Attempt] = []
    findings: list[Finding] = []
    summaries: list[str] = []
    notes: list[str] = []
    covered: set[str] = set()
    left_out: dict[str, str] = {}
    oks: list[StepResult] = []
    others: list[StepResult] = []
    ended_s = started_s
    for chunk, outcome in zip(chunks, outcomes, strict=True):
        if isinstance(outcome, str):
            for path in chunk_paths(chunk):
                left_out.setdefault(path, outcome)
            continue
        result = outcome.result
        attempts.extend(result.attempts)
        notes.extend(outcome.notes)
        ended_s = max(ended_s, result.ended_s)
        if outcome.value is None:
            others.append(result)
            for path in chunk_paths(chunk):
                left_out.setdefault(path, _why(outcome))
            continue
        oks.append(result)
        summary, found = outcome.value
        if summary.strip() and summary.strip() not in summaries:
            summaries.append(summary.strip())
        findings.extend(found)
        covered.update(chunk_paths(chunk))
    if oks:
        status, reason, model = "ok", None, oks[0].model
    elif any(r.status == "failed" for r in others):
        status, model = "failed", None
        reason = "; ".join(dict.fromkeys(r.reason or "" for r in others if r.status == "failed"))
    else:
        status, model = "skipped", None
        reasons = {r.reason for r in others} | set(left_out.values())
        reason = BUDGET if reasons <= {BUDGET} else ", ".join(sorted(r or "" for r in reasons))
    result = StepResult(
        name=step,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        model=model,
        attempts=tuple(attempts),
        findings=tuple(findings),
        summary=" ".join(summaries) if oks else None,
        started_s=started_s,
        ended_s=ended_s,
        chunks=len(chunks),
        not_reviewed=tuple(left_out.items()) if oks else (),
    )
    return StepRun(
        result,
        findings,
        tuple(dict.fromkeys(notes)),
        frozenset(covered),
        tuple(left_out.items()),
        len(oks),
    )
