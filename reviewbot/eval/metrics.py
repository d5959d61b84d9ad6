"""Scores: per case, summed per run, and their spread across runs. Pure arithmetic.

- recall: labels found / labels (over the cases that have labels);
- precision: findings that match a label / findings, over the cases that have labels (a
  finding on a clean case counts against the false-positive rate instead);
- false-positive rate: clean cases with at least one finding / clean cases;
- cost, tokens and wall time: summed over the cases of a run.

A figure with nothing to divide by (no labels, no findings, no clean case) is None, shown
"n/a": a configuration that reports nothing has no precision, not a precision of 0.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal

from reviewbot.eval.match import Label, Spot, match_case


@dataclass(frozen=True, slots=True)
class Counts:
    """What one case (or the sum of several) scored."""

    cases: int = 0
    labels: int = 0
    found: int = 0
    labelled_findings: int = 0
    true_positives: int = 0
    clean_cases: int = 0
    clean_flagged: int = 0
    clean_findings: int = 0
    cost_usd: Decimal = Decimal(0)
    input_tokens: int = 0
    output_tokens: int = 0
    wall_s: float = 0.0
    errors: int = 0
    unpriced_calls: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def recall(self) -> float | None:
        """Labels found / labels, or None without labels."""
        return self.found / self.labels if self.labels else None

    @property
    def precision(self) -> float | None:
        """True positives / findings on labelled cases, or None without such findings."""
        return self.true_positives / self.labelled_findings if self.labelled_findings else None

    @property
    def false_positive_rate(self) -> float | None:
        """Clean cases with a finding / clean cases, or None without clean cases."""
        return self.clean_flagged / self.clean_cases if self.clean_cases else None

    @property
    def tokens(self) -> int:
        """Input (cached and cache writes included) plus output tokens."""
        return self.input_tokens + self.output_tokens


def score_case(
    labels: Sequence[Label],
    spots: Sequence[Spot],
    slack: int,
    *,
    cost_usd: Decimal = Decimal(0),
    input_tokens: int = 0,
    output_tokens: int = 0,
    wall_s: float = 0.0,
    error: bool = False,
    unpriced_calls: int = 0,
) -> Counts:
    """The counts of one case: ``spots`` (the findings) matched against ``labels``."""
    base = Counts(
        cases=1,
        cost_usd=cost_usd,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        wall_s=wall_s,
        errors=int(error),
        unpriced_calls=unpriced_calls,
    )
    if not labels:
        flagged = bool(spots)
        return base + Counts(clean_cases=1, clean_flagged=int(flagged), clean_findings=len(spots))
    result = match_case(labels, spots, slack)
    return base + Counts(
        labels=len(labels),
        found=result.found,
        labelled_findings=len(spots),
        true_positives=result.true_positives,
    )


def total(counts: Iterable[Counts]) -> Counts:
    """The sum of ``counts``."""
    result = Counts()
    for item in counts:
        result = result + item
    return result


@dataclass(frozen=True, slots=True)
class Spread:
    """A figure over several runs: mean, min, max and the sample standard deviation."""

    mean: float | None
    min: float | None
    max: float | None
    stdev: float | None
    runs: int  # runs that had the figure (not None)

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Spread:
        """The spread of ``values``, ignoring None (all None: every field None)."""
        known = [float(v) for v in values if v is not None and not math.isnan(float(v))]
        if not known:
            return cls(None, None, None, None, 0)
        stdev = statistics.stdev(known) if len(known) > 1 else 0.0
        return cls(statistics.fmean(known), min(known), max(known), stdev, len(known))


FIGURES = (
    "recall",
    "precision",
    "false_positive_rate",
    "cost_usd",
    "tokens",
    "wall_s",
)


def figure(counts: Counts, name: str) -> float | None:
    """One of ``FIGURES`` of ``counts`` as a float (None when it has no value)."""
    value = getattr(counts, name)
    return None if value is None else float(value)


def spreads(runs: Sequence[Counts]) -> dict[str, Spread]:
    """Each of ``FIGURES`` over ``runs`` (one ``Counts`` per run)."""
    return {name: Spread.of(figure(c, name) for c in runs) for name in FIGURES}
