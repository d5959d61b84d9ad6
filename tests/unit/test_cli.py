"""`reviewbot review --diff` as a new user meets it: real diffs, bad input, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewbot.cli import main

ROOT = Path(__file__).resolve().parents[2]
GIT_STATUS = {"M": "modified", "A": "added", "D": "deleted", "R": "renamed", "C": "copied"}


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["review", *args, "--format", "json"], {})
    return code, json.loads(capsys.readouterr().out)


def _expected(realdata: Path) -> list[dict[str, Any]]:
    data: dict[str, Any] = json.loads((realdata / "diffs" / "expected.json").read_text())
    return data["diffs"]  # type: ignore[no-any-return]


def test_every_real_diff_reports_git_numstat_per_file(
    realdata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = _expected(realdata)
    assert len(entries) >= 16
    for entry in entries:
        code, report = _json(capsys, "--diff", str(realdata / entry["file"]))
        assert code == 0, entry["file"]
        got = {f["path"]: f for f in report["files"]}
        assert len(got) == len(entry["files"]), entry["file"]
        for want in entry["files"]:
            file = got[want["path"]]
            assert file["status"] == GIT_STATUS[want["status"][0]], (entry["file"], want["path"])
            assert file["binary"] == want["binary"]
            assert (file["additions"], file["deletions"]) == (
                (0, 0) if want["binary"] else (want["added"], want["removed"])
            ), (entry["file"], want["path"])


def test_report_has_exactly_the_design_keys(capsys: pytest.CaptureFixture[str]) -> None:
    _, report = _json(capsys, "--diff", str(ROOT / "examples" / "sql_injection.diff"))
    assert list(report) == [
        "version", "pr", "files", "classification", "steps", "findings",
        "cost_usd", "baseline_cost_usd", "budget_usd", "wall_s",
    ]  # fmt: skip
    assert report["pr"] is None
    assert set(report["files"][0]) == {
        "path", "old_path", "status", "binary", "additions", "deletions", "skipped"}  # fmt: skip
    assert [s["name"] for s in report["steps"]] == ["classify", "security", "quality", "docs"]
    assert set(report["steps"][1]) == {
        "name", "status", "reason", "model", "attempts", "input_tokens", "output_tokens",
        "cached_tokens", "cost_usd", "latency_s"}  # fmt: skip


def test_huge_lockfile_is_skipped_and_docs_only_is_classified_without_a_model(
    realdata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, report = _json(capsys, "--diff", str(realdata / "diffs" / "13_huge_lockfile.diff"))
    assert [f["skipped"] for f in report["files"]] == ["lockfile"]
    _, report = _json(capsys, "--diff", str(realdata / "diffs" / "14_docs_only_readme.diff"))
    assert report["classification"]["change_type"] == "docs"
    assert report["classification"]["source"] == "heuristic"
    assert report["steps"][0] == {
        "name": "classify", "status": "skipped", "reason": "heuristic", "model": None,
        "attempts": [], "input_tokens": 0, "output_tokens": 0, "cached_tokens": 0,
        "cost_usd": 0.0, "latency_s": 0.0}  # fmt: skip


def test_empty_diff_says_nothing_to_review_and_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.diff"
    empty.write_text("")
    assert main(["review", "--diff", str(empty)], {}) == 0
    assert "nothing to review" in capsys.readouterr().err


def test_not_a_diff_exits_2_with_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("Just some meeting notes.\nNothing to see.\n")
    proc = subprocess.run(
        [sys.executable, "-m", "reviewbot", "review", "--diff", str(junk)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a unified diff" in lines[0]


def test_missing_diff_file_exits_2_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--diff", "no/such.diff"], {}) == 2
    assert "no/such.diff" in capsys.readouterr().err


def test_bad_config_exits_2_naming_the_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "reviewbot.yml"
    config.write_text("steps:\n  security:\n    modles: [openai:gpt-5-mini]\n")
    diff = str(ROOT / "examples" / "sql_injection.diff")
    assert main(["review", "--diff", diff, "--config", str(config)], {}) == 2
    err = capsys.readouterr().err
    assert str(config) in err and "steps.security.modles" in err and "models" in err


def test_stdin_is_read_with_a_dash() -> None:
    diff = (ROOT / "examples" / "docs_only.diff").read_bytes()
    proc = subprocess.run(
        [sys.executable, "-m", "reviewbot", "review", "--diff", "-", "--format", "json"],
        input=diff, capture_output=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["classification"]["change_type"] == "docs"


def test_version() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "reviewbot", "--version"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout.startswith("reviewbot ")


def test_committed_aws_key_is_critical_with_no_model_keys(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report = _json(capsys, "--diff", str(ROOT / "examples" / "leaked_aws_key.diff"))
    assert code == 0
    secrets = [f for f in report["findings"] if f["step"] == "secrets"]
    assert secrets and all(f["severity"] == "critical" for f in secrets)
    assert "AKIAIOSFODNN7EXAMPLE" not in json.dumps(report)


def test_fail_on_turns_a_finding_into_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "reviewbot.yml"
    config.write_text("fail_on: high\n")
    diff = str(ROOT / "examples" / "leaked_aws_key.diff")
    assert main(["review", "--diff", diff, "--config", str(config)], {}) == 1
