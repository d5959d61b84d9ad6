"""A PR run's review made whole: finding states, the run's scope and the state for the next run.

Pure: it takes the review of what was sent to the models, the last run's state and what the
new commits changed, and returns the review the comment, report and inline comments show.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal

from reviewbot.domain import Review, RunScope
from reviewbot.state.block import RunState, encode
from reviewbot.state.delta import FileChange
from reviewbot.state.lifecycle import follow
from reviewbot.steps.registry import CLASSIFY


@dataclass(frozen=True, slots=True)
class Basis:
    """What this run builds on: the last state and, for an incremental run, the new commits."""

    previous: RunState | None  # the last run's state when readable (used by full runs too)
    full_reason: str | None  # None: incremental
    changes: Mapping[str, FileChange] | None = None  # incremental: the compare's files
    from_sha: str | None = None  # incremental: the last reviewed head
    commits: int = 0
    additions: int = 0
    deletions: int = 0


def complete(review: Review) -> bool:
    """True when every review step ran (or was routed away); failed or unpaid ones are not."""
    return not any(
        s.name != CLASSIFY
        and (s.status == "failed" or (s.status == "skipped" and s.reason == "budget"))
        for s in review.steps
    )


def conclude(
    review: Review,
    basis: Basis,
    *,
    base_ref: str,
    config_digest: str,
    dismissed: Collection[str] = frozenset(),
) -> Review:
    """``review`` with its findings' states, its ``scope`` and the next run's state block.

    ``dismissed`` fingerprints (read from the PR's threads) are neither open nor resolved, and
    the state block does not carry them (see ``lifecycle.follow``).
    """
    pr = review.pr
    if pr is None:
        return review
    incremental = basis.full_reason is None
    outcome = follow(
        basis.previous,
        review.findings,
        pr.head_sha,
        basis.changes if incremental else None,
        dismissed,
    )
    before = basis.previous.pr_cost_usd if basis.previous is not None else Decimal(0)
    pr_cost = before + review.cost_usd
    state = RunState(
        repo=pr.repo,
        pr=pr.number,
        head_sha=pr.head_sha,
        base_sha=pr.base_sha,
        base_ref=base_ref,
        config_digest=config_digest,
        pr_cost_usd=pr_cost,
        complete=complete(review),
        findings=outcome.tracked,
    )
    scope = RunScope(
        mode="incremental" if incremental else "full",
        from_sha=basis.from_sha if incremental else None,
        to_sha=pr.head_sha,
        full_reason=basis.full_reason,
        commits=basis.commits,
        additions=basis.additions,
        deletions=basis.deletions,
        carried=outcome.carried,
        resolved=outcome.resolved,
        pr_cost_usd=pr_cost,
        state_block=encode(state),
    )
    return dataclasses.replace(review, findings=outcome.findings, scope=scope)
