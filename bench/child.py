"""Run inside a fresh interpreter: one timed action run or review, printed as JSON on stdout.

``python -m bench.child action`` runs ``run_action`` twice with the environment it was given:
first for the warm-up PR (``BENCH_WARMUP_EVENT``), then for the measured one
(``GITHUB_EVENT_PATH``), and times the stages of the measured diff directly.
``python -m bench.child review FILE`` runs one cold ``runner.review`` of FILE.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
from typing import Any


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stages(diff: bytes) -> dict[str, float]:
    """Time the pure stages of a review of ``diff`` one by one (no vendor, no GitHub)."""
    from reviewbot.checks.secrets import redact_files, scan_files
    from reviewbot.config.load import parse_config
    from reviewbot.domain import ChangeType, Classification, Review, Risk
    from reviewbot.engine.run import prepare_files
    from reviewbot.output.render import render_comment, render_prompt
    from reviewbot.steps.classify import classify_heuristic
    from reviewbot.steps.registry import BUILT_IN

    config = parse_config(None)
    out: dict[str, float] = {}
    t = time.perf_counter()
    files = prepare_files(diff, config)
    out["parse+filter+size"] = time.perf_counter() - t
    t = time.perf_counter()
    safe = redact_files(files, scan_files(files))
    out["secrets scan+redact"] = time.perf_counter() - t
    t = time.perf_counter()
    heuristic = classify_heuristic(safe)
    out["classify heuristic"] = time.perf_counter() - t
    cls = heuristic or Classification(ChangeType.FEATURE, Risk.MEDIUM, "default", "bench")
    t = time.perf_counter()
    for step in BUILT_IN:
        render_prompt(step, files=safe, pr=None, classification=cls)
    out["render prompts"] = time.perf_counter() - t
    from decimal import Decimal

    review = Review(None, safe, cls, (), (), Decimal(0), None, None, Decimal(1), 0.0)
    t = time.perf_counter()
    render_comment(review)
    out["render comment"] = time.perf_counter() - t
    return out


def run_action_twice() -> dict[str, Any]:
    """Warm up on a small PR, then time the measured PR."""
    from reviewbot.app.action import run_action

    env = dict(os.environ)
    warm_env = {**env, "GITHUB_EVENT_PATH": env["BENCH_WARMUP_EVENT"]}
    t = time.perf_counter()
    warm_code = run_action(warm_env, stdout=io.StringIO())
    warm_s = time.perf_counter() - t
    rss_warm = _rss_mb()
    t0 = time.monotonic()
    t = time.perf_counter()
    code = run_action(env, stdout=io.StringIO())
    wall = time.perf_counter() - t
    rss = _rss_mb()
    with open(env["BENCH_DIFF_FILE"], "rb") as handle:
        stages = _stages(handle.read())
    return {
        "warmup_exit": warm_code,
        "warmup_s": warm_s,
        "exit": code,
        "t0": t0,
        "wall_s": wall,
        "maxrss_after_warmup_mb": rss_warm,
        "maxrss_mb": rss,
        "stages_s": stages,
    }


def review_once(path: str) -> dict[str, Any]:
    """One cold review: step windows relative to the run start."""
    from reviewbot.config.load import parse_config
    from reviewbot.engine.run import review

    with open(path, "rb") as handle:
        diff = handle.read()
    rv = review(diff, config=parse_config(None), env=dict(os.environ))
    return {
        "steps": {s.name: [s.started_s, s.ended_s, s.status] for s in rv.steps},
        "wall_s": rv.wall_s,
    }


def main(argv: list[str]) -> int:
    """Dispatch on the first argument."""
    result = run_action_twice() if argv[0] == "action" else review_once(argv[1])
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
