"""The rendered sticky comment, compared with reviewed golden files.

Regenerate after an intended change with ``REVIEWBOT_UPDATE_GOLDEN=1 pytest tests/golden`` and
read the diff of the .md files before committing them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewbot.domain import Review
from reviewbot.render import MARKER, render_comment
from tests.golden.reviews import CASES

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
