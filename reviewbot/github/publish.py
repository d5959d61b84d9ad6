"""Publish a review to a pull request: the inline review, then the sticky comment.

The one publishing path, shared by the Action and ``reviewbot review --post``. What a
refused write means (a read-only token, a token that may comment but not review, a 422)
is decided here once.
"""

from __future__ import annotations

import dataclasses
from typing import Protocol

from reviewbot.config.schema import Config
from reviewbot.domain import PullRequestRef, Review, Severity
from reviewbot.engine.dismissals import drop_dismissed
from reviewbot.engine.findings import inline_candidates
from reviewbot.errors import GitHubError
from reviewbot.github.client import GitHubClient
from reviewbot.github.conversation import Conversation, conversation
from reviewbot.github.results import PostResult, PostStatus
from reviewbot.github.threads import resolve_threads
from reviewbot.output.inline import inline_comments
from reviewbot.output.render import render_comment


class Log(Protocol):
    """Where publishing reports what happened (the Actions console, or stderr)."""

    def line(self, text: str) -> None:
        """Print one line."""

    def notice(self, text: str) -> None:
        """Print a notice (an annotation in Actions)."""


REFUSED_NOTE = "GitHub refused the inline comments (422); all findings are listed here"
REVIEW_FORBIDDEN_NOTE = (
    "GitHub refused the inline comments (403: the token cannot write pull request reviews; "
    "it needs pull-requests: write); all findings are listed here"
)
FORBIDDEN_NOTE = (
    "nothing was posted to the pull request: the token is read-only (403 Resource not "
    "accessible by integration; a pull_request from a fork gets a read-only token). "
    "The findings are in this job summary and in the annotations."
)


def post_results(
    console: Log,
    client: GitHubClient,
    config: Config,
    pr: PullRequestRef,
    review: Review,
    talk: Conversation | None = None,
) -> tuple[Review, str | None]:
    """Post the inline review, then the sticky comment (so a 422 note reaches it in one write).

    The PR's inline threads are read first (one listing; ``talk`` when the caller read them
    already): findings people dismissed there are dropped, the reactions on earlier comments
    are kept as feedback, and no finding is posted inline twice. Threads of resolved and of
    dismissed findings are then resolved.
    """
    number = pr.number
    talk = conversation(client, number, config) if talk is None else talk
    review = drop_dismissed(review, talk.dismissed)
    review = dataclasses.replace(review, feedback=talk.feedback)
    floor = Severity(config.inline_min_severity)
    candidates = (
        [
            f
            for f in inline_candidates(review.findings, review.files)
            if f.severity.rank >= floor.rank
        ]
        if config.inline_comments
        else []
    )
    review = _follow_threads(console, client, review)
    if candidates:
        models = {s.name: str(s.model) for s in review.steps if s.model is not None}
        comments = inline_comments(
            candidates,
            review.files,
            limit=config.max_inline_comments,
            posted=talk.keys,
            models=models,
            min_severity=floor,
        )
        result = client.post_review(number, pr.head_sha, comments, body=_review_body(len(comments)))
        if result.status is PostStatus.REFUSED:
            console.line(f"GitHub refused the inline review (422): {result.message}")
            review = _with_note(review, REFUSED_NOTE)
        elif result.status is PostStatus.FORBIDDEN:
            # Not yet proof of a read-only token: one that may comment but not review (e.g.
            # issues: write without pull-requests: write) still gets the summary posted.
            console.line(f"GitHub refused the inline review (403): {result.message}")
            result = client.upsert_comment(
                number, render_comment(_with_note(review, REVIEW_FORBIDDEN_NOTE))
            )
            if result.status is PostStatus.FORBIDDEN:
                return _forbidden(console, review), None
            return _posted(console, _with_note(review, REVIEW_FORBIDDEN_NOTE), result)
    result = client.upsert_comment(number, render_comment(review))
    if result.status is PostStatus.FORBIDDEN:
        return _forbidden(console, review), None
    return _posted(console, review, result)


def _follow_threads(console: Log, client: GitHubClient, review: Review) -> Review:
    """Resolve our review threads of the findings resolved or dismissed; note what was left open.

    A dismissed finding's thread is usually resolved already (by ``/reviewbot ignore``); a 👎
    leaves it open until this run. Threads that are resolved already cost nothing more.
    """
    if review.pr is None:
        return review
    resolved = review.scope.resolved if review.scope is not None else ()
    keys = [f.fingerprint for f in resolved if f.fingerprint]
    dismissed = [d.fingerprint for d in review.dismissed]
    if not keys and not dismissed:
        return review
    outcome = resolve_threads(client, review.pr.number, keys, dismissed=dismissed)
    if outcome.resolved:
        console.line(
            f"reviewbot: resolved {outcome.resolved} review thread(s) of fixed or dismissed "
            "findings"
        )
    notes = outcome.notes()
    return dataclasses.replace(review, notes=(*review.notes, *notes)) if notes else review


def _posted(console: Log, review: Review, result: PostResult) -> tuple[Review, str | None]:
    if result.status is PostStatus.REFUSED:
        raise GitHubError(f"GitHub refused the summary comment (422): {result.message}", status=422)
    if result.message:  # e.g. GitHub refused to edit the previous comment, so a new one was posted
        console.line(f"reviewbot: {result.message}")
    console.line(f"reviewbot: summary comment {result.status.value}: {result.url}")
    return review, result.url


def _review_body(count: int) -> str:
    noun = "comment" if count == 1 else "comments"
    return f"reviewbot: {count} inline {noun}; the summary comment has every finding and the costs."


def _forbidden(console: Log, review: Review) -> Review:
    console.notice(f"reviewbot: {FORBIDDEN_NOTE}")
    return _with_note(review, FORBIDDEN_NOTE)


def _with_note(review: Review, note: str) -> Review:
    return dataclasses.replace(review, notes=(*review.notes, note))
