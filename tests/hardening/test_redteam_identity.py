"""Red team, identity: the summary comment is the one this token's own account wrote.

Class of issue 11, item 12: another app's comment starting with our marker was taken for ours
(any ``Bot`` author was accepted); editing it was refused with 403 and every later run posted
nothing, blaming a read-only token. Here: the token's account is learned from GitHub (GraphQL
``viewer``, else ``GET /user``, else the author of a write of this run); only a marker comment by
that account is edited; anyone else's is left alone; and a refused edit or review is not
reported as a read-only token when the token can still post.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fakeserver.base import Reply
from tests.fakeserver.github import BOT, FORBIDDEN, HUMAN, OTHER_BOT, PAT_USER, FakeGitHub
from tests.fakeserver.replies import SQLI_REPLY
from tests.fakeserver.vendors import VendorFakes
from tests.hardening.harness import FAST, SQL_DIFF, ActionRun, action_run

MARKER = "<!-- reviewbot:summary -->"
TOKENS = {
    "GITHUB_TOKEN": ("ghs_redteamGithubActionsToken000000001", BOT),
    "app installation token": ("ghs_redteamAcmeInstallationToken000002", OTHER_BOT),
    "personal access token": ("github_pat_redteamReleaseRobot00000003", PAT_USER),
}
# Whoever else may have written a comment that starts with the marker.
IMPOSTORS = {
    "another app": OTHER_BOT,
    "github-actions (another workflow)": BOT,
    "a person": HUMAN,
    "a user's token": PAT_USER,
}
CHAINS = (
    "steps:\n"
    "  classify: {models: ['openai:gpt-5-mini']}\n"
    "  security: {models: ['anthropic:claude-sonnet-4-6']}\n"
    "  quality: {models: ['openai:gpt-5.4']}\n"
    "  docs: {models: ['google:gemini-2.5-pro']}\n"
)
BLAME = "read-only"


def _run(
    github: FakeGitHub, fakes: VendorFakes, tmp: Path, realdata: Path, token: str
) -> ActionRun:
    run = action_run(github, fakes, tmp, realdata, token=token)
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST + CHAINS)
    fakes.set_default("anthropic", SQLI_REPLY)
    return run


def ours(run: ActionRun, account: dict[str, Any]) -> list[dict[str, Any]]:
    """The marker comments written by ``account``."""
    return [
        c
        for c in run.comments()
        if c["user"]["login"] == account["login"] and c["body"].startswith(MARKER)
    ]


def assert_not_blamed(run: ActionRun) -> None:
    for name, text in {"log": run.stdout, "summary": run.summary()}.items():
        assert BLAME not in text, name


@pytest.mark.parametrize(
    ("kind", "impostor"),
    [
        (kind, impostor)
        for kind, (_, me) in TOKENS.items()
        for impostor, other in IMPOSTORS.items()
        # (a person's comment was never taken for a bot's: tests/wire/test_github.py)
        if other["login"] != me["login"] and (me["type"] == "User" or other["type"] == "Bot")
    ],
)
def test_a_marker_comment_by_anyone_else_is_never_taken_for_ours(
    kind: str,
    impostor: str,
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token, me = TOKENS[kind]
    other = IMPOSTORS[impostor]
    github.tokens[token] = me
    run = _run(github, vendor_fakes, tmp_path, realdata, token)
    forged = f"{MARKER}\nLooks good to me. Nothing to review here."
    planted = github.add_issue_comment(run.number, forged, other)

    assert run.run(capsys) == 0, run.stdout + run.stderr
    first = ours(run, me)
    assert len(first) == 1 and "SQL injection in refund_payment" in first[0]["body"]
    assert run.outputs().count(first[0]["html_url"]) == 1  # the comment-url output

    # the next push edits our comment, still never the other one
    vendor_fakes.set_default("anthropic", {"summary": "ok", "findings": []})
    assert run.run(capsys) == 0, run.stdout + run.stderr
    second = ours(run, me)
    assert [c["id"] for c in second] == [first[0]["id"]]
    # no longer an open finding: listed only as resolved since the last review
    visible = second[0]["body"].split("\n## ", 1)[1]
    assert "SQL injection in refund_payment" not in visible.split("Resolved since the last")[0]
    assert "Resolved since the last review (1)" in visible
    assert planted["body"] == forged and planted["user"] == other
    assert len(run.comments()) == 2
    assert_not_blamed(run)


def test_with_another_apps_marker_comment_later_runs_still_post(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The red team's case: the default token, and an app that wrote the marker first."""
    run = _run(github, vendor_fakes, tmp_path, realdata, "ghs_defaultToken0000000000000000000000")
    planted = github.add_issue_comment(run.number, f"{MARKER}\nacme was here", OTHER_BOT)
    assert planted["performed_via_github_app"]["slug"] == "acme-review"

    for _ in range(3):
        assert run.run(capsys) == 0, run.stdout + run.stderr
        assert_not_blamed(run)
    (comment,) = ours(run, BOT)
    assert comment["performed_via_github_app"]["slug"] == "github-actions"
    assert "SQL injection in refund_payment" in comment["body"]
    patches = github.requests("PATCH", r"/repos/.*/issues/comments/\d+")
    assert [r.path.rsplit("/", 1)[1] for r in patches] == [str(comment["id"])] * 2
    assert planted["body"] == f"{MARKER}\nacme was here"

    # a token that really is read-only is still reported as such
    github.read_only = True
    assert run.run(capsys) == 0, run.stdout + run.stderr
    assert "nothing was posted to the pull request: the token is read-only" in run.summary()
    assert len(run.comments()) == 2


def test_a_refused_edit_posts_a_new_comment_and_blames_no_token(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GitHub refuses to edit our own old comment (e.g. after a transfer); we can still post."""
    run = _run(github, vendor_fakes, tmp_path, realdata, "ghs_defaultToken0000000000000000000000")
    old = github.add_issue_comment(run.number, f"{MARKER}\nold summary", BOT)
    github.server.script("PATCH", r"/repos/[^/]+/[^/]+/issues/comments/\d+", Reply(403, FORBIDDEN))

    assert run.run(capsys) == 0, run.stdout + run.stderr

    assert old["body"] == f"{MARKER}\nold summary"
    new = [c for c in ours(run, BOT) if c["id"] != old["id"]]
    assert len(new) == 1 and "SQL injection in refund_payment" in new[0]["body"]
    assert new[0]["html_url"] in run.outputs()
    assert "GitHub refused to edit the previous summary comment (403" in run.stdout
    assert_not_blamed(run)


def test_a_token_that_may_comment_but_not_review_still_posts_the_summary(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`issues: write` without `pull-requests: write`: the review is refused, the comment is not."""
    run = _run(github, vendor_fakes, tmp_path, realdata, "ghs_defaultToken0000000000000000000000")
    github.server.script("POST", r"/repos/[^/]+/[^/]+/pulls/\d+/reviews", Reply(403, FORBIDDEN))

    assert run.run(capsys) == 0, run.stdout + run.stderr

    (comment,) = ours(run, BOT)
    assert "SQL injection in refund_payment" in comment["body"]
    assert "cannot write pull request reviews" in comment["body"]
    assert comment["html_url"] in run.outputs()
    assert_not_blamed(run)


def test_another_apps_inline_comments_do_not_silence_ours(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An app copies our inline comments (hidden finding keys included) onto the PR."""
    run = _run(github, vendor_fakes, tmp_path, realdata, "ghs_defaultToken0000000000000000000000")
    assert run.run(capsys) == 0, run.stdout + run.stderr
    pull = github.pulls[run.number]
    assert len(pull.reviews) == 1
    for comment in pull.review_comments:  # now they look like another app's
        comment["user"] = dict(OTHER_BOT)

    assert run.run(capsys) == 0, run.stdout + run.stderr

    assert len(pull.reviews) == 2 and pull.reviews[1]["user"] == BOT
    assert [c["path"] for c in pull.reviews[1]["comments"]] == ["shop/payments.py"]
    # and our own inline comments are still not repeated on the next push
    assert run.run(capsys) == 0, run.stdout + run.stderr
    assert len(pull.reviews) == 2


@pytest.mark.parametrize("kind", list(TOKENS))
def test_without_graphql_the_account_comes_from_get_user_or_our_own_write(
    kind: str,
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A server whose GraphQL endpoint is unreachable: nobody else's comment is edited."""
    token, me = TOKENS[kind]
    github.tokens[token] = me
    github.graphql_enabled = False
    run = _run(github, vendor_fakes, tmp_path, realdata, token)
    impostor = HUMAN if me["type"] == "Bot" else OTHER_BOT
    planted = github.add_issue_comment(run.number, f"{MARKER}\nplanted", impostor)

    assert run.run(capsys) == 0, run.stdout + run.stderr
    assert run.run(capsys) == 0, run.stdout + run.stderr

    assert planted["body"] == f"{MARKER}\nplanted"
    mine = ours(run, me)
    if me["type"] == "User":  # GET /user knows a user token: one comment, edited in place
        assert len(mine) == 1
    else:  # an installation token cannot be told apart: a new comment rather than a wrong edit
        assert len(mine) == 2
    assert all("SQL injection in refund_payment" in c["body"] for c in mine)
    assert_not_blamed(run)
