"""The I/O side of an incremental review: last state from the comment, the compare, what to send.

The decisions are pure and live in ``reviewbot/state``; this module only fetches what they
need (the sticky comment, ``GET /compare``) and hands the result to the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewbot.config.schema import Config
from reviewbot.diff.parse import parse_diff
from reviewbot.diff.patches import rebuild_diff
from reviewbot.errors import GitHubError
from reviewbot.github.client import GitHubClient
from reviewbot.github.results import PullRequestInfo
from reviewbot.state.block import ReadState, decode
from reviewbot.state.conclude import Basis
from reviewbot.state.delta import delta
from reviewbot.state.digest import config_digest
from reviewbot.state.plan import compare_reason, full_reason


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What to send to the models, and what the run builds on."""

    diff: str
    basis: Basis
    digest: str
    notes: list[str] = field(default_factory=list)


def plan_run(
    client: GitHubClient,
    config: Config,
    info: PullRequestInfo,
    *,
    full_review: bool | str,
    pr_diff: str,
    prior: str | Exception | None,
) -> RunPlan:
    """Decide full or incremental and build the diff the models are sent.

    Args:
        client: The GitHub client (asked for the compare when the state allows).
        config: The run's config.
        info: The pull request.
        full_review: The ``full-review`` input, or the reason ``/reviewbot full-review`` gave.
        pr_diff: The PR's whole diff.
        prior: Our sticky comment's body from the last run (None when there is none), or the
            error that kept it from being read.
    """
    ref = info.ref
    if isinstance(prior, Exception):
        what = str(prior) if isinstance(prior, GitHubError) else type(prior).__name__
        read = ReadState(None, f"the last summary comment could not be read ({what})")
    else:
        read = decode(prior, ref.repo, ref.number)
    digest = config_digest(config)
    previous = read.state
    reason = full_reason(
        read,
        head_sha=ref.head_sha,
        base_ref=info.base_ref,
        config_digest=digest,
        full_review=full_review,
        incremental=config.review.incremental,
    )
    if reason is not None or previous is None:
        return RunPlan(pr_diff, Basis(previous, reason or "no saved review state"), digest)
    if previous.head_sha == ref.head_sha:  # a re-run (re-opened, dispatched, re-run job)
        reason = f"`{ref.head_sha[:7]}` was reviewed already: a re-run reviews it again"
        return RunPlan(pr_diff, Basis(previous, reason), digest)
    comparison = client.compare(previous.head_sha, ref.head_sha)
    reason = compare_reason(
        previous.head_sha, ref.head_sha, comparison.status if comparison else None
    )
    if reason is None and comparison is not None and comparison.too_many_files:
        reason = "the new commits change more files than GitHub's compare lists (300)"
    if reason is not None or comparison is None:
        return RunPlan(pr_diff, Basis(previous, reason), digest)
    compare_text, _ = rebuild_diff(comparison.files)
    change = delta(parse_diff(pr_diff), parse_diff(compare_text))
    basis = Basis(
        previous,
        None,
        change.changes,
        previous.head_sha,
        comparison.ahead_by,
        change.additions,
        change.deletions,
    )
    notes: list[str] = []
    text = change.diff
    minimum = config.review.min_changed_lines
    if text and change.lines < minimum:
        text = ""
        notes.append(
            f"the new commits change {change.lines} line(s) of this PR, fewer than "
            f"review.min_changed_lines ({minimum}): no model was called"
        )
    elif not text:
        notes.append(
            f"nothing of this PR's own to review since `{previous.head_sha[:7]}` (the new "
            "commits only merge the base branch or touch files the PR does not change): "
            "no model was called"
        )
    return RunPlan(text, basis, digest, notes)
