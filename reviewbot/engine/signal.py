"""Signal over noise: which model findings the comment shows, and why the others are held back.

A held-back finding is not dropped: it keeps its place in the JSON report with ``suppressed``
set (``low_confidence``, ``refuted``, ``max_findings``) and a reason, and the comment counts
it. The rules are pure; the verify step's model call is in ``engine/verify.py``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence

from reviewbot.domain import Finding

LOW_CONFIDENCE = "low_confidence"
REFUTED = "refuted"
MAX_FINDINGS = "max_findings"
# The order the comment names them in, with the words around "finding(s)" it uses.
KINDS: tuple[tuple[str, str, str], ...] = (
    (LOW_CONFIDENCE, "low-confidence ", ""),
    (REFUTED, "", " refuted by the verify step"),
    (MAX_FINDINGS, "", " over a step's max_findings"),
)


def suppress(finding: Finding, kind: str, reason: str) -> Finding:
    """``finding`` held back for ``kind``, with ``reason`` for the report."""
    return dataclasses.replace(finding, suppressed=kind, suppressed_reason=reason)


def below_floor(findings: Iterable[Finding], floor: float) -> list[Finding]:
    """Hold back the findings whose stated confidence is below ``floor``.

    A finding with no stated confidence (a model without strict mode left it out) is kept:
    nothing says it is unsure.
    """
    out = []
    for finding in findings:
        sure = finding.confidence
        if finding.suppressed is None and sure is not None and sure < floor:
            finding = suppress(finding, LOW_CONFIDENCE, f"confidence {sure:.2f} < {floor:g}")
        out.append(finding)
    return out


def cap(findings: Sequence[Finding], limit: int | None) -> list[Finding]:
    """Hold back all but the ``limit`` most important shown findings (worst, then surest).

    Findings keep their order; ``None`` is no cap.
    """
    if limit is None:
        return list(findings)
    shown = [i for i, f in enumerate(findings) if f.suppressed is None]
    ranked = sorted(shown, key=lambda i: (-findings[i].severity.rank, -_sure(findings[i]), i))
    over = set(ranked[limit:])
    return [
        suppress(f, MAX_FINDINGS, f"over max_findings ({limit})") if i in over else f
        for i, f in enumerate(findings)
    ]


def _sure(finding: Finding) -> float:
    return 1.0 if finding.confidence is None else finding.confidence


def split(findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """``(shown, held back)``, each in the given order."""
    shown: list[Finding] = []
    held: list[Finding] = []
    for finding in findings:
        (shown if finding.suppressed is None else held).append(finding)
    return shown, held


def held_counts(findings: Iterable[Finding]) -> tuple[tuple[int, str, str], ...]:
    """``(count, words before, words after)`` per reason findings were held back.

    In :data:`KINDS` order, for "3 low-confidence findings", "1 finding refuted by …".
    """
    counts = Counter(f.suppressed for f in findings if f.suppressed)
    return tuple((counts[kind], pre, post) for kind, pre, post in KINDS if counts[kind])
