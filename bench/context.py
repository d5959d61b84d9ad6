"""``python -m bench.context``: what ``context: function`` and ``file`` cost over ``hunk``.

The bench PR changes two lines inside functions of each of eight real modules of reviewbot
itself (fixed choice, so the numbers repeat) and adds one new module. It is reviewed with
``reviewbot review --repo … --pr …`` against the fake GitHub (which serves the head files
through the contents API) and the vendor fakes (billing every call at its real o200k token
count), once per context mode of the security and quality steps. The page shows, per mode,
the input tokens of those two steps and the GitHub requests of the run. Nothing is written
unless ``--write`` is given (``bench/CONTEXT.md``).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from reviewbot.app.cli import main as reviewbot_main
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VendorFakes, vendor_env

ROOT = Path(__file__).resolve().parents[1]
REPO = "bench/context"
PAYLOAD = ROOT / "tests/data/realdata/webhooks/octokit-webhooks/pull_request.opened.payload.json"
MODULES = (
    "reviewbot/engine/budget.py",
    "reviewbot/engine/chain.py",
    "reviewbot/engine/findings.py",
    "reviewbot/diff/sizing.py",
    "reviewbot/output/inline.py",
    "reviewbot/steps/classify.py",
    "reviewbot/github/publish.py",
    "reviewbot/vendors/registry.py",
)
ADDED = "reviewbot/steps/enclosing.py"
MODES = ("hunk", "function", "file")


def _edit(text: str) -> str:
    """Two one-line edits inside functions: the first and the middle ``return`` of the module."""
    lines = text.split("\n")
    returns = [i for i, line in enumerate(lines) if line.strip().startswith("return ")]
    for i in {returns[0], returns[len(returns) // 2]}:
        lines[i] = lines[i] + "  # changed"
    return "\n".join(lines)


def _diff(path: str, old: str, new: str) -> str:
    body = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{path}", f"b/{path}"
    )
    return f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n" + "".join(body)


def _added(path: str, text: str) -> str:
    lines = text.splitlines(keepends=True)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..3333333\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n"
        + "".join(f"+{line}" for line in lines)
    )


def bench_pr(github: FakeGitHub) -> tuple[int, int]:
    """Serve the bench PR; return its number and diff size in bytes."""
    payload = json.loads(PAYLOAD.read_text(encoding="utf-8"))
    pr = payload["pull_request"]
    head = pr["head"]["sha"]
    parts = []
    for path in MODULES:
        old = (ROOT / path).read_text(encoding="utf-8")
        new = _edit(old)
        parts.append(_diff(path, old, new))
        github.set_file(path, head, new)
    added = (ROOT / ADDED).read_text(encoding="utf-8")
    parts.append(_added(ADDED, added))
    github.set_file(ADDED, head, added)
    diff = "".join(parts)
    github.add_pull(pr, diff)
    return int(pr["number"]), len(diff.encode())


def measure(mode: str) -> dict[str, Any]:
    """One review of the bench PR with security and quality at ``mode``."""
    github, vendors = FakeGitHub(REPO), VendorFakes()
    vendors.billing = "tokens"
    try:
        number, diff_bytes = bench_pr(github)
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "reviewbot.yml"
            config.write_text(
                "budget_usd: 100\nsteps:\n"
                f"  security: {{context: {mode}}}\n  quality: {{context: {mode}}}\n",
                encoding="utf-8",
            )
            env = {
                **vendor_env(vendors),
                "GITHUB_TOKEN": "ghs_bench",
                "GITHUB_API_URL": github.url,
            }
            out = io.StringIO()
            args = ["review", "--repo", REPO, "--pr", str(number), "--format", "json"]
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                code = reviewbot_main([*args, "--config", str(config)], env)
        report = json.loads(out.getvalue())
        steps = {s["name"]: s for s in report["steps"]}
        counts = github.counts()
        contents = sum(n for route, n in counts.items() if "/contents/" in route)
        return {
            "mode": mode,
            "exit": code,
            "diff_bytes": diff_bytes,
            "security_tokens": steps["security"]["input_tokens"],
            "quality_tokens": steps["quality"]["input_tokens"],
            "github_requests": sum(counts.values()),
            "contents_requests": contents,
            "context_files": sum(f["status"] == "used" for f in report["context_files"]),
        }
    finally:
        github.close()
        vendors.close()


def page(rows: list[dict[str, Any]]) -> str:
    """The results as Markdown."""
    base = rows[0]
    out = [
        "# Context beyond the hunk: what it costs",
        "",
        f"Bench PR: two one-line edits inside functions of each of {len(MODULES)} reviewbot "
        f"modules, plus one added module ({rows[0]['diff_bytes']:,} bytes of diff). Tokens are "
        "the security and quality steps' input (o200k, as the vendor fakes bill them); GitHub "
        "requests are the whole run's (the PR, its diff, the 4 default "
        "guideline files at the base commit, and one contents request per head file read).",
        "",
        "| context | security input tokens | quality input tokens | added tokens (both) | "
        "head files read | contents requests | GitHub requests |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        added = (
            row["security_tokens"]
            + row["quality_tokens"]
            - base["security_tokens"]
            - base["quality_tokens"]
        )
        out.append(
            f"| {row['mode']} | {row['security_tokens']:,} | {row['quality_tokens']:,} | "
            f"{added:+,} | {row['context_files']} | {row['contents_requests']} | "
            f"{row['github_requests']} |"
        )
    out += [
        "",
        "The added module is not fetched (its hunk is the whole file); each modified module is "
        "fetched once and shared by both steps. Regenerate with "
        "`python -m bench.context --write`.",
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure every mode, print the page, and write it with ``--write``."""
    parser = argparse.ArgumentParser(prog="python -m bench.context", description=__doc__)
    parser.add_argument("--write", action="store_true", help="write bench/CONTEXT.md")
    args = parser.parse_args(argv)
    rows = [measure(mode) for mode in MODES]
    text = page(rows)
    sys.stdout.write(text)
    if args.write:
        (ROOT / "bench" / "CONTEXT.md").write_text(text, encoding="utf-8")
    return 0 if all(r["exit"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
