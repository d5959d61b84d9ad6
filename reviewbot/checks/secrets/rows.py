"""A diff file's texts as rows for the scan, and where each row is in the file."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence

from reviewbot.checks.secrets.keys import find_blocks
from reviewbot.checks.secrets.work import Work
from reviewbot.diff.parse import UnparsedFile, raw_rows
from reviewbot.domain import FileDiff

SECTION = -1  # the line index of a hunk's ``@@ … @@ section`` text


class Rows:
    """The texts a file's scan reads, in order, and where each one is in the file.

    A parsed file's rows are its hunks' lines, each hunk followed by its section text (when it
    has one); an :class:`~reviewbot.diff.parse.UnparsedFile`'s rows are read from its raw hunk
    lines (:func:`~reviewbot.diff.parse.raw_rows`). No object is made per row.
    """

    __slots__ = ("_diff", "_raw", "_starts", "texts")

    def __init__(self, diff: FileDiff) -> None:
        self._diff = diff
        self._raw: list[tuple[str, int | None, int | None, str]] | None = None
        self._starts: list[int] = []  # the first row of each hunk (parsed files)
        if isinstance(diff, UnparsedFile):
            self._raw = raw_rows(diff.raw)
            self.texts = [row[3] for row in self._raw]
            return
        texts: list[str] = []
        for hunk in diff.hunks:
            self._starts.append(len(texts))
            texts.extend([ln.text for ln in hunk.lines])
            if hunk.section:
                texts.append(hunk.section)
        self.texts = texts

    def at(self, row: int) -> tuple[int, int] | None:
        """``(hunk, line index)`` of a parsed file's row (``SECTION`` for a section text)."""
        if self._raw is not None:
            return None
        hunk = bisect_right(self._starts, row) - 1
        index = row - self._starts[hunk]
        return hunk, (index if index < len(self._diff.hunks[hunk].lines) else SECTION)

    def where(self, row: int) -> tuple[str, int | None, int | None, tuple[int, int] | None]:
        """``(kind, new_no, old_no, place)``: :meth:`line` and :meth:`at` at once."""
        if self._raw is not None:
            kind, old_no, new_no, _ = self._raw[row]
            return kind, new_no, old_no, None
        hunk = bisect_right(self._starts, row) - 1
        index = row - self._starts[hunk]
        lines = self._diff.hunks[hunk].lines
        if index == len(lines):
            return "@", None, None, (hunk, SECTION)
        ln = lines[index]
        return ln.kind, ln.new_no, ln.old_no, (hunk, index)

    def line(self, row: int) -> tuple[str, int | None, int | None]:
        """``(kind, new_no, old_no)`` of a row; kind ``@`` for a section text."""
        if self._raw is not None:
            kind, old_no, new_no, _ = self._raw[row]
            return kind, new_no, old_no
        place = self.at(row)
        assert place is not None
        hunk, index = place
        if index == SECTION:
            return "@", None, None
        ln = self._diff.hunks[hunk].lines[index]
        return ln.kind, ln.new_no, ln.old_no

    def hunks(self) -> Iterator[tuple[range, Sequence[str]]]:
        """Each hunk's line rows (its section left out), with the kind of each row."""
        if self._raw is None:
            for start, hunk in zip(self._starts, self._diff.hunks, strict=True):
                yield range(start, start + len(hunk.lines)), [ln.kind for ln in hunk.lines]
            return
        kinds = "".join(row[0] for row in self._raw)
        start = 0
        while start < len(kinds):
            end = kinds.find("@", start)
            end = len(kinds) if end == -1 else end
            if end > start:
                yield range(start, end), kinds[start:end]
            start = end + 1


def key_blocks(
    rows: Rows, hints: set[int], work: Work | None
) -> Iterator[list[tuple[int, int, int]]]:
    """Private keys per side of each hunk, as ``(row, start, end)`` parts over file rows."""
    seen: set[tuple[int, ...]] = set()
    ordered = sorted(hints)
    for span, kinds in rows.hunks():
        first = bisect_left(ordered, span.start)
        if first == len(ordered) or ordered[first] >= span.stop:
            continue  # no hint in this hunk
        for side in ("+ ", "- "):
            side_rows = [row for row, kind in zip(span, kinds, strict=True) if kind in side]
            side_hints = [i for i, row in enumerate(side_rows) if row in hints]
            if not side_hints:
                continue
            texts = [rows.texts[row] for row in side_rows]
            for block in find_blocks(texts, side_hints, work):
                parts = [(side_rows[i], start, end) for i, start, end in block.parts]
                key = tuple(row for row, _, _ in parts)
                if key not in seen:  # a key only in context lines is on both sides
                    seen.add(key)
                    yield parts
