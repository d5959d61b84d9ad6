"""Container smoke: build the image, run it as GitHub would against the local fakes, check the PR.

Run from the project root: ``python -m tests.container_smoke`` (``--no-build`` to reuse the
image). Needs ``../shared/tools/container-smoke`` (podman, chroot isolation, host network).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.e2e.test_action_e2e import CLASSIFY, MARKER, REVIEW  # the same scripted replies
from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.github import FakeGitHub, load_payload
from tests.fakeserver.vendors import ROUTES, VendorFakes, success_body

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT.parent / "shared" / "tools" / "container-smoke"
REALDATA = ROOT / "tests" / "data" / "realdata"
RUNNER_UID = 1001
REPO = "Codertocat/Hello-World"


def _vendor_handler(vendor: str):  # type: ignore[no-untyped-def]
    def handle(req: Recorded, match) -> Reply:  # type: ignore[no-untyped-def]
        reply = CLASSIFY if "change_type" in req.text else REVIEW
        model = match.group("model") if vendor == "google" else (req.json or {}).get("model")
        return Reply(200, success_body(vendor, json.dumps(reply), model=model))

    return handle


def main(argv: list[str]) -> int:
    if "--no-build" not in argv:
        subprocess.run([str(TOOL), "build"], cwd=ROOT, check=True)
    payload = load_payload(REALDATA / "webhooks/octokit-webhooks/pull_request.opened.payload.json")
    github, vendors = FakeGitHub(REPO), VendorFakes()
    for vendor, pattern in ROUTES.items():
        vendors.server.route("POST", pattern, _vendor_handler(vendor))
    diff = (REALDATA / "diffs/15_security_fix_path_traversal.diff").read_text()
    github.add_pull(payload["pull_request"], diff)
    github.set_file(
        ".github/reviewbot.yml", payload["pull_request"]["base"]["sha"], "budget_usd: 0.5\n"
    )
    with tempfile.TemporaryDirectory(prefix="reviewbot-smoke-") as tmp:
        host = Path(tmp)
        (host / "event.json").write_text(json.dumps(payload))
        (host / "output").touch()
        (host / "summary").touch()
        (host / "workspace").mkdir()
        # As on GitHub-hosted runners: the runner user (uid 1001) owns the mounted files.
        for path in (host, *host.iterdir()):
            os.chown(path, RUNNER_UID, RUNNER_UID)
        env = {
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": "/github/workflow/event.json",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": github.url,
            "GITHUB_OUTPUT": "/github/file_commands/output",
            "GITHUB_STEP_SUMMARY": "/github/file_commands/summary",
            "GITHUB_WORKSPACE": "/github/workspace",
            # Docker passes GitHub's INPUT_GITHUB-TOKEN spelling as is, but the smoke tool starts
            # the image through /bin/sh (dash), which drops names with a hyphen; reviewbot
            # reads the underscore spelling too.
            "INPUT_GITHUB_TOKEN": "ghs_smoke",
            "INPUT_ANTHROPIC_API_KEY": "sk-ant-smoke",
            "INPUT_OPENAI_API_KEY": "sk-openai-smoke",
            "INPUT_GEMINI_API_KEY": "gemini-smoke",
            "ANTHROPIC_BASE_URL": vendors.base_url("anthropic"),
            "OPENAI_BASE_URL": vendors.base_url("openai"),
            "GOOGLE_GEMINI_BASE_URL": vendors.base_url("google"),
            "NO_PROXY": "127.0.0.1,localhost",
        }
        args = [str(TOOL), "run"]
        for key, value in env.items():
            args += ["-e", f"{key}={value}"]
        args += ["-v", f"{host / 'event.json'}:/github/workflow/event.json"]
        args += ["-v", f"{host / 'output'}:/github/file_commands/output"]
        args += ["-v", f"{host / 'summary'}:/github/file_commands/summary"]
        args += ["-v", f"{host / 'workspace'}:/github/workspace"]
        proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
        print(proc.stdout, proc.stderr, sep="\n")
        comments = github.pulls[2].issue_comments
        checks = {
            "exit code 0": proc.returncode == 0,
            "one sticky comment": len(comments) == 1 and comments[0]["body"].startswith(MARKER),
            "one inline review": len(github.pulls[2].reviews) == 1,
            "vendors were called": bool(vendors.server.requests),
            "outputs written": "comment-url<<" in (host / "output").read_text(),
            "job summary written": MARKER in (host / "summary").read_text(),
            "report written": (host / "workspace" / "reviewbot-report.json").is_file(),
        }
    github.close()
    vendors.close()
    for name, ok in checks.items():
        print(f"container smoke: {'ok  ' if ok else 'FAIL'} {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
