"""The JSON report (the README's "JSON report" contract), and the one-line-per-run ledger."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from reviewbot.domain import Attempt, FileDiff, Finding, Review, StepResult, Usage

_SIX = Decimal("0.000001")


def _usd(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(_SIX, rounding=ROUND_HALF_UP))


def _tokens(usage: Usage) -> dict[str, int]:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cached_tokens": usage.cached_tokens,
    }


def _attempt(a: Attempt) -> dict[str, Any]:
    return {
        "model": str(a.model),
        "status": a.status,
        "error": a.error.value if a.error else None,
        **_tokens(a.usage),
        "cost_usd": _usd(a.cost_usd),
        "latency_s": round(a.latency_s, 3),
    }


def _step(s: StepResult) -> dict[str, Any]:
    return {
        "name": s.name,
        "status": s.status,
        "reason": s.reason,
        "model": str(s.model) if s.model else None,
        "attempts": [_attempt(a) for a in s.attempts],
        **_tokens(s.usage),
        "cost_usd": _usd(s.cost_usd),
        "latency_s": round(s.latency_s, 3),
        "chunks": s.chunks,
        "not_reviewed": [{"path": path, "reason": why} for path, why in s.not_reviewed],
    }


def _file(f: FileDiff) -> dict[str, Any]:
    return {
        "path": f.path,
        "old_path": f.old_path,
        "status": f.status.value,
        "binary": f.binary,
        "additions": f.additions,
        "deletions": f.deletions,
        "skipped": f.skipped.value if f.skipped else None,
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "step": f.step,
        "severity": f.severity.value,
        "category": f.category,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "title": f.title,
        "body": f.body,
        "suggestion": f.suggestion,
        "fingerprint": f.fingerprint,
        "confidence": f.confidence,
        "suppressed": f.suppressed,
        "suppressed_reason": f.suppressed_reason,
        "flagged_by": list(f.flagged_by),
        "state": f.state,
        "resolved_by": f.resolved_by,
    }


def _scope(review: Review) -> dict[str, Any]:
    """``mode``, ``reviewed_range``, ``full_reason`` and ``pr_cost_usd`` of the report."""
    scope = review.scope
    if scope is not None:
        return {
            "mode": scope.mode,
            "reviewed_range": {"from": scope.from_sha, "to": scope.to_sha},
            "full_reason": scope.full_reason,
            "pr_cost_usd": _usd(scope.pr_cost_usd),
        }
    pr = review.pr
    return {
        "mode": "full",
        "reviewed_range": {"from": None, "to": pr.head_sha if pr else None},
        "full_reason": "a local diff" if pr is None else "reviewed without the saved state",
        "pr_cost_usd": _usd(review.cost_usd),
    }


def report_json(review: Review) -> dict[str, Any]:
    """The report in the documented shape (costs rounded to 6 places here only)."""
    pr = review.pr
    c = review.classification
    return {
        "version": 1,
        "pr": None
        if pr is None
        else {
            "repo": pr.repo,
            "number": pr.number,
            "head_sha": pr.head_sha,
            "base_sha": pr.base_sha,
            "title": pr.title,
        },
        "files": [_file(f) for f in review.files],
        "classification": {
            "change_type": c.change_type.value,
            "risk": c.risk.value,
            "source": c.source,
            "rationale": c.rationale,
        },
        "steps": [_step(s) for s in review.steps],
        # Shown findings first, then those held back from the comment (``suppressed`` set),
        # then those resolved since the last review (``state: resolved``).
        "findings": [
            _finding(f)
            for f in (
                *review.findings,
                *review.suppressed,
                *(review.scope.resolved if review.scope else ()),
            )
        ],
        "cost_usd": _usd(review.cost_usd),
        "baseline_cost_usd": _usd(review.baseline_cost_usd),
        "budget_usd": _usd(review.budget_usd),
        "wall_s": round(review.wall_s, 3),
        "guidelines": [
            {
                "path": g.path,
                "bytes": g.bytes,
                "used_bytes": len(g.text.encode("utf-8", "surrogatepass")),
                "truncated": g.truncated,
            }
            for g in review.guidelines
        ],
        "context_files": [
            {"path": f.path, "bytes": f.bytes, "status": f.status} for f in review.context_files
        ],
        **_scope(review),
        "dismissed": [
            {"fingerprint": d.fingerprint, "by": d.by, "reason": d.reason} for d in review.dismissed
        ],
        "feedback": _feedback(review),
    }


def _feedback(review: Review) -> list[dict[str, Any]]:
    """👍/👎 on the bot's earlier inline comments, per step and model."""
    return [
        {
            "step": f.step,
            "model": f.model,
            "comments": f.comments,
            "thumbs_up": f.thumbs_up,
            "thumbs_down": f.thumbs_down,
        }
        for f in review.feedback
    ]


def dumps(review: Review) -> str:
    """The report as pretty JSON text."""
    return json.dumps(report_json(review), indent=2, ensure_ascii=False) + "\n"


def ledger_line(review: Review, now: datetime | None = None) -> dict[str, Any]:
    """One run summarised for the ledger: enough to see over weeks whether routing pays."""
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    pr = review.pr
    total = Usage()
    for step in review.steps:
        total = total + step.usage
    return {
        "time": when,
        "pr": None if pr is None else f"{pr.repo}#{pr.number}",
        "change_type": review.classification.change_type.value,
        "risk": review.classification.risk.value,
        "classified_by": review.classification.source,
        "mode": review.scope.mode if review.scope is not None else "full",
        "models": {s.name: str(s.model) if s.model else None for s in review.steps},
        "statuses": {s.name: s.status for s in review.steps},
        "fallbacks": sum(max(len(s.attempts) - 1, 0) for s in review.steps),
        **_tokens(total),
        "latency_s": round(review.wall_s, 3),
        "cost_usd": _usd(review.cost_usd),
        "baseline_cost_usd": _usd(review.baseline_cost_usd),
        "findings": len(review.findings),
        "dismissed": len(review.dismissed),
        "feedback": _feedback(review),
    }


def append_ledger(path: str | Path, review: Review) -> None:
    """Append one JSON line for this run to ``path`` (created if missing)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(ledger_line(review), ensure_ascii=False) + "\n")
