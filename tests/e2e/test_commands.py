"""Comment commands end to end: real ``issue_comment`` / ``pull_request_review_comment``
payloads (tests/data/realdata/webhooks) with the command put in the body, run in-process
against the fake GitHub and fake vendors (real SDKs)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewbot.app.cli import main
from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.github import BOT, HUMAN, PAT_USER, FakeGitHub, load_payload, simple_user
from tests.fakeserver.vendors import ROUTES, VendorFakes, success_body

REPO = "Codertocat/Hello-World"
CONFIG = ".github/reviewbot.yml"
ANSWER_MARKER = "<!-- reviewbot:answer -->"
REPLY_MARKER = "<!-- reviewbot:reply -->"
SUMMARY_MARKER = "<!-- reviewbot:summary -->"
SECURITY_PATH = "src/pip/_internal/download.py"
CLASSIFY = {"change_type": "bugfix", "risk": "high", "rationale": "touches download paths"}
FINDING = {
    "path": SECURITY_PATH,
    "line": 1055,
    "end_line": 1058,
    "severity": "high",
    "category": "path-traversal",
    "title": "Filename taken from a header",
    "body": "The filename comes from Content-Disposition.",
    "suggestion": None,
}
REVIEW = {"summary": "One problem.", "findings": [FINDING]}
ISSUE_ON_PR = "webhooks/pytorch-test-infra/issue_comment.created.on_pr.payload.json"
ISSUE_ON_PR_2 = "webhooks/atlantis/issue_comment.created.on_pr.json"
ISSUE_ON_ISSUE = "webhooks/octokit-webhooks/issue_comment.created.on_issue.payload.json"
REVIEW_COMMENT = "webhooks/octokit-webhooks/pull_request_review_comment.created.payload.json"
OPENED = "webhooks/octokit-webhooks/pull_request.opened.payload.json"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key id
AWS_LINE = f'+aws_access_key_id = "{AWS_KEY}"\n'


class Answers:
    """What the fake vendors answer: classify, review or ``ask`` replies, by request content."""

    answer = "The filename is not checked; see `download.py:1055`."


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeGitHub, VendorFakes]]:
    github, vendors = FakeGitHub(REPO), VendorFakes()
    for vendor, pattern in ROUTES.items():
        vendors.server.route("POST", pattern, _step_aware(vendor))
    yield github, vendors
    github.close()
    vendors.close()


@pytest.fixture
def github(servers: tuple[FakeGitHub, VendorFakes]) -> FakeGitHub:
    servers[0].reset()
    return servers[0]


@pytest.fixture
def vendors(servers: tuple[FakeGitHub, VendorFakes]) -> VendorFakes:
    servers[1].reset()
    Answers.answer = "The filename is not checked; see `download.py:1055`."
    return servers[1]


def _step_aware(vendor: str) -> Any:
    def handle(req: Recorded, match: re.Match[str]) -> Reply:
        if '"answer"' in req.text:
            reply: Any = {"answer": Answers.answer}
        elif "change_type" in req.text:
            reply = CLASSIFY
        else:
            reply = REVIEW
        model = match.group("model") if vendor == "google" else (req.json or {}).get("model")
        return Reply(200, success_body(vendor, json.dumps(reply), model=model))

    return handle


def _vendor_requests(vendors: VendorFakes) -> list[Recorded]:
    return [r for vendor in ROUTES for r in vendors.requests_for(vendor)]


class Setup:
    """One PR on the fake GitHub and the Actions environment for a run against it."""

    def __init__(self, github: FakeGitHub, vendors: VendorFakes, tmp: Path, realdata: Path) -> None:
        self.github, self.vendors, self.tmp, self.realdata = github, vendors, tmp, realdata
        opened = load_payload(realdata / OPENED)
        opened["repository"]["full_name"] = REPO
        self.opened = opened
        self.pr = opened["pull_request"]
        self.number = int(self.pr["number"])
        self.diff = (realdata / "diffs/15_security_fix_path_traversal.diff").read_text()
        github.add_pull(self.pr, self.diff)

    def base_config(self, text: str) -> None:
        self.github.set_file(CONFIG, self.pr["base"]["sha"], text)

    def env(self, event: str, payload: dict[str, Any]) -> dict[str, str]:
        path = self.tmp / f"event-{len(list(self.tmp.iterdir()))}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        return {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": self.github.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_OUTPUT": str(self.tmp / "github_output"),
            "GITHUB_STEP_SUMMARY": str(self.tmp / "step_summary.md"),
            "GITHUB_WORKSPACE": str(self.tmp),
            "INPUT_GITHUB-TOKEN": "ghs_commands_test",
            "INPUT_CONFIG": CONFIG,
            "INPUT_ANTHROPIC-API-KEY": "sk-ant-test",
            "INPUT_OPENAI-API-KEY": "sk-openai-test",
            "INPUT_GEMINI-API-KEY": "gemini-test",
            "ANTHROPIC_BASE_URL": self.vendors.base_url("anthropic"),
            "OPENAI_BASE_URL": self.vendors.base_url("openai"),
            "GOOGLE_GEMINI_BASE_URL": self.vendors.base_url("google"),
            "NO_PROXY": "127.0.0.1,localhost",
        }

    def run(
        self, capsys: pytest.CaptureFixture[str], event: str, payload: dict[str, Any]
    ) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["action"], self.env(event, payload))
        return code, capsys.readouterr().out

    def issue_comment(
        self, body: str, *, source: str = ISSUE_ON_PR, association: str | None = None
    ) -> dict[str, Any]:
        """A real ``issue_comment`` payload on this PR with ``body``, its comment stored."""
        payload = copy.deepcopy(load_payload(self.realdata / source))
        payload["repository"]["full_name"] = REPO
        payload["issue"]["number"] = self.number
        comment = payload["comment"]
        comment["body"] = body
        if association is not None:
            comment["author_association"] = association
        self.github.pulls[self.number].issue_comments.append(copy.deepcopy(comment))
        return payload

    def review_comment(
        self, body: str, *, in_reply_to: int | None = None, association: str | None = None
    ) -> dict[str, Any]:
        """A real ``pull_request_review_comment`` payload on this PR, its comment stored."""
        payload = copy.deepcopy(load_payload(self.realdata / REVIEW_COMMENT))
        payload["repository"]["full_name"] = REPO
        payload["pull_request"] = copy.deepcopy(self.pr)
        comment = payload["comment"]
        comment["body"] = body
        if association is not None:
            comment["author_association"] = association
        if in_reply_to is not None:
            comment["in_reply_to_id"] = in_reply_to
            comment["path"] = SECURITY_PATH
        self.github.pulls[self.number].review_comments.append(copy.deepcopy(comment))
        return payload

    def posts(self) -> list[Recorded]:
        """Every write (the GraphQL ``viewer`` query is a read)."""
        return [
            r
            for r in self.github.server.requests
            if r.method in ("POST", "PATCH") and r.path != "/graphql"
        ]


@pytest.fixture
def setup(github: FakeGitHub, vendors: VendorFakes, tmp_path: Path, realdata: Path) -> Setup:
    return Setup(github, vendors, tmp_path, realdata)


# ---------------------------------------------------------------- help, unknown, who


@pytest.mark.parametrize("source", [ISSUE_ON_PR, ISSUE_ON_PR_2])
def test_help_replies_with_the_commands_and_reacts(
    setup: Setup, capsys: pytest.CaptureFixture[str], source: str
) -> None:
    payload = setup.issue_comment("  /ReviewBot HELP", source=source)
    code, out = setup.run(capsys, "issue_comment", payload)

    assert code == 0, out
    replies = [c for c in setup.github.pulls[setup.number].issue_comments if c["user"] == BOT]
    assert len(replies) == 1 and replies[0]["body"].startswith(REPLY_MARKER + "\n")
    for name in ("review", "full-review", "ask", "ignore", "help"):
        assert f"`/reviewbot {name}`" in replies[0]["body"]
    assert setup.github.reactions_on("issues", payload["comment"]["id"]) == ["eyes", "+1"]
    assert _vendor_requests(setup.vendors) == []
    # the PR is fetched by number (the payload has only the issue); config from the base
    assert setup.github.counts()["GET /repos/{o}/{r}/pulls/{n}"] == 1
    contents = setup.github.requests("GET", r"/repos/.*/contents/.*")
    assert [r.query["ref"] for r in contents] == [[setup.pr["base"]["sha"]]]


def test_unknown_command_replies_with_the_list_and_calls_no_model(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = setup.review_comment("/reviewbot frobnicate everything")
    code, out = setup.run(capsys, "pull_request_review_comment", payload)

    assert code == 0, out
    replies = [c for c in setup.github.pulls[setup.number].review_comments if c["user"] == BOT]
    assert len(replies) == 1
    body = replies[0]["body"]
    assert body.startswith(REPLY_MARKER) and "`frobnicate`" in body
    assert "`/reviewbot ask`" in body
    assert replies[0]["in_reply_to_id"] == payload["comment"]["id"]
    assert setup.github.reactions_on("pulls", payload["comment"]["id"]) == ["eyes", "confused"]
    assert _vendor_requests(setup.vendors) == []


@pytest.mark.parametrize("association", ["NONE", "CONTRIBUTOR", "FIRST_TIME_CONTRIBUTOR"])
@pytest.mark.parametrize("event", ["issue_comment", "pull_request_review_comment"])
def test_outsiders_commands_spend_nothing_and_post_nothing(
    setup: Setup, capsys: pytest.CaptureFixture[str], association: str, event: str
) -> None:
    body = "/reviewbot ask what does this change do?"
    if event == "issue_comment":
        payload = setup.issue_comment(body, association=association)
    else:
        payload = setup.review_comment(body, association=association)
    code, out = setup.run(capsys, event, payload)

    assert code == 0
    assert _vendor_requests(setup.vendors) == []
    assert setup.posts() == []
    assert "::notice::" in out and f"({association}) may not run commands" in out


def test_a_bots_comment_quoting_a_command_is_ignored_without_a_request(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = setup.issue_comment("/reviewbot review\n\n(quoted from the docs)")
    payload["comment"]["user"] = copy.deepcopy(simple_user("renovate[bot]", 29139614, "B", "Bot"))
    payload["comment"]["author_association"] = "OWNER"  # even an allowed association
    code, out = setup.run(capsys, "issue_comment", payload)

    assert code == 0
    assert setup.github.server.requests == []
    assert _vendor_requests(setup.vendors) == []
    assert "bots' comments are never commands" in out


def test_the_bots_own_comment_written_with_a_user_token_is_ignored(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.github.tokens["ghs_commands_test"] = PAT_USER  # the token acts as a person
    payload = setup.issue_comment("/reviewbot help", association="OWNER")
    payload["comment"]["user"] = copy.deepcopy(PAT_USER)
    code, out = setup.run(capsys, "issue_comment", payload)

    assert code == 0
    assert setup.posts() == []
    assert "reviewbot's own" in out


def test_comments_on_plain_issues_and_plain_comments_do_nothing(
    setup: Setup, capsys: pytest.CaptureFixture[str], realdata: Path
) -> None:
    on_issue = load_payload(realdata / ISSUE_ON_ISSUE)
    on_issue["comment"]["body"] = "/reviewbot review"
    code, out = setup.run(capsys, "issue_comment", on_issue)
    assert code == 0 and "not on a pull request" in out

    chatter = setup.issue_comment("Looks good to me, thanks!")
    code, out = setup.run(capsys, "issue_comment", chatter)
    assert code == 0 and "not a command" in out
    assert setup.github.server.requests == []


def test_commands_can_be_switched_off_and_a_handle_aliased(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    setup.base_config("commands:\n  enabled: false\n")
    code, _ = setup.run(capsys, "issue_comment", setup.issue_comment("/reviewbot help"))
    assert code == 0 and setup.posts() == []

    setup.base_config("commands:\n  handle: acme-reviewer\n")
    payload = setup.issue_comment("@Acme-Reviewer help")
    code, out = setup.run(capsys, "issue_comment", payload)
    assert code == 0, out
    assert setup.github.reactions_on("issues", payload["comment"]["id"]) == ["eyes", "+1"]


# ---------------------------------------------------------------- review


@pytest.mark.parametrize("command", ["review", "full-review"])
def test_review_commands_run_the_review_and_post_the_summary(
    setup: Setup, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    payload = setup.issue_comment(f"/reviewbot {command}")
    code, out = setup.run(capsys, "issue_comment", payload)

    assert code == 0, out
    assert _vendor_requests(setup.vendors)  # the models were asked
    sticky = [
        c
        for c in setup.github.pulls[setup.number].issue_comments
        if c["body"].startswith(SUMMARY_MARKER)
    ]
    assert len(sticky) == 1 and "Filename taken from a header" in sticky[0]["body"]
    assert setup.github.pulls[setup.number].reviews  # the inline review too
    assert setup.github.reactions_on("issues", payload["comment"]["id"]) == ["eyes", "+1"]
    # The command's flag reaches the incremental planner like the full-review input does.
    requested = f"requested by /reviewbot full-review (by @{payload['comment']['user']['login']})"
    report = _report(setup)
    if command == "full-review":
        assert report["mode"] == "full" and report["full_reason"] == requested
        # The comment shows the reason with the login defused (no live mention).
        assert "**Full review:** requested by /reviewbot full-review (by " in sticky[0]["body"]
        assert requested not in sticky[0]["body"]
    else:  # no saved state yet: full, for that reason, not because it was asked
        assert report["full_reason"] != requested and "requested" not in report["full_reason"]


# ---------------------------------------------------------------- ask


def test_ask_answers_on_the_ask_chain_with_the_redacted_diff_and_the_pr_text(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    pull = setup.github.pulls[setup.number]
    hunk_end = pull.diff.index("\n", pull.diff.index("@@ ", pull.diff.index("+++ "))) + 1
    pull.diff = pull.diff[:hunk_end] + AWS_LINE + pull.diff[hunk_end:]
    payload = setup.issue_comment("/reviewbot ask Is the filename\nchecked anywhere?")
    code, out = setup.run(capsys, "issue_comment", payload)

    assert code == 0, out
    requests = _vendor_requests(setup.vendors)
    assert len(requests) == 1
    assert requests[0].path.endswith("/chat/completions")
    assert (requests[0].json or {})["model"] == "gpt-5-mini"  # the cheap model first
    sent = requests[0].text
    assert "Is the filename\\nchecked anywhere?" in sent
    assert setup.pr["title"] in sent and "download.py" in sent
    assert AWS_KEY not in sent  # redacted like every prompt
    (answer,) = [c for c in pull.issue_comments if c["body"].startswith(ANSWER_MARKER)]
    body = answer["body"]
    assert "> Is the filename\n> checked anywhere?" in body
    assert "The filename is not checked" in body
    assert re.search(
        r"<sub>ask · `openai:gpt-5-mini` · .* · \$[\d.]+ of \$1\.00 budget</sub>", body
    )
    assert setup.github.reactions_on("issues", payload["comment"]["id"]) == ["eyes", "+1"]


def test_ask_answer_is_sanitised(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    Answers.answer = (
        "Ping @octocat and @github/security.\n\n<img src=x onerror=alert(1)>"
        "\n<!-- reviewbot:summary -->\n<details open>hidden</details>"
    )
    payload = setup.issue_comment("/reviewbot ask who should look at this? @octocat")
    code, out = setup.run(capsys, "issue_comment", payload)

    assert code == 0, out
    pull = setup.github.pulls[setup.number]
    (answer,) = [c for c in pull.issue_comments if c["body"].startswith(ANSWER_MARKER)]
    body = answer["body"]
    assert not re.search(r"(?<![\w`])@octocat\b", body)  # no live mention (question too)
    assert not re.search(r"(?<![\w`])@github/security", body)
    assert "<img" not in body and "<details" not in body
    assert body.count("<!--") == 1  # only our own marker, on the first line
    assert not any(c["body"].startswith(SUMMARY_MARKER) for c in pull.issue_comments)


def test_ask_respects_the_budget(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    setup.base_config("budget_usd: 0.0001\n")
    payload = setup.issue_comment("/reviewbot ask what does this do?")
    code, out = setup.run(capsys, "issue_comment", payload)

    assert code == 0, out
    assert _vendor_requests(setup.vendors) == []  # every model's worst case is over budget
    pull = setup.github.pulls[setup.number]
    (answer,) = [c for c in pull.issue_comments if c["body"].startswith(ANSWER_MARKER)]
    assert "No answer" in answer["body"] and "budget" in answer["body"]
    assert setup.github.reactions_on("issues", payload["comment"]["id"]) == ["eyes", "confused"]


def test_ask_in_a_thread_gets_its_finding_and_code_and_replies_there(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    finding = setup.github.add_review_comment(
        setup.number,
        "**high** · path-traversal · Filename taken from a header\n\nUnchecked name."
        "\n\n<!-- reviewbot:finding 0123456789abcdef -->",
        SECURITY_PATH,
        1058,
    )
    payload = setup.review_comment(
        "/reviewbot ask how would an attacker reach this?", in_reply_to=finding["id"]
    )
    payload["comment"]["diff_hunk"] = (
        "@@ -1050,4 +1050,9 @@ def _download_http_url(\n+    name = header"
    )
    setup.github.pulls[setup.number].review_comments[-1]["diff_hunk"] = payload["comment"][
        "diff_hunk"
    ]
    code, out = setup.run(capsys, "pull_request_review_comment", payload)

    assert code == 0, out
    (request,) = _vendor_requests(setup.vendors)
    assert "Unchecked name." in request.text and "name = header" in request.text
    replies = [
        c
        for c in setup.github.pulls[setup.number].review_comments
        if c["body"].startswith(ANSWER_MARKER)
    ]
    assert len(replies) == 1 and replies[0]["in_reply_to_id"] == finding["id"]
    assert setup.github.reactions_on("pulls", payload["comment"]["id"]) == ["eyes", "+1"]


# ---------------------------------------------------------------- ignore, 👎, feedback


def _first_review(setup: Setup, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """Review the PR once (a ``pull_request`` event); return the bot's inline comment."""
    code, out = setup.run(capsys, "pull_request", setup.opened)
    assert code == 0, out
    (inline,) = [c for c in setup.github.pulls[setup.number].review_comments if c["user"] == BOT]
    return inline


def _report(setup: Setup) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((setup.tmp / "reviewbot-report.json").read_text())
    return data


def test_ignore_dismisses_the_finding_in_the_next_review(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    inline = _first_review(setup, capsys)
    key = re.search(r"reviewbot:finding ([0-9a-f]{16})", inline["body"]).group(1)  # type: ignore[union-attr]
    assert [f["fingerprint"] for f in _report(setup)["findings"]] == [key]

    payload = setup.review_comment(
        "/reviewbot ignore the header is validated upstream", in_reply_to=inline["id"]
    )
    code, out = setup.run(capsys, "pull_request_review_comment", payload)
    assert code == 0, out
    (ack,) = [
        c
        for c in setup.github.pulls[setup.number].review_comments
        if c["user"] == BOT and c.get("in_reply_to_id") == inline["id"]
    ]
    assert ack["body"].startswith(REPLY_MARKER) and key in ack["body"]
    assert "its thread is resolved" in ack["body"]
    assert setup.github.reactions_on("pulls", payload["comment"]["id"]) == ["eyes", "+1"]
    assert setup.github.pulls[setup.number].resolved_threads == {inline["id"]}  # GraphQL

    code, out = setup.run(capsys, "pull_request", setup.opened)
    assert code == 0, out
    report = _report(setup)
    assert key not in [f["fingerprint"] for f in report["findings"]]
    assert report["dismissed"] == [
        {"fingerprint": key, "by": "Codertocat", "reason": "the header is validated upstream"}
    ]
    sticky = next(
        c["body"]
        for c in setup.github.pulls[setup.number].issue_comments
        if c["body"].startswith(SUMMARY_MARKER)
    )
    assert "<details><summary>Dismissed (1)</summary>" in sticky
    assert "dismissed by `Codertocat`: the header is validated upstream" in sticky
    assert "#### 🟠 High" not in sticky
    assert "Resolved since the last review" not in sticky  # dismissed, not resolved
    assert report["mode"] == "full"  # the same head again: a re-run


def test_ignore_whose_thread_cannot_be_resolved_is_noted_not_an_error(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    inline = _first_review(setup, capsys)
    setup.github.threads_resolvable = False  # resolveReviewThread answers FORBIDDEN
    payload = setup.review_comment("/reviewbot ignore", in_reply_to=inline["id"])
    code, out = setup.run(capsys, "pull_request_review_comment", payload)
    assert code == 0, out
    (ack,) = [
        c
        for c in setup.github.pulls[setup.number].review_comments
        if c["user"] == BOT and c.get("in_reply_to_id") == inline["id"]
    ]
    assert "could not be resolved" in ack["body"] and "the dismissal holds" in ack["body"]
    assert setup.github.reactions_on("pulls", payload["comment"]["id"]) == ["eyes", "+1"]
    assert setup.github.pulls[setup.number].resolved_threads == set()

    code, out = setup.run(capsys, "pull_request", setup.opened)
    assert code == 0, out
    assert _report(setup)["findings"] == [] and len(_report(setup)["dismissed"]) == 1


def test_ignore_by_an_outsider_or_outside_a_thread_dismisses_nothing(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    inline = _first_review(setup, capsys)
    setup.github.add_review_comment(
        setup.number, "/reviewbot ignore", SECURITY_PATH, 1058, HUMAN,
        in_reply_to=inline["id"], association="NONE",
    )  # fmt: skip
    payload = setup.issue_comment("/reviewbot ignore")  # not in a thread
    code, out = setup.run(capsys, "issue_comment", payload)
    assert code == 0, out
    assert setup.github.reactions_on("issues", payload["comment"]["id"]) == ["eyes", "confused"]

    setup.run(capsys, "pull_request", setup.opened)
    assert len(_report(setup)["findings"]) == 1 and _report(setup)["dismissed"] == []


def test_thumbs_down_from_a_writer_dismisses_and_reactions_reach_the_report(
    setup: Setup, capsys: pytest.CaptureFixture[str]
) -> None:
    inline = _first_review(setup, capsys)
    assert "<!-- reviewbot:origin security anthropic:claude-opus-4-7 -->" in inline["body"]
    stranger = simple_user("drive-by", 99, "U_x")
    setup.github.add_reaction("pulls", inline["id"], "-1", stranger)  # no write access
    setup.github.add_reaction("pulls", inline["id"], "+1", HUMAN)

    setup.run(capsys, "pull_request", setup.opened)
    report = _report(setup)
    assert len(report["findings"]) == 1 and report["dismissed"] == []
    assert report["feedback"] == [
        {
            "step": "security",
            "model": "anthropic:claude-opus-4-7",
            "comments": 1,
            "thumbs_up": 1,
            "thumbs_down": 1,
        }
    ]

    setup.github.permissions["octocat"] = "write"
    setup.github.add_reaction("pulls", inline["id"], "-1", HUMAN)
    setup.run(capsys, "pull_request", setup.opened)
    report = _report(setup)
    assert report["findings"] == []
    assert report["dismissed"][0]["by"] == "octocat" and report["dismissed"][0]["reason"] == "👎"
    assert setup.github.pulls[setup.number].resolved_threads == {inline["id"]}
