"""``/reviewbot ask``: one question answered by the ``ask`` step's chain (no GitHub I/O here).

A step like the others: its chain from the config (``steps.ask``), the run's budget and
deadline, every attempt priced. The diff and the PR's text are redacted as in a review; the
question and the thread's finding and code are redacted too, and fenced as untrusted data.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from reviewbot.checks.secrets import redact_files, redact_text, scan_diff
from reviewbot.config.load import prices_for
from reviewbot.config.schema import Config
from reviewbot.domain import PullRequestRef, Risk, StepResult
from reviewbot.engine.budget import Budget
from reviewbot.engine.chain import ChainContext, StepCall, run_chain
from reviewbot.engine.run import prepare_files
from reviewbot.output.render import boundary, environment
from reviewbot.output.sanitize import strip_controls
from reviewbot.steps import schema
from reviewbot.steps.registry import ASK
from reviewbot.steps.views import numbered_diff, view_for
from reviewbot.vendors.base import Provider
from reviewbot.vendors.registry import ProviderPool, provider_settings

_QUESTION_LIMIT = 4000
_PR_BODY_LIMIT = 4000
_CONTEXT_LIMIT = 8000


@dataclass(frozen=True, slots=True)
class ThreadContext:
    """The review thread a question was asked in: its finding and the code it is on."""

    finding: str  # the bot's inline comment, as posted
    path: str
    code: str  # the thread's ``diff_hunk``


@dataclass(frozen=True, slots=True)
class Answer:
    """What the ``ask`` step produced: the answer (None if no model gave one) and its record."""

    text: str | None
    step: StepResult
    budget_usd: Decimal
    notes: tuple[str, ...] = ()

    @property
    def cost_usd(self) -> Decimal:
        """What the attempts cost (unknown prices count as 0)."""
        return self.step.cost_usd or Decimal(0)


def _safe(text: str, limit: int) -> str:
    return redact_text(strip_controls(text))[:limit]


def render_ask_prompt(
    question: str,
    *,
    diff_text: str,
    file_count: int,
    pr: PullRequestRef | None,
    findings: Sequence[str],
    thread: ThreadContext | None,
    instructions: str = "",
) -> tuple[str, str]:
    """The ``ask`` step's ``(system, user)`` prompt; every untrusted part redacted and fenced."""
    env = environment()
    title = _safe(pr.title, 1000) if pr else ""
    body = _safe(pr.body, _PR_BODY_LIMIT) if pr else ""
    safe_question = _safe(question, _QUESTION_LIMIT)
    listed = _safe("\n".join(findings), _CONTEXT_LIMIT)
    safe_thread = (
        ThreadContext(
            _safe(thread.finding, _CONTEXT_LIMIT),
            _safe(thread.path, 500),
            _safe(f"{thread.path}\n{thread.code}", _CONTEXT_LIMIT),
        )
        if thread is not None
        else None
    )
    parts = [safe_question, title, body, listed, diff_text]
    if safe_thread is not None:
        parts += [safe_thread.finding, safe_thread.code]
    token = boundary(ASK, *parts)
    if pr is not None:
        pr = PullRequestRef(pr.repo, pr.number, pr.head_sha, pr.base_sha, title, body)
    system = env.get_template("steps/ask.system.md.j2").render().strip()
    if instructions.strip():
        system += (
            "\n\n## Instructions for this step from the repository's configuration\n\n"
            + instructions.strip()
        )
    user = env.get_template("steps/ask.user.md.j2").render(
        pr=pr,
        question=safe_question,
        thread=safe_thread,
        findings=listed,
        diff=diff_text,
        file_count=file_count,
        token=token,
    )
    return system + "\n", user.strip() + "\n"


def answer_question(
    question: str,
    diff: bytes | str,
    *,
    config: Config,
    env: Mapping[str, str],
    pr: PullRequestRef | None,
    findings: Sequence[str] = (),
    thread: ThreadContext | None = None,
    providers: Mapping[str, Provider] | None = None,
) -> Answer:
    """Answer ``question`` about the PR whose diff is ``diff`` on the ``ask`` chain.

    Args:
        question: The text after ``ask``.
        diff: The PR's unified diff.
        config: The config (from the base commit).
        env: The environment the model steps see (no GitHub token).
        pr: The pull request (its title and description are context).
        findings: One line per finding the review reported (context).
        thread: The review thread the question was asked in, if any.
        providers: Injected providers (tests); default: built from the config.

    Returns:
        The answer, or ``Answer(text=None)`` with the step's reason when no model answered.
    """
    started = time.monotonic()
    step_config = config.steps.ask
    budget_usd = config.budget_usd
    if not step_config.enabled:
        skipped = StepResult(ASK, "skipped", reason="the ask step is disabled in the config")
        return Answer(None, skipped, budget_usd)
    files = prepare_files(diff, config)

    scan = scan_diff(files)
    files = redact_files(files, scan.hits, scan.withheld)
    view = view_for(ASK, files, step_config.files)
    system, prompt = render_ask_prompt(
        question,
        diff_text=numbered_diff(view),
        file_count=len(view),
        pr=pr,
        findings=findings,
        thread=thread,
        instructions=step_config.instructions,
    )
    call = StepCall(
        step=ASK,
        system=system,
        prompt=prompt,
        max_output_tokens=step_config.max_output_tokens,
        json_schema=schema.answer_json_schema(),
        schema_name="answer",
    )
    pool = ProviderPool(provider_settings(config, env), providers)
    ctx = ChainContext(
        pool, Budget(budget_usd), prices_for(config), float(config.step_timeout_s), started
    )

    async def run() -> tuple[StepResult, str | None, tuple[str, ...]]:
        try:
            outcome = await run_chain(
                call, step_config.chain(Risk.MEDIUM), schema.parse_answer, ctx
            )
        finally:
            await pool.aclose()
        return outcome.result, outcome.value, outcome.notes

    result, text, notes = asyncio.run(run())
    return Answer(text, result, budget_usd, notes)
