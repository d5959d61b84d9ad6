"""Figures that need fresh processes: cold start, first request, overhead, memory, GitHub calls."""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.fakes import BenchVendors
from bench.prs import GenPR, code_pr
from tests.fakeserver.github import FakeGitHub, load_payload

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = ROOT / "tests/data/realdata/webhooks/octokit-webhooks/pull_request.opened.payload.json"
REPO = "Codertocat/Hello-World"


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "VIRTUAL_ENV", "TMPDIR")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def version_times(runs: int) -> dict[str, Any]:
    """``reviewbot --version`` in ``runs`` fresh processes, and the top imports of one."""
    cmd = [sys.executable, "-m", "reviewbot", "--version"]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=_child_env({}))
        times.append(time.perf_counter() - t)
    bare = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=_child_env({}))
        bare.append(time.perf_counter() - t)
    trace = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reviewbot", "--version"],
        capture_output=True,
        text=True,
        env=_child_env({}),
        check=True,
    ).stderr
    rows = []
    for line in trace.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(3)) <= 3:  # top-level imports only
            rows.append((int(m.group(2)), m.group(4)))
    rows.sort(reverse=True)
    sdk = [name for _, name in rows if name.split(".")[0] in ("anthropic", "openai", "google")]
    return {
        "runs": runs,
        "median_s": statistics.median(times),
        "python_bare_median_s": statistics.median(bare),
        "top_imports_ms": [[name, round(us / 1000, 1)] for us, name in rows[:6]],
        "vendor_sdks_imported": sdk,
    }


def first_request(vendors: BenchVendors, diff_path: Path, runs: int) -> dict[str, Any]:
    """Process start to the first vendor request, for ``reviewbot review`` in a fresh process."""
    vendors.latency_s = 0.0
    cmd = [sys.executable, "-m", "reviewbot", "review", "--diff", str(diff_path)]
    cmd += ["--format", "json"]
    firsts, walls = [], []
    for _ in range(runs):
        vendors.reset()
        t0 = time.monotonic()
        subprocess.run(cmd, check=True, capture_output=True, env=_child_env(vendors.env()))
        walls.append(time.monotonic() - t0)
        firsts.append(min(c.t for c in vendors.calls) - t0)
    return {
        "runs": runs,
        "first_request_median_s": statistics.median(firsts),
        "wall_median_s": statistics.median(walls),
    }


def cold_parallel(vendors: BenchVendors, diff_path: Path, latency_s: float) -> dict[str, Any]:
    """The review-step window of one review in a fresh process (SDK imports included)."""
    vendors.reset()
    vendors.latency_s, vendors.classify_latency_s = latency_s, 0.2
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.child", "review", str(diff_path)],
            check=True,
            capture_output=True,
            text=True,
            env=_child_env(vendors.env()),
        ).stdout
    finally:
        vendors.latency_s, vendors.classify_latency_s = 0.0, None
    steps = json.loads(out)["steps"]
    ran = [v for k, v in steps.items() if k != "classify" and v[2] == "ok"]
    wall = max(v[1] for v in ran) - min(v[0] for v in ran)
    slowest = max(v[1] - v[0] for v in ran)
    arrivals = [c.t for c in vendors.calls if c.kind == "review"]
    return {
        "ratio": wall / slowest,
        "review_wall_s": wall,
        "starts_s": {k: round(v[0], 3) for k, v in steps.items()},
        "arrival_spread_s": max(arrivals) - min(arrivals),
    }


def _finding_reply(pr: GenPR) -> dict[str, Any]:
    first = next(f for f in pr.files if f.new)
    return {
        "summary": "One problem.",
        "findings": [
            {
                "path": first.path,
                "line": 1,
                "end_line": None,
                "severity": "medium",
                "category": "bench",
                "title": "Bench finding",
                "body": "A finding so that the inline review is posted.",
                "suggestion": None,
                "confidence": 0.9,
            }
        ],
    }


def action_run(
    vendors: BenchVendors, pr: GenPR, *, too_large: bool = False, rerun: bool = False
) -> dict[str, Any]:
    """``run_action`` in a fresh process against the fake GitHub; times, memory, API calls."""
    payload = load_payload(PAYLOAD)
    github = FakeGitHub(REPO)
    vendors.reset()
    vendors.review_reply = _finding_reply(pr)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            warm = code_pr("warm-up", 40, 2, seed=1)
            events = {}
            for number, item in ((1, warm), (2, pr)):
                data = {**payload["pull_request"], "number": number}
                github.add_pull(
                    data, item.diff, files=item.files_entries(), too_large=too_large and number == 2
                )
                event = {**payload, "number": number, "pull_request": data}
                path = work / f"event{number}.json"
                path.write_text(json.dumps(event))
                events[number] = path
            (work / "pr.diff").write_text(pr.diff)
            env = _child_env(
                {
                    **vendors.env(),
                    "GITHUB_EVENT_NAME": "pull_request",
                    "GITHUB_EVENT_PATH": str(events[2]),
                    "BENCH_WARMUP_EVENT": str(events[1]),
                    "BENCH_DIFF_FILE": str(work / "pr.diff"),
                    "GITHUB_REPOSITORY": REPO,
                    "GITHUB_API_URL": github.url,
                    "GITHUB_SERVER_URL": "https://github.com",
                    "GITHUB_WORKSPACE": tmp,
                    "GITHUB_OUTPUT": str(work / "output"),
                    "GITHUB_STEP_SUMMARY": str(work / "summary"),
                    "INPUT_GITHUB-TOKEN": "ghs_bench",
                    "INPUT_ANTHROPIC-API-KEY": "bench-anthropic",
                    "INPUT_OPENAI-API-KEY": "bench-openai",
                    "INPUT_GEMINI-API-KEY": "bench-gemini",
                }
            )
            if rerun:  # a sticky comment from an earlier run already exists
                github.add_issue_comment(2, "<!-- reviewbot:summary -->\nold", user=_bot())
            out = subprocess.run(
                [sys.executable, "-m", "bench.child", "action"],
                capture_output=True,
                text=True,
                env=env,
                cwd=tmp,
            )
            if out.returncode != 0:
                raise RuntimeError(f"bench.child action failed: {out.stderr[-2000:]}")
            result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
            measured = [r for r in github.server.requests if r.t >= result["t0"]]
            result["github_calls"] = _by_endpoint(measured)
            result["github_total"] = sum(result["github_calls"].values())
            result["vendor_calls"] = sum(1 for c in vendors.calls if c.t >= result["t0"])
            return result
    finally:
        vendors.review_reply = None
        github.close()


def _bot() -> dict[str, Any]:
    from tests.fakeserver.github import BOT

    return dict(BOT)


def _by_endpoint(requests: list[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for req in requests:
        path = re.sub(r"^/repos/[^/]+/[^/]+", "", req.path)
        path = re.sub(r"/\d+(?=/|$)", "/{n}", path)
        if req.method == "GET" and path == "/pulls/{n}" and "diff" in req.headers.get("accept", ""):
            path += " (diff)"
        key = f"{req.method} {path or '/'}"
        out[key] = out.get(key, 0) + 1
    return out
