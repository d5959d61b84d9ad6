"""A pull request's conversation with the bot: review threads, replies, reactions, permissions.

The REST calls of comment commands and feedback (shapes from GitHub's OpenAPI description,
npm ``@octokit/openapi``): ``GET /pulls/{n}/comments`` (``in_reply_to_id``, the
``reactions`` roll-up), ``GET /pulls/comments/{id}/reactions``, ``POST
/issues/comments/{id}/reactions`` and ``/pulls/comments/{id}/reactions``, a reply through
``POST /pulls/{n}/comments`` with ``in_reply_to`` (the ``/replies`` route is not open to
GitHub Apps), and ``GET /collaborators/{login}/permission``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from reviewbot.config.schema import Config
from reviewbot.domain import Dismissal, Feedback
from reviewbot.engine.dismissals import ThreadComment, feedback, find_dismissals
from reviewbot.errors import GitHubError
from reviewbot.github.client import GitHubClient
from reviewbot.github.comments import Identity

log = logging.getLogger(__name__)

CommentKind = Literal["issue", "review"]
_MAX_PAGES = 30  # 3,000 review comments
# A 👎 dismisses only from someone who could merge the PR anyway.
WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


@dataclass(frozen=True, slots=True)
class Conversation:
    """What the PR's inline threads say to this run."""

    keys: frozenset[str]  # fingerprints the bot already posted inline
    dismissed: tuple[Dismissal, ...]
    feedback: tuple[Feedback, ...]


def thread_comment(data: Mapping[str, Any]) -> ThreadComment:
    """A ``ThreadComment`` from one ``pull-request-review-comment`` object."""
    user = data.get("user") or {}
    reactions = data.get("reactions") or {}
    reply_to = data.get("in_reply_to_id")
    line = data.get("line")
    return ThreadComment(
        id=int(data.get("id") or 0),
        body=str(data.get("body") or ""),
        login=str(user.get("login") or ""),
        user_type=str(user.get("type") or ""),
        association=str(data.get("author_association") or "NONE"),
        in_reply_to=reply_to if isinstance(reply_to, int) else None,
        path=str(data.get("path") or ""),
        line=line if isinstance(line, int) else None,
        diff_hunk=str(data.get("diff_hunk") or ""),
        thumbs_up=int(reactions.get("+1") or 0),
        thumbs_down=int(reactions.get("-1") or 0),
    )


def review_comments(client: GitHubClient, number: int) -> list[ThreadComment]:
    """Every review comment of PR ``number``, roots and replies, oldest first."""
    out: list[ThreadComment] = []
    for page in range(1, _MAX_PAGES + 1):
        data = client.rest(
            "GET",
            f"/pulls/{number}/comments?per_page=100&page={page}",
            "list the review comments",
            number=number,
        )
        items = data if isinstance(data, list) else []
        out += [thread_comment(item) for item in items if isinstance(item, Mapping)]
        if len(items) < 100:
            break
    return out


def ours_test(client: GitHubClient, comments: Sequence[ThreadComment]) -> Any:
    """A test for "this bot wrote it"; the token's account is asked only if a key exists.

    If the account cannot be learned, bot-written keyed comments count (the rule of
    ``GitHubClient.posted_finding_keys``).
    """
    me: Identity | None = None
    if any(c.key for c in comments):
        me = client.identity()

    def ours(comment: ThreadComment) -> bool:
        if me is None:
            return comment.user_type == "Bot"
        return comment.login.casefold() == me.login.casefold()

    return ours


def conversation(client: GitHubClient, number: int, config: Config) -> Conversation:
    """The keys already posted, the dismissed findings and the reactions, in one listing."""
    comments = review_comments(client, number)
    ours = ours_test(client, comments)
    keys = frozenset(c.key for c in comments if c.key and ours(c) and c.in_reply_to is None)
    if not config.commands.enabled:
        return Conversation(keys, (), feedback(comments, ours))
    thumbs_down_by: dict[int, list[str]] = {}
    for comment in comments:
        if comment.thumbs_down and comment.key and ours(comment) and comment.in_reply_to is None:
            logins = [
                login
                for login in reactors(client, comment.id, "-1")
                if permission(client, login) in WRITE_PERMISSIONS
            ]
            if logins:
                thumbs_down_by[comment.id] = logins
    dismissed = find_dismissals(
        comments,
        ours=ours,
        allowed=config.commands.allowed,
        handle=config.commands.handle,
        thumbs_down_by=thumbs_down_by,
    )
    return Conversation(keys, dismissed, feedback(comments, ours))


def reactors(client: GitHubClient, comment_id: int, content: str) -> list[str]:
    """Logins of the people (not bots) who reacted ``content`` to review comment ``comment_id``."""
    data = client.rest(
        "GET",
        f"/pulls/comments/{comment_id}/reactions?content={quote(content)}&per_page=100",
        "list a review comment's reactions",
    )
    logins = []
    for item in data if isinstance(data, list) else []:
        user = item.get("user") or {}
        if user.get("type") != "Bot" and isinstance(user.get("login"), str):
            logins.append(user["login"])
    return list(dict.fromkeys(logins))


def permission(client: GitHubClient, login: str) -> str:
    """``admin``, ``write``, ``read`` or ``none``: what ``login`` may do in the repository."""
    try:
        data = client.rest(
            "GET",
            f"/collaborators/{quote(login, safe='')}/permission",
            "read a user's permission",
        )
    except GitHubError as exc:  # 404 (not a collaborator) or a token that may not ask
        log.info("permission of %s: %s", login, exc)
        return "none"
    value = data.get("permission") if isinstance(data, Mapping) else None
    return value if isinstance(value, str) else "none"


def react(client: GitHubClient, kind: CommentKind, comment_id: int, content: str) -> bool:
    """Add reaction ``content`` to a comment; False (logged, never raised) when refused."""
    where = "issues" if kind == "issue" else "pulls"
    try:
        client.rest(
            "POST",
            f"/{where}/comments/{comment_id}/reactions",
            f"add a {content} reaction",
            body={"content": content},
        )
    except GitHubError as exc:
        log.warning("could not add the %s reaction: %s", content, exc)
        return False
    return True


def reply(
    client: GitHubClient,
    number: int,
    body: str,
    *,
    thread: ThreadComment | None = None,
    commit_id: str = "",
) -> str | None:
    """Post ``body`` as a reply: in ``thread`` when given, else as a PR comment; its URL."""
    if thread is not None:
        data = client.rest(
            "POST",
            f"/pulls/{number}/comments",
            "reply in the review thread",
            number=number,
            body={
                "body": body,
                "in_reply_to": thread.in_reply_to or thread.id,
                "commit_id": commit_id,
                "path": thread.path,
            },
        )
    else:
        data = client.rest(
            "POST",
            f"/issues/{number}/comments",
            "post the reply comment",
            number=number,
            body={"body": body},
        )
    url = data.get("html_url") if isinstance(data, Mapping) else None
    return url if isinstance(url, str) else None
