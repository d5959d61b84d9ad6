"""Estimate the prompt tokens of files and hunks, and rank files by review value."""

from __future__ import annotations

from reviewbot.diff.kinds import file_kind
from reviewbot.domain import FileDiff, FileStatus, Hunk, Line

# Tokenizers differ by vendor and none is shipped; code and English average close to 4 bytes
# of UTF-8 per token for all three vendors, and counting bytes (not characters) keeps CJK and
# emoji text, which costs about one token per character, from being underestimated.
BYTES_PER_TOKEN = 4

# Review value, least first: when the money budget cannot pay for every chunk of a large PR,
# the chunks of the last classes are the ones left out. deleted files < data/generated-looking
# < docs < tests < config and manifests < code < CI definitions (workflows run with the
# repository's secrets: a pull request must not be able to push them out of review by adding
# bulk).
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
    return header_tokens(f) + sum(hunk_tokens(hunk) for hunk in f.hunks)


def header_tokens(f: FileDiff) -> int:
    """Estimate the tokens of the header that introduces ``f`` (its paths and status)."""
    return estimate_tokens(f"--- {f.old_path or f.path}\n+++ {f.path} ({f.status.value})\n")


def hunk_tokens(hunk: Hunk) -> int:
    """Estimate the tokens of one hunk: its ``@@`` header and its numbered lines."""
    return estimate_tokens(hunk_header(hunk)) + sum(line_tokens(ln) for ln in hunk.lines)


def hunk_header(hunk: Hunk) -> str:
    """The ``@@`` line of ``hunk`` as the estimate counts it."""
    return (
        f"@@ -{hunk.old_start},{hunk.old_len} +{hunk.new_start},{hunk.new_len} @@ {hunk.section}\n"
    )


def line_tokens(ln: Line) -> int:
    """Estimate the tokens of one numbered line."""
    return estimate_tokens(f"{ln.new_no or ln.old_no or 0:>5} {ln.kind} {ln.text}\n")


def drop_class(f: FileDiff) -> str:
    """The budget class of ``f`` (one of ``DROP_ORDER``)."""
    if f.status is FileStatus.DELETED:
        return "deleted"
    return _CLASS_OF_KIND[file_kind(f.path)]
