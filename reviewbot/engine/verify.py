"""The verify step: a second opinion, from another vendor's model, on each step's findings.

Off unless ``steps.verify.enabled``. It runs after the review steps: each step's shown model
findings go to the first model of the verify chain whose vendor is not the one that wrote
them, in one request per step (a verdict per index). A refuted finding is held back like a
low-confidence one (``suppressed: refuted``, the verifier's reason in the report); a verdict
that is missing, or a verify call that failed, leaves the finding as it was. Its calls go
through the same chain, budget and deadline as every step, and are one row of the cost table.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence

from reviewbot.checks.secrets import redact_text
from reviewbot.config.schema import Config
from reviewbot.domain import FileDiff, Finding, ModelRef, Risk, StepResult
from reviewbot.engine.chain import ChainContext, ChainOutcome, StepCall, run_chain
from reviewbot.engine.signal import REFUTED, suppress
from reviewbot.output.render import boundary, environment
from reviewbot.steps import schema
from reviewbot.steps.registry import VERIFY
from reviewbot.steps.views import numbered_diff

_REASON_CHARS = 500
_FILE_LINES = 200  # a file-level finding shows at most this much of its file


def other_vendor_chain(chain: Sequence[ModelRef], producer: ModelRef) -> tuple[ModelRef, ...]:
    """The models of ``chain`` on another vendor than ``producer``'s, in order."""
    return tuple(ref for ref in chain if ref.provider != producer.provider)


def _code(finding: Finding, file: FileDiff | None) -> str:
    """The numbered hunk a finding cites (its file's first lines for a file-level one)."""
    if file is None:
        return "(no code: the finding is not on a file of the diff)"
    if finding.line is not None:
        for hunk in file.hunks:
            if finding.line in hunk.right_lines:
                return numbered_diff([dataclasses.replace(file, hunks=(hunk,))])
    lines = numbered_diff([file]).splitlines()
    more = len(lines) - _FILE_LINES
    return "\n".join(lines[:_FILE_LINES] + ([f"[… {more} more lines]"] if more > 0 else []))


def candidates_text(findings: Sequence[Finding], files: Sequence[FileDiff]) -> str:
    """The findings to verify, each with its index, claim and code, as the prompt shows them."""
    by_path = {file.path: file for file in files}
    blocks = []
    for index, f in enumerate(findings):
        where = f.path + (
            "" if f.line is None else f":{f.line}" + (f"-{f.end_line}" if f.end_line else "")
        )
        parts = [
            f"## Finding {index}",
            f"step: {f.step} · severity: {f.severity.value} · category: {f.category}",
            f"where: {where}",
            f"title: {f.title}",
            f"body:\n{f.body.strip()}",
        ]
        if f.suggestion and f.suggestion.strip():
            parts.append(f"suggested replacement:\n{f.suggestion.strip(chr(10))}")
        parts.append(f"code:\n{_code(f, by_path.get(f.path))}")
        blocks.append("\n".join(parts))
    return redact_text("\n\n".join(blocks))


def render_verify(findings: Sequence[Finding], files: Sequence[FileDiff]) -> tuple[str, str]:
    """``(system, user)`` of one verify request."""
    env = environment()
    text = candidates_text(findings, files)
    token = boundary(VERIFY, text)
    system = env.get_template("steps/verify.system.md.j2").render().strip()
    user = env.get_template("steps/verify.user.md.j2").render(
        candidates=text, count=len(findings), token=token
    )
    return system + "\n", user.strip() + "\n"


def apply_verdicts(
    findings: Sequence[Finding], verdicts: Mapping[int, tuple[bool, str]], verifier: ModelRef
) -> list[Finding]:
    """``findings`` with each refuted one held back, the verifier's reason kept for the report."""
    out = []
    for index, finding in enumerate(findings):
        confirmed, reason = verdicts.get(index, (True, ""))
        if not confirmed:
            why = " ".join(reason.split())[:_REASON_CHARS] or "no reason given"
            finding = suppress(finding, REFUTED, f"{verifier}: {why}")
        out.append(finding)
    return out


async def verify_findings(
    by_step: Mapping[str, list[Finding]],
    producers: Mapping[str, ModelRef | None],
    files: Sequence[FileDiff],
    risk: Risk,
    config: Config,
    ctx: ChainContext,
    notes: list[str],
) -> tuple[StepResult, dict[str, list[Finding]]]:
    """Verify each step's shown findings with a model of another vendor.

    Args:
        by_step: Each review step's findings (held-back ones are passed through untouched).
        producers: The model that wrote each step's findings.
        files: The reviewed files, for the code each finding cites.
        risk: The change's risk, which picks the verify chain (``by_risk``).
        config: The run's config.
        ctx: The run's chain context (pool, budget, prices, deadline).
        notes: Where to say what could not be verified.

    Returns:
        The verify step's record (every call of every batch, priced) and the findings.
    """
    step_config = config.steps.verify
    chain = step_config.chain(risk)
    out = {step: list(found) for step, found in by_step.items()}
    batches: list[tuple[str, list[int], tuple[ModelRef, ...]]] = []
    for step, found in by_step.items():
        shown = [i for i, f in enumerate(found) if f.suppressed is None]
        producer = producers.get(step)
        if not shown or producer is None:
            continue
        others = other_vendor_chain(chain, producer)
        if not others:
            notes.append(
                f"verify: no model of another vendor than {producer.provider} in "
                f"steps.verify.models; the {step} findings were not verified"
            )
            continue
        batches.append((step, shown, others))
    if not batches:
        return StepResult(VERIFY, "skipped", reason="no findings to verify"), out

    async def one(
        step: str, shown: list[int], others: tuple[ModelRef, ...]
    ) -> ChainOutcome[dict[int, tuple[bool, str]]]:
        system, prompt = render_verify([out[step][i] for i in shown], files)
        call = StepCall(
            step=VERIFY,
            system=system,
            prompt=prompt,
            max_output_tokens=step_config.max_output_tokens,
            json_schema=schema.verify_json_schema(),
            schema_name="verdicts",
        )
        return await run_chain(call, others, schema.parse_verify, ctx)

    outcomes = await asyncio.gather(*(one(*batch) for batch in batches))
    refuted = confirmed = 0
    for (step, shown, _), outcome in zip(batches, outcomes, strict=True):
        notes.extend(outcome.notes)
        if outcome.value is None or outcome.result.model is None:
            notes.append(f"verify: the {step} findings were not verified ({outcome.result.reason})")
            continue
        judged = apply_verdicts([out[step][i] for i in shown], outcome.value, outcome.result.model)
        for position, (i, finding) in enumerate(zip(shown, judged, strict=True)):
            out[step][i] = finding
            if finding.suppressed == REFUTED:
                refuted += 1
            elif position in outcome.value:
                confirmed += 1
    return _combined([o.result for o in outcomes], confirmed, refuted), out


def _combined(results: Sequence[StepResult], confirmed: int, refuted: int) -> StepResult:
    """One row for the cost table: every batch's attempts, ok when any batch was."""
    attempts = tuple(a for r in results for a in r.attempts)
    ok = [r for r in results if r.status == "ok"]
    if ok:
        status, reason = "ok", None
    elif attempts:
        status, reason = "failed", "; ".join(r.reason for r in results if r.reason)
    else:
        status, reason = "skipped", "; ".join(dict.fromkeys(r.reason or "" for r in results))
    summary = (
        f"{confirmed + refuted} finding{'s' * (confirmed + refuted != 1)} judged: "
        f"{confirmed} confirmed, {refuted} refuted."
        if ok
        else None
    )
    return StepResult(
        name=VERIFY,
        status=status,  # type: ignore[arg-type]
        reason=reason or None,
        model=ok[0].model if ok else None,
        attempts=attempts,
        summary=summary,
        started_s=min(r.started_s for r in results),
        ended_s=max(r.ended_s for r in results),
    )
