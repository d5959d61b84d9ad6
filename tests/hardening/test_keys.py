"""The run's own credentials (vendor keys, GitHub token) never appear in anything it writes.

Vendors fail in ways that echo the request's key back in their error message; the runs use
debug logging; everything reviewbot writes is scanned. The only allowed place for a value is
the ``::add-mask::`` workflow command, which is how GitHub learns to hide it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakeserver.base import Reply
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
