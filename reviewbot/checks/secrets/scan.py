"""Scan a diff for secrets: added, context and removed lines, hunk headers and file paths."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, NamedTuple

from reviewbot.checks.secrets.context import bare_values
from reviewbot.checks.secrets.keys import PRIVATE_KEY, find_blocks
from reviewbot.checks.secrets.lines import Found, LineScan, Span, scan_lines, select
from reviewbot.checks.secrets.rows import Rows, key_blocks
from reviewbot.checks.secrets.work import FILE, ScanStopped
from reviewbot.domain import FileDiff, FileStatus

Where = Literal["added", "removed", "context"]
_WHERE: dict[str, Where] = {"+": "added", "-": "removed", " ": "context"}


@dataclass(frozen=True, slots=True)
class SecretHit:
    """One secret in one line of the diff: ``line_text[start:end]`` is the secret.

    ``where`` is the kind of line it is on: ``added`` (the pull request adds it), ``removed``
    (the pull request deletes it; it stays in the history) or ``context`` (an unchanged line
    shown next to the change). ``line`` is the new-file line (None on a removed line, where
    ``old_line`` says where it was). ``in_path`` marks a secret in a file name. Hits of one
    private key spread over several lines share a ``group``.
    """

    path: str
    line: int | None
    kind: str
    start: int
    end: int
    secret: str = field(repr=False)
    where: Where = "added"
    old_line: int | None = None
    group: int | None = None
    in_path: bool = False
    at: tuple[int, int, int] | None = field(default=None, repr=False)  # (file, hunk, line)

    @property
    def mask(self) -> str:
        """The text that replaces the secret, e.g. ``[REDACTED:aws-access-key]``."""
        return mask_for(self.kind)


@lru_cache(maxsize=1024)
def mask_for(kind: str) -> str:
    """The mask for a kind of secret: ``AWS access key`` -> ``[REDACTED:aws-access-key]``."""
    slug = "".join(ch if ch.isalnum() and ch.isascii() else "-" for ch in kind.lower())
    return f"[REDACTED:{'-'.join(part for part in slug.split('-') if part)}]"


def _names(diff: FileDiff) -> list[tuple[str, Where]]:
    """The file's names to scan: its path and, when it moved, its old path."""
    names: list[tuple[str, Where]] = []
    if diff.status is FileStatus.DELETED:
        names.append((diff.path, "removed"))
    elif diff.status in (FileStatus.ADDED, FileStatus.RENAMED, FileStatus.COPIED):
        names.append((diff.path, "added"))
    else:
        names.append((diff.path, "context"))
    if diff.old_path and diff.old_path != diff.path:
        names.append((diff.old_path, "removed" if diff.status is FileStatus.RENAMED else "context"))
    return names


def _scan_many(texts_of: Sequence[tuple[str, Sequence[str]]]) -> list[LineScan]:
    """``scan_lines(texts, path)`` of each ``(path, texts)``, in a few scans instead of one each.

    Lines are scanned independently of each other (a match across a line break is judged on
    its own line again), and all a path changes is whether bare values count
    (:func:`~reviewbot.checks.secrets.context.bare_values`): so the texts of all paths alike
    are scanned as one, and the spans and hints are handed back to each. A diff of ten
    thousand small files costs what one file of their lines costs.
    """
    empty = LineScan({}, set())  # for texts without lines, shared: nothing adds to it
    results = [empty] * len(texts_of)
    groups: dict[bool, list[int]] = {}
    for index, (path, lines) in enumerate(texts_of):
        if lines:
            groups.setdefault(bare_values(path), []).append(index)
    for members in groups.values():
        offsets: list[int] = []
        texts: list[str] = []
        for index in members:
            offsets.append(len(texts))
            texts.extend(texts_of[index][1])
        scan = scan_lines(texts, texts_of[members[0]][0])
        spans: dict[int, Found] = {}
        for row, found in scan.spans.items():
            k = bisect_right(offsets, row) - 1
            spans.setdefault(k, {})[row - offsets[k]] = found
        hints: dict[int, set[int]] = {}
        for row in scan.hints:
            k = bisect_right(offsets, row) - 1
            hints.setdefault(k, set()).add(row - offsets[k])
        for k, index in enumerate(members):  # keys spend what the group's scan left
            results[index] = LineScan(spans.get(k, {}), hints.get(k, set()), *scan[2:])
    return results


def _path_hits(
    diff: FileDiff, names: list[tuple[str, Where]], scans: list[LineScan]
) -> Iterator[SecretHit]:
    for (name, where), scan in zip(names, scans, strict=True):
        found = scan.spans.get(0, [])
        if scan.hints:
            for block in find_blocks([name], scan.hints):
                found.extend(Span(PRIVATE_KEY, start, end, -1) for _, start, end in block.parts)
        for span in select(found):
            yield SecretHit(
                diff.path, None, span.kind, span.start, span.end, name[span.start : span.end],
                where, in_path=True,
            )  # fmt: skip


def _file_hits(
    diff: FileDiff, rows: Rows, scan: LineScan, file_index: int, groups: Iterator[int]
) -> tuple[list[SecretHit], bool]:
    """The file's hits, and whether its scan reached the end (its private keys included)."""
    found = scan.spans
    complete = scan.complete
    if (found or scan.hints) and scan.work is not None:
        try:
            scan.work.spend(FILE)
        except ScanStopped:
            if complete:  # the bound ran out on the files: this one and those after it are
                return [], False  # withheld and not reported
            # the line scan stopped first: what it found (bounded by its work) is reported
    hints = {row for row in scan.hints if rows.line(row)[0] not in "@?"}
    group_of: dict[int, int] = {}
    try:
        for parts in key_blocks(rows, hints, scan.work) if hints else ():
            group = next(groups)
            for row, start, end in parts:
                found.setdefault(row, []).append(Span(PRIVATE_KEY, start, end, -1))
                group_of.setdefault(row, group)
    except ScanStopped:
        complete = False
    hits: list[SecretHit] = []
    for row in sorted(found):
        kind, new_no, old_no, place = rows.where(row)
        text = rows.texts[row]
        for span in select(found[row]):
            hits.append(
                SecretHit(
                    path=diff.path,
                    line=new_no if kind in "+ " else None,
                    kind=span.kind,
                    start=span.start,
                    end=span.end,
                    secret=text[span.start : span.end],
                    where=_WHERE.get(kind, "context"),
                    old_line=old_no if kind == "-" else None,
                    group=group_of.get(row) if span.priority == -1 else None,
                    at=None if place is None else (file_index, *place),
                )
            )
    return hits, complete


class DiffScan(NamedTuple):
    """What :func:`scan_diff` found: the hits, and the files it could not scan to the end."""

    hits: tuple[SecretHit, ...]
    withheld: frozenset[int] = frozenset()  # indexes of files whose scan hit the work bound


def scan_files(files: Sequence[FileDiff]) -> tuple[SecretHit, ...]:
    """The hits of :func:`scan_diff` (for callers that do not withhold files themselves)."""
    return scan_diff(files).hits


def scan_diff(files: Sequence[FileDiff]) -> DiffScan:
    """Find secrets in every line of every file (added, context, removed) and in file paths.

    A secret in a lockfile or an ignored file is still a leak in the repository, so skipped
    files are scanned (they are never sent to a model). Binary files have no lines; their
    paths are scanned. A private key is found by its body, whatever prefixes its lines carry
    and wherever its BEGIN line is; all its lines share one ``group``.

    Files are scanned together, under one work bound (:mod:`~reviewbot.checks.secrets.work`)
    per kind of file: when a diff holds more candidates than that, the scan stops, and the
    files scanned together are ``withheld`` (:func:`~reviewbot.checks.secrets.masking.
    redact_files` keeps them from every model); the hits found until then are kept.

    Args:
        files: the parsed diff.

    Returns:
        Hits in file and line order (path hits of a file first), and the withheld files.
    """
    names = [_names(diff) for diff in files]
    flat = [(name, [name]) for file_names in names for name, _ in file_names]
    name_scans = iter(_scan_many(flat))
    layouts = [Rows(diff) for diff in files]
    row_scans = _scan_many(
        [(diff.path, rows.texts) for diff, rows in zip(files, layouts, strict=True)]
    )
    hits: list[SecretHit] = []
    withheld: set[int] = set()
    groups = iter(range(1, 1 << 62))
    for file_index, diff in enumerate(files):
        file_names = names[file_index]
        scans = [next(name_scans) for _ in file_names]
        hits.extend(_path_hits(diff, file_names, scans))
        if not all(scan.complete for scan in scans):
            withheld.add(file_index)
        if layouts[file_index].texts:
            scan = row_scans[file_index]
            found, complete = _file_hits(diff, layouts[file_index], scan, file_index, groups)
            hits.extend(found)
            if not complete:
                withheld.add(file_index)
    return DiffScan(tuple(hits), frozenset(withheld))


def scan_text(text: str, path: str = "") -> tuple[SecretHit, ...]:
    """Find secrets in free text (a PR title or description); lines are numbered from 1."""
    return scan_text_bounded(text, path)[0]


def scan_text_bounded(text: str, path: str = "") -> tuple[tuple[SecretHit, ...], bool]:
    """:func:`scan_text`, and whether the scan reached the end of the text (see
    :mod:`~reviewbot.checks.secrets.work`): a text it did not finish must not be sent."""
    lines = text.split("\n")
    scan = scan_lines(lines, path)
    found = scan.spans
    group_of: dict[int, int] = {}
    try:
        blocks = find_blocks(lines, scan.hints, scan.work)
    except ScanStopped:
        return (), False
    for group, block in enumerate(blocks, start=1):
        for row, start, end in block.parts:
            found.setdefault(row, []).append(Span(PRIVATE_KEY, start, end, -1))
            group_of.setdefault(row, group)
    hits: list[SecretHit] = []
    for row in sorted(found):
        for span in select(found[row]):
            secret = lines[row][span.start : span.end]
            key = group_of.get(row) if span.priority == -1 else None
            hits.append(
                SecretHit(path, row + 1, span.kind, span.start, span.end, secret, group=key)
            )
    return tuple(hits), scan.complete
