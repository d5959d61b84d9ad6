"""Mask secrets in all that may leave the machine: diff lines, hunk headers, paths, PR text."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from functools import lru_cache

from reviewbot.checks.secrets.lines import find_all
from reviewbot.checks.secrets.moved import Interval, Moved, moved_per_row
from reviewbot.checks.secrets.rows import SECTION
from reviewbot.checks.secrets.scan import SecretHit, mask_for, scan_text_bounded
from reviewbot.diff.parse import UnparsedFile
from reviewbot.domain import FileDiff, Line, SkipReason

# What a text the secret scan did not finish is replaced with, whole (see .work)
WITHHELD = "[REDACTED:withheld: too many possible secrets to scan this text to its end]"
# Every secret format has 16 token characters in a row, or one of these characters
_PATH_GATE = re.compile(r"[A-Za-z0-9_+=-]{16}|[:=@~]")


def apply_masks(text: str, intervals: Iterable[Interval]) -> str:
    """Replace each interval of ``text`` by its mask; overlapping intervals are merged."""
    if isinstance(intervals, list) and len(intervals) == 1:  # the usual case: one secret
        only: Interval = intervals[0]
        return text[: only[0]] + only[2] + text[only[1] :]
    merged: list[Interval] = []
    for start, end, mask in sorted(intervals):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, mask))
    if not merged:
        return text
    out: list[str] = []
    cursor = 0
    for start, end, mask in merged:
        out.append(text[cursor:start])
        out.append(mask)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def redact_files(
    files: Sequence[FileDiff],
    hits: Sequence[SecretHit],
    withheld: AbstractSet[int] = frozenset(),
) -> tuple[FileDiff, ...]:
    """Mask every hit, and every other occurrence of a hit's value, in the files' texts.

    Added, context and removed lines and the hunk headers' section texts are masked; line
    numbers, kinds and counts are unchanged. File paths are not changed here (GitHub needs
    them to place comments); prompts mask them with :func:`redact_path`.

    Args:
        files: the parsed diff.
        hits: what :func:`~reviewbot.checks.secrets.scan.scan_diff` found in it.
        withheld: the indexes of files the scan did not finish (``scan_diff``'s ``withheld``):
            each is skipped ``secrets`` (sent to no model) and its hunks are dropped.

    Returns:
        The files with masked texts; the same objects where nothing changed.
    """
    if not hits and not withheld:
        return tuple(files)
    places: dict[int, dict[tuple[int, int], list[Interval]]] = {}
    for hit in hits:
        if hit.at is not None and hit.at[0] not in withheld:
            file_index, hunk, index = hit.at
            found = places.setdefault(file_index, {}).setdefault((hunk, index), [])
            found.append((hit.start, hit.end, hit.mask))
    # every value found is looked for again in every file's texts, in one search over all
    layouts = {i: _Layout(diff) for i, diff in enumerate(files) if i not in withheld and diff.hunks}
    texts: list[str] = []
    offsets: dict[int, int] = {}  # in file order, as the layouts are
    for i, layout in layouts.items():
        offsets[i] = len(texts)
        texts.extend(layout.texts)
    counts = Counter(hit.secret for hit in hits if hit.at is not None and hit.at[0] in offsets)
    masked = {
        offsets[i] + layouts[i].row(place): found
        for i, file_places in places.items()
        for place, found in file_places.items()
    }
    moved = Moved(hits, sum(map(len, texts)))
    order = list(offsets)
    firsts = list(offsets.values())
    for row, elsewhere in moved_per_row(texts, moved, counts, masked).items():
        i = order[bisect_right(firsts, row) - 1]
        place = layouts[i].place(row - offsets[i])
        places.setdefault(i, {}).setdefault(place, []).extend(elsewhere)
    return tuple(
        _withhold(diff) if i in withheld else _apply(diff, places[i]) if i in places else diff
        for i, diff in enumerate(files)
    )


class _Layout:
    """A parsed file's texts in order: each hunk's lines, then its section text."""

    __slots__ = ("_diff", "_starts", "texts")

    def __init__(self, diff: FileDiff) -> None:
        self._diff = diff
        self._starts: list[int] = []
        self.texts: list[str] = []
        for hunk in diff.hunks:
            self._starts.append(len(self.texts))
            self.texts.extend([ln.text for ln in hunk.lines])
            self.texts.append(hunk.section)

    def row(self, place: tuple[int, int]) -> int:
        """The row of ``(hunk, line index)`` (``SECTION`` for the section text)."""
        at, index = place
        return self._starts[at] + (len(self._diff.hunks[at].lines) if index == SECTION else index)

    def place(self, row: int) -> tuple[int, int]:
        """``(hunk, line index)`` of a row: the inverse of :meth:`row`."""
        at = bisect_right(self._starts, row) - 1
        index = row - self._starts[at]
        return at, (SECTION if index == len(self._diff.hunks[at].lines) else index)


def _withhold(diff: FileDiff) -> FileDiff:
    """A file the secret scan did not finish: sent to no model, its hunks dropped (as GitHub
    drops a file too large to show; its counts stay). A file skipped already (a lockfile, an
    ignored file) keeps its reason."""
    skipped = diff.skipped or SkipReason.SECRETS
    if isinstance(diff, UnparsedFile):
        return replace(diff, skipped=skipped)
    return replace(diff, hunks=(), skipped=skipped)


def _apply(diff: FileDiff, masks: dict[tuple[int, int], list[Interval]]) -> FileDiff:
    """``diff`` with each ``(hunk, line index)``'s intervals masked."""
    by_hunk: dict[int, dict[int, list[Interval]]] = {}
    for (at, index), found in masks.items():
        by_hunk.setdefault(at, {})[index] = found
    hunks = list(diff.hunks)
    for hunk_index, changes in by_hunk.items():
        hunk = hunks[hunk_index]
        lines = list(hunk.lines)
        section = hunk.section
        for index, found in changes.items():
            if index == SECTION:
                section = apply_masks(section, found)
                continue
            ln = lines[index]
            text = apply_masks(ln.text, found)
            if text != ln.text:
                lines[index] = Line(ln.kind, ln.old_no, ln.new_no, text)
        if section != hunk.section or any(
            new is not old for new, old in zip(lines, hunk.lines, strict=True)
        ):
            hunks[hunk_index] = replace(hunk, lines=tuple(lines), section=section)
    if all(new is old for new, old in zip(hunks, diff.hunks, strict=True)):
        return diff
    return replace(diff, hunks=tuple(hunks))


def redact_text(text: str) -> str:
    """Mask every secret in free text (a PR title or description) the same way as in a diff.

    Args:
        text: any text.

    Returns:
        The text with each secret replaced by its ``[REDACTED:kind]`` mask; ``WITHHELD`` in
        place of all of it when the scan stopped at its work bound before the end (a text
        with tens of thousands of candidate secrets is not sent half-masked).
    """
    hits, complete = scan_text_bounded(text)
    if not complete:
        return WITHHELD
    if not hits:
        return text
    lines = text.split("\n")
    by_row: dict[int, list[Interval]] = {}
    for hit in hits:
        if hit.line is not None:
            by_row.setdefault(hit.line - 1, []).append((hit.start, hit.end, hit.mask))
    counts = Counter(hit.secret for hit in hits if hit.line is not None)
    for row, found in moved_per_row(lines, Moved(hits, len(text)), counts, by_row).items():
        by_row.setdefault(row, []).extend(found)
    for row, found in by_row.items():
        lines[row] = apply_masks(lines[row], found)
    return "\n".join(lines)


@lru_cache(maxsize=4096)
def redact_path(path: str) -> str:
    """A file path with any secret in it masked (a token used as a file or folder name)."""
    if not _PATH_GATE.search(path):
        return path  # no token-long segment, URL, assignment or Azure secret: nothing to mask
    spans = find_all([path], path)[0]
    return apply_masks(path, [(s.start, s.end, mask_for(s.kind)) for s in spans])
