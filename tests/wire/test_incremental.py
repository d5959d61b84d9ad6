"""Incremental review across pushes: the Action against fake GitHub and a reading model."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewbot.state.block import decode, encode
from tests.fakeserver.action_runs import Harness, Problem
from tests.fakeserver.github import HUMAN, FakeGitHub
from tests.fakeserver.pushes import code_files
from tests.fakeserver.vendors import VendorFakes

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


def _small_pr(harness: Harness, realdata: Path) -> dict[str, list[str]]:
    base, head = code_files(3, 30, seed=5)
    _plant(head, "src/pkg0/mod0.py", 20, EVAL)
    harness.model.problems = [
        Problem(EVAL, "src/pkg0/mod0.py", "code-injection", titles=("Eval of request data",))
    ]
    harness.open_pr(realdata, base, head)
    return head


def _touch(harness: Harness, path: str = "src/pkg1/mod1.py") -> None:
    lines = list(harness.history.head[path])  # type: ignore[union-attr]
    lines.insert(15, "    touched = True")
    harness.history.push({path: lines})  # type: ignore[union-attr]


def _force_push(harness: Harness) -> None:
    lines = list(harness.history.head["src/pkg1/mod1.py"])  # type: ignore[union-attr]
    harness.history.force_push({"src/pkg1/mod1.py": lines[:-1]})  # type: ignore[union-attr]


def _retarget(harness: Harness) -> None:
    _touch(harness)
    harness.history.retarget("release-2.0")  # type: ignore[union-attr]


def _config_change(harness: Harness) -> None:
    _touch(harness)
    harness.config("step_timeout_s: 120\n")


def _damage(harness: Harness) -> None:
    _touch(harness)
    comment = harness.github.pulls[harness.history.number].issue_comments[0]  # type: ignore[union-attr]
    comment["body"] = re.sub(r'"pr_cost_usd":"[^"]*"', '"pr_cost_usd":"0"', comment["body"])


def _foreign(harness: Harness) -> None:
    _touch(harness)
    comment = harness.github.pulls[harness.history.number].issue_comments[0]  # type: ignore[union-attr]
    # A state block whose checksum holds but that names another PR (copied from elsewhere).
    state = decode(comment["body"], "Codertocat/Hello-World", harness.history.number).state  # type: ignore[union-attr]
    assert state is not None
    other = encode(dataclasses.replace(state, pr=999))
    comment["body"] = re.sub(r"<!-- reviewbot:state .*? -->", lambda _: other, comment["body"])


@pytest.mark.parametrize(
    ("change", "inputs", "reason"),
    [
        (_force_push, {}, "force-pushed or rebased"),
        (_retarget, {}, "base branch changed from master to release-2.0"),
        (_config_change, {}, "configuration or the prompts changed"),
        (_damage, {}, "saved review state in the comment is damaged"),
        (_foreign, {}, "belongs to Codertocat/Hello-World#999"),
        (_touch, {"full-review": "true"}, "full review was requested"),
    ],
    ids=["force-push", "base-change", "config-change", "damaged-state", "foreign-state", "input"],
)
def test_what_asks_for_a_full_review_says_so(
    harness: Harness, realdata: Path, change: object, inputs: dict[str, str], reason: str
) -> None:
    _small_pr(harness, realdata)
    harness.config("step_timeout_s: 180\n")
    assert harness.run().report["mode"] == "full"
    change(harness)  # type: ignore[operator]
    run = harness.run(inputs)
    assert run.code == 0, run.stdout
    assert run.report["mode"] == "full"
    assert reason in run.report["full_reason"]
    assert run.report["reviewed_range"]["from"] is None
    assert f"**Full review:** {run.report['full_reason']}" in run.comment
    # The whole PR was sent again: every file is in the review requests.
    assert all("mod2.py" in body for body in run.review_requests)
    assert run.review_requests


def test_a_merge_of_the_base_branch_makes_no_model_call(harness: Harness, realdata: Path) -> None:
    _small_pr(harness, realdata)
    assert harness.run().code == 0
    history = harness.history
    assert history is not None
    upstream = {"src/other/upstream.py": ["def upstream():", "    return 1"]}
    base_mod2 = list(history.base["src/pkg2/mod2.py"])
    base_mod2[55] = "    upstream_change = True"  # the base changed a line the PR does not touch
    history.merge_base({**upstream, "src/pkg2/mod2.py": base_mod2})
    run = harness.run()
    assert run.code == 0, run.stdout
    assert run.report["mode"] == "incremental"
    assert run.review_requests == []
    assert all(s["attempts"] == [] for s in run.report["steps"])
    assert "no model was called" in run.comment
    assert [f["state"] for f in run.report["findings"]] == ["open"]  # carried forward


def test_a_lockfile_only_push_makes_no_model_call(harness: Harness, realdata: Path) -> None:
    _small_pr(harness, realdata)
    history = harness.history
    assert history is not None
    history.head["poetry.lock"] = ["[[package]]", 'name = "a"', 'version = "1.0"']
    history.push({})
    assert harness.run().code == 0
    history.push({"poetry.lock": ["[[package]]", 'name = "a"', 'version = "1.1"']})
    run = harness.run()
    assert run.report["mode"] == "incremental"
    assert all(s["attempts"] == [] for s in run.report["steps"])
    assert "no model was called" in run.comment
    assert [f["state"] for f in run.report["findings"]] == ["open"]


def test_a_skip_label_updates_the_comment_in_one_line_and_calls_no_model(
    harness: Harness, realdata: Path
) -> None:
    _small_pr(harness, realdata)
    assert harness.run().code == 0
    calls = len(harness.vendors.server.requests)
    harness.history.label("reviewbot:skip")  # type: ignore[union-attr]
    run = harness.run()
    assert run.code == 0
    assert len(harness.vendors.server.requests) == calls
    visible = [ln for ln in run.comment.splitlines() if ln and not ln.startswith("<!--")]
    assert len(visible) == 1 and "reviewbot:skip" in visible[0]
    # The state survives the skip: removing the label later builds on the last review.
    harness.history.payload["pull_request"]["labels"] = []  # type: ignore[union-attr]
    _touch(harness)
    assert harness.run().report["mode"] == "incremental"


def test_a_push_below_min_changed_lines_calls_no_model(harness: Harness, realdata: Path) -> None:
    _small_pr(harness, realdata)
    harness.config("review:\n  min_changed_lines: 5\n")
    assert harness.run().report["mode"] == "full"
    _touch(harness)  # one added line
    run = harness.run()
    assert run.report["mode"] == "incremental"
    assert all(s["attempts"] == [] for s in run.report["steps"])
    assert "fewer than review.min_changed_lines (5): no model was called" in run.comment


def test_incremental_off_and_a_rerun_of_the_same_head_review_everything(
    harness: Harness, realdata: Path
) -> None:
    _small_pr(harness, realdata)
    harness.config("review:\n  incremental: false\n")
    assert harness.run().code == 0
    _touch(harness)
    assert "review.incremental: false" in harness.run().report["full_reason"]
    harness.config("review:\n  incremental: true\n")  # not part of the config digest
    again = harness.run()  # the same head once more (a re-run of the job)
    assert again.report["mode"] == "full"
    assert "was reviewed already" in again.report["full_reason"]
    assert [f["state"] for f in again.report["findings"]] == ["open"]
