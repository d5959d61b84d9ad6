"""Incremental vs full review over a PR pushed five times: model cost and GitHub requests.

The bench's 2,000-line PR (``tests.fakeserver.pushes.code_files(20, 100, seed=13)``) is
reviewed once, then pushed five times, each push one commit changing a few lines of one file.
The same history is run twice: as reviewbot runs it (incremental on ``synchronize``) and with
``full-review: true`` on every push. ``run_action`` runs in this process against the fake
GitHub; the vendors bill input = request bytes / 4 and a fixed answer, as elsewhere in the bench.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from tests.fakeserver.action_runs import Harness, Problem
from tests.fakeserver.base import Recorded
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.pushes import code_files
from tests.fakeserver.vendors import VendorFakes

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT / "tests" / "data" / "realdata"
PUSHES = 5
_PROBLEM = "result = eval(payload_blob)"


def _history(harness: Harness) -> None:
    base, head = code_files(20, 100, seed=13)
    head["src/pkg0/mod0.py"].insert(30, f"    {_PROBLEM}")
    harness.model.problems = [
        Problem(_PROBLEM, "src/pkg0/mod0.py", "code-injection", titles=("Eval of input",))
    ]
    harness.open_pr(REALDATA, base, head)


def _push(harness: Harness, n: int) -> None:
    history = harness.history
    assert history is not None
    path = f"src/pkg{(n + 1) % 7}/mod{n + 1}.py"
    lines = list(history.head[path])
    for k in range(3):  # three lines edited inside the PR's added block
        lines[12 + k] = f"    edited_{n}_{k} = recompute({k})"
    history.push({path: lines})


def _endpoint(request: Recorded) -> str:
    path = re.sub(r"^/repos/[^/]+/[^/]+", "", request.path)
    path = re.sub(r"/\d+(?=/|$)", "/{n}", path)
    path = re.sub(r"/compare/.*", "/compare/{base}...{head}", path)
    if request.method == "POST" and path == "/graphql":
        query = str((request.json or {}).get("query", ""))
        kind = re.search(r"resolveReviewThread|reviewThreads|viewer", query)
        path += f" ({kind.group(0) if kind else 'other'})"
    return f"{request.method} {path}"


def _scenario(full: bool) -> dict[str, Any]:
    github, vendors = FakeGitHub("Codertocat/Hello-World"), VendorFakes()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            harness = Harness(github, vendors, Path(tmp))
            harness.route()
            _history(harness)
            runs = []
            for n in range(PUSHES + 1):
                if n:
                    _push(harness, n)
                before = len(github.server.requests)
                calls = len(vendors.server.requests)
                run = harness.run({"full-review": "true"} if full and n else None)
                if run.code != 0:
                    raise RuntimeError(f"bench: action run failed: {run.stdout[-2000:]}")
                requests = Counter(_endpoint(r) for r in github.server.requests[before:])
                runs.append(
                    {
                        "mode": run.report["mode"],
                        "cost_usd": run.cost,
                        "vendor_calls": len(vendors.server.requests) - calls,
                        "github_requests": sum(requests.values()),
                        "github_by_method": dict(requests),
                        "review_request_bytes": sum(len(b) for b in run.review_requests),
                    }
                )
            return {
                "runs": runs,
                "pushes_cost_usd": sum(r["cost_usd"] for r in runs[1:]),
                "first_cost_usd": runs[0]["cost_usd"],
                "total_cost_usd": sum(r["cost_usd"] for r in runs),
                "github_requests": sum(r["github_requests"] for r in runs),
                "pushes_github_requests": sum(r["github_requests"] for r in runs[1:]),
            }
    finally:
        github.close()
        vendors.close()


def incremental_figures() -> dict[str, Any]:
    """Both histories: per run and totals."""
    incremental, full = _scenario(full=False), _scenario(full=True)
    return {
        "pushes": PUSHES,
        "incremental": incremental,
        "full": full,
        "push_cost_ratio": incremental["pushes_cost_usd"] / full["pushes_cost_usd"],
    }


def markdown_lines(figures: dict[str, Any]) -> list[str]:
    """The results page's section."""
    inc, full = figures["incremental"], figures["full"]
    lines = [
        "",
        f"## Incremental vs full review: the 2,000-line PR, reviewed, then pushed "
        f"{figures['pushes']} times",
        "",
        "Each push is one commit editing 3 lines of one file. Cost is model spend at the fake's "
        "billing; GitHub requests are every REST and GraphQL request of the run.",
        "",
        "| run | incremental: mode | cost | GitHub requests | full-review: cost "
        "| GitHub requests |",
        "|---|---|---|---|---|---|",
    ]
    for n, (a, b) in enumerate(zip(inc["runs"], full["runs"], strict=True)):
        name = "first review" if n == 0 else f"push {n}"
        lines.append(
            f"| {name} | {a['mode']} | ${a['cost_usd']:.4f} | {a['github_requests']} "
            f"| ${b['cost_usd']:.4f} | {b['github_requests']} |"
        )
    lines += [
        f"| **the {figures['pushes']} pushes** | | **${inc['pushes_cost_usd']:.4f}** "
        f"| **{inc['pushes_github_requests']}** | **${full['pushes_cost_usd']:.4f}** "
        f"| **{full['pushes_github_requests']}** |",
        f"| **all runs** | | **${inc['total_cost_usd']:.4f}** | **{inc['github_requests']}** "
        f"| **${full['total_cost_usd']:.4f}** | **{full['github_requests']}** |",
        "",
        f"The pushes cost {figures['push_cost_ratio']:.1%} of re-reviewing the whole PR on each "
        "push. An incremental run asks GitHub for the compare between the last reviewed head and "
        "the new one (and lists the review threads only when a finding was resolved).",
    ]
    return lines


if __name__ == "__main__":
    import json

    print(json.dumps(incremental_figures(), indent=2))
