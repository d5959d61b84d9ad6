"""Estimate prompt tokens and drop the least valuable files when a diff exceeds the budget."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from reviewbot.diff.kinds import file_kind
from reviewbot.domain import FileDiff, FileStatus, SkipReason

# Tokenizers differ by vendor and none is shipped; code and English average close to 4 bytes
# of UTF-8 per token for all three vendors, and counting bytes (not characters) keeps CJK and
# emoji text, which costs about one token per character, from being underestimated.
BYTES_PER_TOKEN = 4

# Budget order: the first class is dropped first. Within a class the largest file goes first.
# deleted files < data/generated-looking < docs < tests < config and manifests < code < CI
# definitions (workflows run with the repository's secrets: a pull request must not be able
# to push them out of review by adding bulk).
DROP_ORDER: tuple[str, ...] = ("deleted", "data", "docs", "test", "config", "code", "ci")
_CLASS_OF_KIND = {
    "data": "data",
    "docs": "docs",
    "test": "test",
    "config": "config",
    "ci": "ci",
    "deps": "config",
    "code": "code",
}


def estimate_tokens(text: str) -> int:
    """Estimate tokens cheaply and deterministically: UTF-8 bytes / 4, rounded up.

    Args:
        text: Any text.

    Returns:
        The estimated token count (0 for empty text).
    """
    size = len(text) if text.isascii() else len(text.encode("utf-8", errors="surrogatepass"))
    return -(-size // BYTES_PER_TOKEN)


def file_tokens(f: FileDiff) -> int:
    """Estimate the tokens of ``f`` as sent to a model.

    The estimate covers a ``--- old`` / ``+++ new`` header, each ``@@`` header, and every
    line with a line-number prefix (``  123 + text``), the shape the prompts use.

    Args:
        f: A parsed file.

    Returns:
        The estimated token count.
    """
    parts = [f"--- {f.old_path or f.path}\n+++ {f.path} ({f.status.value})\n"]
    for hunk in f.hunks:
        parts.append(
            f"@@ -{hunk.old_start},{hunk.old_len} +{hunk.new_start},{hunk.new_len} @@"
            f" {hunk.section}\n"
        )
        parts.extend(f"{ln.new_no or ln.old_no or 0:>5} {ln.kind} {ln.text}\n" for ln in hunk.lines)
    return estimate_tokens("".join(parts))


def drop_class(f: FileDiff) -> str:
    """The budget class of ``f`` (one of ``DROP_ORDER``)."""
    if f.status is FileStatus.DELETED:
        return "deleted"
    return _CLASS_OF_KIND[file_kind(f.path)]


def apply_size_budget(files: Sequence[FileDiff], max_tokens: int) -> tuple[FileDiff, ...]:
    """Mark files ``skipped: budget`` until the reviewed files fit in ``max_tokens``.

    Files are dropped in ``DROP_ORDER`` (least review value first), largest first within a
    class, until the rest fits. Already skipped files are left alone and nothing is removed.

    Args:
        files: Parsed (and usually filtered) files.
        max_tokens: The prompt-size budget (``max_review_tokens``).

    Returns:
        The same files in input order, some now skipped with ``SkipReason.BUDGET``.
    """
    sizes = {i: file_tokens(f) for i, f in enumerate(files) if f.reviewed}
    total = sum(sizes.values())
    if total <= max_tokens:
        return tuple(files)
    rank = {name: n for n, name in enumerate(DROP_ORDER)}
    candidates = sorted(sizes, key=lambda i: (rank[drop_class(files[i])], -sizes[i], i))
    dropped: set[int] = set()
    for i in candidates:
        if total <= max_tokens:
            break
        dropped.add(i)
        total -= sizes[i]
    return tuple(
        dataclasses.replace(f, skipped=SkipReason.BUDGET) if i in dropped else f
        for i, f in enumerate(files)
    )
