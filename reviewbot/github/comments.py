"""The sticky comment: which comment is ours (marker and author), and a body that fits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from reviewbot.domain import (
    SUMMARY_MARKER,
)

log = logging.getLogger(__name__)

MARKER = SUMMARY_MARKER
MAX_FILES = 3000  # GitHub lists at most 3,000 files of a PR
DIFF_MEDIA_TYPE = "application/vnd.github.diff"
_FORBIDDEN = "resource not accessible by integration"

MARKER = SUMMARY_MARKER


@dataclass(frozen=True, slots=True)
class Identity:
    """The account a token acts as: a user (personal access token) or an app's bot user.

    ``GITHUB_TOKEN`` acts as ``github-actions[bot]``, a GitHub App's installation token as
    ``<app-slug>[bot]``. Logins are unique across users and bots (only bots end in ``[bot]``),
    and REST answers always carry an author's current login, so the login is the key.
    """

    login: str

    def wrote(self, user: Any) -> bool:
        """True when ``user`` (a comment's author, REST shape) is this account."""
        login = getattr(user, "login", None)
        return isinstance(login, str) and login.casefold() == self.login.casefold()


def has_marker(comment: Any) -> bool:
    """True when the comment's first line is our marker (whoever wrote it)."""
    body = comment.body or ""
    return bool(body.lstrip().split("\n", 1)[0].strip() == MARKER)


def is_summary(comment: Any, identity: Identity) -> bool:
    """True for our sticky comment: the marker on its first line, written by this token's account.

    Anyone can write the marker: another app, a person quoting us, a bot told to by a PR. Only
    the account the token acts as can be the author of our comment, and only that account's
    comment can be edited with the token, so nobody else's comment is ever taken for ours.
    """
    return has_marker(comment) and identity.wrote(comment.user)
