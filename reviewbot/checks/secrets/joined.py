"""Many lines as one text, so that each pattern runs once over all of them (in C, not per line)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from operator import add

from reviewbot.checks.secrets.work import Work

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class Joined:
    """Lines joined with ``\\n``, and the offset where each line starts.

    Newlines never occur inside a line of a diff, so a match that crosses one spans two lines
    and is judged again on its own line. ``work`` bounds the Python work
    spent on candidates in these lines (:mod:`~reviewbot.checks.secrets.work`).
    """

    __slots__ = ("_lower", "lines", "starts", "text", "work")

    def __init__(self, lines: Sequence[str], work: Work | None = None) -> None:
        self.lines = lines
        self.work = Work() if work is None else work
        self.text = "\n".join(lines)
        # row r starts after the r lines before it and their r newlines (built in C)
        self.starts: list[int] = list(
            map(add, accumulate(map(len, lines), initial=0), range(len(lines)))
        )
        self._lower: str | None = None

    @property
    def lower(self) -> str:
        """The text with ASCII letters in lower case (same length, so offsets still hold)."""
        if self._lower is None:
            self._lower = self.text.translate(_ASCII_LOWER)
        return self._lower

    def row_of(self, offset: int) -> int:
        """The line that holds ``offset`` of the joined text."""
        return bisect_right(self.starts, offset) - 1

    def end_of(self, row: int) -> int:
        """The offset just past the last character of line ``row``."""
        return self.starts[row] + len(self.lines[row])

    def rows_with(self, needle: str) -> list[int]:
        """Every line that contains ``needle`` (each line once, in order)."""
        rows: list[int] = []
        at = self.text.find(needle)
        while at != -1:
            row = self.row_of(at)
            rows.append(row)
            at = self.text.find(needle, self.end_of(row) + 1)
        return rows
