"""What the GitHub client returns: a PR's facts, its diff, and how a write went."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reviewbot.diff.patches import PatchEntry
from reviewbot.domain import (
    SUMMARY_MARKER,
    PullRequestRef,
    SkipReason,
)

log = logging.getLogger(__name__)

MARKER = SUMMARY_MARKER
MAX_FILES = 3000  # GitHub lists at most 3,000 files of a PR
DIFF_MEDIA_TYPE = "application/vnd.github.diff"
_FORBIDDEN = "resource not accessible by integration"


class PostStatus(StrEnum):
    """What happened to a write."""

    POSTED = "posted"  # created
    UPDATED = "updated"  # an existing comment was edited in place
    NOTHING = "nothing"  # nothing to post
    REFUSED = "refused"  # 422: GitHub rejected the inline comments
    FORBIDDEN = "forbidden"  # 403 Resource not accessible by integration (read-only token)


@dataclass(frozen=True, slots=True)
class PullRequestInfo:
    """The PR under review plus what decides how to review it."""

    ref: PullRequestRef
    draft: bool
    fork: bool
    state: str
    labels: tuple[str, ...] = ()
    base_ref: str = ""  # the base branch's name


@dataclass(frozen=True, slots=True)
class PullDiff:
    """The PR's unified diff, and the files GitHub sent without content."""

    text: str
    skipped: Mapping[str, SkipReason]
    source: str  # "diff" (the diff media type) or "files" (rebuilt from the files API)
    truncated: bool = False  # the files API stopped at its 3,000-file limit


@dataclass(frozen=True, slots=True)
class PostResult:
    """The outcome of a write and where the result can be seen."""

    status: PostStatus
    url: str | None = None
    message: str | None = None


def pull_request_info(data: Mapping[str, Any], repo: str, server_url: str) -> PullRequestInfo:
    """A ``PullRequestInfo`` from a PR object (REST answer or the payload's ``pull_request``)."""
    head = data.get("head") or {}
    base = data.get("base") or {}
    head_repo = head.get("repo")
    base_name = (base.get("repo") or {}).get("full_name") or repo
    fork = not isinstance(head_repo, Mapping) or head_repo.get("full_name") != base_name
    ref = PullRequestRef(
        repo=repo,
        number=int(data["number"]),
        head_sha=str(head.get("sha") or ""),
        base_sha=str(base.get("sha") or ""),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        html_url=data.get("html_url"),
        server_url=server_url,
    )
    labels = tuple(
        str(label["name"])
        for label in data.get("labels") or ()
        if isinstance(label, Mapping) and isinstance(label.get("name"), str)
    )
    return PullRequestInfo(
        ref,
        bool(data.get("draft")),
        fork,
        str(data.get("state") or "open"),
        labels,
        str(base.get("ref") or ""),
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """``GET /compare/{base}...{head}``: how two commits relate and the files between them."""

    status: str  # "ahead", "behind", "diverged" or "identical" (base relative to head)
    ahead_by: int  # commits in head that base lacks
    behind_by: int
    files: tuple[PatchEntry, ...]  # GitHub lists at most 300
    too_many_files: bool = False
