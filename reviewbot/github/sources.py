"""The repository beyond the diff, through the contents API: guideline files and head files.

Guideline files are read at the pull request's BASE commit, like the config, so that a pull
request that edits ``AGENTS.md`` is still reviewed by the base branch's rules. New files for
``context: function | file`` are read at the HEAD commit, once each, only when a step wants
them (``engine/context.py`` decides which and how many).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from reviewbot.engine.context import RepoInputs, SourceText
from reviewbot.errors import GitHubError
from reviewbot.github.client import GitHubClient
from reviewbot.steps.instructions import GUIDELINE_FILE_BYTES, cap_guidelines

log = logging.getLogger(__name__)

# A guideline file is read whole up to this size (then cut to the cap); a bigger one is skipped.
_GUIDELINE_READ_BYTES = 1_000_000


class HeadFiles:
    """Reads new files at the PR's head commit (a :class:`reviewbot.engine.context.FileSource`)."""

    def __init__(self, client: GitHubClient, head_sha: str) -> None:
        self._client = client
        self._sha = head_sha

    def read(self, path: str, max_bytes: int) -> SourceText:
        """The file's text; ``not_text`` when it is not UTF-8, ``error`` when GitHub failed."""
        try:
            data, size, status = self._client.file_bytes(path, self._sha, max_bytes)
        except GitHubError as exc:
            log.info("context: %s", exc)
            return SourceText(None, 0, "error")
        if data is None:
            return SourceText(None, size, "too_large" if status == "too_large" else "not_found")
        try:
            return SourceText(data.decode("utf-8"), size)
        except UnicodeDecodeError:
            return SourceText(None, size, "not_text")


def repo_inputs(
    client: GitHubClient, paths: Sequence[str], base_sha: str, head_sha: str
) -> tuple[RepoInputs, list[str]]:
    """The guideline files at ``base_sha`` and a reader of files at ``head_sha``, with notes.

    A missing guideline file is silently none; one that cannot be read gets a note.

    Args:
        client: The GitHub client of the PR's repository.
        paths: The config's ``guidelines``.
        base_sha: The PR's base commit (the guidelines are read there, never at the head).
        head_sha: The PR's head commit (the new files ``context`` reads).

    Returns:
        What the review gets from the repository, and notes for the comment.
    """
    found: list[tuple[str, str]] = []
    notes: list[str] = []
    for path in paths:
        try:
            data, size, status = client.file_bytes(path, base_sha, _GUIDELINE_READ_BYTES)
        except GitHubError as exc:
            log.warning("guideline %s: %s", path, exc)
            notes.append(f"the guideline file {path} could not be read ({exc.status or 'error'})")
            continue
        if status == "too_large":
            notes.append(
                f"the guideline file {path} is {size:,} bytes, too large to read; only files "
                f"up to {_GUIDELINE_READ_BYTES:,} bytes are read (and {GUIDELINE_FILE_BYTES:,} "
                "bytes of each are used)"
            )
            continue
        if data is None:
            continue
        try:
            found.append((path, data.decode("utf-8")))
        except UnicodeDecodeError:
            notes.append(f"the guideline file {path} is not UTF-8 text; it was left out")
    return RepoInputs(cap_guidelines(found), HeadFiles(client, head_sha)), notes
