"""The rendered sticky comment, compared with reviewed golden files.

Each golden is a real run of the pipeline (``runner.review``) in the situation its name says,
set up in :mod:`tests.golden.scenarios` with scripted vendors; only latencies, start times and
the wall time are pinned after the run. A change in a reason, a note or the template shows up
here as a golden diff.

Regenerate after an intended change with ``REVIEWBOT_UPDATE_GOLDEN=1 pytest tests/golden`` and
read the diff of the .md files before committing them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewbot.domain import Review
from reviewbot.output.render import MARKER, render_comment
from tests.golden.scenarios import CASES

HERE = Path(__file__).parent


@pytest.mark.parametrize("name", sorted(CASES))
def test_comment_matches_golden(name: str) -> None:
    build: Callable[[], Review] = CASES[name]
    text = render_comment(build())
    golden = HERE / f"{name}.md"
    if os.environ.get("REVIEWBOT_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden {golden.name}; run with REVIEWBOT_UPDATE_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_golden_starts_with_the_marker_once(name: str) -> None:
    text = render_comment(CASES[name]())
    assert text.splitlines()[0] == MARKER
    assert text.count(MARKER) == 1


# What each scenario is there to show, so that a regeneration cannot quietly lose its point.
SHOWS = {
    "all_ok": ["`anthropic:claude-opus-4-7` | ✅ ok", "`google:gemini-2.5-pro` | ✅ ok"],
    "fell_back": ["✗ overloaded →", "✗ rate limited →", "✗ invalid output →"],
    "step_failed": ["❌ failed:", "Why attempts failed (2)"],
    "no_keys": ["no OPENAI_API_KEY", "no ANTHROPIC_API_KEY", "no GEMINI_API_KEY"],
    "budget_skips": ["| quality | — | ⏭️ skipped: budget", "| docs | — | ⏭️ skipped: budget"],
    "huge_pr": [
        "| security | `anthropic:claude-opus-4-7` | ✅ ok · 3 requests",
        "| quality | `openai:gpt-5.4` | ✅ ok · 3 requests",
        "| docs | `google:gemini-2.5-pro` | ✅ ok · 3 requests",
        "skipped: binary",
    ],
    "huge_pr_small_budget": [
        "⚠️ ok, 18 files left out · 3 requests",
        "| quality | — | ⏭️ skipped: budget",
        "**security** did not review 18 files: the money budget (`budget_usd`) ran out",
        "`shop/reports/report_29.py`",
        "security left some out (see Not reviewed)",
    ],
    "zero_findings": ["No findings", "`google:gemini-2.5-flash` | ✅ ok"],
    "signal": [
        "Flagged by security and quality (models of 2 vendors agree)",
        "| verify | `google:gemini-2.5-flash` | ✅ ok",
        "1 low-confidence finding, 1 finding refuted by the verify step hidden",
    ],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_golden_shows_its_situation(name: str) -> None:
    text = (HERE / f"{name}.md").read_text(encoding="utf-8")
    missing = [part for part in SHOWS[name] if part not in text]
    assert not missing, f"{name}.md no longer shows {missing}"
