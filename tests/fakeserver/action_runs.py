"""Runs of ``reviewbot action`` in this process on a PR pushed several times (tests and bench).

The "model" answers the review steps like a reviewer would: it reports a problem only when the
problem's code is in what it was sent, at that code's line in the current head. Its wording
changes from call to call, as a real model's does. Usage is billed from the request's size
(bytes / 4 in, a fixed answer out), so a smaller request costs less, as it would.
"""

from __future__ import annotations

import copy
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewbot.app.action import run_action
from reviewbot.domain import Usage
from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.github import FakeGitHub, load_payload
from tests.fakeserver.pushes import PullHistory
from tests.fakeserver.vendors import EMPTY_REVIEW, ROUTES, VendorFakes, success_body

REPO = "Codertocat/Hello-World"
CONFIG = ".github/reviewbot.yml"
CLASSIFY = {"change_type": "feature", "risk": "high", "rationale": "new request handling"}
SYNC_PAYLOAD = "octokit-webhooks/pull_request.synchronize.payload.json"


@dataclass(frozen=True)
class Problem:
    """A problem the model reports whenever ``needle`` is in what it was sent."""

    needle: str
    path: str
    category: str
    severity: str = "high"
    titles: tuple[str, ...] = ("Problem",)


@dataclass
class ReadingModel:
    """The security step's model (Anthropic): reports the ``problems`` it can see."""

    problems: list[Problem] = field(default_factory=list)
    head: dict[str, list[str]] = field(default_factory=dict)
    calls: int = 0

    def findings(self, text: str) -> list[dict[str, Any]]:
        out = []
        for problem in self.problems:
            if problem.needle not in text:
                continue
            lines = self.head.get(problem.path, [])
            number = next(i + 1 for i, ln in enumerate(lines) if problem.needle in ln)
            title = problem.titles[self.calls % len(problem.titles)]
            out.append(
                {
                    "path": problem.path,
                    "line": number,
                    "end_line": None,
                    "severity": problem.severity,
                    "category": problem.category,
                    "title": title,
                    "body": f"{title}: `{problem.needle}` is dangerous here.",
                    "suggestion": None,
                }
            )
        return out


@dataclass
class Run:
    """One finished action run."""

    code: int
    stdout: str
    report: dict[str, Any]
    comment: str
    review_requests: list[str]  # bodies of the review-step requests (all vendors)
    cost: float


class Harness:
    """The fakes, the model and a PR history, and a way to run the action on it."""

    def __init__(self, github: FakeGitHub, vendors: VendorFakes, tmp: Path) -> None:
        self.github, self.vendors, self.tmp = github, vendors, tmp
        self.model = ReadingModel()
        self.history: PullHistory | None = None
        self.runs = 0

    def route(self) -> None:
        """Answer every vendor route with the reading model (classify: a fixed answer)."""
        for vendor, pattern in ROUTES.items():
            self.vendors.server.route("POST", pattern, self._handler(vendor))

    def _handler(self, vendor: str) -> Any:
        def handle(req: Recorded, match: re.Match[str]) -> Reply:
            review = '"findings"' in req.text
            if not review:
                reply: dict[str, Any] = CLASSIFY
            elif vendor == "anthropic":
                self.model.head = self.history.head if self.history else {}
                reply = {"summary": "Read it.", "findings": self.model.findings(req.text)}
                self.model.calls += 1
            else:
                reply = EMPTY_REVIEW
            model = match.group("model") if vendor == "google" else (req.json or {}).get("model")
            usage = Usage(input_tokens=max(1, len(req.body) // 4), output_tokens=300)
            return Reply(200, success_body(vendor, json.dumps(reply), usage=usage, model=model))

        return handle

    def open_pr(
        self, realdata: Path, base: dict[str, list[str]], head: dict[str, list[str]]
    ) -> PullHistory:
        payload = copy.deepcopy(load_payload(realdata / "webhooks" / SYNC_PAYLOAD))
        payload["repository"]["full_name"] = REPO
        pr = payload["pull_request"]
        pr["head"]["repo"]["full_name"] = pr["base"]["repo"]["full_name"] = REPO
        self.history = PullHistory(self.github, payload, base, head)
        return self.history

    def config(self, text: str) -> None:
        """The config file at the PR's current base commit."""
        assert self.history is not None
        self.github.set_file(CONFIG, self.history.payload["pull_request"]["base"]["sha"], text)

    def run(self, inputs: dict[str, str] | None = None) -> Run:
        assert self.history is not None
        self.runs += 1
        work = self.tmp / f"run{self.runs}"
        work.mkdir()
        event = work / "event.json"
        event.write_text(json.dumps(self.history.payload))
        seen = len(self.vendors.server.requests)
        env = {
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": self.github.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_WORKSPACE": str(work),
            "GITHUB_OUTPUT": str(work / "output"),
            "GITHUB_STEP_SUMMARY": str(work / "summary"),
            "INPUT_GITHUB-TOKEN": "ghs_incremental",
            "INPUT_CONFIG": CONFIG,
            "INPUT_ANTHROPIC-API-KEY": "sk-ant-incremental",
            "INPUT_OPENAI-API-KEY": "sk-openai-incremental",
            "INPUT_GEMINI-API-KEY": "gemini-incremental",
            "ANTHROPIC_BASE_URL": self.vendors.base_url("anthropic"),
            "OPENAI_BASE_URL": self.vendors.base_url("openai"),
            "GOOGLE_GEMINI_BASE_URL": self.vendors.base_url("google"),
            "NO_PROXY": "127.0.0.1,localhost",
        }
        env |= {f"INPUT_{k.upper()}": v for k, v in (inputs or {}).items()}
        out = io.StringIO()
        code = run_action(env, stdout=out)
        report_file = work / "reviewbot-report.json"
        report = json.loads(report_file.read_text()) if report_file.exists() else {}
        comments = self.github.pulls[self.history.number].issue_comments
        requests = self.vendors.server.requests[seen:]
        return Run(
            code,
            out.getvalue(),
            report,
            comments[0]["body"] if comments else "",
            [r.text for r in requests if '"findings"' in r.text],
            float(report.get("cost_usd") or 0),
        )

    def inline(self) -> list[dict[str, Any]]:
        """Every review comment on the PR (replies included)."""
        assert self.history is not None
        return self.github.pulls[self.history.number].review_comments
