"""``python -m bench``: run every measurement and print the results page to stdout.

Nothing is written unless ``--write`` is given: then the JSON goes to
``bench/results/latest.json`` and the page to the tracked ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import engine, incremental, process, sizes
from bench.fakes import BenchVendors
from bench.prs import code_pr
from bench.report import markdown, targets

HERE = Path(__file__).resolve().parent


def machine() -> dict[str, Any]:
    """nproc, CPU model and Python version."""
    import os

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs (under a minute)")
    parser.add_argument("--runs", type=int, default=None, help="runs per median (default 5)")
    parser.add_argument(
        "--latency", type=float, default=2.0, help="fake vendor delay per review call, s"
    )
    parser.add_argument(
        "--write", action="store_true", help="also write the JSON and bench/RESULTS.md"
    )
    parser.add_argument(
        "--json", type=Path, default=None, help="with --write: JSON path (results/latest.json)"
    )
    parser.add_argument(
        "--md", type=Path, default=None, help="with --write: markdown path (bench/RESULTS.md)"
    )
    parser.add_argument("--no-md", action="store_true", help="with --write: only the JSON")
    return parser


def run(runs: int, latency: float, quick: bool) -> dict[str, Any]:
    """Every figure, as one JSON-able dict."""
    started = time.monotonic()
    vendors = BenchVendors()
    out: dict[str, Any] = {"machine": machine(), "runs": runs, "quick": quick}
    try:
        _say("cold start")
        out["cold_start"] = process.version_times(max(5, runs * 2))
        with tempfile.TemporaryDirectory() as tmp:
            diff_path = Path(tmp) / "pr.diff"
            diff_path.write_text(code_pr("cold", 300, 6, seed=11).diff)
            out["first_request"] = process.first_request(vendors, diff_path, max(3, runs))
            _say("parallel efficiency")
            out["parallel"] = engine.parallel_figures(vendors, runs, latency)
            out["parallel"]["cold"] = process.cold_parallel(vendors, diff_path, latency)
        _say("overhead, memory and GitHub calls (fresh processes, action path)")
        small = [process.action_run(vendors, code_pr("1k", 1000, 10, seed=5)) for _ in range(runs)]
        out["action_1k"] = _median_run(small)
        out["action_100k"] = process.action_run(
            vendors, code_pr("100k", 100_000, 250, seed=6), too_large=True
        )
        pr300 = code_pr("300 files", 1500, 300, seed=7)
        out["github_300"] = process.action_run(vendors, pr300)
        out["github_300_rerun"] = process.action_run(vendors, pr300, rerun=True)
        _say("tokens and cost")
        out["tokens"] = engine.token_figures(vendors)
        out["cost"] = engine.cost_figures(vendors)
        _say("incremental vs full review over 5 pushes")
        out["incremental"] = incremental.incremental_figures()
        _say("PR sizes and real diffs")
        out["sizes"] = sizes.size_figures(vendors, max(1, runs // 2), quick)
    finally:
        vendors.close()
    out["bench_wall_s"] = time.monotonic() - started
    out["targets"] = targets(out)
    return out


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ordered = sorted(runs, key=lambda r: float(r["wall_s"]))
    chosen = dict(ordered[len(ordered) // 2])
    chosen["wall_all_s"] = [round(float(r["wall_s"]), 3) for r in runs]
    return chosen


def _say(text: str) -> None:
    print(f"bench: {text} …", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the bench; exit 0 (targets are reported, not enforced)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.write and (args.json or args.md or args.no_md):
        parser.error("--json, --md and --no-md only apply with --write")
    runs = args.runs or (2 if args.quick else 5)
    results = run(runs, args.latency, args.quick)
    text = markdown(results)
    print(text)
    if not args.write:
        print("bench: nothing written (add --write to save the results)", file=sys.stderr)
        return 0
    json_path: Path = args.json or HERE / "results" / "latest.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    written = [json_path]
    if not args.no_md:
        md_path: Path = args.md or HERE / "RESULTS.md"
        md_path.write_text(text)
        written.append(md_path)
    print("bench: wrote " + " and ".join(map(str, written)), file=sys.stderr)
    return 0
