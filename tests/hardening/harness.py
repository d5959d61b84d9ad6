"""Shared set-up for the hardening suites: vendor env, config files, and an Actions run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from reviewbot.config.load import parse_config, prices_for
from tests.fakeserver.github import FakeGitHub, load_payload
from tests.fakeserver.vendors import VendorFakes
from tests.sarif_schema import check_if_possible

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SQL_DIFF = EXAMPLES / "sql_injection.diff"
AWS_DIFF = EXAMPLES / "leaked_aws_key.diff"
REPO = "Codertocat/Hello-World"
CONFIG_PATH = ".github/reviewbot.yml"
PAYLOAD = "webhooks/octokit-webhooks/pull_request.opened.payload.json"
KEY_INPUTS = {
    "anthropic": "INPUT_ANTHROPIC-API-KEY",
    "openai": "INPUT_OPENAI-API-KEY",
    "google": "INPUT_GEMINI-API-KEY",
}
# A fast config: one SDK retry, small deadline; every step has a reachable fallback.
FAST = "max_retries: 1\nstep_timeout_s: 20\n"


def write_config(tmp_path: Path, text: str, name: str = "reviewbot.yml") -> str:
    """Write a config file and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def subprocess_env(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` plus what a child Python needs (PATH, HOME), never the parent's keys."""
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV") if k in os.environ}
    return {**keep, **env, "PYTHONDONTWRITEBYTECODE": "1"}


def run_module(
    args: list[str], env: Mapping[str, str], *, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m reviewbot ARGS`` as a child process (text output, 60 s cap)."""
    proc = subprocess.run(
        [sys.executable, "-m", "reviewbot", *args],
        input=stdin,
        capture_output=True,
        env=subprocess_env(env),
        cwd=str(cwd or ROOT),
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


@dataclass
class ActionRun:
    """One ``reviewbot action`` run's environment and, after ``run``, what it produced."""

    github: FakeGitHub
    fakes: VendorFakes
    tmp: Path
    payload: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)
    code: int | None = None
    stdout: str = ""
    stderr: str = ""

    @property
    def number(self) -> int:
        """The PR number under review."""
        return int(self.payload["pull_request"]["number"])

    @property
    def base_sha(self) -> str:
        """The PR's base commit."""
        return str(self.payload["pull_request"]["base"]["sha"])

    @property
    def head_sha(self) -> str:
        """The PR's head commit."""
        return str(self.payload["pull_request"]["head"]["sha"])

    def serve(self, diff: str, *, body: str | None = None, title: str | None = None) -> None:
        """Serve the PR with ``diff`` (and optionally another description or title)."""
        pr = self.payload["pull_request"]
        if body is not None:
            pr["body"] = body
        if title is not None:
            pr["title"] = title
        self.github.add_pull(pr, diff)
        Path(self.env["GITHUB_EVENT_PATH"]).write_text(json.dumps(self.payload), encoding="utf-8")

    def base_config(self, text: str) -> None:
        """The config file at the PR's base commit."""
        self.github.set_file(CONFIG_PATH, self.base_sha, text)

    def run(self, capsys: pytest.CaptureFixture[str], *extra: str) -> int:
        """Run ``reviewbot action`` in-process; capture stdout/stderr; check its spend."""
        from reviewbot.app.cli import main

        capsys.readouterr()
        since = len(self.fakes.ledger)
        self.code = main([*extra, "action"], self.env)
        captured = capsys.readouterr()
        self.stdout, self.stderr = captured.out, captured.err
        self.assert_within_budget(since)
        self.check_sarif()
        return self.code

    def run_subprocess(self) -> int:
        """Run ``python -m reviewbot action`` as a child process; check its spend."""
        since = len(self.fakes.ledger)
        proc = run_module(["action"], self.env, cwd=self.tmp)
        self.code, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.assert_within_budget(since)
        self.check_sarif()
        return self.code

    def spent_usd(self, since: int = 0) -> Decimal:
        """What the vendor fakes billed since ``ledger[since]``, at the built-in prices."""
        return self.fakes.spent_usd(prices_for(parse_config(None)), since=since)

    def assert_within_budget(self, since: int) -> None:
        """The run's calls, as the fakes billed them, cost no more than its ``budget_usd``."""
        report = self.tmp / "reviewbot-report.json"
        if report.exists():
            budget = Decimal(str(json.loads(report.read_text(encoding="utf-8"))["budget_usd"]))
            spent = self.spent_usd(since)
            assert spent <= budget, f"the vendors billed ${spent} against a budget of ${budget}"
        self.fakes.checked = len(self.fakes.ledger)

    def check_sarif(self) -> bool:
        """The run's SARIF log, if it wrote one, is valid against the official schema.

        Every hardening run that gets as far as publishing goes through this, so hostile model
        text, paths and failures are all checked in the SARIF too (where ``jsonschema`` is
        installed; see ``tests/sarif_schema.py``).
        """
        return check_if_possible(self.tmp / "reviewbot.sarif")

    # ------------------------------------------------------------ what it produced

    def comments(self) -> list[dict[str, Any]]:
        """Issue comments on the PR, oldest first."""
        return self.github.pulls[self.number].issue_comments

    def comment(self) -> str:
        """The one sticky comment's body (fails unless exactly one bot comment)."""
        bots = [c for c in self.comments() if c["user"]["type"] == "Bot"]
        assert len(bots) == 1, f"expected one bot comment, got {len(bots)}"
        return str(bots[0]["body"])

    def summary(self) -> str:
        """The job summary written so far."""
        path = Path(self.env["GITHUB_STEP_SUMMARY"])
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def outputs(self) -> str:
        """The raw ``GITHUB_OUTPUT`` text."""
        path = Path(self.env["GITHUB_OUTPUT"])
        return path.read_text(encoding="utf-8") if path.exists() else ""

    def sarif(self) -> dict[str, Any]:
        """The SARIF log written into the workspace."""
        data: dict[str, Any] = json.loads(
            (self.tmp / "reviewbot.sarif").read_text(encoding="utf-8")
        )
        return data

    def report(self) -> dict[str, Any]:
        """The JSON report written into the workspace."""
        data: dict[str, Any] = json.loads(
            (self.tmp / "reviewbot-report.json").read_text(encoding="utf-8")
        )
        return data

    def step(self, name: str) -> dict[str, Any]:
        """One step of the report."""
        return next(s for s in self.report()["steps"] if s["name"] == name)


def action_run(
    github: FakeGitHub,
    fakes: VendorFakes,
    tmp: Path,
    realdata: Path,
    *,
    keys: Mapping[str, str] | None = None,
    vendors: tuple[str, ...] = ("anthropic", "openai", "google"),
    token: str = "ghs_fake_token_for_tests",
) -> ActionRun:
    """An Actions-like environment for a ``pull_request.opened`` run against the fakes."""
    payload = load_payload(realdata / PAYLOAD)
    payload["repository"]["full_name"] = REPO
    event = tmp / "event.json"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": github.url,
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_OUTPUT": str(tmp / "github_output"),
        "GITHUB_STEP_SUMMARY": str(tmp / "step_summary.md"),
        "GITHUB_WORKSPACE": str(tmp),
        "INPUT_GITHUB-TOKEN": token,
        "INPUT_CONFIG": CONFIG_PATH,
        "ANTHROPIC_BASE_URL": fakes.base_url("anthropic"),
        "OPENAI_BASE_URL": fakes.base_url("openai"),
        "GOOGLE_GEMINI_BASE_URL": fakes.base_url("google"),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    for vendor in vendors:
        env[KEY_INPUTS[vendor]] = (keys or {}).get(vendor, f"test-key-{vendor}")
    event.write_text(json.dumps(payload), encoding="utf-8")
    return ActionRun(github, fakes, tmp, payload, env)
