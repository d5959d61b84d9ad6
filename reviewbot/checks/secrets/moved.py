"""Secret values found, looked for again everywhere else (a secret that moved), in bounded time."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from itertools import accumulate
from operator import add

from reviewbot.checks.secrets.scan import SecretHit

Interval = tuple[int, int, str]  # (start, end, mask)

# Only values at least this long are also masked where they reappear elsewhere; shorter ones
# (a URL password "pw") would mask unrelated text.
_MIN_MOVED_VALUE = 8
# At most this many distinct values are searched for elsewhere (the longest first), and fewer
# in a large text: each is one search of the whole text (all files' lines at once), and the
# searches together read at most _SEARCHED_CHARS characters (32 values in 1 MB), so a diff
# full of secrets still costs linear time.
_MAX_MOVED_VALUES = 512
_MIN_MOVED_VALUES = 16
_SEARCHED_CHARS = 32 << 20

# Skipping a value that occurs only inside the secrets found (see Moved.intervals) is tried
# when a text has at most this many distinct secrets, for values at most this long.
_MAX_COUNTED = 256
_MAX_COUNTED_VALUE = 256


def _self_overlapping(value: str) -> bool:
    """True when two occurrences of ``value`` can overlap (a prefix of it is also a suffix)."""
    return any(value.endswith(value[:size]) for size in range(1, len(value)))


class Moved:
    """Every long secret value found, searched for again in each text (a secret that moved)."""

    def __init__(self, hits: Iterable[SecretHit], size: int) -> None:
        """The values of ``hits`` to look for in texts of ``size`` characters in all."""
        masks: dict[str, str] = {}
        for hit in hits:
            if len(hit.secret) >= _MIN_MOVED_VALUE:
                masks.setdefault(hit.secret, hit.mask)
        most = max(_MIN_MOVED_VALUES, min(_MAX_MOVED_VALUES, _SEARCHED_CHARS // max(size, 1)))
        longest = sorted(masks, key=len, reverse=True)[:most]
        self.values = [(value, masks[value]) for value in longest]

    def intervals(
        self,
        text: str,
        hits: Mapping[str, int] | None = None,
        masked: AbstractSet[tuple[int, int]] = frozenset(),
    ) -> list[Interval]:
        """Where the values occur in ``text`` (which may be many lines joined).

        ``hits`` counts the secrets found in ``text`` itself. A value whose every occurrence
        there is inside one of them (counted in C: as many in the text as in those secrets,
        for a value that cannot overlap itself) is masked there already, and is not looked
        for again: a key repeated on every line of a large text would otherwise cost a search
        result per line, for each of its parts. An occurrence that is exactly one of the
        ``masked`` spans (a secret found there) is left out: it is masked already.
        """
        found: list[Interval] = []
        inside = hits if hits and len(hits) <= _MAX_COUNTED else None
        for value, mask in self.values:
            if (
                inside is not None
                and len(value) <= _MAX_COUNTED_VALUE
                and not _self_overlapping(value)
                and text.count(value) == sum(s.count(value) * n for s, n in inside.items())
            ):
                continue
            size = len(value)
            at = text.find(value)
            while at != -1:
                if (at, at + size) not in masked:
                    found.append((at, at + size, mask))
                at = text.find(value, at + size)
        return found


def moved_per_row(
    texts: Sequence[str],
    moved: Moved,
    hits: Mapping[str, int] | None = None,
    masked: Mapping[int, list[Interval]] | None = None,
) -> dict[int, list[Interval]]:
    """Occurrences of moved values per text (only texts that have one), searched once over all
    of them joined; ``hits`` counts the values found in these texts and ``masked`` holds the
    spans already masked in each (see ``Moved.intervals``)."""
    per_row: dict[int, list[Interval]] = {}
    if not moved.values or not texts:
        return per_row
    starts: list[int] = list(map(add, accumulate(map(len, texts), initial=0), range(len(texts))))
    spans = {
        (starts[row] + start, starts[row] + end)
        for row, found in (masked or {}).items()
        for start, end, _ in found
    }
    for start, end, mask in moved.intervals("\n".join(texts), hits, spans):
        row = bisect_right(starts, start) - 1
        per_row.setdefault(row, []).append((start - starts[row], end - starts[row], mask))
    return per_row
