"""The path/size heuristic classifier and the fallback risk hint."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reviewbot.diff.filters import apply_filters
from reviewbot.diff.parse import parse_diff
from reviewbot.domain import ChangeType, FileDiff, FileStatus, Hunk, Line, Risk, SkipReason
from reviewbot.steps.classify import classify_heuristic, heuristic_risk_hint


def fd(path: str, added: list[str] | None = None, removed: list[str] | None = None) -> FileDiff:
    added = ["x = 1"] * 3 if added is None else added
    removed = removed or []
    lines = tuple(Line("-", n, None, t) for n, t in enumerate(removed, 1)) + tuple(
        Line("+", None, n, t) for n, t in enumerate(added, 1)
    )
    hunk = Hunk(1, len(removed), 1, len(added), "", lines)
    return FileDiff(path, None, FileStatus.MODIFIED, False, len(added), len(removed), (hunk,))


def real(realdata: Path, name: str) -> tuple[FileDiff, ...]:
    return apply_filters(parse_diff((realdata / "diffs" / name).read_bytes()), [])


def test_real_readme_change_is_docs(realdata: Path) -> None:
    c = classify_heuristic(real(realdata, "14_docs_only_readme.diff"))
    assert c is not None
    assert (c.change_type, c.risk, c.source) == (ChangeType.DOCS, Risk.LOW, "heuristic")
    assert c.rationale == "only documentation files changed (README.md)"


def test_real_lockfile_only_change_is_low_risk_deps(realdata: Path) -> None:
    c = classify_heuristic(real(realdata, "13_huge_lockfile.diff"))
    assert c is not None and (c.change_type, c.risk) == (ChangeType.DEPS, Risk.LOW)
    assert "package-lock.json" in c.rationale


@pytest.mark.parametrize("name", ["15_security_fix_path_traversal.diff", "16_path_with_space.diff"])
def test_real_code_change_is_left_to_the_model(realdata: Path, name: str) -> None:
    assert classify_heuristic(real(realdata, name)) is None


def test_tests_only() -> None:
    c = classify_heuristic([fd("tests/test_api.py"), fd("src/app.test.ts")])
    assert c is not None and (c.change_type, c.risk) == (ChangeType.TESTS, Risk.LOW)
    assert c.rationale.startswith("only test files changed (tests/test_api.py")


def test_manifest_change_is_medium_risk_deps() -> None:
    files = apply_filters([fd("package.json"), fd("package-lock.json")], [])
    c = classify_heuristic(files)
    assert c is not None and (c.change_type, c.risk) == (ChangeType.DEPS, Risk.MEDIUM)
    assert "package.json" in c.rationale


@pytest.mark.parametrize(
    ("path", "removed", "added", "said"),
    [
        ("package.json", ['  "lodash": "^4.17.20"'], ['  "lodash": "^4.17.21"'], "bumped lodash"),
        ("requirements.txt", [], ["httpx>=0.27", "rich==13.7.1"], "added httpx, rich"),
        ("Cargo.toml", ['serde = { version = "1", features = ["derive"] }'], [], "removed serde"),
        ("go.mod", ["\tgolang.org/x/net v0.17.0"], ["\tgolang.org/x/net v0.23.0"],
         "bumped golang.org/x/net"),
        ("Gemfile", ['gem "rails", "~> 7.0"'], ['gem "rails", "~> 7.1"', 'gem "pg"'],
         "bumped rails; added pg"),
    ],
)  # fmt: skip
def test_deps_rationale_says_what_happened_to_which_dependency(
    path: str, removed: list[str], added: list[str], said: str
) -> None:
    c = classify_heuristic([fd(path, added, removed)])
    assert c is not None and c.change_type is ChangeType.DEPS
    assert c.rationale == f"dependency manifests changed ({path}): {said}"


def test_deps_rationale_claims_nothing_it_cannot_read() -> None:
    c = classify_heuristic([fd("package.json", ['  "description": "a shop"'], [])])
    assert c is not None and c.rationale == "dependency manifests changed (package.json)"


def test_ci_workflow_change_is_at_least_medium() -> None:
    ci = classify_heuristic([fd(".github/workflows/release.yml"), fd("tox.ini")])
    assert ci is not None and (ci.change_type, ci.risk) == (ChangeType.CONFIG, Risk.MEDIUM)
    plain = classify_heuristic([fd("tox.ini"), fd(".editorconfig")])
    assert plain is not None and (plain.change_type, plain.risk) == (ChangeType.CONFIG, Risk.LOW)


def test_tiny_comment_only_code_change_is_chore() -> None:
    f = fd(
        "src/app.py", added=["# explain the retry", "", "    return  x"], removed=["    return x"]
    )
    c = classify_heuristic([f, fd("README.md", added=["typo"])])
    assert c is not None and (c.change_type, c.risk) == (ChangeType.CHORE, Risk.LOW)
    assert c.rationale.startswith("trivial change: 5 changed lines")


def test_tiny_logic_change_is_not_trivial() -> None:
    f = fd(
        "src/auth.py", added=["    if user.is_admin or True:"], removed=["    if user.is_admin:"]
    )
    assert classify_heuristic([f]) is None


def test_small_but_not_tiny_non_code_mix_is_undecided() -> None:
    files = [fd("README.md", added=["a"] * 4), fd("tests/test_x.py", added=["b"] * 4)]
    assert classify_heuristic(files) is None


def test_skipped_files_are_not_looked_at_except_budget_and_vendored() -> None:
    readme = fd("README.md")
    generated = dataclasses.replace(fd("api/x_pb2.py"), skipped=SkipReason.GENERATED)
    c = classify_heuristic([readme, generated])
    assert c is not None and c.change_type is ChangeType.DOCS
    big_code = dataclasses.replace(fd("src/core.py"), skipped=SkipReason.BUDGET)
    assert classify_heuristic([readme, big_code]) is None
    vendored = dataclasses.replace(fd("vendor/lib/x.go"), skipped=SkipReason.VENDORED)
    assert classify_heuristic([readme, vendored]) is None


def test_every_file_skipped() -> None:
    lock = dataclasses.replace(fd("yarn.lock"), skipped=SkipReason.LOCKFILE)
    vendored = dataclasses.replace(fd("vendor/a.go"), skipped=SkipReason.VENDORED)
    image = dataclasses.replace(fd("logo.png"), skipped=SkipReason.BINARY)
    budget = dataclasses.replace(fd("src/a.py"), skipped=SkipReason.BUDGET)
    assert _decision([lock]) == (ChangeType.DEPS, Risk.LOW)
    assert _decision([lock, vendored]) == (ChangeType.DEPS, Risk.MEDIUM)
    assert _decision([image]) == (ChangeType.CHORE, Risk.LOW)
    assert classify_heuristic([budget]) is None
    assert classify_heuristic([]) is None


def _decision(files: list[FileDiff]) -> tuple[ChangeType, Risk] | None:
    c = classify_heuristic(files)
    return None if c is None else (c.change_type, c.risk)


@pytest.mark.parametrize(
    "path",
    [
        "src/auth/login.py",
        "app/services/PaymentGateway.java",
        "lib/crypto/aes.go",
        "db/migrations/0042_add_users.sql",
        "api/permissions.py",
        "src/accounts/password_reset.ts",
        "internal/security/headers.go",
    ],
)
def test_risk_hint_is_high_for_sensitive_paths(path: str) -> None:
    assert heuristic_risk_hint([fd("README.md"), fd(path)]) is Risk.HIGH


def test_risk_hint_high_for_big_code_change_else_medium() -> None:
    assert heuristic_risk_hint([fd("src/widgets.py", added=["x = 1"] * 500)]) is Risk.HIGH
    assert heuristic_risk_hint([fd("src/widgets.py")]) is Risk.MEDIUM
    assert heuristic_risk_hint([fd("docs/big.md", added=["x"] * 5000)]) is Risk.MEDIUM
    skipped = dataclasses.replace(fd("src/auth.py"), skipped=SkipReason.IGNORED)
    assert heuristic_risk_hint([skipped, fd("src/widgets.py")]) is Risk.MEDIUM
