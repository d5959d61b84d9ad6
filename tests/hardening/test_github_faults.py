"""GitHub faults through ``reviewbot action``: what the user sees (comment, steps, exit code)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewbot.github.publish import REFUSED_NOTE
from tests.fakeserver.base import Reply
from tests.fakeserver.github import BOT, HUMAN, REVIEW_422, FakeGitHub, load_payload
from tests.fakeserver.vendors import VendorFakes
from tests.hardening.harness import FAST, SQL_DIFF, ActionRun, action_run

COMMENTS = r"/repos/[^/]+/[^/]+/issues/\d+/comments"
PULL = r"/repos/[^/]+/[^/]+/pulls/\d+"
FINDING = {
    "summary": "One problem.",
    "findings": [
        {
            "path": "shop/payments.py",
            "line": 19,
            "end_line": None,
            "severity": "high",
            "category": "CWE-89 sql-injection",
            "title": "SQL injection in refund_payment",
            "body": "order_id is interpolated into the SQL text.",
            "suggestion": None,
        }
    ],
}
CONFIG = FAST + "steps:\n  classify: {models: []}\n"


def _ready(
    github: FakeGitHub, fakes: VendorFakes, tmp: Path, realdata: Path, config: str | None = CONFIG
) -> ActionRun:
    run = action_run(github, fakes, tmp, realdata)
    run.serve(SQL_DIFF.read_text())
    if config is not None:
        run.base_config(config)
    return run


def _assert_reviewed(run: ActionRun) -> None:
    assert run.code == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert run.comment().startswith("<!-- reviewbot:summary -->")
    assert {s["status"] for s in run.report()["steps"] if s["name"] != "classify"} == {"ok"}


def test_secondary_rate_limit_on_the_comment_is_waited_out(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _ready(github, vendor_fakes, tmp_path, realdata)
    github.secondary_rate_limit("POST", COMMENTS, retry_after=1)

    run.run(capsys)

    _assert_reviewed(run)
    assert len(github.requests("POST", COMMENTS)) == 2  # refused once, then posted
    assert "comment-url<<" in run.outputs() and "issuecomment-" in run.outputs()


def test_5xx_reading_the_diff_clears_after_a_retry(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _ready(github, vendor_fakes, tmp_path, realdata)
    github.server_errors("GET", PULL, times=1, status=502)

    run.run(capsys)

    _assert_reviewed(run)
    assert github.counts()["GET /repos/{o}/{r}/pulls/{n} (diff)"] == 2
    assert "shop/payments.py" in json.dumps(run.report()["files"])


def test_422_on_the_inline_review_still_posts_the_summary_and_says_so(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _ready(github, vendor_fakes, tmp_path, realdata)
    vendor_fakes.set_default("anthropic", FINDING)
    github.server.script("POST", PULL + "/reviews", Reply(422, REVIEW_422))

    run.run(capsys)

    assert run.code == 0 and "Traceback" not in run.stderr
    comment = run.comment()
    assert REFUSED_NOTE in comment
    assert "SQL injection in refund_payment" in comment
    assert github.pulls[run.number].reviews == []
    assert "GitHub refused the inline review (422)" in run.stdout


def test_missing_pr_exits_3_with_a_clear_message(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    dispatch = load_payload(realdata / "webhooks/octokit-webhooks/workflow_dispatch.payload.json")
    Path(run.env["GITHUB_EVENT_PATH"]).write_text(json.dumps(dispatch))
    run.env.update({"GITHUB_EVENT_NAME": "workflow_dispatch", "INPUT_PR-NUMBER": "4242"})

    run.run(capsys)

    assert run.code == 3 and "Traceback" not in run.stderr + run.stdout
    (error,) = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert "not found (404)" in error and "#4242" in error
    assert "reviewbot failed (exit 3)" in run.summary()
    assert not any(vendor_fakes.requests_for(v) for v in ("anthropic", "openai", "google"))


def test_missing_config_at_the_base_means_built_in_defaults(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _ready(github, vendor_fakes, tmp_path, realdata, config=None)
    vendor_fakes.reply_json(
        "openai", {"change_type": "feature", "risk": "medium", "rationale": "refunds"}
    )

    run.run(capsys)

    _assert_reviewed(run)
    report = run.report()
    assert report["budget_usd"] == 1.0
    assert run.step("security")["model"] == "anthropic:claude-sonnet-4-6"
    assert run.step("classify")["model"] == "openai:gpt-5-mini"
    (contents,) = github.requests("GET", r"/repos/.*/contents/\.github/reviewbot\.yml")
    assert contents.query["ref"] == [run.base_sha]


def test_sticky_comment_on_page_3_is_edited_not_duplicated(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _ready(github, vendor_fakes, tmp_path, realdata)
    number = run.number
    for i in range(230):
        github.add_issue_comment(number, f"comment {i}", HUMAN)
    github.add_issue_comment(number, "<!-- reviewbot:summary -->\nquoted by a person", HUMAN)
    sticky = github.add_issue_comment(number, "<!-- reviewbot:summary -->\nold review", BOT)
    for i in range(20):
        github.add_issue_comment(number, f"later {i}", HUMAN)

    run.run(capsys)

    assert run.code == 0 and "Traceback" not in run.stderr
    assert sticky["body"] != "<!-- reviewbot:summary -->\nold review"
    assert run.comment() == sticky["body"]
    assert "Reviewed commit `ec26c3e` of #2" in sticky["body"]
    counts = github.counts()
    assert counts["PATCH /repos/{o}/{r}/issues/comments/{n}"] == 1
    assert "POST /repos/{o}/{r}/issues/{n}/comments" not in counts
    pages = [r.query.get("page", ["1"])[0] for r in github.requests("GET", COMMENTS)]
    assert "3" in pages
    assert f"issuecomment-{sticky['id']}" in run.outputs()
