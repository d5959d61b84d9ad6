"""``python -m reviewbot action`` as a subprocess: real payloads, fake GitHub, fake vendors."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.github import BOT, FakeGitHub, load_payload, right_lines
from tests.fakeserver.vendors import ROUTES, VendorFakes, success_body
from tests.sarif_schema import check_if_possible

pytestmark = pytest.mark.slow

REPO = "Codertocat/Hello-World"
MARKER = "<!-- reviewbot:summary -->"
CONFIG = ".github/reviewbot.yml"
SECURITY_PATH = "src/pip/_internal/download.py"
CLASSIFY = {"change_type": "bugfix", "risk": "high", "rationale": "touches download paths"}
REVIEW = {
    "summary": "One problem.",
    "findings": [
        {
            "path": SECURITY_PATH,
            "line": 1055,
            "end_line": 1058,
            "severity": "high",
            "category": "path-traversal",
            "title": "Filename taken from a header",
            "body": "The filename comes from Content-Disposition.",
            "suggestion": None,
        },
        {
            "path": SECURITY_PATH,
            "line": 5,
            "end_line": None,
            "severity": "low",
            "category": "style",
            "title": "Import order",
            "body": "Outside the diff.",
            "suggestion": None,
        },
    ],
}
CONFIG_CHANGE = (
    f"diff --git a/{CONFIG} b/{CONFIG}\n--- a/{CONFIG}\n+++ b/{CONFIG}\n"
    "@@ -1 +1,2 @@\n budget_usd: 0.50\n+surprise_key: exfiltrate\n"
)


@dataclass
class Run:
    """One finished action run and the files it wrote."""

    code: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    workspace: Path


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeGitHub, VendorFakes]]:
    github, vendors = FakeGitHub(REPO), VendorFakes()
    for vendor, pattern in ROUTES.items():  # classify and review answers by request content
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
    return servers[1]


def _step_aware(vendor: str) -> Any:
    def handle(req: Recorded, match: re.Match[str]) -> Reply:
        reply = CLASSIFY if "change_type" in req.text else REVIEW
        model = match.group("model") if vendor == "google" else (req.json or {}).get("model")
        return Reply(200, success_body(vendor, json.dumps(reply), model=model))

    return handle


def _payload(realdata: Path, name: str, *, number: int | None = None) -> dict[str, Any]:
    """A copy of a real payload retargeted at the fake repository (forks stay forks)."""
    payload = copy.deepcopy(load_payload(realdata / "webhooks" / name))
    payload["repository"]["full_name"] = REPO
    pr = payload.get("pull_request")
    if pr is not None:
        base_repo = pr["base"]["repo"]["full_name"]
        if pr["head"]["repo"]["full_name"] == base_repo:
            pr["head"]["repo"]["full_name"] = REPO
        pr["base"]["repo"]["full_name"] = REPO
        if number is not None:
            pr["number"] = number
    return payload


def _run(
    tmp_path: Path,
    github: FakeGitHub,
    event: str,
    payload: dict[str, Any],
    *,
    vendors: VendorFakes | None = None,
    inputs: dict[str, str] | None = None,
) -> Run:
    workspace = tmp_path / f"ws-{len(list(tmp_path.iterdir()))}"
    workspace.mkdir()
    event_path = workspace / "event.json"
    event_path.write_text(json.dumps(payload))
    output, summary = workspace / "output.txt", workspace / "summary.md"
    output.touch()
    summary.touch()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(workspace),
        "NO_PROXY": "127.0.0.1,localhost",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": github.url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_WORKSPACE": str(workspace),
        "INPUT_GITHUB-TOKEN": "ghs_e2e_token",
        "INPUT_CONFIG": CONFIG,
        "INPUT_DRY-RUN": "false",
    }
    if vendors is not None:
        env |= {
            "INPUT_ANTHROPIC-API-KEY": "sk-ant-e2e",
            "INPUT_OPENAI-API-KEY": "sk-openai-e2e",
            "INPUT_GEMINI-API-KEY": "gemini-e2e",
            "ANTHROPIC_BASE_URL": vendors.base_url("anthropic"),
            "OPENAI_BASE_URL": vendors.base_url("openai"),
            "GOOGLE_GEMINI_BASE_URL": vendors.base_url("google"),
        }
    env |= {f"INPUT_{k.upper()}": v for k, v in (inputs or {}).items()}
    proc = subprocess.run(
        [sys.executable, "-m", "reviewbot", "action"],
        env=env,
        cwd=workspace,
        capture_output=True,
        text=True,
        timeout=90,
    )
    return Run(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        _outputs(output.read_text()),
        summary.read_text(),
        workspace,
    )


def _outputs(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for match in re.finditer(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", text, re.M | re.S):
        values[match.group(1)] = match.group(3)
    return values


def _security_pr(realdata: Path) -> str:
    return (realdata / "diffs/15_security_fix_path_traversal.diff").read_text() + CONFIG_CHANGE


def test_review_then_resync_edits_one_comment_and_repeats_no_inline_comment(
    tmp_path: Path, realdata: Path, github: FakeGitHub, vendors: VendorFakes
) -> None:
    opened = _payload(realdata, "octokit-webhooks/pull_request.opened.payload.json")
    pr = opened["pull_request"]
    base, head = pr["base"]["sha"], pr["head"]["sha"]
    diff = _security_pr(realdata)
    github.add_pull(pr, diff)
    github.set_file(CONFIG, base, "budget_usd: 0.50\n")
    github.set_file(CONFIG, head, "budget_usd: 0.50\nsurprise_key: exfiltrate\n")  # would exit 2

    first = _run(tmp_path, github, "pull_request", opened, vendors=vendors)
    assert first.code == 0, first.stdout + first.stderr
    comments = github.pulls[2].issue_comments
    assert len(comments) == 1 and comments[0]["user"] == BOT
    body = comments[0]["body"]
    assert body.startswith(MARKER + "\n")
    assert "| Step | Model | Status |" in body
    for step in ("classify", "security", "quality", "docs"):
        assert re.search(rf"^\| {step} \| .*\$\d", body, re.M), step
    assert f"this PR changes {CONFIG}; the review used the base branch's config" in body

    (review,) = github.pulls[2].reviews
    assert review["commit_id"] == head and review["comments"]
    valid = right_lines(diff)
    for comment in review["comments"]:
        assert any(comment["line"] in hunk for hunk in valid[comment["path"]])
    assert [(c["path"], c["start_line"], c["line"]) for c in review["comments"]] == [
        (SECURITY_PATH, 1055, 1058)
    ]
    assert "::warning file=src/pip/_internal/download.py,line=1055,endLine=1058," in first.stdout
    assert "::add-mask::sk-ant-e2e" in first.stdout

    assert first.outputs["findings-count"] == "2"
    assert first.outputs["max-severity"] == "high"
    assert first.outputs["comment-url"] == comments[0]["html_url"]
    assert float(first.outputs["cost-usd"]) > 0
    report = json.loads((first.workspace / first.outputs["report-path"]).read_text())
    assert report["version"] == 1 and report["pr"]["head_sha"] == head
    assert first.outputs["sarif-path"] == "reviewbot.sarif"
    sarif = json.loads((first.workspace / first.outputs["sarif-path"]).read_text())
    check_if_possible(first.workspace / first.outputs["sarif-path"])  # the official schema
    (sarif_run,) = sarif["runs"]
    assert sarif_run["versionControlProvenance"][0]["revisionId"] == head
    alerts = {r["ruleId"]: r for r in sarif_run["results"]}
    physical = alerts["path-traversal"]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == SECURITY_PATH
    assert physical["region"] == {"startLine": 1055, "endLine": 1058}
    assert MARKER in first.summary and "| security |" in first.summary

    contents = github.requests("GET", r"/repos/.*/contents/.*")
    config_reads = [r for r in contents if r.path.endswith(CONFIG)]
    assert [r.query["ref"] for r in config_reads] == [[base]]  # never the head's config
    at_head = {r.path.split("/contents/")[1] for r in contents if r.query["ref"] == [head]}
    assert at_head <= {SECURITY_PATH, *valid}  # only changed files, for context

    github.server.reset()
    synchronize = _payload(realdata, "octokit-webhooks/pull_request.synchronize.payload.json")
    second = _run(tmp_path, github, "pull_request", synchronize, vendors=vendors)
    assert second.code == 0, second.stdout + second.stderr
    assert len(github.pulls[2].issue_comments) == 1
    assert len(github.pulls[2].reviews) == 1  # nothing new to say inline
    assert github.counts()["PATCH /repos/{o}/{r}/issues/comments/{n}"] == 1
    assert "POST /repos/{o}/{r}/pulls/{n}/reviews" not in github.counts()
    assert second.outputs["comment-url"] == first.outputs["comment-url"]
    resynced = json.loads((second.workspace / second.outputs["sarif-path"]).read_text())
    again = {r["ruleId"]: r for r in resynced["runs"][0]["results"]}
    assert [a["partialFingerprints"] for a in again.values()] == [
        a["partialFingerprints"] for a in alerts.values()
    ]  # code scanning sees the same alerts, not new ones


def test_workflow_dispatch_reviews_the_given_pr(
    tmp_path: Path, realdata: Path, github: FakeGitHub, vendors: VendorFakes
) -> None:
    pr = _payload(realdata, "pytorch-test-infra/pull_request.synchronize.payload.json", number=7)
    github.add_pull(pr["pull_request"], (realdata / "diffs/14_docs_only_readme.diff").read_text())
    dispatch = _payload(realdata, "octokit-webhooks/workflow_dispatch.payload.json")
    run = _run(
        tmp_path, github, "workflow_dispatch", dispatch, vendors=vendors, inputs={"pr-number": "7"}
    )
    assert run.code == 0, run.stdout + run.stderr
    assert github.counts()["GET /repos/{o}/{r}/pulls/{n}"] == 1  # no PR in this payload
    assert all(r.path.endswith("/pulls/7") for r in github.requests("GET", r".*/pulls/\d+"))
    assert github.pulls[7].issue_comments[0]["body"].startswith(MARKER)


def test_a_400_file_pr_is_reviewed_from_the_files_api(
    tmp_path: Path, realdata: Path, github: FakeGitHub
) -> None:
    payload = _payload(realdata, "pytorch-test-infra/pull_request.synchronize.payload.json")
    files = [
        {
            "filename": f"src/m{i}.py",
            "status": "modified",
            "additions": 1,
            "deletions": 0,
            "changes": 1,
            "patch": f"@@ -1,2 +1,3 @@\n a = {i}\n+b = {i}\n c = {i}",
        }
        for i in range(399)
    ]
    files.append(
        {
            "filename": "data/dump.sql",
            "status": "modified",
            "additions": 40000,
            "deletions": 0,
            "changes": 40000,
        }
    )
    github.add_pull(payload["pull_request"], files=files, too_large=True)
    run = _run(tmp_path, github, "pull_request", payload)
    assert run.code == 0, run.stdout + run.stderr
    assert github.counts()["GET /repos/{o}/{r}/pulls/{n}/files"] == 4
    report = json.loads((run.workspace / "reviewbot-report.json").read_text())
    assert len(report["files"]) == 400
    skipped = {f["path"]: f["skipped"] for f in report["files"] if f["skipped"]}
    assert skipped == {"data/dump.sql": "too_large"}
    body = github.pulls[30].issue_comments[0]["body"]
    assert "rebuilt from the files API" in body


def test_fork_pr_without_keys_and_a_read_only_token_exits_0(
    tmp_path: Path, realdata: Path, github: FakeGitHub, vendors: VendorFakes
) -> None:
    payload = _payload(realdata, "pytorch-test-infra/pull_request.opened.fork.payload.json")
    github.add_pull(
        payload["pull_request"],
        (realdata / "diffs/15_security_fix_path_traversal.diff").read_text(),
    )
    github.read_only = True
    run = _run(tmp_path, github, "pull_request", payload)  # fork PRs get no secrets
    assert run.code == 0, run.stdout + run.stderr
    assert "::notice::reviewbot: nothing was posted" in run.stdout
    assert "no model keys available (fork PR?)" in run.summary
    assert vendors.server.requests == []
    assert github.pulls[31].issue_comments == [] and github.pulls[31].reviews == []
    assert run.outputs["comment-url"] == ""


@pytest.mark.parametrize(
    ("event", "name"),
    [
        # an inline comment that is not a command (commands are in tests/e2e/test_commands.py)
        ("pull_request_review_comment", "pull_request_review_comment.created.payload.json"),
        ("issue_comment", "issue_comment.created.on_issue.payload.json"),  # a plain issue
        ("pull_request", "pull_request.closed"),  # an action reviewbot does not review on
    ],
)
def test_nothing_to_do_for_other_events(
    tmp_path: Path, realdata: Path, github: FakeGitHub, event: str, name: str
) -> None:
    if name == "pull_request.closed":
        payload = _payload(realdata, "octokit-webhooks/pull_request.opened.payload.json")
        payload["action"] = "closed"
    else:
        payload = _payload(realdata, f"octokit-webhooks/{name}")
    run = _run(tmp_path, github, event, payload)
    assert run.code == 0, run.stdout + run.stderr
    assert "reviewbot: nothing to do" in run.stdout
    assert github.server.requests == []


def test_bad_input_exits_2_with_an_error_line(
    tmp_path: Path, realdata: Path, github: FakeGitHub
) -> None:
    payload = _payload(realdata, "octokit-webhooks/pull_request.opened.payload.json")
    run = _run(tmp_path, github, "pull_request", payload, inputs={"fail-on": "severe"})
    assert run.code == 2
    assert re.search(r"^::error title=reviewbot failed::input fail-on: 'severe'", run.stdout, re.M)
    assert "reviewbot failed (exit 2)" in run.summary
    assert "Traceback" not in run.stdout + run.stderr


def test_missing_pr_exits_3(tmp_path: Path, realdata: Path, github: FakeGitHub) -> None:
    payload = _payload(realdata, "octokit-webhooks/workflow_dispatch.payload.json")
    run = _run(tmp_path, github, "workflow_dispatch", payload, inputs={"pr-number": "404"})
    assert run.code == 3
    assert "::error title=reviewbot failed::not found (404)" in run.stdout
    assert "Traceback" not in run.stdout + run.stderr


def test_draft_pr_is_skipped_unless_the_base_config_asks(
    tmp_path: Path, realdata: Path, github: FakeGitHub
) -> None:
    payload = _payload(realdata, "octokit-webhooks/pull_request.opened.payload.json")
    payload["pull_request"]["draft"] = True
    pr = payload["pull_request"]
    github.add_pull(pr, (realdata / "diffs/14_docs_only_readme.diff").read_text())
    run = _run(tmp_path, github, "pull_request", payload)
    assert run.code == 0
    assert "is a draft; skipped" in run.stdout
    assert list(github.counts()) == ["GET /repos/{o}/{r}/contents/.github/reviewbot.yml"]

    github.set_file(CONFIG, pr["base"]["sha"], "review_drafts: true\n")
    again = _run(tmp_path, github, "pull_request", payload)
    assert again.code == 0 and github.pulls[2].issue_comments
