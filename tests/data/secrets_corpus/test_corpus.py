"""Recall and false-positive rate of the secret scanner on the corpus, beside detect-secrets'.

The figures are printed (visible in ``pytest -q`` output) and quoted in SECURITY.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from reviewbot.checks.secrets import redact_files, scan_files
from reviewbot.domain import FileDiff, FileStatus, Hunk, Line
from tests.data.secrets_corpus.measure_detectors import _detect_secrets, load, measure

MIN_RECALL = 0.95
MAX_FALSE_POSITIVES = 0.02


def added_file(path: str, text: str) -> FileDiff:
    """The entry as a file a pull request adds."""
    lines = text.split("\n")
    body = tuple(Line("+", None, number, t) for number, t in enumerate(lines, start=1))
    hunk = Hunk(0, 0, 1, len(lines), "", body)
    return FileDiff(path, None, FileStatus.ADDED, False, len(lines), 0, (hunk,))


@dataclass(frozen=True)
class Figures:
    recall: float
    false_positive_rate: float
    missed: list[str]
    false_positives: list[str]

    def line(self, name: str) -> str:
        return (
            f"{name}: recall {self.recall:.1%}, false positives {self.false_positive_rate:.1%}"
            + (f"; missed {' '.join(self.missed)}" if self.missed else "")
            + (f"; flagged {' '.join(self.false_positives)}" if self.false_positives else "")
        )


def reviewbot_figures() -> Figures:
    """A positive counts only when every listed secret is gone from the masked file."""
    positives, negatives = load("positives"), load("negatives")
    missed = []
    for item in positives:
        file = added_file(str(item["path"]), str(item["text"]))
        hits = scan_files([file])
        masked = "\n".join(ln.text for ln in redact_files([file], hits)[0].hunks[0].lines)
        secrets: list[str] = item["secrets"]  # type: ignore[assignment]
        if not hits or any(secret in masked for secret in secrets):
            missed.append(str(item["id"]))
    flagged = [
        str(item["id"])
        for item in negatives
        if scan_files([added_file(str(item["path"]), str(item["text"]))])
    ]
    return Figures(1 - len(missed) / len(positives), len(flagged) / len(negatives), missed, flagged)


def detect_secrets_figures(work: Path) -> Figures:
    """detect-secrets 1.5 alone, with its default settings (every plugin and filter)."""
    result = measure(_detect_secrets(work))
    positives, negatives = int(result["positives"]), int(result["negatives"])  # type: ignore[call-overload]
    false_positives: list[str] = result["false_positives"]  # type: ignore[assignment]
    return Figures(
        int(result["covered"]) / positives,  # type: ignore[call-overload]
        len(false_positives) / negatives,
        [],
        [],
    )


def test_recall_and_false_positive_rate_on_the_corpus(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    positives, negatives = load("positives"), load("negatives")
    assert len(positives) >= 60 and len({item["format"] for item in positives}) >= 40
    assert len(negatives) >= len(positives)
    ours = reviewbot_figures()
    alone = detect_secrets_figures(tmp_path)
    with capsys.disabled():
        print(f"\n[secrets corpus] {ours.line('reviewbot')}")
        print(f"[secrets corpus] {alone.line('detect-secrets 1.5 alone (default settings)')}")

    assert ours.recall >= MIN_RECALL, ours.missed
    assert ours.false_positive_rate <= MAX_FALSE_POSITIVES, ours.false_positives
    assert ours.recall > alone.recall and ours.false_positive_rate < alone.false_positive_rate
