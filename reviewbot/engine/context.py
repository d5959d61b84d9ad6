"""Fetch the new files that ``context: function | file`` steps read, once each, within bounds.

The reading itself is behind :class:`FileSource` (the GitHub contents API at the head commit in
``github/sources.py``); this module decides which files to read, stops at the config's
``context_limits`` (files and bytes) and at what is left of ``max_review_tokens``, masks
secrets in what it read exactly as in the diff, and cuts each step's share.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from reviewbot.checks.secrets import redact_text
from reviewbot.config.schema import Config
from reviewbot.diff.sizing import file_tokens
from reviewbot.domain import ContextFile, FileDiff, FileStatus, Guideline
from reviewbot.steps.context import FileContext, file_context
from reviewbot.steps.enclosing import has_finder

log = logging.getLogger(__name__)

_RANK = {"hunk": 0, "function": 1, "file": 2}


@dataclass(frozen=True, slots=True)
class SourceText:
    """A file as the source read it: its text, or why there is none."""

    text: str | None
    bytes: int = 0
    status: Literal["used", "not_found", "too_large", "not_text", "error"] = "used"


class FileSource(Protocol):
    """Reads whole files of the pull request's head commit."""

    def read(self, path: str, max_bytes: int) -> SourceText:
        """The file at ``path``; a file over ``max_bytes`` is ``too_large``, never read whole."""
        ...


@dataclass(frozen=True, slots=True)
class RepoInputs:
    """What the repository adds to a review beyond the diff.

    ``guidelines`` were read at the base commit; ``source`` reads head files (None for a local
    diff, whose steps then fall back to ``context: hunk``).
    """

    guidelines: tuple[Guideline, ...] = ()
    source: FileSource | None = None


@dataclass(slots=True)
class Gathered:
    """What was read: each step's context by ``(path, mode)``, the per-file facts, notes."""

    contexts: dict[tuple[str, str], FileContext] = field(default_factory=dict)
    files: list[ContextFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def for_view(self, view: Iterable[FileDiff], mode: str) -> dict[str, FileContext]:
        """The context of each file in ``view`` for a step in ``mode``."""
        return {
            f.path: self.contexts[(f.path, mode)] for f in view if (f.path, mode) in self.contexts
        }


def needs_reading(file: FileDiff) -> bool:
    """Whether a file's new text adds anything to its hunks (an added file is all hunk)."""
    return (
        file.reviewed
        and bool(file.hunks)
        and not file.binary
        and not file.submodule
        and file.status not in (FileStatus.ADDED, FileStatus.DELETED)
    )


def wanted_modes(views: Mapping[str, Sequence[FileDiff]], config: Config) -> dict[str, set[str]]:
    """Per path, in diff order, the context modes (other than ``hunk``) that some step wants.

    ``function`` is wanted only of files whose language has a function finder (code, not
    YAML or Markdown); ``file`` of any text file.
    """
    out: dict[str, set[str]] = {}
    for step, view in views.items():
        mode = config.steps.get(step).context
        if mode == "hunk":
            continue
        for file in view:
            if needs_reading(file) and (mode == "file" or has_finder(file.path)):
                out.setdefault(file.path, set()).add(mode)
    return out


def gather(
    files: Sequence[FileDiff],
    modes: Mapping[str, set[str]],
    source: FileSource,
    config: Config,
    token_room: int,
    known: Sequence[tuple[str, str]] = (),
) -> Gathered:
    """Read each wanted file once and cut the context every wanted mode shows of it.

    Args:
        files: The reviewed files (diff order decides who gets read first).
        modes: Per path, the modes some step wants (:func:`wanted_modes`).
        source: Reads the head commit.
        config: ``context_limits`` bound the files and bytes read.
        token_room: Prompt tokens left under ``max_review_tokens`` after the diff and the
            repository's instructions; a file whose context does not fit is shown hunk only.
        known: ``(secret, mask)`` of every secret the diff scan found, masked in what is read
            wherever it appears.

    Returns:
        The contexts, a ``ContextFile`` per file considered, and notes for the comment.
    """
    limits = config.context_limits
    out = Gathered()
    read_bytes = 0
    left_out: dict[str, int] = {}
    for file in files:
        wanted = modes.get(file.path)
        if not wanted:
            continue
        if len([f for f in out.files if f.status != "limit"]) >= limits.max_files:
            out.files.append(ContextFile(file.path, 0, "limit"))
            left_out["limit"] = left_out.get("limit", 0) + 1
            continue
        budget = min(limits.max_file_bytes, limits.max_total_bytes - read_bytes)
        try:
            got = source.read(file.path, budget)
        except Exception as exc:  # one unreadable file never sinks the review
            log.info("reading %s for context: %s", file.path, type(exc).__name__)
            got = SourceText(None, 0, "error")
        if got.text is None:
            out.files.append(ContextFile(file.path, got.bytes, got.status))
            if got.status == "too_large" and budget < limits.max_file_bytes:
                left_out["limit"] = left_out.get("limit", 0) + 1
            continue
        read_bytes += got.bytes
        text = mask_secrets(got.text, known)
        cut = {mode: file_context(file, text, mode) for mode in wanted}
        cost = max((c.tokens() for c in cut.values() if c is not None), default=0)
        if cost > token_room:
            out.files.append(ContextFile(file.path, got.bytes, "budget"))
            left_out["budget"] = left_out.get("budget", 0) + 1
            continue
        token_room -= cost
        out.files.append(ContextFile(file.path, got.bytes, "used"))
        for mode, context in cut.items():
            if context is not None:
                out.contexts[(file.path, mode)] = context
    if left_out.get("limit"):
        n = left_out["limit"]
        out.notes.append(
            f"{n} file{'s' * (n != 1)} reviewed without context beyond the hunk: "
            f"context_limits allows {limits.max_files} files and "
            f"{limits.max_total_bytes:,} bytes"
        )
    if left_out.get("budget"):
        n = left_out["budget"]
        out.notes.append(
            f"{n} file{'s' * (n != 1)} reviewed without context beyond the hunk, "
            "to stay within max_review_tokens"
        )
    return out


def mask_secrets(text: str, known: Sequence[tuple[str, str]] = ()) -> str:
    """``text`` of a fetched file, masked like diff text, then the diff's own secrets again.

    The whole file is scanned as one text (a private key over several lines is found), then
    every ``(secret, mask)`` the diff scan found is masked wherever the file repeats it.
    """
    masked = redact_text(text)
    for secret, mask in sorted(known, key=lambda item: -len(item[0])):
        if len(secret) >= 8:
            masked = masked.replace(secret, mask)
    return masked


def room_for_context(files: Sequence[FileDiff], config: Config, reserved: int) -> int:
    """Prompt tokens left for context: ``max_review_tokens`` minus the diff and ``reserved``."""
    used = sum(file_tokens(f) for f in files if f.reviewed)
    return max(config.max_review_tokens - used - reserved, 0)
