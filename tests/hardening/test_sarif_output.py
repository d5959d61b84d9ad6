"""The action's SARIF log (the ``sarif-path`` output): written next to the report, and a log
that cannot be written costs the user nothing else. Every harness run's log is also checked
against the official schema (``ActionRun.check_sarif``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.replies import SQLI_REPLY
from tests.fakeserver.vendors import VendorFakes
from tests.hardening.harness import FAST, SQL_DIFF, ActionRun, action_run
from tests.sarif_schema import have_jsonschema

CHAINS = (
    "steps:\n"
    "  classify: {models: ['openai:gpt-5-mini']}\n"
    "  security: {models: ['anthropic:claude-sonnet-4-6']}\n"
    "  quality: {models: ['openai:gpt-5.4']}\n"
    "  docs: {models: ['google:gemini-2.5-pro']}\n"
)


def _sqli_run(github: FakeGitHub, fakes: VendorFakes, tmp: Path, realdata: Path) -> ActionRun:
    run = action_run(github, fakes, tmp, realdata)
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST + CHAINS)
    fakes.set_default("anthropic", SQLI_REPLY)
    return run


def test_the_action_writes_the_sarif_log_and_names_it_in_its_outputs(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _sqli_run(github, vendor_fakes, tmp_path, realdata)
    assert run.run(capsys) == 0, run.stdout + run.stderr
    assert "sarif-path<<" in run.outputs() and "\nreviewbot.sarif\n" in run.outputs()
    (sarif_run,) = run.sarif()["runs"]
    assert sarif_run["versionControlProvenance"][0]["revisionId"] == run.head_sha
    assert sarif_run["automationDetails"]["id"] == f"reviewbot/pr-{run.number}/{run.head_sha}"
    (alert,) = [r for r in sarif_run["results"] if r["properties"]["step"] == "security"]
    assert alert["properties"]["model"] == "anthropic:claude-sonnet-4-6"
    assert alert["locations"][0]["physicalLocation"]["region"]["startLine"] == 19
    report = {f["fingerprint"] for f in run.report()["findings"]}
    assert {r["partialFingerprints"]["reviewbot/v1"] for r in sarif_run["results"]} == report
    assert run.check_sarif() is have_jsonschema()


def test_a_sarif_log_that_cannot_be_written_is_a_warning_and_an_empty_output(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _sqli_run(github, vendor_fakes, tmp_path, realdata)
    (tmp_path / "reviewbot.sarif").mkdir()  # something in the way (root ignores permissions)
    assert run.run(capsys) == 0, run.stdout + run.stderr
    assert "::warning::reviewbot: cannot write the SARIF log to" in run.stdout
    outputs = run.outputs()
    assert "sarif-path<<" in outputs and "\n\nghadelimiter" in outputs.split("sarif-path<<")[1]
    assert "\nreviewbot-report.json\n" in outputs  # the rest of the run is unharmed
    assert run.comment().startswith("<!-- reviewbot:summary -->")
