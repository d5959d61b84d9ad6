"""GitHubClient through the real PyGithub against the fake GitHub REST API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewbot.diff.parse import parse_diff
from reviewbot.domain import Finding, Severity, SkipReason
from reviewbot.errors import GitHubError
from reviewbot.github.client import BoundedRetry, GitHubClient
from reviewbot.github.comments import MARKER
from reviewbot.github.results import PostStatus
from reviewbot.output.inline import inline_comments
from reviewbot.output.render import fit_comment
from tests.fakeserver.github import BOT, HUMAN, FakeGitHub, load_payload

REPO = "Codertocat/Hello-World"
CONFIG = ".github/reviewbot.yml"


def fast_retry() -> BoundedRetry:
    return BoundedRetry(total=3, backoff_factor=0, secondary_rate_wait=1, max_rate_limit_wait=5)


@pytest.fixture
def pr_payload(realdata: Path) -> dict[str, Any]:
    path = realdata / "webhooks/octokit-webhooks/pull_request.opened.payload.json"
    return load_payload(path)["pull_request"]


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeGitHub]:
    server = FakeGitHub(REPO)
    yield server
    server.close()


@pytest.fixture
def fake(_server: FakeGitHub) -> FakeGitHub:
    _server.reset()
    return _server


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[GitHubClient]:
    gh = GitHubClient("ghs_test", fake.url, REPO, retry=fast_retry())
    yield gh
    gh.close()


def _many_files_diff(count: int) -> str:
    return "".join(
        f"diff --git a/src/m{i}.py b/src/m{i}.py\n--- a/src/m{i}.py\n+++ b/src/m{i}.py\n"
        f"@@ -1,2 +1,3 @@\n a = {i}\n+b = {i}\n c = {i}\n"
        for i in range(count)
    )


def _files_entries(
    count: int, *, without_patch: dict[int, str] | None = None
) -> list[dict[str, Any]]:
    entries = []
    for i in range(count):
        entry: dict[str, Any] = {
            "sha": f"{i:040x}",
            "filename": f"src/m{i}.py",
            "status": "modified",
            "additions": 1,
            "deletions": 0,
            "changes": 1,
            "patch": f"@@ -1,2 +1,3 @@\n a = {i}\n+b = {i}\n c = {i}",
        }
        kind = (without_patch or {}).get(i)
        if kind == "binary":
            entry.update(filename=f"img/p{i}.png", additions=0, changes=0)
            del entry["patch"]
        elif kind == "large":
            entry.update(additions=25000, changes=25000)
            del entry["patch"]
        entries.append(entry)
    return entries


def _finding(path: str, line: int, title: str = "t", end: int | None = None) -> Finding:
    return Finding("security", Severity.HIGH, "injection", path, line, end, title, "body")


# ---------------------------------------------------------------- reading


def test_pr_from_payload_needs_no_request(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    fake.add_pull(pr_payload)
    info = client.pull_request(2, pr_payload)
    assert (info.ref.number, info.ref.head_sha[:7], info.ref.base_sha[:7]) == (
        2,
        "ec26c3e",
        "f95f852",
    )
    assert info.ref.title == "Update the README with new information."
    assert not info.draft and not info.fork
    assert fake.server.requests == []


def test_pr_fetched_when_no_payload(fake: FakeGitHub, client: GitHubClient, realdata: Path) -> None:
    fork_pr = load_payload(
        realdata / "webhooks/pytorch-test-infra/pull_request.opened.fork.payload.json"
    )
    fake.add_pull(fork_pr["pull_request"])
    info = client.pull_request(31)
    assert info.fork and info.ref.head_sha.startswith("6f0d678")
    assert fake.counts() == {"GET /repos/{o}/{r}/pulls/{n}": 1}


def test_missing_pr_is_a_clear_github_error(client: GitHubClient) -> None:
    with pytest.raises(GitHubError, match=r"not found \(404\).*Codertocat/Hello-World#99") as info:
        client.pull_request(99)
    assert info.value.exit_code == 3


def test_bad_token_is_a_clear_github_error(fake: FakeGitHub, client: GitHubClient) -> None:
    fake.server.script("GET", r".*", fake_reply(401, {"message": "Bad credentials"}))
    with pytest.raises(GitHubError, match="rejected the token"):
        client.pull_request(2)


def test_5xx_then_ok_is_retried(fake: FakeGitHub, client: GitHubClient, pr_payload: dict) -> None:
    fake.add_pull(pr_payload, "diff --git a/x b/x\n")
    fake.server_errors("GET", r"/repos/.*/pulls/2", times=2)
    assert client.diff(2).text == "diff --git a/x b/x\n"
    assert len(fake.requests("GET", r"/repos/.*/pulls/2")) == 3


def test_exhausted_retries_are_a_github_error(fake: FakeGitHub, client: GitHubClient) -> None:
    fake.server_errors("GET", r"/repos/.*/pulls/2", times=10)
    with pytest.raises(GitHubError, match="retries exhausted"):
        client.diff(2)
    assert len(fake.requests("GET", r"/repos/.*/pulls/2")) == 4  # 1 + total=3


def test_secondary_rate_limit_is_waited_out(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    fake.add_pull(pr_payload)
    fake.secondary_rate_limit("POST", r"/repos/.*/issues/2/comments", retry_after=1)
    result = client.upsert_comment(2, f"{MARKER}\nhello")
    assert result.status is PostStatus.POSTED
    posts = fake.requests("POST", r"/repos/.*/issues/2/comments")
    assert len(posts) == 2 and posts[1].t - posts[0].t >= 0.9  # Retry-After honoured
    assert len(fake.pulls[2].issue_comments) == 1


def test_absurd_retry_after_fails_fast(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    fake.add_pull(pr_payload)
    fake.secondary_rate_limit("POST", r"/repos/.*/issues/2/comments", retry_after=3600)
    with pytest.raises(GitHubError, match="wait 3600 s"):
        client.upsert_comment(2, f"{MARKER}\nhello")
    assert len(fake.requests("POST", r"/repos/.*/issues/2/comments")) == 1


def test_config_is_read_at_the_base_commit_only(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    base, head = pr_payload["base"]["sha"], pr_payload["head"]["sha"]
    fake.add_pull(pr_payload)
    fake.set_file(CONFIG, base, "budget_usd: 0.5\n")
    fake.set_file(CONFIG, head, "budget_usd: 500\n")
    assert client.config_text(CONFIG, base) == "budget_usd: 0.5\n"
    refs = [r.query.get("ref") for r in fake.requests("GET", r"/repos/.*/contents/.*")]
    assert refs == [[base]]


def test_missing_config_means_defaults(fake: FakeGitHub, client: GitHubClient) -> None:
    assert client.config_text(CONFIG, "f" * 40) is None


def test_406_rebuilds_a_400_file_diff_from_the_files_api(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    entries = _files_entries(400, without_patch={7: "binary", 250: "large"})
    fake.add_pull(pr_payload, files=entries, too_large=True)
    diff = client.diff(2)
    assert diff.source == "files"
    assert dict(diff.skipped) == {
        "img/p7.png": SkipReason.BINARY,
        "src/m250.py": SkipReason.TOO_LARGE,
    }
    files = parse_diff(diff.text)
    assert len(files) == 400
    assert files[0].path == "src/m0.py" and files[0].right_lines == {1, 2, 3}
    assert fake.counts() == {
        "GET /repos/{o}/{r}/pulls/{n} (diff)": 1,
        "GET /repos/{o}/{r}/pulls/{n}/files": 4,  # 100 per page
    }
    assert all(r.query["per_page"] == ["100"] for r in fake.requests("GET", r".*/files"))


# ---------------------------------------------------------------- the sticky comment


def test_sticky_comment_found_across_pages_only_when_bot_authored(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    fake.add_pull(pr_payload)
    for i in range(150):
        fake.add_issue_comment(2, f"chatter {i}")
    quoted = fake.add_issue_comment(2, f"{MARKER}\nI am a human quoting the bot", HUMAN)
    other_bot = fake.add_issue_comment(2, f"> {MARKER}\nanother bot, marker not first", BOT)
    ours = fake.add_issue_comment(2, f"{MARKER}\nold summary", BOT)
    result = client.upsert_comment(2, f"{MARKER}\nnew summary")
    assert result.status is PostStatus.UPDATED and result.url == ours["html_url"]
    assert ours["body"] == f"{MARKER}\nnew summary"
    assert quoted["body"].endswith("quoting the bot") and other_bot["body"].startswith(">")
    assert len(fake.pulls[2].issue_comments) == 153
    assert fake.counts() == {
        "GET /repos/{o}/{r}/issues/{n}/comments": 2,
        "POST /graphql": 1,  # which account the token acts as: asked once, for a marker comment
        "PATCH /repos/{o}/{r}/issues/comments/{n}": 1,
    }


def test_human_marker_comment_is_never_edited(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    fake.add_pull(pr_payload)
    human = fake.add_issue_comment(2, f"{MARKER}\nquoted", HUMAN)
    first = client.upsert_comment(2, f"{MARKER}\nsummary 1")
    second = client.upsert_comment(2, f"{MARKER}\nsummary 2")
    assert first.status is PostStatus.POSTED and second.status is PostStatus.UPDATED
    assert first.url == second.url
    assert human["body"] == f"{MARKER}\nquoted"
    bodies = [c["body"] for c in fake.pulls[2].issue_comments]
    assert bodies == [f"{MARKER}\nquoted", f"{MARKER}\nsummary 2"]


def test_oversized_comment_is_trimmed_with_a_note(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    fake.add_pull(pr_payload)
    body = MARKER + "\n" + "\n".join(f"- finding {i} " + "x" * 80 for i in range(2000))
    assert client.upsert_comment(2, body).status is PostStatus.POSTED
    posted = fake.pulls[2].issue_comments[0]["body"]
    assert len(posted) <= 65000 and posted.startswith(MARKER + "\n")
    assert "truncated to fit GitHub's 65,536-character limit" in posted
    assert fit_comment("short") == "short"


def test_read_only_token_is_reported_not_raised(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    fake.add_pull(pr_payload, "diff --git a/x b/x\n")
    fake.read_only = True
    result = client.upsert_comment(2, f"{MARKER}\nx")
    assert result.status is PostStatus.FORBIDDEN
    assert "Resource not accessible by integration" in (result.message or "")


# ---------------------------------------------------------------- the inline review


def test_review_posts_commentable_findings_once(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict, realdata: Path
) -> None:
    text = (realdata / "diffs/15_security_fix_path_traversal.diff").read_text()
    fake.add_pull(pr_payload, text)
    files = parse_diff(text)
    path = "src/pip/_internal/download.py"
    findings = [
        _finding(path, 1055, "range", end=1058),
        _finding(path, 5, "outside the diff"),
        _finding(path, 1060, "single"),
    ]
    head = pr_payload["head"]["sha"]
    comments = inline_comments(findings, files, limit=20, posted=client.posted_finding_keys(2))
    assert [(c.line, c.start_line) for c in comments] == [(1058, 1055), (1060, None)]
    assert client.post_review(2, head, comments, "r").status is PostStatus.POSTED
    review = fake.pulls[2].reviews[0]
    assert review["commit_id"] == head and review["comments"][0]["start_side"] == "RIGHT"

    again = inline_comments(findings, files, limit=20, posted=client.posted_finding_keys(2))
    assert again == []
    assert client.post_review(2, head, again, "r").status is PostStatus.NOTHING
    assert len(fake.pulls[2].reviews) == 1
    assert "GET /repos/{o}/{r}/commits/{sha}" not in fake.counts()


def test_review_422_is_a_status(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict, realdata: Path
) -> None:
    text = (realdata / "diffs/15_security_fix_path_traversal.diff").read_text()
    fake.add_pull(pr_payload, text)
    files = parse_diff(text)
    comments = inline_comments([_finding("src/pip/_internal/download.py", 1060)], files, limit=5)
    fake.server.script("POST", r".*/reviews", fake_reply(422, {"message": "Unprocessable Entity"}))
    result = client.post_review(2, pr_payload["head"]["sha"], comments, "r")
    assert result.status is PostStatus.REFUSED
    assert fake.pulls[2].reviews == []


def test_fake_refuses_anchors_outside_the_diff_like_github(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict, realdata: Path
) -> None:
    from reviewbot.output.inline import InlineComment

    fake.add_pull(pr_payload, (realdata / "diffs/15_security_fix_path_traversal.diff").read_text())
    good = InlineComment("src/pip/_internal/download.py", 1060, None, "ok", "k1")
    bad = InlineComment("src/pip/_internal/download.py", 5, None, "off", "k2")
    result = client.post_review(2, pr_payload["head"]["sha"], [good, bad], "r")
    assert result.status is PostStatus.REFUSED and "part of the diff" in (result.message or "")


def test_a_300_file_review_takes_at_most_6_requests(
    fake: FakeGitHub, client: GitHubClient, pr_payload: dict
) -> None:
    text = _many_files_diff(300)
    fake.add_pull(pr_payload, text)
    base, head = pr_payload["base"]["sha"], pr_payload["head"]["sha"]
    fake.set_file(CONFIG, base, "budget_usd: 0.5\n")
    for i in range(40):
        fake.add_issue_comment(2, f"chatter {i}")

    info = client.pull_request(2, pr_payload)
    assert client.config_text(CONFIG, info.ref.base_sha) is not None
    files = parse_diff(client.diff(2).text)
    findings = [_finding(f"src/m{i}.py", 2, f"t{i}") for i in range(30)]
    comments = inline_comments(findings, files, limit=20, posted=client.posted_finding_keys(2))
    assert client.post_review(2, head, comments, "r").status is PostStatus.POSTED
    assert client.upsert_comment(2, f"{MARKER}\nsummary").status is PostStatus.POSTED

    counts = fake.counts()
    assert counts == {
        "GET /repos/{o}/{r}/contents/.github/reviewbot.yml": 1,
        "GET /repos/{o}/{r}/pulls/{n} (diff)": 1,
        "GET /repos/{o}/{r}/pulls/{n}/comments": 1,
        "POST /repos/{o}/{r}/pulls/{n}/reviews": 1,
        "GET /repos/{o}/{r}/issues/{n}/comments": 1,
        "POST /repos/{o}/{r}/issues/{n}/comments": 1,
    }
    assert sum(counts.values()) <= 6
    assert len(fake.pulls[2].reviews[0]["comments"]) == 20


def fake_reply(status: int, body: Any) -> Any:
    from tests.fakeserver.base import Reply

    return Reply(status, body)
