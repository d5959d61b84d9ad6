"""Secret detectors for one line of text (kept for imports; see :mod:`reviewbot.secrets`)."""

from __future__ import annotations

from reviewbot.secrets.heuristics import entropy, is_placeholder
from reviewbot.secrets.keys import PRIVATE_KEY
from reviewbot.secrets.lines import GENERIC, URL_PASSWORD, Span, find_all, rules


def scan_line(path: str, line: str) -> list[Span]:
    """Find the secrets in one line; overlapping finds keep the most specific kind.

    Args:
        path: the file the line belongs to (some rules depend on its type).
        line: the line's text, without the diff marker.

    Returns:
        Non-overlapping spans, ordered by position.
    """
    return find_all([line], path)[0]


__all__ = [
    "GENERIC",
    "PRIVATE_KEY",
    "URL_PASSWORD",
    "Span",
    "entropy",
    "is_placeholder",
    "rules",
    "scan_line",
]
