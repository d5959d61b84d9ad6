"""`reviewbot review --diff` as a new user meets it: real diffs, bad input, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reviewbot.app.cli import main

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
        "cost_usd", "baseline_cost_usd", "budget_usd", "wall_s", "guidelines", "context_files",
        "mode", "reviewed_range", "full_reason", "pr_cost_usd", "dismissed", "feedback",
    ]  # fmt: skip
    assert report["pr"] is None
    assert report["mode"] == "full" and report["full_reason"] == "a local diff"
    assert report["reviewed_range"] == {"from": None, "to": None}
    assert set(report["files"][0]) == {
        "path", "old_path", "status", "binary", "additions", "deletions", "skipped"}  # fmt: skip
    assert [s["name"] for s in report["steps"]] == ["classify", "security", "quality", "docs"]
    assert set(report["steps"][1]) == {
        "name", "status", "reason", "model", "attempts", "input_tokens", "output_tokens",
        "cached_tokens", "cost_usd", "latency_s", "chunks", "not_reviewed"}  # fmt: skip


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
        "cost_usd": 0.0, "latency_s": 0.0, "chunks": 1, "not_reviewed": []}  # fmt: skip


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


# ---------------------------------------------------------------- rough edges a new user hit

EXAMPLES = ROOT / "examples"
SQL = str(EXAMPLES / "sql_injection.diff")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewbot", *args],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "abc", "1e400", "sNaN"])
def test_a_budget_that_is_not_a_usable_amount_is_a_usage_error_naming_the_flag(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["review", "--diff", SQL, f"--budget-usd={value}"], {}) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # refused before any review ran
    assert "--budget-usd" in captured.err and "allowed: a number from 0 to 1000000" in captured.err
    assert "internal error" not in captured.err


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("budget_usd: .nan", "budget_usd"),
        ("budget_usd: '1e400'", "budget_usd"),
        ("step_timeout_s: .nan", "step_timeout_s"),
        ("step_timeout_s: .inf", "step_timeout_s"),
        ("max_review_tokens: -5", "max_review_tokens"),
        ("prices: {'openai:gpt-5.4': {input: '1e400', output: 1}}", "prices.openai:gpt-5.4.input"),
    ],
)
def test_config_numbers_must_be_finite_and_in_range(
    line: str, key: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "reviewbot.yml"
    config.write_text(line + "\n")
    assert main(["review", "--diff", SQL, "--config", str(config)], {}) == 2
    err = capsys.readouterr().err
    assert str(config) in err and f"{key}:" in err and "(allowed: a " in err
    assert "internal error" not in err


@pytest.mark.parametrize("flag", ["--report", "--ledger", "--sarif"])
@pytest.mark.parametrize("bad", ["missing/dir/out.json", "."])
def test_an_output_path_that_cannot_be_written_is_refused_before_the_review(
    flag: str, bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / bad)
    assert main(["review", "--diff", SQL, flag, path], {}) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing was reviewed (no money spent) before the refusal
    assert f"{flag}: cannot write {path}" in captured.err
    assert "internal error" not in captured.err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_report_that_fails_late_keeps_the_printed_review(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["review", "--diff", SQL, "--report", "/dev/full"], {}) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("<!-- reviewbot:summary -->")
    assert "--report: cannot write /dev/full" in captured.err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--diff", SQL, "--post"], "--post needs --repo"),
        (["--repo", "o/r", "--pr", "0"], "--pr: 0 is not a pull request number"),
        (
            ["--diff", SQL, "--report", "TMP/same.json", "--ledger", "TMP/same.json"],
            "the same file",
        ),
        (["--diff", "COPY", "--report", "COPY"], "would overwrite the --diff"),
        (
            ["--diff", SQL, "--report", "TMP/same.json", "--sarif", "TMP/same.json"],
            "--report and --sarif name the same file",
        ),
        (["--diff", "COPY", "--sarif", "COPY"], "would overwrite the --diff"),
    ],
)
def test_flag_combinations_that_would_be_ignored_or_destructive_are_refused(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "change.diff"  # a copy: the overwrite case must not touch examples/
    copy.write_bytes(Path(SQL).read_bytes())
    with pytest.raises(SystemExit) as exited:
        main(
            [
                "review",
                *(str(copy) if a == "COPY" else a.replace("TMP", str(tmp_path)) for a in args),
            ],
            {},
        )
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert copy.read_bytes() == Path(SQL).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["change.diff"]


@pytest.mark.parametrize(
    "args",
    [
        ["review", "--diff", "examples/docs_only.diff", "-v"],
        ["review", "-v", "--debug", "--diff", "examples/docs_only.diff"],
        ["-v", "review", "--diff", "examples/docs_only.diff", "--debug"],
        ["action", "--debug", "--version"],
    ],
)
def test_global_options_work_on_both_sides_of_the_subcommand(args: list[str]) -> None:
    proc = _run(*args)
    assert proc.returncode == 0, proc.stderr
    assert "unrecognized arguments" not in proc.stderr


def test_verbose_after_the_subcommand_logs_like_before_it(tmp_path: Path) -> None:
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "reviewbot.yml").write_text("fail_on: none\n")
    for args in (["-v", "review"], ["review", "-v"], ["review", "--verbose"]):
        proc = subprocess.run(
            [sys.executable, "-m", "reviewbot", *args, "--diff", SQL],
            capture_output=True, text=True, timeout=60, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert "reviewbot: INFO: using .github/reviewbot.yml" in proc.stderr, args


@pytest.mark.parametrize(
    ("config", "path"),
    [
        ("steps: {security: {models: [foo:bar]}}", "steps.security.models[0]"),
        ("steps: {quality: {by_risk: {low: [openai:gpt-5-mini, foo:bar]}}}",
         "steps.quality.by_risk.low[1]"),
        ("baseline: foo:bar", "baseline"),
    ],
)  # fmt: skip
def test_a_model_of_an_unknown_provider_is_a_config_error(
    config: str, path: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "reviewbot.yml"
    file.write_text(
        config + "\nproviders: {deepseek: {base_url: 'https://api.deepseek.com/v1',"
        " api_key_env: DEEPSEEK_API_KEY}}\n"
    )
    assert main(["review", "--diff", SQL, "--config", str(file)], {}) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(file) in captured.err and f"{path}: unknown provider 'foo'" in captured.err
    known = "anthropic, openai, google, bedrock, vertex-anthropic, vertex, azure, deepseek"
    assert f"known providers: {known}" in captured.err


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.diff")))
def test_every_example_without_keys_says_which_key_to_set(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _json(capsys, "--diff", str(EXAMPLES / name))
    assert code == 0
    keyless = [s for s in report["steps"] if s["status"] == "skipped" and "_API_KEY" in s["reason"]]
    assert keyless, "with no keys, some model step is skipped for lack of one"
    main(["review", "--diff", str(EXAMPLES / name)], {})
    err = capsys.readouterr().err
    hint = [line for line in err.splitlines() if "API_KEY to run" in line or "_API_KEY or " in line]
    assert hint, err
    for step in keyless:
        assert step["name"] in hint[0]


def test_sarif_flag_writes_the_findings_for_code_scanning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.sarif_schema import assert_valid_sarif

    out = tmp_path / "reviewbot.sarif"
    aws = str(ROOT / "examples" / "leaked_aws_key.diff")
    assert main(["review", "--diff", aws, "--sarif", str(out)], {}) == 0
    assert capsys.readouterr().out.startswith("<!-- reviewbot:summary -->")  # still printed
    log = json.loads(out.read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["secret", "secret"]
    assert_valid_sarif(log)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_sarif_file_that_fails_late_keeps_the_printed_review(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["review", "--diff", SQL, "--sarif", "/dev/full"], {}) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("<!-- reviewbot:summary -->")
    assert "--sarif: cannot write /dev/full" in captured.err
