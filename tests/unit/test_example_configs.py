"""The configs under examples/ are ones a user can copy: each one loads as it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.config.load import parse_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yml")), ids=lambda p: p.name)
def test_example_config_loads(path: Path) -> None:
    config = parse_config(path.read_text(encoding="utf-8"), source=str(path))
    assert config.version == 1


def test_the_general_example_sets_what_it_says() -> None:
    config = parse_config((EXAMPLES / "reviewbot.yml").read_text(encoding="utf-8"))
    assert str(config.budget_usd) in {"1.00", "1.0", "1"}
    assert config.steps.get("security").context == "function"
    assert config.steps.get("quality").max_findings == 5
    assert config.review.skip_labels == ["reviewbot:skip"]
