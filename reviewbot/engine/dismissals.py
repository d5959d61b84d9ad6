"""Dismissed findings and reaction feedback, read from the bot's own inline threads (pure).

No database: the record is on GitHub. A reply ``/reviewbot ignore [reason]`` in the thread of
one of the bot's inline comments, by an author whose ``author_association`` is allowed, or a
👎 on that comment by someone with write access, dismisses the finding whose fingerprint the
comment hides (``<!-- reviewbot:finding <16hex> -->``). The next run reads the thread and drops
that fingerprint: the incremental state forgets it (``state/lifecycle.py``) and publishing
drops it from the findings (``drop_dismissed``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from reviewbot.domain import Dismissal, Feedback, Review
from reviewbot.engine.commands import parse_command
from reviewbot.output.inline import KEY_PATTERN

# Who wrote an inline comment: the step and the model, hidden next to the finding's key.
ORIGIN_PATTERN = re.compile(
    r"<!-- reviewbot:origin ([a-z][a-z0-9_-]{0,31}) ([\w.:/@+-]{1,120}) -->"
)
THUMBS_DOWN_REASON = "👎"


@dataclass(frozen=True, slots=True)
class ThreadComment:
    """One pull request review comment, as the list endpoint returns it (the fields we read)."""

    id: int
    body: str
    login: str
    user_type: str  # "User" or "Bot"
    association: str  # author_association
    in_reply_to: int | None
    path: str = ""
    line: int | None = None
    diff_hunk: str = ""
    thumbs_up: int = 0
    thumbs_down: int = 0

    @property
    def key(self) -> str | None:
        """The finding fingerprint this comment hides, if any."""
        found = KEY_PATTERN.search(self.body or "")
        return found.group(1) if found else None


def origin(body: str) -> tuple[str, str] | None:
    """``(step, model)`` hidden in one of the bot's inline comments, or None (older comments)."""
    found = ORIGIN_PATTERN.search(body or "")
    return (found.group(1), found.group(2)) if found else None


def head_line(body: str) -> str:
    """The first line of an inline comment (``**high** · category · title``), for the list."""
    return (body or "").strip().split("\n", 1)[0][:300]


def find_dismissals(
    comments: Sequence[ThreadComment],
    *,
    ours: Callable[[ThreadComment], bool],
    allowed: Collection[str],
    handle: str | None = None,
    thumbs_down_by: Mapping[int, Sequence[str]] | None = None,
) -> tuple[Dismissal, ...]:
    """The findings dismissed in the threads of the bot's inline comments, first one wins.

    Args:
        comments: Every review comment of the PR (roots and replies).
        ours: True for a comment this bot wrote.
        allowed: The ``author_association`` values whose ``ignore`` counts.
        handle: The bot's ``@handle`` alias, if the config names one.
        thumbs_down_by: Per comment id of ours, the logins with write access that gave it 👎.

    Returns:
        One ``Dismissal`` per fingerprint, in thread order.
    """
    roots = {c.id: c for c in comments if ours(c) and c.key and c.in_reply_to is None}
    found: dict[str, Dismissal] = {}
    for reply in comments:
        root = roots.get(reply.in_reply_to or -1)
        if root is None or ours(reply) or reply.user_type == "Bot":
            continue
        if reply.association not in allowed:
            continue
        command = parse_command(reply.body, handle)
        if command is None or command.name != "ignore":
            continue
        key = root.key or ""
        found.setdefault(key, Dismissal(key, reply.login, command.args, head_line(root.body)))
    for comment_id, logins in (thumbs_down_by or {}).items():
        root = roots.get(comment_id)
        if root is not None and root.key and logins:
            found.setdefault(
                root.key, Dismissal(root.key, logins[0], THUMBS_DOWN_REASON, head_line(root.body))
            )
    return tuple(found.values())


def drop_dismissed(review: Review, dismissed: Iterable[Dismissal]) -> Review:
    """``review`` without the dismissed fingerprints' findings; every dismissal is kept on it.

    Every dismissal read from the threads is listed, whether this run found its finding again
    or not: an incremental run does not look at unchanged code, and the list must not come and
    go with what a push touched. The threads are the record, read again at each run.
    """
    first: dict[str, Dismissal] = {}
    for dismissal in dismissed:
        first.setdefault(dismissal.fingerprint, dismissal)
    listed = tuple(first.values())
    keys = set(first)
    kept = tuple(f for f in review.findings if f.fingerprint not in keys)
    return dataclasses.replace(review, findings=kept, dismissed=listed)


def feedback(
    comments: Sequence[ThreadComment], ours: Callable[[ThreadComment], bool]
) -> tuple[Feedback, ...]:
    """👍/👎 on the bot's inline comments, per step and model (older comments: ``unknown``)."""
    totals: dict[tuple[str, str], list[int]] = {}
    for comment in comments:
        if comment.in_reply_to is not None or not comment.key or not ours(comment):
            continue
        step, model = origin(comment.body) or ("unknown", "unknown")
        row = totals.setdefault((step, model), [0, 0, 0])
        row[0] += 1
        row[1] += comment.thumbs_up
        row[2] += comment.thumbs_down
    return tuple(Feedback(s, m, n, up, down) for (s, m), (n, up, down) in sorted(totals.items()))
