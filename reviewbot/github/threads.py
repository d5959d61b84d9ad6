"""Our inline review threads follow their findings: resolved (GraphQL) when fixed or dismissed.

A thread is ours when its first comment carries a finding key and was written by the token's
account. Only those whose finding was resolved or dismissed are touched; a thread of a fixed
finding that someone else replied to is left open for the people in it (a dismissed one is
resolved anyway: a person asked for it there), and a thread GitHub will not let us resolve is
noted. Nothing here raises: threads are a courtesy, the summary comment is the record.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from reviewbot.errors import GitHubError
from reviewbot.github.client import GitHubClient
from reviewbot.output.inline import keys_in

log = logging.getLogger(__name__)

# Field names from GitHub's GraphQL schema (@octokit/graphql-schema): PullRequest.reviewThreads,
# PullRequestReviewThread {id isResolved viewerCanResolve comments}, Mutation.resolveReviewThread.
THREADS_QUERY = """
query($owner: String!, $name: String!, $number: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          viewerCanResolve
          comments(first: 50) { nodes { body author { login } } }
        }
      }
    }
  }
}
"""
RESOLVE_MUTATION = """
mutation($threadId: ID!) {
  resolveReviewThread(input: {threadId: $threadId}) { thread { id isResolved } }
}
"""
_MAX_PAGES = 10


@dataclass(frozen=True, slots=True)
class ThreadOutcome:
    """What happened to our threads of resolved findings."""

    resolved: int = 0
    left_open: int = 0  # a person replied: theirs to close
    failed: tuple[str, ...] = field(default=())  # why some could not be resolved

    def notes(self) -> list[str]:
        """Lines for the comment's notes (empty when there is nothing worth saying)."""
        out = []
        if self.left_open:
            noun = "thread" if self.left_open == 1 else "threads"
            out.append(
                f"{self.left_open} review {noun} of resolved findings left open: someone replied"
            )
        if self.failed:
            out.append(
                "some review threads of resolved or dismissed findings could not be resolved: "
                + "; ".join(dict.fromkeys(self.failed))
            )
        return out


def _login(value: Any) -> str:
    """A login compared across REST and GraphQL (GraphQL names a bot without ``[bot]``)."""
    text = str(value or "").casefold()
    return text.removesuffix("[bot]")


def resolve_threads(
    client: GitHubClient,
    number: int,
    keys: Collection[str],
    *,
    dismissed: Collection[str] = (),
) -> ThreadOutcome:
    """Resolve our unresolved review threads whose finding key is in ``keys`` or ``dismissed``.

    Args:
        client: The GitHub client (its token's account is "us").
        number: The pull request.
        keys: Fingerprints of the findings this run resolved (threads with replies stay open).
        dismissed: Fingerprints people dismissed (``/reviewbot ignore`` or a 👎): resolved even
            though someone replied, since that reply is usually the dismissal itself.

    Returns:
        How many were resolved, left open, or could not be resolved and why.
    """
    forced = set(dismissed)
    wanted = set(keys) | forced
    if not wanted:
        return ThreadOutcome()
    try:
        threads = _threads(client, number)
    except GitHubError as exc:
        log.info("review threads: %s", exc)
        return ThreadOutcome(failed=(f"could not list the review threads ({_short(exc)})",))
    me = client.identity()
    if me is None:
        return ThreadOutcome(failed=("could not tell which account the token acts as",))
    resolved = left_open = 0
    failed: list[str] = []
    for thread in threads:
        comments = ((thread.get("comments") or {}).get("nodes")) or []
        if thread.get("isResolved") or not comments:
            continue
        first = comments[0] or {}
        authors = [_login(((c or {}).get("author") or {}).get("login")) for c in comments]
        hit = keys_in([str(first.get("body") or "")])
        if authors[0] != _login(me.login) or not hit & wanted:
            continue
        if not hit & forced and any(author != authors[0] for author in authors[1:]):
            left_open += 1
            continue
        if thread.get("viewerCanResolve") is False:
            failed.append("GitHub does not let this token resolve them")
            continue
        try:
            client.graphql(RESOLVE_MUTATION, {"threadId": thread["id"]}, "resolve a review thread")
            resolved += 1
        except GitHubError as exc:
            failed.append(_short(exc))
    return ThreadOutcome(resolved, left_open, tuple(failed))


def _threads(client: GitHubClient, number: int) -> list[dict[str, Any]]:
    owner, name = client.repo_name.split("/", 1)
    out: list[dict[str, Any]] = []
    after: str | None = None
    for _ in range(_MAX_PAGES):
        data = client.graphql(
            THREADS_QUERY,
            {"owner": owner, "name": name, "number": number, "after": after},
            "list the review threads",
        )
        pull = ((data.get("repository") or {}).get("pullRequest")) or {}
        page = pull.get("reviewThreads") or {}
        out.extend(t for t in page.get("nodes") or () if isinstance(t, dict))
        info = page.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            break
        after = info.get("endCursor")
    return out


def _short(exc: GitHubError) -> str:
    return str(exc)[:200]
