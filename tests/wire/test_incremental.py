"""Incremental review across pushes: the Action against fake GitHub and a reading model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeserver.github import HUMAN, FakeGitHub
from tests.fakeserver.pushes import code_files
from tests.fakeserver.vendors import VendorFakes
from tests.wire.incremental_harness import Harness, Problem

EVAL = "result = eval(payload_blob)"
SHELL = "os.system(shell_cmd)"
PICKLE = "obj = pickle.loads(raw_bytes)"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeGitHub, VendorFakes]]:
    github, vendors = FakeGitHub("Codertocat/Hello-World"), VendorFakes()
    yield github, vendors
    github.close()
    vendors.close()


@pytest.fixture
def harness(servers: tuple[FakeGitHub, VendorFakes], tmp_path: Path) -> Harness:
    github, vendors = servers
    github.reset()
    vendors.reset()
    h = Harness(github, vendors, tmp_path)
    h.route()
    return h


def _plant(head: dict[str, list[str]], path: str, at: int, code: str) -> None:
    head[path].insert(at, f"    {code}")


def _replace(lines: list[str], needle: str, code: str) -> list[str]:
    return [f"    {code}" if needle in ln else ln for ln in lines]


def _pr(harness: Harness, realdata: Path) -> dict[str, list[str]]:
    """The bench's 2,000-line PR (20 files) with three problems planted in added lines."""
    base, head = code_files(20, 100, seed=13)
    _plant(head, "src/pkg0/mod0.py", 30, EVAL)
    _plant(head, "src/pkg3/mod3.py", 45, SHELL)
    _plant(head, "src/pkg5/mod5.py", 20, PICKLE)
    harness.model.problems = [
        Problem(EVAL, "src/pkg0/mod0.py", "code-injection", titles=("Eval of request data",)),
        Problem(SHELL, "src/pkg3/mod3.py", "command-injection", titles=("Shell command",)),
        Problem(PICKLE, "src/pkg5/mod5.py", "CWE-502", titles=("Unpickling input",)),
    ]
    harness.open_pr(realdata, base, head)
    return head


def _by_title(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {f["title"]: f for f in report["findings"]}  # type: ignore[index, union-attr]


def test_a_push_touching_one_file_reviews_only_that_change_and_resolves_what_it_fixed(
    harness: Harness, realdata: Path
) -> None:
    head = _pr(harness, realdata)
    first = harness.run()
    assert first.code == 0, first.stdout
    assert first.report["mode"] == "full"
    assert first.report["full_reason"] == "first review of this pull request"
    assert {f["state"] for f in first.report["findings"]} == {"new"}
    assert len(harness.inline()) == 3
    last_head = harness.history.head_sha  # type: ignore[union-attr]

    fixed = _replace(head["src/pkg0/mod0.py"], EVAL, "result = json.loads(payload_blob)")
    new_head = harness.history.push({"src/pkg0/mod0.py": fixed})  # type: ignore[union-attr]
    second = harness.run()

    assert second.code == 0, second.stdout
    assert second.report["mode"] == "incremental"
    assert second.report["reviewed_range"] == {"from": last_head, "to": new_head}
    assert second.report["full_reason"] is None
    # The models saw the new commit's change with its PR context, and nothing else of the PR.
    assert second.review_requests
    for body in second.review_requests:
        assert "json.loads(payload_blob)" in body
        assert "mod3.py" not in body and "mod5.py" not in body and "mod7.py" not in body
    assert second.cost <= 0.2 * first.cost, (second.cost, first.cost)
    assert second.report["pr_cost_usd"] == pytest.approx(first.cost + second.cost, abs=2e-6)

    found = _by_title(second.report)
    assert found["Eval of request data"]["state"] == "resolved"
    assert found["Eval of request data"]["resolved_by"] == new_head
    assert found["Shell command"]["state"] == "open"
    assert found["Unpickling input"]["state"] == "open"
    # The comment: the untouched findings still listed, the fixed one folded as resolved.
    comment = second.comment
    visible = comment.split("\n", 2)[2]  # after the marker and the state block
    summary = visible.split("Resolved since the last review")[0]
    assert "Shell command" in summary and "Unpickling input" in summary
    assert "Eval of request data" not in summary
    assert "Resolved since the last review (1)" in comment
    assert re.search(
        rf"This run reviewed 1 new commit \(\+1 −1\) since `{last_head[:7]}`; "
        r"2 findings carried forward, 1 resolved",
        comment,
    )
    assert "This PR, every run" in comment
    # Its inline thread was resolved through GraphQL; the others are untouched, none reposted.
    pull = harness.github.pulls[harness.history.number]  # type: ignore[union-attr]
    eval_comment = next(c for c in harness.inline() if "Eval of request data" in c["body"])
    assert pull.resolved_threads == {eval_comment["id"]}
    assert len(harness.inline()) == 3
    assert harness.github.requests("POST", r"/graphql")


def test_a_thread_a_person_replied_to_stays_open(harness: Harness, realdata: Path) -> None:
    head = _pr(harness, realdata)
    assert harness.run().code == 0
    shell = next(c for c in harness.inline() if "Shell command" in c["body"])
    harness.github.add_reply(harness.history.number, shell, "Intentional: sandboxed.", HUMAN)  # type: ignore[union-attr]
    harness.history.push(  # type: ignore[union-attr]
        {
            "src/pkg3/mod3.py": _replace(head["src/pkg3/mod3.py"], SHELL, "run_safely(cmd)"),
            "src/pkg5/mod5.py": _replace(head["src/pkg5/mod5.py"], PICKLE, "obj = load(raw)"),
        }
    )
    second = harness.run()
    found = _by_title(second.report)
    assert found["Shell command"]["state"] == "resolved"
    assert found["Unpickling input"]["state"] == "resolved"
    assert found["Eval of request data"]["state"] == "open"
    pull = harness.github.pulls[harness.history.number]  # type: ignore[union-attr]
    pickle = next(c for c in harness.inline() if "Unpickling input" in c["body"])
    assert pull.resolved_threads == {pickle["id"]}  # the replied-to thread is left open
    assert "1 review thread of resolved findings left open: someone replied" in second.comment


def test_threads_that_cannot_be_resolved_are_noted_not_an_error(
    harness: Harness, realdata: Path
) -> None:
    head = _pr(harness, realdata)
    assert harness.run().code == 0
    harness.github.threads_resolvable = False
    harness.history.push(  # type: ignore[union-attr]
        {"src/pkg0/mod0.py": _replace(head["src/pkg0/mod0.py"], EVAL, "result = 1")}
    )
    second = harness.run()
    assert second.code == 0
    assert _by_title(second.report)["Eval of request data"]["state"] == "resolved"
    assert "could not be resolved" in second.comment


def test_five_runs_wording_one_finding_differently_leave_one_inline_comment(
    harness: Harness, realdata: Path
) -> None:
    base, head = code_files(4, 30, seed=3)
    _plant(head, "src/pkg1/mod1.py", 25, EVAL)
    harness.model.problems = [
        Problem(
            EVAL,
            "src/pkg1/mod1.py",
            "code-injection",
            titles=(
                "Eval of request data",
                "Arbitrary code execution via eval",
                "Untrusted input reaches eval()",
                "CWE-95: eval injection",
                "Remote code execution",
            ),
        )
    ]
    harness.open_pr(realdata, base, head)
    assert harness.run().code == 0
    for n in range(4):
        if n % 2:
            run = harness.run({"full-review": "true"})
        else:  # a push touching the lines around the finding: it is looked at again
            lines = list(harness.history.head["src/pkg1/mod1.py"])  # type: ignore[union-attr]
            at = next(i for i, ln in enumerate(lines) if EVAL in ln)
            lines.insert(at, f"    # checked {n}")
            harness.history.push({"src/pkg1/mod1.py": lines})  # type: ignore[union-attr]
            run = harness.run()
        assert run.code == 0, run.stdout
        assert [f["state"] for f in run.report["findings"]] == ["open"]
    assert harness.model.calls >= 5
    keyed = [c for c in harness.inline() if "reviewbot:finding" in c["body"]]
    assert len(keyed) == 1
