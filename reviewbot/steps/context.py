"""Context beyond the hunk: which unchanged lines of the new file a step also reads.

``context: hunk`` shows the diff alone; ``function`` adds the rest of the function or class
around each change (:mod:`reviewbot.steps.enclosing`); ``file`` adds the whole new file. The
added lines are never part of the diff, so they are kept apart from ``FileDiff.hunks``: the
numbered view marks them as unchanged (``=``) and anchoring keeps findings off them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reviewbot.diff.sizing import estimate_tokens
from reviewbot.domain import FileDiff
from reviewbot.steps.enclosing import enclosing_regions


@dataclass(frozen=True, slots=True)
class FileContext:
    """Unchanged lines of one new file shown around its hunks: ``(number, text)``, in order."""

    path: str
    lines: tuple[tuple[int, str], ...]

    def tokens(self) -> int:
        """Estimated prompt tokens of these lines as the numbered view shows them."""
        return estimate_tokens("".join(f"{n:>8} = {text}\n" for n, text in self.lines))


def covered_lines(file: FileDiff) -> frozenset[int]:
    """New-file lines that a hunk of the diff already shows."""
    return frozenset(
        n for h in file.hunks for n in range(h.new_start, h.new_start + max(h.new_len, 0))
    )


def changed_lines(file: FileDiff) -> list[int]:
    """New-file lines the change touches: added lines, and where a removal was."""
    out: list[int] = []
    for hunk in file.hunks:
        previous = max(hunk.new_start - 1, 1)
        for line in hunk.lines:
            if line.kind == "+" and line.new_no:
                out.append(line.new_no)
            elif line.kind == "-":
                out.append(previous + 1 if hunk.new_len else previous)
            if line.new_no:
                previous = line.new_no
    return out


def file_context(file: FileDiff, text: str, mode: str) -> FileContext | None:
    """The unchanged lines a step in ``mode`` reads around ``file``'s hunks, or None.

    Args:
        file: The file's diff.
        text: The whole new file (already masked for secrets).
        mode: ``function`` or ``file`` (``hunk`` adds nothing).

    Returns:
        The lines outside the hunks to show, or None when there are none.
    """
    if mode == "hunk" or not file.hunks:
        return None
    source = text.split("\n")
    if source and source[-1] == "":
        source.pop()  # the newline that ends the last line
    if mode == "file":
        wanted: set[int] = set(range(1, len(source) + 1))
    else:
        wanted = set()
        for first, last in enclosing_regions(file.path, text, changed_lines(file)):
            wanted.update(range(first, last + 1))
    shown = covered_lines(file)
    lines = tuple((n, source[n - 1]) for n in sorted(wanted - shown) if 1 <= n <= len(source))
    return FileContext(file.path, lines) if lines else None


def runs(numbers: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive runs of sorted line numbers, as ``(first, last)``."""
    out: list[tuple[int, int]] = []
    for n in numbers:
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out
