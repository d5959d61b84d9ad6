"""The example diffs a new user tries first parse, and route the way examples/README.md says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewbot.diff.filters import apply_filters
from reviewbot.diff.parse import parse_diff
from reviewbot.domain import ChangeType, FileDiff, Risk, SkipReason
from reviewbot.steps.classify import classify_heuristic

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = sorted(p.name for p in EXAMPLES.glob("*.diff"))


def load(name: str) -> tuple[FileDiff, ...]:
    return apply_filters(parse_diff((EXAMPLES / name).read_bytes()), [])


@pytest.mark.parametrize("name", NAMES)
def test_example_parses_and_is_listed_in_the_readme(name: str) -> None:
    files = load(name)
    assert files and all(f.additions + f.deletions > 0 for f in files)
    assert f"`{name}`" in (EXAMPLES / "README.md").read_text()


def test_every_example_diff_is_listed_in_the_examples_readme() -> None:
    listed = set(re.findall(r"^- `([^`]+\.diff)`:", (EXAMPLES / "README.md").read_text(), re.M))
    assert listed == set(NAMES) and len(NAMES) >= 5


def test_sql_injection_lines_are_commentable() -> None:
    payments, tests = load("sql_injection.diff")
    assert (payments.path, tests.path) == ("shop/payments.py", "tests/test_payments.py")
    query = [ln for ln in payments.added_lines if "WHERE order_id = '{order_id}'" in ln.text]
    assert len(query) == 1 and query[0].new_no in payments.right_lines
    assert 40 <= sum(1 for _ in (EXAMPLES / "sql_injection.diff").open()) <= 60
    assert classify_heuristic([payments, tests]) is None  # real code: the model decides


def test_docs_only_example_is_docs() -> None:
    c = classify_heuristic(load("docs_only.diff"))
    assert c is not None and (c.change_type, c.risk) == (ChangeType.DOCS, Risk.LOW)


def test_feature_example_is_left_to_the_model() -> None:
    files = load("feature.diff")
    assert {f.path for f in files} == {"web/cart.ts", "web/cart.test.ts"}
    assert classify_heuristic(files) is None


def test_dependency_bump_skips_the_lockfile_and_is_medium_risk_deps() -> None:
    files = load("dependency_bump.diff")
    assert {f.path: f.skipped for f in files} == {
        "package-lock.json": SkipReason.LOCKFILE,
        "package.json": None,
    }
    c = classify_heuristic(files)
    assert c is not None and (c.change_type, c.risk) == (ChangeType.DEPS, Risk.MEDIUM)
    assert c.rationale.endswith(": bumped lodash")  # not "new dependencies"
