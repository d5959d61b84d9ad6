"""Full or incremental: what the last run's state and the new push allow (pure).

An incremental review builds on the last one, so anything that makes the last one a poor
foundation asks for a full review, with the reason shown in the comment: no usable state, a
request, a config or prompt change, another base branch, an unfinished last review, or a
history rewrite (the last reviewed head is not an ancestor of the new one).
"""

from __future__ import annotations

from reviewbot.state.block import ReadState


def full_reason(
    read: ReadState,
    *,
    head_sha: str,
    base_ref: str,
    config_digest: str,
    full_review: bool | str,
    incremental: bool,
) -> str | None:
    """Why this run must review the whole PR, before asking GitHub anything; None if not.

    Args:
        read: The last run's state, or why there is none.
        head_sha: The head commit to review now.
        base_ref: The PR's base branch now.
        config_digest: This run's ``config_digest``.
        full_review: The ``full-review`` input, or why a command asked for a full review.
        incremental: The config's ``review.incremental``.
    """
    if isinstance(full_review, str) and full_review:
        return full_review
    if full_review:
        return "a full review was requested (full-review: true)"
    if not incremental:
        return "incremental reviews are off (review.incremental: false)"
    state = read.state
    if state is None:
        return read.problem or "no saved review state"
    if state.truncated:
        return "the saved review state could not hold every finding"
    if not state.complete:
        return "the last review did not complete (a step failed or was not run)"
    if state.config_digest != config_digest:
        return "the configuration or the prompts changed since the last review"
    if state.base_ref and base_ref and state.base_ref != base_ref:
        return f"the base branch changed from {state.base_ref} to {base_ref}"
    if not head_sha:
        return "the pull request's head commit is unknown"
    return None


def compare_reason(last_head: str, head_sha: str, status: str | None) -> str | None:
    """Why the compare of ``last_head...head_sha`` rules out an incremental review; None if not.

    ``status`` is the compare's ``status`` (None when GitHub could not compare: the old head
    is gone). Only ``ahead`` (the old head is an ancestor) or ``identical`` builds on it.
    """
    if status in ("ahead", "identical"):
        return None
    return (
        f"the branch was force-pushed or rebased: `{last_head[:7]}`, reviewed last time, "
        f"is not an ancestor of `{head_sha[:7]}`"
    )
