"""Container smoke: build the image, run it as GitHub would against the local fakes, check the PR.

Run from the project root: ``python -m tests.container_smoke`` (``--no-build`` to reuse the
image). Two ways to build and run the image:

- here: ``../shared/tools/container-smoke`` (podman, chroot isolation, host network);
- with a Docker engine (GitHub-hosted runners): ``--docker`` builds the Dockerfile with
  ``docker build``, or ``--docker --image REF`` runs an image already built or pushed (the
  release workflow smoke-tests the pushed digest this way).

It prints the time from starting the container to its first GitHub request.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.e2e.test_action_e2e import CLASSIFY, MARKER, REVIEW  # the same scripted replies
from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.github import FakeGitHub, load_payload
from tests.fakeserver.vendors import ROUTES, VendorFakes, success_body

ROOT = Path(__file__).resolve().parent.parent
# The workplace's podman wrapper (not part of the repository; .ci/run uses it only when it is
# there, else --docker when a Docker engine runs, else skips). CONTAINER_SMOKE points elsewhere.
TOOL = Path(
    os.environ.get("CONTAINER_SMOKE") or ROOT.parent / "shared" / "tools" / "container-smoke"
)
REALDATA = ROOT / "tests" / "data" / "realdata"
DOCKER_TAG = "reviewbot:smoke"
RUNNER_UID = 1001
REPO = "Codertocat/Hello-World"


def _vendor_handler(vendor: str):  # type: ignore[no-untyped-def]
    def handle(req: Recorded, match) -> Reply:  # type: ignore[no-untyped-def]
        reply = CLASSIFY if "change_type" in req.text else REVIEW
        model = match.group("model") if vendor == "google" else (req.json or {}).get("model")
        return Reply(200, success_body(vendor, json.dumps(reply), model=model))

    return handle


def _option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def _command(argv: list[str], env: dict[str, str], mounts: list[str]) -> list[str]:
    """The command that starts the image, through the podman tool or a Docker engine."""
    if "--docker" in argv:
        args = ["docker", "run", "--rm", "--network", "host", "--user", str(RUNNER_UID)]
        for key, value in env.items():
            # Docker keeps the hyphens of GitHub's input names (INPUT_GITHUB-TOKEN), as on runners.
            name = "INPUT_" + key[6:].replace("_", "-") if key.startswith("INPUT_") else key
            args += ["-e", f"{name}={value}"]
        for mount in mounts:
            args += ["-v", mount]
        return [*args, _option(argv, "--image") or DOCKER_TAG]
    args = [str(TOOL), "run"]
    for key, value in env.items():
        args += ["-e", f"{key}={value}"]
    for mount in mounts:
        args += ["-v", mount]
    return args


def _build(argv: list[str]) -> None:
    if "--no-build" in argv or "--image" in argv:
        return
    if "--docker" in argv:
        subprocess.run(["docker", "build", "-t", DOCKER_TAG, "."], cwd=ROOT, check=True)
    else:
        subprocess.run([str(TOOL), "build"], cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    _build(argv)
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
        mounts = [
            f"{host / 'event.json'}:/github/workflow/event.json",
            f"{host / 'output'}:/github/file_commands/output",
            f"{host / 'summary'}:/github/file_commands/summary",
            f"{host / 'workspace'}:/github/workspace",
        ]
        started = time.monotonic()
        proc = subprocess.run(
            _command(argv, env, mounts), cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        first = min((r.t for r in github.server.requests), default=None)
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
    if first is not None:
        print(f"container smoke: container start to first GitHub request: {first - started:.2f} s")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
