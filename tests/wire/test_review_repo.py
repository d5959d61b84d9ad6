"""`reviewbot review --repo O/R --pr N`: reads a PR through the API, posts only with --post."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewbot.app.cli import main
from tests.fakeserver.github import FakeGitHub, load_payload, unwrap
from tests.fakeserver.replies import SQLI_REPLY
from tests.fakeserver.vendors import VendorFakes, vendor_env

ROOT = Path(__file__).resolve().parents[2]
REPO = "Codertocat/Hello-World"


@pytest.fixture
def github(realdata: Path) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(REPO)
    payload = unwrap(
        load_payload(realdata / "webhooks/octokit-webhooks/pull_request.opened.payload.json")
    )
    fake.add_pull(payload["pull_request"], (ROOT / "examples/sql_injection.diff").read_text())
    yield fake
    fake.close()


def _env(github: FakeGitHub) -> dict[str, str]:
    return {"GITHUB_TOKEN": "ghs_test_token", "GITHUB_API_URL": github.url, "NO_PROXY": "127.0.0.1"}


def test_reads_the_pr_and_prints_without_posting(
    github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["review", "--repo", REPO, "--pr", "2", "--format", "json"], _env(github))
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["pr"]["repo"] == REPO and report["pr"]["number"] == 2
    assert [f["path"] for f in report["files"]] == ["shop/payments.py", "tests/test_payments.py"]
    assert github.requests("POST", r".*") == [] and github.requests("PATCH", r".*") == []


def test_post_writes_the_sticky_comment(
    github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["review", "--repo", REPO, "--pr", "2", "--post"], _env(github))
    captured = capsys.readouterr()
    assert code == 0
    (posted,) = github.requests("POST", r".*/issues/2/comments")
    assert posted.json["body"].startswith("<!-- reviewbot:summary -->")
    assert "posted" in captured.err


def test_without_a_token_says_what_is_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["review", "--repo", REPO, "--pr", "2"], {})
    assert code == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err


def test_sql_injection_example_renders_the_finding_linked_to_its_line(
    github: FakeGitHub, vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor_fakes.reply_json(
        "openai", {"change_type": "feature", "risk": "medium", "rationale": "x"}
    )
    vendor_fakes.reply_json("anthropic", SQLI_REPLY)
    env = {**_env(github), **vendor_env(vendor_fakes)}
    assert main(["review", "--repo", REPO, "--pr", "2"], env) == 0
    comment = capsys.readouterr().out
    head = github.pulls[2].data["head"]["sha"]
    link = f"https://github.com/{REPO}/blob/{head}/shop/payments.py#L19-L21"
    assert link in comment
    assert "SQL injection in refund_payment" in comment
    # the model saw the numbered line it cited
    prompt = vendor_fakes.requests_for("anthropic")[0].text
    assert "19 +" in prompt and "SELECT id, amount_cents FROM charges" in prompt
