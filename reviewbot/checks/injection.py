"""Spot pull-request text that tries to steer the review (prompt injection), with no model."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from reviewbot.domain import FileDiff, Finding, PullRequestRef, Severity

STEP = "injection"
CATEGORY = "prompt-injection"
PR_TEXT_PATH = "(pull request description)"

# Each rule starts with a lookahead for the first letters of its words, (?=[idfo]) before
# \b(?:ignore|disregard|forget|override): it matches where the rule would anyway (with IGNORECASE
# a class folds case as a literal does, "ſ" and "K" included), but a position whose character
# starts none of the words is passed over in C without trying the alternatives: about six
# times faster on text that has no such phrase.
# Words may be split by spaces, markdown emphasis or quotes. A word is letters and digits only
# (``[^\W_]``, never ``\w``): were ``_`` both in a word and in a separator, "a_a_a_…" could be
# split into words in exponentially many ways, and one 2 KB PR description would take hours.
_W = r"[\s\-_*`'\"]+"
_WORD = r"[^\W_]+"
# (label shown to users, pattern); labels never echo the attacker's text.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern, re.IGNORECASE))
    for label, pattern in (
        (
            "asks the reviewer to ignore its instructions",
            rf"(?=[idfo])\b(?:ignore|disregard|forget|override){_W}(?:(?:all|any|the|your|of|these|those)"
            rf"{_W}){{0,8}}(?:previous|prior|above|earlier|preceding|original|system){_W}"
            rf"(?:instructions?|prompts?|rules|directions|messages|context)\b",
        ),
        ("tries to give the reviewer a new role", rf"(?=y)\byou{_W}are{_W}now\b"),
        (
            "mentions the reviewer's system prompt",
            rf"(?=[sn])\b(?:system{_W}prompt|system{_W}instructions?|new{_W}instructions(?:{_W})?:)",
        ),
        (
            "asks the reviewer not to report something",
            rf"(?=[dn])\b(?:do{_W}not|don'?t|never){_W}(?:report|flag|mention|comment{_W}on)\b",
        ),
        (
            "asks the reviewer to reveal its instructions or keys",
            rf"(?=[rposlt])\b(?:reveal|print|repeat|output|show|leak|tell{_W}me){_W}(?:{_WORD}{_W}){{0,3}}?"
            rf"(?:instructions|prompt|[^\W_]*api(?:{_W})?keys?|credentials)\b",
        ),
        ("forges reviewbot's hidden comment marker", r"<!--\s*reviewbot"),
        (
            "tries to close the data fence of the prompt",
            r"(?=[<d])(?:<<<\s*(?:BEGIN|END)\b|\bDATA-[0-9a-f]{24}\b)",
        ),
    )
)
# Text is scanned in overlapping windows: every rule is linear, and windows also bound the work
# of each search; a phrase (at most a few hundred characters) always fits in one window.
_WINDOW = 20_000
_OVERLAP = 1_000
# Invisible characters that could split a phrase so that it no longer matches.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def _hits(visible: str) -> list[tuple[int, int, str]]:
    """``(position, rule index, label)`` of each rule's first match in ``visible``."""
    found: list[tuple[int, int, str]] = []
    for index, (label, pattern) in enumerate(_RULES):
        for start in range(0, max(len(visible) - _OVERLAP, 1), _WINDOW - _OVERLAP):
            hit = pattern.search(visible, start, start + _WINDOW)
            if hit:
                found.append((hit.start(), index, label))
                break
    return found


def match(text: str) -> str | None:
    """The label of the first rule that ``text`` trips, or None (the whole text is scanned)."""
    hits = _hits(_INVISIBLE.sub("", text))
    return min(hits, key=lambda hit: hit[1])[2] if hits else None


def _file_hits(file: FileDiff) -> Iterator[tuple[int, str]]:
    """``(new line, label)`` of each rule's first match in the file's added lines.

    The added lines are scanned as one text (one pass per rule, whatever the line count:
    500,000 one-character lines cost what one 1 MB line does), so a phrase split over two
    added lines is found too.
    """
    numbers = [
        line.new_no
        for hunk in file.hunks
        for line in hunk.lines
        if line.kind == "+" and line.new_no is not None
    ]
    if not numbers:
        return
    texts = (
        line.text
        for hunk in file.hunks
        for line in hunk.lines
        if line.kind == "+" and line.new_no is not None
    )
    visible = _INVISIBLE.sub("", "\n".join(texts))
    for position, _, label in sorted(_hits(visible)):
        yield numbers[visible.count("\n", 0, position)], label


def _finding(path: str, line: int | None, labels: Sequence[str], where: str) -> Finding:
    what = "; ".join(dict.fromkeys(labels))
    return Finding(
        step=STEP,
        severity=Severity.MEDIUM,
        category=CATEGORY,
        path=path,
        line=line,
        end_line=None,
        title=f"Possible prompt injection in {where}",
        body=(
            f"Text {where} looks written to steer an automated reviewer ({what}). The model "
            "reviews were told to treat it as data, but read their findings with care, and "
            "remove the text unless it is needed. This finding comes from a fixed pattern "
            "check, not from a model, so no model reply can remove it."
        ),
    )


def injection_findings(files: Sequence[FileDiff], pr: PullRequestRef | None) -> tuple[Finding, ...]:
    """At most one ``medium`` prompt-injection finding per reviewed file, and one for the PR text.

    Only what a model would read is scanned: added lines of reviewed files, and the PR's
    title and description.

    Args:
        files: The (redacted) files of the diff.
        pr: The pull request, or None for a local diff.

    Returns:
        Findings with ``step="injection"``, category ``prompt-injection``.
    """
    found: list[Finding] = []
    if pr is not None:
        labels = [label for text in (pr.title, pr.body) if (label := match(text)) is not None]
        if labels:
            found.append(_finding(PR_TEXT_PATH, None, labels, "the pull request's title or text"))
    for file in files:
        if not file.reviewed:
            continue
        hits = list(_file_hits(file))
        if hits:
            first = hits[0][0]
            found.append(_finding(file.path, first, [h[1] for h in hits], f"`{file.path}`"))
    return tuple(found)
