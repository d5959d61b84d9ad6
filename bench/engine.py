"""In-process figures: parallel efficiency, token amplification and cost against the baseline."""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bench.fakes import CLASSIFY_OUTPUT_TOKENS, REVIEW_OUTPUT_TOKENS, BenchVendors
from bench.prs import GenPR, code_pr, docs_pr, examples, mixed_pr
from reviewbot.config.load import parse_config, prices_for
from reviewbot.config.schema import Config
from reviewbot.domain import Classification, FileDiff, Review, Usage
from reviewbot.engine import pricing
from reviewbot.engine.run import review
from reviewbot.output.render import boundary, environment
from reviewbot.steps import schema
from reviewbot.steps.registry import BUILT_IN, CLASSIFY
from reviewbot.steps.views import numbered_diff, view_for

REVIEW_STEPS = tuple(name for name in BUILT_IN if name != CLASSIFY)

# What a sensible classifier model says about each bundled example (the docs and dependency
# examples are decided by the heuristic, so no model is asked).
EXAMPLE_CLASSES: dict[str, dict[str, str]] = {
    "sql_injection.diff": {"change_type": "feature", "risk": "high", "rationale": "payments SQL"},
    "feature.diff": {"change_type": "feature", "risk": "medium", "rationale": "coupon logic"},
    "leaked_aws_key.diff": {"change_type": "config", "risk": "high", "rationale": "credentials"},
}


def review_window(rv: Review) -> tuple[float, float]:
    """(wall of the review steps that ran, the slowest such step's own time)."""
    ran = [s for s in rv.steps if s.name in REVIEW_STEPS and s.attempts]
    if not ran:
        return 0.0, 0.0
    wall = max(s.ended_s for s in ran) - min(s.started_s for s in ran)
    return wall, max(s.ended_s - s.started_s for s in ran)


def parallel_figures(vendors: BenchVendors, runs: int, latency_s: float) -> dict[str, Any]:
    """Run ``runs`` warm reviews with every review call held ``latency_s``; ratio medians."""
    pr = code_pr("parallel", 300, 6, seed=11)
    vendors.latency_s, vendors.classify_latency_s = latency_s, 0.2
    config = parse_config(None)
    ratios, spreads, walls = [], [], []
    try:
        review(pr.diff.encode(), config=config, env=vendors.env())  # warm-up: SDK imports
        for _ in range(runs):
            vendors.reset()
            rv = review(pr.diff.encode(), config=config, env=vendors.env())
            wall, slowest = review_window(rv)
            ratios.append(wall / slowest)
            walls.append(wall)
            arrivals = [c.t for c in vendors.calls if c.kind == "review"]
            spreads.append(max(arrivals) - min(arrivals))
    finally:
        vendors.latency_s, vendors.classify_latency_s = 0.0, None
    return {
        "latency_s": latency_s,
        "runs": runs,
        "ratio_median": statistics.median(ratios),
        "ratio_max": max(ratios),
        "review_wall_median_s": statistics.median(walls),
        "arrival_spread_median_s": statistics.median(spreads),
    }


def _json_len(text: str) -> int:
    return len(json.dumps(text))


def full_prompt_tokens(
    step: str, files: Sequence[FileDiff], classification: Classification | None
) -> int:
    """Tokens of ``step``'s request had it been sent every reviewed file (no per-step view).

    Renders the step's own templates with the whole reviewed diff and sizes an
    Anthropic-shaped request body (system, user message, JSON schema) at bytes / 4.
    """
    reviewed = [f for f in files if f.reviewed]
    diff = numbered_diff(reviewed)
    token = boundary(step, "", "", diff)
    env = environment()
    system = env.get_template(f"steps/{step}.system.md.j2").render()
    user = env.get_template(f"steps/{step}.user.md.j2").render(
        pr=None, classification=classification, diff=diff, file_count=len(reviewed), token=token
    )
    body = {
        "model": "claude-opus-4-7",
        "max_tokens": 4096,
        "system": system,
        "messages": [{"role": "user", "content": user}],
        "output_config": {"format": {"type": "json_schema", "schema": schema.review_json_schema()}},
    }
    return len(json.dumps(body).encode()) // 4


@dataclass
class TokenRow:
    """Token figures of one reviewed PR."""

    name: str
    diff_tokens: int
    steps: dict[str, int]
    prompt_tokens: int
    full_views_tokens: int  # the same steps, each sent the whole reviewed diff
    naive_tokens: int  # all three review steps on the whole diff, no classify

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "diff_tokens": self.diff_tokens,
            "steps": self.steps,
            "prompt_tokens": self.prompt_tokens,
            "amplification": round(self.prompt_tokens / self.diff_tokens, 2),
            "amplification_without_views": round(self.full_views_tokens / self.diff_tokens, 2),
            "amplification_naive": round(self.naive_tokens / self.diff_tokens, 2),
        }


def token_row(name: str, diff: bytes, rv: Review) -> TokenRow:
    """Measured prompt tokens per step, and the two counterfactuals."""
    reviewed = [f for f in rv.files if f.reviewed]
    steps = {s.name: s.usage.input_tokens for s in rv.steps if s.attempts}
    full = 0
    for step, used in steps.items():
        if step == "classify":
            full += used
            continue
        shown = numbered_diff(view_for(step, reviewed))
        full += used + (_json_len(numbered_diff(reviewed)) - _json_len(shown)) // 4
    naive = sum(full_prompt_tokens(s, rv.files, rv.classification) for s in REVIEW_STEPS)
    return TokenRow(name, len(diff) // 4, steps, sum(steps.values()), full, naive)


def token_prs() -> list[GenPR]:
    """The code, docs and mixed PRs of the token table (about 1,000 changed lines each)."""
    return [
        code_pr("code PR (1k lines, 10 files)", 1000, 10, seed=21),
        docs_pr("docs PR (300 lines, 3 files)", 300, seed=22),
        mixed_pr("mixed PR (1k lines, code+tests+docs+CI+lockfile)", 1000, seed=23),
    ]


def token_figures(vendors: BenchVendors) -> list[dict[str, Any]]:
    """Amplification for the code, docs and mixed PRs."""
    config = parse_config(None)
    rows = []
    for pr in token_prs():
        vendors.reset()
        diff = pr.diff.encode()
        rv = review(diff, config=config, env=vendors.env())
        rows.append(token_row(pr.name, diff, rv).as_dict())
    return rows


def _baseline(rv: Review, config: Config) -> Decimal:
    """The baseline model doing all three review steps on the whole reviewed diff."""
    prices = prices_for(config)
    total = Decimal(0)
    for step in REVIEW_STEPS:
        usage = Usage(
            input_tokens=full_prompt_tokens(step, rv.files, rv.classification),
            output_tokens=REVIEW_OUTPUT_TOKENS,
        )
        total += pricing.cost(config.baseline_ref, usage, prices) or Decimal(0)
    return total


def cost_figures(vendors: BenchVendors) -> dict[str, Any]:
    """Cost of each bundled example with the default config, against the baseline."""
    config = parse_config(None)
    rows: list[dict[str, Any]] = []
    cost_sum = base_sum = Decimal(0)
    default = dict(vendors.classification)
    for name, diff in examples():
        vendors.reset()
        vendors.classification = EXAMPLE_CLASSES.get(name, {**vendors.classification})
        rv = review(diff, config=config, env=vendors.env())
        base = _baseline(rv, config)
        cost_sum += rv.cost_usd
        base_sum += base
        rows.append(
            {
                "example": name,
                "classification": f"{rv.classification.change_type.value}/"
                f"{rv.classification.risk.value} ({rv.classification.source})",
                "steps": {
                    s.name: str(s.model) if s.model else f"skipped: {s.reason}" for s in rv.steps
                },
                "cost_usd": float(rv.cost_usd),
                "baseline_usd": float(base),
                "saving_pct": round(100 * float(1 - rv.cost_usd / base), 1) if base else None,
                "findings": len(rv.findings),
            }
        )
    vendors.classification = default
    return {
        "output_tokens": {"review": REVIEW_OUTPUT_TOKENS, "classify": CLASSIFY_OUTPUT_TOKENS},
        "examples": rows,
        "cost_usd": float(cost_sum),
        "baseline_usd": float(base_sum),
        "saving_pct": round(100 * float(1 - cost_sum / base_sum), 1) if base_sum else None,
    }
