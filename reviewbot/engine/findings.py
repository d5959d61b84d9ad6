"""Post-processing of model findings: anchor them to diff lines, merge duplicates, order them."""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence

from reviewbot.domain import FileDiff, Finding
from reviewbot.engine.fingerprint import OTHER, category_family

log = logging.getLogger(__name__)

_NEAR = 2  # lines apart that still count as "the same place"
_TITLE_SIMILARITY = 0.75
_CWE = re.compile(r"cwe[-_ ]?(\d+)", re.I)
_WORD = re.compile(r"[a-z0-9]+")
_PREFIXES = ("./", "a/", "b/", "/")
# Steps whose findings come from fixed checks, not from a model (committed credentials, the
# prompt-injection pattern check). Each of their findings is a distinct fact that no model reply
# may change: never merged with another finding, and never the target of a merge.
DETERMINISTIC_STEPS = frozenset({"secrets", "injection"})


def _index(files: Iterable[FileDiff]) -> dict[str, FileDiff]:
    by_path: dict[str, FileDiff] = {}
    for file in files:
        if file.old_path:
            by_path.setdefault(file.old_path, file)
    for file in files:
        by_path[file.path] = file
    return by_path


def _lookup(by_path: dict[str, FileDiff], path: str) -> FileDiff | None:
    candidate = path.strip()
    if candidate in by_path:
        return by_path[candidate]
    for prefix in _PREFIXES:
        if candidate.startswith(prefix) and candidate[len(prefix) :] in by_path:
            return by_path[candidate[len(prefix) :]]
    return None


def _anchor_one(finding: Finding, file: FileDiff) -> Finding:
    finding = dataclasses.replace(finding, path=file.path)
    if finding.line is None:
        return dataclasses.replace(finding, end_line=None)
    hunk = file.hunk_lines(finding.line)
    if hunk is None:
        cited = f"line {finding.line}"
        if finding.end_line and finding.end_line > finding.line:
            cited = f"lines {finding.line}-{finding.end_line}"
        note = f"_(cited {cited}, outside the diff)_"
        body = f"{finding.body.rstrip()}\n\n{note}" if finding.body.strip() else note
        return dataclasses.replace(finding, line=None, end_line=None, body=body)
    end = finding.end_line
    if end is not None and (end <= finding.line or end not in hunk):
        end = None
    return dataclasses.replace(finding, end_line=end)


def anchor(findings: Iterable[Finding], files: Sequence[FileDiff]) -> list[Finding]:
    """Tie findings to lines GitHub can comment on, or to their file when they cannot be.

    A finding on a path that is nowhere in the diff is dropped (and logged). One that cites a
    line outside the diff is kept at file level, and its body says which line it cited. An
    ``end_line`` before ``line`` or outside ``line``'s hunk is dropped.

    Args:
        findings: Findings as the models returned them.
        files: Every file of the diff, skipped ones included.

    Returns:
        The anchored findings, in their original order.
    """
    by_path = _index(files)
    anchored: list[Finding] = []
    for finding in findings:
        file = _lookup(by_path, finding.path)
        if file is None:
            log.info("dropping a %s finding on %r: not in the diff", finding.step, finding.path)
            continue
        anchored.append(_anchor_one(finding, file))
    return anchored


def _problem_keys(finding: Finding) -> set[str]:
    category = finding.category.lower()
    keys = {f"cwe-{m}" for m in _CWE.findall(category)}
    slug = "-".join(_WORD.findall(_CWE.sub(" ", category)))
    if slug:
        keys.add(slug)
    return keys


def _same_place(a: Finding, b: Finding) -> bool:
    if a.path != b.path:
        return False
    if a.line is None or b.line is None:
        return a.line is None and b.line is None
    a_end, b_end = a.end_line or a.line, b.end_line or b.line
    return a.line - _NEAR <= b_end and b.line - _NEAR <= a_end


def _same_problem(a: Finding, b: Finding, families: bool = False) -> bool:
    if _problem_keys(a) & _problem_keys(b):
        return True
    # Two model steps naming one family differently ("CWE-89" and "sql-injection"): the
    # fingerprint's notion of the same problem.
    family = category_family(a.category)
    if families and a.step != b.step and family == category_family(b.category) != OTHER:
        return True
    ratio = difflib.SequenceMatcher(None, a.title.lower(), b.title.lower()).ratio()
    return ratio >= _TITLE_SIMILARITY


def dedupe(findings: Iterable[Finding], vendors: Mapping[str, str] | None = None) -> list[Finding]:
    """Merge findings that several steps (or one step twice) made about the same problem.

    Two model findings are the same when they are on the same path, within two lines of each
    other (or both file-level), and share a normalised category (or a CWE id, or, from two
    steps, a category family) or have very similar titles. The most severe one is kept; its
    body notes which other steps agreed. When the agreeing steps ran on models of different
    vendors (``vendors``: step name -> vendor), the finding says "Flagged by security and
    quality", records them in ``flagged_by`` and ranks first among its severity.

    Findings of :data:`DETERMINISTIC_STEPS` are kept exactly as they are, each on its own: a
    model finding about the same problem on the same lines (e.g. one that calls the secret or
    the injection a false positive, at any severity) is dropped as their duplicate, and any
    other model finding stays separate.

    Args:
        findings: Anchored findings from every step.
        vendors: The vendor of the model that answered each step, when known.

    Returns:
        The merged findings, sorted with :func:`sort_findings`.
    """
    everything = list(findings)
    fixed = [f for f in everything if f.step in DETERMINISTIC_STEPS]
    kept: list[tuple[Finding, list[str]]] = []
    for finding in sorted(everything, key=lambda f: -f.severity.rank):
        if finding.step in DETERMINISTIC_STEPS:
            continue
        if any(_same_lines(fact, finding) and _same_problem(fact, finding) for fact in fixed):
            log.info("dropping a %s finding that repeats a fixed check's finding", finding.step)
            continue
        for winner, agreed in kept:
            if _same_place(winner, finding) and _same_problem(winner, finding, families=True):
                if finding.step != winner.step and finding.step not in agreed:
                    agreed.append(finding.step)
                break
        else:
            kept.append((finding, []))
    merged = list(fixed)
    for winner, agreed in kept:
        if agreed:
            steps = (winner.step, *agreed)
            known = {vendors[step] for step in steps if vendors and step in vendors}
            if len(known) > 1:
                note = f"_Flagged by {_and(steps)} (models of {len(known)} vendors agree)._"
                winner = dataclasses.replace(winner, flagged_by=steps)
            else:
                note = f"_Also flagged by {', '.join(agreed)}._"
            winner = dataclasses.replace(winner, body=f"{winner.body.rstrip()}\n\n{note}")
        merged.append(winner)
    return sort_findings(merged)


def _same_lines(fact: Finding, finding: Finding) -> bool:
    """Whether ``finding`` is on the lines of ``fact`` (both file-level, or overlapping)."""
    if fact.path != finding.path:
        return False
    if fact.line is None or finding.line is None:
        return fact.line is None and finding.line is None
    fact_end, end = fact.end_line or fact.line, finding.end_line or finding.line
    return finding.line <= fact_end and fact.line <= end


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Order findings worst first, then by path and line (file-level findings first).

    Within a severity, findings that models of several vendors agree on come first.
    """
    return sorted(
        findings,
        key=lambda f: (
            -f.severity.rank,
            not f.flagged_by,
            f.path,
            f.line or 0,
            f.end_line or 0,
            f.step,
            f.title,
        ),
    )


def inline_candidates(findings: Iterable[Finding], files: Sequence[FileDiff]) -> list[Finding]:
    """Return the findings GitHub will accept as inline review comments (side RIGHT).

    Args:
        findings: Anchored findings.
        files: Every file of the diff.

    Returns:
        Findings whose ``line`` is a commentable new-file line and whose ``end_line``, if any,
        is later in the same hunk.
    """
    by_path = {file.path: file for file in files}
    candidates = []
    for finding in findings:
        file = by_path.get(finding.path)
        if file is None or finding.line is None:
            continue
        hunk = file.hunk_lines(finding.line)
        if hunk is None:
            continue
        if finding.end_line is not None and (
            finding.end_line <= finding.line or finding.end_line not in hunk
        ):
            continue
        candidates.append(finding)
    return candidates
