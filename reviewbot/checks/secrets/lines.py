"""Find secrets in lines of text: detect-secrets' plugins, our formats, and context rules.

Lines are joined into one text so that every pattern runs once over all of them, in C. Every
pattern is linear: the detect-secrets patterns that backtrack on hostile input (JWT, npm,
Artifactory, legacy OpenAI keys) are replaced by equivalent ones of ours, the others are
bounded, and each accepted value is judged on a bounded slice; so a 10 MB minified line costs
what ten thousand ordinary lines cost.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from typing import NamedTuple

from reviewbot.checks.secrets import context, encoded
from reviewbot.checks.secrets.joined import Joined
from reviewbot.checks.secrets.keys import MARKER_NEEDLES, PRIVATE_KEY, find_blocks
from reviewbot.checks.secrets.rules import Rule, rules, value_span
from reviewbot.checks.secrets.work import MATCH, ScanStopped, Work

GENERIC = "hardcoded secret"


class Span(NamedTuple):
    """A secret found in one line: ``line[start:end]``; lower ``priority`` wins an overlap.

    A named tuple, not a dataclass: one is made per secret found, and a text may hold tens
    of thousands of them (a tuple is made in C, a frozen dataclass sets each field in turn).
    """

    kind: str
    start: int
    end: int
    priority: int


Found = dict[int, list[Span]]  # row -> spans (rows without a secret are absent)


class LineScan(NamedTuple):
    """What :func:`scan_lines` found: spans per row, and rows a private key may grow from.

    A named tuple: a diff of thirty thousand files makes one per file name.
    """

    spans: Found
    hints: set[int]
    complete: bool = True  # False: the work bound stopped the scan before the end
    work: Work | None = None  # what is left of it (private keys spend it too)


def _run_rule(rule: Rule, joined: Joined, found: Found, retry: set[int]) -> None:
    text = joined.text
    needle = rule.needle
    if needle is not None and needle not in (joined.lower if needle.islower() else text):
        return
    covered = 0  # matches inside an extended token were already judged (keeps this linear)
    for match in rule.regex.finditer(joined.lower if rule.lower else text):
        if match.start() < covered:
            continue
        start, end = value_span(match, rule)
        if end <= start:
            continue
        row = joined.row_of(start)
        line_end = joined.end_of(row)
        if end > line_end or match.start() < joined.starts[row] - 1:
            retry.add(row)  # the match crossed a line break: judge that line on its own
            continue
        if rule.extend is not None:
            while end < line_end and text[end] in rule.extend:
                end += 1
            covered = end
        base = joined.starts[row]
        joined.work.spend(MATCH)
        if rule.accept is not None and not rule.accept(text[start:end], match.group(0)):
            continue
        found.setdefault(row, []).append(Span(rule.kind, start - base, end - base, rule.priority))


def _scan_joined(joined: Joined, path: str, depth: int, found: Found) -> None:
    retry: set[int] = set()
    for rule in rules():
        _run_rule(rule, joined, found, retry)
        if retry and len(joined.lines) > 1:
            for row in sorted(retry):
                single: Found = {}
                _run_rule(rule, Joined([joined.lines[row]], joined.work), single, set())
                found.setdefault(row, []).extend(single.get(0, []))
            retry.clear()
    work = joined.work
    for row, span in context.assignments(joined, path):
        work.spend(MATCH)
        found.setdefault(row, []).append(Span(GENERIC, span[0], span[1], 2))
    for row, span, kind in context.paired(joined):
        work.spend(MATCH)
        found.setdefault(row, []).append(Span(kind, span[0], span[1], 1))
    for row, span, kind in encoded.blobs(joined, depth, inner_kind):
        work.spend(MATCH)
        found.setdefault(row, []).append(Span(kind, span[0], span[1], 0))


def scan_lines(lines: Sequence[str], path: str = "", depth: int = 0) -> LineScan:
    """Single-line secrets of each line, before overlaps are resolved.

    The scan stops when it has spent its work bound (:mod:`~reviewbot.checks.secrets.work`):
    the spans found until then are returned, and ``complete`` is False.

    Args:
        lines: the lines, without newlines.
        path: the file they belong to (some rules depend on its type).
        depth: how many base64 decodings deep ``lines`` already are.

    Returns:
        The spans found per line, the lines a private key may grow from, and whether the scan
        reached the end.
    """
    joined = Joined(lines)
    found: Found = {}
    complete = True
    try:
        _scan_joined(joined, path, depth, found)
    except ScanStopped:
        complete = False
    hints = {row for needle in MARKER_NEEDLES for row in joined.rows_with(needle)}
    hints.update(row for row, spans in found.items() if any(s.kind == PRIVATE_KEY for s in spans))
    return LineScan(found, hints, complete, joined.work)


def select(found: Sequence[Span]) -> list[Span]:
    """Resolve overlaps: the most specific (lowest priority), then the longest, span wins."""
    if len(found) < 2:
        return list(found)
    starts: list[int] = []  # kept spans are disjoint; sorted by start, so are their ends
    kept: list[Span] = []
    for span in sorted(found, key=lambda s: (s.priority, s.start - s.end, s.start)):
        at = bisect_left(starts, span.start)
        if at > 0 and kept[at - 1].end > span.start:
            continue  # overlaps the span that starts before it
        if at < len(kept) and kept[at].start < span.end:
            continue  # overlaps the span that starts at or after it
        starts.insert(at, span.start)
        kept.insert(at, span)
    return kept


def find_all(lines: Sequence[str], path: str = "", depth: int = 0) -> list[list[Span]]:
    """Every secret in consecutive lines (a text), private keys over several lines included.

    Args:
        lines: consecutive lines of one text.
        path: the file they belong to.
        depth: how many base64 decodings deep ``lines`` already are.

    Returns:
        For each line, its non-overlapping spans in order.
    """
    scan = scan_lines(lines, path, depth)
    found = scan.spans
    try:
        blocks = find_blocks(lines, scan.hints, scan.work)
    except ScanStopped:  # a path or a decoded blob: short texts, judged on what was found
        blocks = []
    for block in blocks:
        for row, start, end in block.parts:
            found.setdefault(row, []).append(Span(PRIVATE_KEY, start, end, -1))
    return [select(found.get(row, [])) for row in range(len(lines))]


def inner_kind(text: str, depth: int) -> str | None:
    """The kind of the first secret in decoded text, or None (used for base64 blobs)."""
    lines = text.splitlines()
    for spans in find_all(lines, "", depth):
        if spans:
            return spans[0].kind
    return None
