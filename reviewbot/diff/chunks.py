"""Split one step's view of a large diff into chunks that each fit ``max_review_tokens``.

A chunk is a tuple of files (or parts of files) sent in one request. Whole files are packed
in order of review value (``sizing.DROP_ORDER``, most valuable first, then diff order), so that
when the money budget stops a large review early, what is left out is what matters least. A
file larger than a chunk is split between its hunks; a hunk larger than a chunk is split
between its lines. A part keeps the file's path and status and carries a subset of its hunks,
so the numbered view, anchoring and commentable lines work on it unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from reviewbot.diff.sizing import (
    DROP_ORDER,
    drop_class,
    estimate_tokens,
    file_tokens,
    header_tokens,
    hunk_header,
    hunk_tokens,
    line_tokens,
)
from reviewbot.domain import FileDiff, Hunk, Line

Chunk = tuple[FileDiff, ...]


def plan_chunks(files: Sequence[FileDiff], max_tokens: int) -> tuple[Chunk, ...]:
    """Group ``files`` into chunks whose estimated diff tokens fit ``max_tokens``.

    Args:
        files: One step's view (reviewed files, diff order).
        max_tokens: The most one request's diff part may hold (``max_review_tokens``).

    Returns:
        The chunks, most valuable first; one chunk holding every file when they fit together.
        Within a chunk, files keep diff order. Every hunk line of ``files`` is in exactly one
        chunk. A file with no hunks (binary, rename only) goes with the others as a header.
    """
    if not files:
        return ()
    if sum(file_tokens(f) for f in files) <= max_tokens:
        return (tuple(files),)
    order = {id(f): n for n, f in enumerate(files)}
    rank = {name: n for n, name in enumerate(reversed(DROP_ORDER))}
    ranked = sorted(files, key=lambda f: (rank[drop_class(f)], order[id(f)]))
    pieces = [part for f in ranked for part in split_file(f, max_tokens)]
    chunks: list[list[FileDiff]] = []
    used = 0
    for piece in pieces:
        size = file_tokens(piece)
        if not chunks or used + size > max_tokens:
            chunks.append([])
            used = 0
        chunks[-1].append(piece)
        used += size
    return tuple(
        tuple(sorted(chunk, key=lambda f: _diff_order(f, order, files))) for chunk in chunks
    )


def _diff_order(part: FileDiff, order: dict[int, int], files: Sequence[FileDiff]) -> int:
    """The diff position of the file ``part`` came from (parts share their file's path)."""
    if id(part) in order:
        return order[id(part)]
    return next(n for n, f in enumerate(files) if f.path == part.path)


def split_file(f: FileDiff, max_tokens: int) -> tuple[FileDiff, ...]:
    """``f`` whole when it fits ``max_tokens``, else parts of it that each fit (where possible).

    Parts hold consecutive hunks; a hunk too large on its own is split into runs of lines. A
    single line larger than ``max_tokens`` still gets a part of its own: nothing is dropped.
    """
    if file_tokens(f) <= max_tokens or not f.hunks:
        return (f,)
    room = max(max_tokens - header_tokens(f), 1)
    groups: list[list[Hunk]] = []
    used = 0
    for hunk in (h for big in f.hunks for h in split_hunk(big, room)):
        size = hunk_tokens(hunk)
        if not groups or used + size > room:
            groups.append([])
            used = 0
        groups[-1].append(hunk)
        used += size
    return tuple(dataclasses.replace(f, hunks=tuple(group)) for group in groups)


def split_hunk(hunk: Hunk, max_tokens: int) -> tuple[Hunk, ...]:
    """``hunk`` whole when it fits ``max_tokens``, else runs of its lines as smaller hunks.

    Each run is a valid hunk of the same file: its ``@@`` starts and lengths count the old and
    new lines it holds, so new-file line numbers (and so commentable lines) are unchanged.
    """
    if hunk_tokens(hunk) <= max_tokens:
        return (hunk,)
    room = max(max_tokens - estimate_tokens(hunk_header(hunk)), 1)
    runs: list[list[Line]] = []
    used = 0
    for ln in hunk.lines:
        size = line_tokens(ln)
        if not runs or used + size > room:
            runs.append([])
            used = 0
        runs[-1].append(ln)
        used += size
    out: list[Hunk] = []
    old_at, new_at = hunk.old_start, hunk.new_start
    for run in runs:
        old_len = sum(ln.kind != "+" for ln in run)
        new_len = sum(ln.kind != "-" for ln in run)
        out.append(Hunk(old_at, old_len, new_at, new_len, hunk.section, tuple(run)))
        old_at += old_len
        new_at += new_len
    return tuple(out)


def chunk_paths(chunk: Chunk) -> tuple[str, ...]:
    """The distinct paths of a chunk, in order."""
    return tuple(dict.fromkeys(f.path for f in chunk))
