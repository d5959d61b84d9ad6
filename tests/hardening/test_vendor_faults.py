"""Vendor fault matrix: every fault of every vendor, through the real SDKs, ends in a posted review.

The vendor under test is the primary of the security step; another vendor is its fallback.
Each cell checks what a user sees: the comment is printed (or posted), the step is ``ok``
through the fallback or ``failed`` with the right error kind, every attempt is recorded and
priced, the exit code follows the policy, and no traceback reaches the terminal.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reviewbot.app.cli import main
from reviewbot.domain import Usage
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VendorFakes, vendor_env
from tests.hardening.harness import (
    FAST,
    SQL_DIFF,
    action_run,
    run_module,
    write_config,
)

MODEL = {"anthropic": "claude-sonnet-4-6", "openai": "gpt-5.4", "google": "gemini-2.5-pro"}
FALLBACK = {"anthropic": "openai", "openai": "google", "google": "anthropic"}
VENDORS = tuple(MODEL)
URL_VAR = {
    "anthropic": "ANTHROPIC_BASE_URL",
    "openai": "OPENAI_BASE_URL",
    "google": "GOOGLE_GEMINI_BASE_URL",
}
HANG_TIMEOUT_S = 1.5
SCHEMA_INVALID = {"verdict": "looks fine", "issues": "none"}


def ref(vendor: str) -> str:
    """``provider:model`` of the vendor's model in this matrix."""
    return f"{vendor}:{MODEL[vendor]}"


def config_text(vendor: str, *, timeout_s: float | None = None, extra: str = "") -> str:
    """Security runs [vendor, fallback]; the other model steps have no models (no calls)."""
    text = (
        FAST
        + "steps:\n"
        + "  classify: {models: []}\n"
        + f"  security: {{models: ['{ref(vendor)}', '{ref(FALLBACK[vendor])}']}}\n"
        + "  quality: {models: []}\n"
        + "  docs: {models: []}\n"
        + extra
    )
    if timeout_s is not None:
        text = text.replace("step_timeout_s: 20", f"step_timeout_s: {timeout_s}")
    return text


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Each fault: (script it on the fakes / env, expected error kind, attempt carries usage).
Fault = Callable[[VendorFakes, str, dict[str, str]], None]


def _rate_limited(f: VendorFakes, v: str, env: dict[str, str]) -> None:
    f.fail(v, 429, headers={"retry-after": "1", "retry-after-ms": "1"}, times=2)


def _status(code: int) -> Fault:
    def script(f: VendorFakes, v: str, env: dict[str, str]) -> None:
        f.fail(v, code, times=2)

    return script


def _refused_connection(f: VendorFakes, v: str, env: dict[str, str]) -> None:
    env[URL_VAR[v]] = f.base_url(v).replace(f.url, f"http://127.0.0.1:{closed_port()}")


def _hang(f: VendorFakes, v: str, env: dict[str, str]) -> None:
    f.delay(v, HANG_TIMEOUT_S + 2.5, times=2)


def _not_json(f: VendorFakes, v: str, env: dict[str, str]) -> None:
    for _ in range(2):
        f.raw(v, "<html><body><h1>502 Bad Gateway</h1></body></html>")


def _schema_invalid(f: VendorFakes, v: str, env: dict[str, str]) -> None:
    f.reply_json(v, SCHEMA_INVALID, usage=Usage(1500, 40))


def _empty(f: VendorFakes, v: str, env: dict[str, str]) -> None:
    f.empty(v, usage=Usage(1500, 0))


def _refusal(f: VendorFakes, v: str, env: dict[str, str]) -> None:
    f.refuse(v, usage=Usage(1500, 5))


def _truncated(f: VendorFakes, v: str, env: dict[str, str]) -> None:
    f.truncate(v, usage=Usage(1500, 4096))


def _unauthorized(f: VendorFakes, v: str, env: dict[str, str]) -> None:
    f.fail(v, 401, message="invalid x-api-key")


FAULTS: dict[str, tuple[Fault, str, bool]] = {
    "429-retry-after": (_rate_limited, "rate_limited", False),
    "500": (_status(500), "server_error", False),
    "503": (_status(503), "overloaded", False),
    "529-overloaded": (_status(529), "overloaded", False),
    "connection-refused": (_refused_connection, "connection", False),
    "hang-past-deadline": (_hang, "timeout", False),
    "not-json": (_not_json, "server_error", False),
    "schema-invalid": (_schema_invalid, "invalid_output", True),
    "empty": (_empty, "invalid_output", True),
    "refusal": (_refusal, "refused", True),
    "max-tokens": (_truncated, "invalid_output", True),
    "401": (_unauthorized, "auth", False),
}


def _security(report: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in report["steps"] if s["name"] == "security")


def check_cell(
    vendor: str, fault: str, code: int, comment: str, stderr: str, report: dict[str, Any]
) -> None:
    """The user-visible outcome of one cell."""
    _, kind, has_usage = FAULTS[fault]
    assert "Traceback" not in stderr
    assert code == 0
    assert comment.startswith("<!-- reviewbot:summary -->")
    assert comment.count("<!-- reviewbot:summary -->") == 1
    step = _security(report)
    first = step["attempts"][0]
    assert (first["model"], first["status"], first["error"]) == (ref(vendor), "failed", kind)
    assert all(a["cost_usd"] is not None for a in step["attempts"])
    if has_usage:
        assert first["input_tokens"] == 1500 and first["cost_usd"] > 0
    if fault == "hang-past-deadline":  # the deadline bounds the whole chain: no time for more
        assert step["status"] == "failed" and len(step["attempts"]) == 1
        assert "timeout" in (step["reason"] or "")
        assert "failed" in comment and ref(vendor) in comment
    else:
        fallback = ref(FALLBACK[vendor])
        assert (step["status"], step["model"]) == ("ok", fallback)
        assert [a["status"] for a in step["attempts"]] == ["failed", "ok"]
        assert step["attempts"][1]["model"] == fallback
        assert f"`{ref(vendor)}` ✗ {kind.replace('_', ' ')}" in comment
    assert report["cost_usd"] == pytest.approx(sum(s["cost_usd"] or 0 for s in report["steps"]))


def _prepare(
    vendor_fakes: VendorFakes, tmp_path: Path, vendor: str, fault: str, extra: str = ""
) -> tuple[dict[str, str], str]:
    timeout = HANG_TIMEOUT_S if fault == "hang-past-deadline" else None
    config = write_config(tmp_path, config_text(vendor, timeout_s=timeout, extra=extra))
    env = vendor_env(vendor_fakes)
    FAULTS[fault][0](vendor_fakes, vendor, env)
    return env, config


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("vendor", VENDORS)
def test_fault_cell_in_process(
    vendor: str,
    fault: str,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env, config = _prepare(vendor_fakes, tmp_path, vendor, fault)
    report_path = tmp_path / "report.json"

    code = main(
        ["review", "--diff", str(SQL_DIFF), "--config", config, "--report", str(report_path)], env
    )

    out, err = capsys.readouterr()
    check_cell(vendor, fault, code, out, err, json.loads(report_path.read_text()))
    if fault in ("429-retry-after", "500", "503"):
        assert len(vendor_fakes.requests_for(vendor)) == 2  # the SDK retried once (max_retries: 1)
    if fault in ("401", "schema-invalid", "refusal"):
        assert len(vendor_fakes.requests_for(vendor)) == 1  # never retried


@pytest.mark.parametrize(
    ("vendor", "fault"),
    [("anthropic", "529-overloaded"), ("openai", "not-json"), ("google", "connection-refused")],
)
def test_fault_cell_as_a_subprocess(
    vendor: str, fault: str, vendor_fakes: VendorFakes, tmp_path: Path
) -> None:
    env, config = _prepare(vendor_fakes, tmp_path, vendor, fault)
    report_path = tmp_path / "report.json"

    proc = run_module(
        ["review", "--diff", str(SQL_DIFF), "--config", config, "--report", str(report_path)], env
    )

    check_cell(
        vendor,
        fault,
        proc.returncode,
        proc.stdout,
        proc.stderr,
        json.loads(report_path.read_text()),
    )


@pytest.mark.parametrize(
    ("vendor", "fault"),
    [("openai", "429-retry-after"), ("google", "refusal"), ("anthropic", "401")],
)
def test_fault_cell_through_the_action(
    vendor: str,
    fault: str,
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    run.serve(SQL_DIFF.read_text())
    run.base_config(config_text(vendor))
    FAULTS[fault][0](vendor_fakes, vendor, run.env)

    code = run.run(capsys)

    check_cell(vendor, fault, code, run.comment(), run.stderr, run.report())
    assert "findings-count" in run.outputs()
    assert run.comment() in run.summary()


def test_action_subprocess_with_a_whole_chain_failing_posts_the_comment(
    vendor_fakes: VendorFakes, github: FakeGitHub, tmp_path: Path, realdata: Path
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    run.serve(SQL_DIFF.read_text())
    run.base_config(config_text("anthropic"))
    vendor_fakes.fail("anthropic", 500, times=2)
    vendor_fakes.fail("openai", 503, times=2)

    code = run.run_subprocess()

    assert code == 0 and "Traceback" not in run.stderr
    step = run.step("security")
    assert step["status"] == "failed"
    assert [a["error"] for a in step["attempts"]] == ["server_error", "overloaded"]
    assert "❌ failed" in run.comment()
    assert "::add-mask::test-key-anthropic" in run.stdout


@pytest.mark.parametrize(
    ("extra", "expected"),
    [("", 0), ("fail_on_step_error: true\n", 1)],
    ids=["default-policy", "fail_on_step_error"],
)
def test_exit_code_when_every_model_of_a_step_fails_follows_the_policy(
    extra: str,
    expected: int,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env, config = _prepare(vendor_fakes, tmp_path, "openai", "401", extra=extra)
    vendor_fakes.fail("google", 401)

    code = main(["review", "--diff", str(SQL_DIFF), "--config", config, "--format", "json"], env)

    out, err = capsys.readouterr()
    assert code == expected and "Traceback" not in err
    step = _security(json.loads(out))
    assert step["status"] == "failed"
    assert [a["error"] for a in step["attempts"]] == ["auth", "auth"]


def test_fail_on_still_applies_when_the_primary_fails(
    vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env, config = _prepare(vendor_fakes, tmp_path, "anthropic", "500", extra="fail_on: high\n")
    finding = {
        "path": "shop/payments.py",
        "line": 19,
        "end_line": None,
        "severity": "critical",
        "category": "CWE-89 sql-injection",
        "title": "SQL injection",
        "body": "b",
        "suggestion": None,
    }
    vendor_fakes.reply_json("openai", {"summary": "s", "findings": [finding]})

    code = main(["review", "--diff", str(SQL_DIFF), "--config", config], env)

    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    assert "SQL injection" in out
