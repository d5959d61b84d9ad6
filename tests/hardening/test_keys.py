"""The run's own credentials (vendor keys, GitHub token) never appear in anything it writes.

Vendors fail in ways that echo the request's key back in their error message; the runs use
debug logging; everything reviewbot writes is scanned. The only allowed place for a value is
the ``::add-mask::`` workflow command, which is how GitHub learns to hide it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.clouds import CloudFakes, new_service_account
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VendorFakes, vendor_env
from tests.hardening.harness import (
    FAST,
    SQL_DIFF,
    ActionRun,
    action_run,
    run_module,
    write_config,
)

KEYS = {
    "anthropic": "sk-ant-api03-HARDENINGanthropicKEY0123456789abcdef",
    "openai": "sk-proj-HARDENINGopenaiKEY0123456789abcdefghij",
    "google": "AIzaSyHARDENINGgoogleKEY0123456789abcd",
}
TOKEN = "ghs_HARDENINGgithubTOKEN0123456789abcdef"
CHAINS = (
    "steps:\n"
    "  classify: {models: ['openai:gpt-5-mini', 'google:gemini-2.5-flash']}\n"
    "  security: {models: ['anthropic:claude-sonnet-4-6', 'openai:gpt-5.4']}\n"
    "  quality: {models: ['openai:gpt-5.4', 'google:gemini-2.5-pro']}\n"
    "  docs: {models: ['google:gemini-2.5-pro', 'anthropic:claude-haiku-4-5']}\n"
)


@pytest.fixture(scope="module")
def clouds_session() -> Iterator[CloudFakes]:
    fakes = CloudFakes()
    yield fakes
    fakes.close()


@pytest.fixture
def clouds(clouds_session: CloudFakes) -> CloudFakes:
    clouds_session.reset()
    return clouds_session


def echo_keys_back(fakes: VendorFakes) -> None:
    """Every vendor rejects its key, quoting it (as some gateways and proxies do)."""
    fakes.fail("anthropic", 401, message=f"invalid x-api-key: {KEYS['anthropic']}", times=4)
    fakes.fail("openai", 401, message=f"Incorrect API key provided: {KEYS['openai']}.", times=6)
    fakes.fail(
        "google",
        400,
        message=f"API key not valid: key={KEYS['google']}. Pass a valid key.",
        times=6,
    )
    # and one vendor answers 200 with a body that quotes the request headers
    fakes.raw("openai", f"<html>proxy error for Authorization: Bearer {KEYS['openai']}</html>")


def assert_no_secret(name: str, text: str) -> None:
    """No key or token in ``text``."""
    for value in (*KEYS.values(), TOKEN):
        assert value not in text, f"{name} contains a credential"


def assert_only_masked(stdout: str) -> None:
    """A credential appears in the log only as ``::add-mask::VALUE``, each once."""
    for value in (*KEYS.values(), TOKEN):
        lines = [line for line in stdout.splitlines() if value in line]
        assert lines == [f"::add-mask::{value}"], lines


def written_files(run: ActionRun) -> dict[str, str]:
    """Everything the action wrote outside the log."""
    pull = run.github.pulls[run.number]
    posted = [c["body"] for c in pull.issue_comments] + [c["body"] for c in pull.review_comments]
    posted += [str(r.get("body")) for r in pull.reviews]
    files = {p.name: p.read_text(encoding="utf-8") for p in run.tmp.iterdir() if p.is_file()}
    files.pop("event.json", None)
    return {"posted": "\n".join(posted), **files}


def test_action_writes_no_key_or_token_anywhere(
    vendor_fakes: VendorFakes, github: FakeGitHub, tmp_path: Path, realdata: Path
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata, keys=KEYS, token=TOKEN)
    run.env.update(RUNNER_DEBUG="1", ACTIONS_STEP_DEBUG="true")
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST + CHAINS)
    echo_keys_back(vendor_fakes)

    code = run.run_subprocess()

    assert code == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.comment().startswith("<!-- reviewbot:summary -->")
    assert {s["status"] for s in run.report()["steps"]} == {"failed"}
    assert_only_masked(run.stdout)
    assert_no_secret("stderr", run.stderr)
    files = written_files(run)
    assert {"posted", "step_summary.md", "github_output", "reviewbot-report.json"} <= set(files)
    for name, text in files.items():
        assert_no_secret(name, text)
    # the GitHub token went only to GitHub, the keys only to their own vendor
    for vendor in KEYS:
        for req in vendor_fakes.requests_for(vendor):
            assert TOKEN not in req.text and TOKEN not in json.dumps(req.headers)
            others = [k for v, k in KEYS.items() if v != vendor]
            assert not any(k in json.dumps(req.headers) + req.text for k in others)
    assert all(r.headers.get("authorization") == f"token {TOKEN}" for r in github.server.requests)


def test_github_error_quoting_the_token_is_not_repeated(
    vendor_fakes: VendorFakes, github: FakeGitHub, tmp_path: Path, realdata: Path
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata, keys=KEYS, token=TOKEN)
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST + CHAINS)
    github.server.script(
        "POST",
        r"/repos/[^/]+/[^/]+/issues/\d+/comments",
        *[Reply(422, {"message": f"Validation Failed for token {TOKEN}"}) for _ in range(2)],
    )

    code = run.run_subprocess()

    assert code == 3 and "Traceback" not in run.stderr
    assert "::error" in run.stdout
    assert_only_masked(run.stdout)
    assert_no_secret("stderr", run.stderr)
    for name, text in written_files(run).items():
        assert_no_secret(name, text)


def test_cli_report_ledger_and_debug_log_carry_no_key(
    vendor_fakes: VendorFakes, tmp_path: Path
) -> None:
    config = write_config(tmp_path, FAST + CHAINS)
    report, ledger = tmp_path / "report.json", tmp_path / "ledger.jsonl"
    echo_keys_back(vendor_fakes)

    proc = run_module(
        [
            "--debug",
            "review",
            "--diff",
            str(SQL_DIFF),
            "--config",
            config,
            "--report",
            str(report),
            "--ledger",
            str(ledger),
        ],
        vendor_env(vendor_fakes, keys=KEYS),
    )

    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert "reviewbot.engine.chain: security:" in proc.stderr  # debug-format log lines were written
    for name, text in {
        "stdout": proc.stdout,
        "stderr": proc.stderr,
        "report": report.read_text(),
        "ledger": ledger.read_text(),
    }.items():
        assert_no_secret(name, text)
    assert json.loads(report.read_text())["steps"]


@pytest.mark.parametrize("vendor", ["anthropic", "openai", "google"])
def test_vendor_error_text_in_the_comment_is_scrubbed_of_the_key(
    vendor: str, vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reviewbot.app.cli import main

    config = write_config(tmp_path, FAST + CHAINS)
    echo_keys_back(vendor_fakes)

    code = main(
        ["review", "--diff", str(SQL_DIFF), "--config", config], vendor_env(vendor_fakes, keys=KEYS)
    )

    out, err = capsys.readouterr()
    assert code == 0
    assert "Why attempts failed" in out
    assert_no_secret("comment", out)
    assert_no_secret("stderr", err)


# ---------------------------------------------------------------- the clouds' credentials

CLOUD_CHAINS = (
    "vendors: {azure: {deployments: {review-gpt: gpt-5.4}}}\n"
    "steps:\n"
    "  classify: {models: ['vertex:gemini-2.5-flash', 'azure:review-gpt']}\n"
    "  security: {models: ['bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0',"
    " 'vertex-anthropic:claude-sonnet-4-5@20250929']}\n"
    "  quality: {models: ['azure:review-gpt', 'vertex:gemini-2.5-pro']}\n"
    "  docs: {models: ['vertex:gemini-2.5-pro',"
    " 'bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0']}\n"
)


def echo_cloud_credentials_back(clouds: CloudFakes, times: int = 8) -> None:
    """Every cloud refuses the request, quoting its credentials back (as a proxy might)."""

    def echo(backend: str, status: int) -> Reply:
        def quote_request(req: Recorded, reply: Reply) -> Reply:
            headers = {
                k: v for k, v in req.headers.items() if k.startswith(("auth", "x-amz", "api"))
            }
            text = f"denied: {json.dumps(headers)}"
            body: object = {"message": text}
            if backend in ("vertex-anthropic", "vertex"):
                body = {"error": {"code": status, "message": text, "status": "UNAUTHENTICATED"}}
            elif backend == "azure":
                body = {"error": {"code": str(status), "message": text}}
            return Reply(status, body, reply.headers)

        return Reply(status, None, {}, finish=quote_request)

    for backend, status in (
        ("bedrock", 403),
        ("vertex-anthropic", 401),
        ("vertex", 401),
        ("azure", 401),
    ):
        clouds.queue(backend, *[echo(backend, status) for _ in range(times)])


def cloud_secrets(clouds: CloudFakes) -> list[str]:
    """The clouds' credentials as the run had them, and those it made on the way."""
    signatures = [
        re.search(r"Signature=([0-9a-f]{64})", r.headers.get("authorization", "")).group(1)  # type: ignore[union-attr]
        for r in clouds.requests_for("bedrock")
    ]
    static = [clouds.aws.access_key, clouds.aws.secret_key, clouds.aws.session_token]
    return [s for s in (*static, clouds.azure_key, clouds.oidc_request_token) if s] + [
        *clouds.issued,
        *signatures,
    ]


def test_action_with_cloud_credentials_writes_none_of_them_anywhere(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    clouds: CloudFakes,
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata, vendors=(), token=TOKEN)
    folder = tmp_path / "creds"
    folder.mkdir()
    run.env.update(clouds.aws_env())
    run.env.update(clouds.google_env(clouds.workload_identity_file(folder)))
    run.env.update(clouds.azure_env())
    run.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = clouds.oidc_request_token
    run.env.update(RUNNER_DEBUG="1", ACTIONS_STEP_DEBUG="true")
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST + CLOUD_CHAINS)
    echo_cloud_credentials_back(clouds)

    code = run.run_subprocess()

    assert code == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert {s["status"] for s in run.report()["steps"]} == {"failed"}
    errors = {a["error"] for s in run.report()["steps"] for a in s["attempts"]}
    assert errors == {"auth"}
    assert len(clouds.requests_for("bedrock")) >= 1 and clouds.issued  # signed, tokens fetched
    assert "denied: {" in run.comment() and "***" in run.comment()  # the echoes, masked
    secrets = cloud_secrets(clouds)
    # a credential shows in the log only where GitHub learns to hide it
    for line in run.stdout.splitlines():
        if not line.startswith("::add-mask::"):
            assert not [s for s in secrets if s in line], line
    registered = {ln.removeprefix("::add-mask::") for ln in run.stdout.splitlines()}
    for value in (clouds.aws.secret_key, clouds.aws.session_token, clouds.azure_key):
        assert value in registered
    assert clouds.oidc_request_token in registered  # from the credentials file
    for name, text in {"stderr": run.stderr, **written_files(run)}.items():
        assert not [s for s in secrets if s in text], name
        assert "AWS4-HMAC-SHA256 Credential=AKIA" not in text, name
    # the OIDC request token never left for a model: only the fake OIDC endpoint saw it
    for backend in ("bedrock", "vertex-anthropic", "vertex", "azure"):
        for req in clouds.requests_for(backend):
            assert clouds.oidc_request_token not in json.dumps(req.headers) + req.text
            assert TOKEN not in json.dumps(req.headers) + req.text


def test_a_service_account_key_in_the_credentials_file_is_never_printed(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    clouds: CloudFakes,
) -> None:
    """The token endpoint rejects the key, quoting its id and a line of it back."""
    account = new_service_account()
    folder = tmp_path / "creds"
    folder.mkdir()
    path = clouds.service_account_file(folder, account)
    pem_line = account.private_key_pem.splitlines()[3]
    leak = f"invalid key {account.key_id}: {pem_line}"
    clouds.server.script(
        "POST",
        r"/token",
        *[Reply(400, {"error": "invalid_grant", "error_description": leak}) for _ in range(8)],
    )
    run = action_run(github, vendor_fakes, tmp_path, realdata, vendors=(), token=TOKEN)
    run.env.update(clouds.google_env(path))
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST + CLOUD_CHAINS)

    code = run.run_subprocess()

    assert code == 0, run.stderr
    security = run.step("security")
    assert security["status"] == "failed"
    assert [a["error"] for a in security["attempts"]] == ["auth"]  # bedrock has no credentials
    assert "invalid_grant: invalid key ***: ***" in run.comment()
    secrets = [account.key_id, pem_line, account.private_key_pem]
    for line in run.stdout.splitlines():
        if not line.startswith("::add-mask::"):
            assert not [s for s in secrets if s in line], line
    for name, text in {"stderr": run.stderr, **written_files(run)}.items():
        assert not [s for s in secrets if s in text], name
        assert "PRIVATE KEY" not in text, name
