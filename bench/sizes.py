"""Warm in-process reviews of generated PRs of several sizes and of the real diffs."""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.fakes import BenchVendors
from bench.prs import code_pr, real_diffs
from reviewbot.config.load import parse_config
from reviewbot.engine.run import review
from reviewbot.output.render import render_comment


def _one(vendors: BenchVendors, name: str, diff: bytes, runs: int) -> dict[str, Any]:
    config = parse_config(None)
    walls = []
    for _ in range(runs):
        vendors.reset()
        t = time.perf_counter()
        rv = review(diff, config=config, env=vendors.env())
        render_comment(rv)
        walls.append(time.perf_counter() - t)
    return {
        "name": name,
        "diff_kb": round(len(diff) / 1024, 1),
        "files": len(rv.files),
        "reviewed": sum(1 for f in rv.files if f.reviewed),
        "class": f"{rv.classification.change_type.value}/{rv.classification.risk.value}",
        "steps_run": [s.name for s in rv.steps if s.attempts],
        "steps_skipped": {s.name: s.reason for s in rv.steps if s.status == "skipped"},
        "prompt_tokens": sum(s.usage.input_tokens for s in rv.steps),
        "cost_usd": float(rv.cost_usd),
        "wall_median_s": statistics.median(walls),
    }


def _diff(lines: int) -> bytes:
    return code_pr("sizes", lines, max(2, lines // 100), seed=31).diff.encode()


def size_figures(vendors: BenchVendors, runs: int, quick: bool) -> dict[str, Any]:
    """Review wall time (vendor latency 0) by PR size, and every real diff once."""
    vendors.latency_s = 0.0
    sizes = (100, 1_000, 10_000) if quick else (100, 1_000, 10_000, 30_000)
    generated = [_one(vendors, f"generated {n:,} lines", _diff(n), runs) for n in sizes]
    real = [_one(vendors, name, diff, 1) for name, diff in real_diffs()]
    return {"generated": generated, "real": real, "real_skipped": not real}
