"""Unified diffs from GitHub's per-file ``patch`` entries; the paths a diff touches."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from reviewbot.domain import SkipReason

# Extensions GitHub sends without a patch because the file is binary (no text diff to show).
_BINARY_WORDS = (
    "png jpg jpeg gif bmp ico webp tif tiff pdf zip gz tgz bz2 xz 7z rar jar war whl egg so dll "
    "dylib exe bin o a class pyc woff woff2 ttf otf eot mp3 mp4 mov avi wav ogg flac sqlite db psd "
    "xls xlsx doc docx ppt pptx"
)
_BINARY_SUFFIXES = frozenset(f".{word}" for word in _BINARY_WORDS.split())
_STATUS = {"removed": "deleted", "changed": "modified", "unchanged": "modified"}


@dataclass(frozen=True, slots=True)
class PatchEntry:
    """One entry of ``GET /pulls/{n}/files``, reduced to what a diff needs."""

    filename: str
    status: str  # added, removed, modified, renamed, copied, changed, unchanged
    additions: int = 0
    deletions: int = 0
    changes: int = 0
    patch: str | None = None
    previous_filename: str | None = None


def missing_patch_reason(entry: PatchEntry) -> SkipReason | None:
    """Why GitHub sent ``entry`` without a patch (None when it has one or needs none).

    A pure rename, a mode change and an empty new file legitimately have no patch; a binary
    file has none and no line counts; anything else without a patch was too large to send.
    """
    if entry.patch:
        return None
    if entry.changes == 0 and entry.additions == 0 and entry.deletions == 0:
        if PurePosixPath(entry.filename).suffix.lower() in _BINARY_SUFFIXES:
            return SkipReason.BINARY
        return (
            None if entry.status in ("renamed", "copied", "changed", "added") else SkipReason.BINARY
        )
    return SkipReason.TOO_LARGE


def _header(entry: PatchEntry) -> list[str]:
    new = entry.filename
    old = entry.previous_filename or new
    status = _STATUS.get(entry.status, entry.status)
    lines = [f"diff --git a/{old} b/{new}"]
    if status == "added":
        lines.append("new file mode 100644")
    elif status == "deleted":
        lines.append("deleted file mode 100644")
    elif status in ("renamed", "copied") and old != new:
        verb = "rename" if status == "renamed" else "copy"
        lines += [f"{verb} from {old}", f"{verb} to {new}"]
    return lines


def rebuild_diff(entries: Iterable[PatchEntry]) -> tuple[str, dict[str, SkipReason]]:
    """Turn files-API entries into one unified diff, as the diff media type would have sent it.

    Each ``patch`` is a bare list of hunks; this adds the ``diff --git``, mode, rename and
    ``---``/``+++`` headers (``/dev/null`` for added and removed files). A file without a
    patch gets a header only, so it still appears in the review, and is returned as skipped.

    Args:
        entries: The PR's files, in GitHub's order.

    Returns:
        ``(diff_text, {path: SkipReason})`` for the files whose content is missing.
    """
    out: list[str] = []
    skipped: dict[str, SkipReason] = {}
    for entry in entries:
        lines = _header(entry)
        reason = missing_patch_reason(entry)
        status = _STATUS.get(entry.status, entry.status)
        old = entry.previous_filename or entry.filename
        if reason is not None:
            skipped[entry.filename] = reason
            if reason is SkipReason.BINARY:
                left = "/dev/null" if status == "added" else f"a/{old}"
                right = "/dev/null" if status == "deleted" else f"b/{entry.filename}"
                lines.append(f"Binary files {left} and {right} differ")
        elif entry.patch:
            lines.append("--- /dev/null" if status == "added" else f"--- a/{old}")
            lines.append("+++ /dev/null" if status == "deleted" else f"+++ b/{entry.filename}")
            lines.append(entry.patch.rstrip("\n"))
        out.append("\n".join(lines) + "\n")
    return "".join(out), skipped


_GIT_HEADER = re.compile(r"^diff --git a/(.*) b/(.*)$")
_SIDE = re.compile(r"^(?:---|\+\+\+) (?:[ab]/)?(.*?)\t?$")
_RENAME = re.compile(r"^(?:rename|copy) (?:from|to) (.*)$")


def touched_paths(diff: str) -> frozenset[str]:
    """Every old and new path a unified diff touches (read from the headers only).

    Args:
        diff: Unified diff text.

    Returns:
        The paths, without ``a/``/``b/`` prefixes; ``/dev/null`` excluded.
    """
    paths: set[str] = set()
    in_hunk = False
    for line in diff.splitlines():
        if line.startswith("diff --git "):
            in_hunk = False
            match = _GIT_HEADER.match(line)
            if match and match.group(1) == match.group(2):
                paths.add(match.group(1))
            elif match:
                paths.update(match.groups())
            continue
        if line.startswith("@@"):
            in_hunk = True
            continue
        if in_hunk:
            continue
        match = _SIDE.match(line) or _RENAME.match(line)
        if match:
            paths.add(match.group(1))
    paths.discard("/dev/null")
    paths.discard("dev/null")
    return frozenset(paths)


def changes_path(diff: str, path: str) -> bool:
    """True when ``diff`` adds, edits, renames or deletes ``path``."""
    wanted = path.strip().removeprefix("./")
    return bool(wanted) and wanted in touched_paths(diff)
