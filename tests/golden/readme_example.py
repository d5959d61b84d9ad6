"""The README's "rendered review with keys": the real pipeline on an example, scripted models.

``sql_injection_review()`` runs ``runner.review`` (parse, filter, secret scan, classify, route,
the three review steps with their fallback chains, the budget, pricing, anchoring) on
``examples/sql_injection.diff`` with the default config. Only the vendors are replaced: each
model answers from a script, and bills input tokens as request bytes / 4, as the bench does.
Latencies are the one thing set afterwards, so that the render is the same on every run.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from reviewbot.config.load import parse_config
from reviewbot.domain import ErrorKind, Review, Usage
from reviewbot.engine.run import review
from reviewbot.errors import ProviderError
from reviewbot.vendors.base import Completion, CompletionRequest
from reviewbot.vendors.fake import FakeProvider, Scripted, ok

ROOT = Path(__file__).resolve().parents[2]
DIFF = ROOT / "examples" / "sql_injection.diff"
GOLDEN = ROOT / "examples" / "sql_injection.review.md"

CLASSIFY: dict[str, Any] = {
    "change_type": "feature",
    "risk": "high",
    "rationale": "New refund path in the payments module that builds SQL from its arguments.",
}
SECURITY: dict[str, Any] = {
    "summary": "refund_payment() formats both of its arguments into SQL text.",
    "findings": [
        {
            "path": "shop/payments.py",
            "line": 20,
            "end_line": 22,
            "severity": "critical",
            "category": "CWE-89 sql-injection",
            "title": "SQL injection through order_id in refund_payment()",
            "body": "`order_id` is a string from the caller and is put into the query with an "
            "f-string, so `' OR '1'='1` selects (and then refunds) every charge in the table. "
            "Pass it as a query parameter.",
            "suggestion": "    rows = conn.execute(\n"
            '        "SELECT id, amount_cents FROM charges WHERE order_id = %s", (order_id,)\n'
            "    ).fetchall()",
            "confidence": 0.95,
        },
        {
            "path": "shop/payments.py",
            "line": 25,
            "end_line": 26,
            "severity": "high",
            "category": "CWE-89 sql-injection",
            "title": "Refund reason is %-formatted into the INSERT",
            "body": "`reason` is free text (often typed by a support agent or a customer) and "
            "is quoted by hand, so a `'` in it breaks out of the string literal. Use "
            "parameters for all three values.",
            "suggestion": None,
            "confidence": 0.9,
        },
    ],
}
QUALITY: dict[str, Any] = {
    "summary": "Readable; the new test covers only the happy path.",
    "findings": [
        {
            "path": "tests/test_payments.py",
            "line": 9,
            "end_line": 12,
            "severity": "medium",
            "category": "missing-test",
            "title": "No test for an order id or a reason containing a quote",
            "body": "A test with `order_id=\"7' OR '1'='1\"` would have caught the injection, "
            'and one with `reason="customer\'s request"` the broken INSERT.',
            "suggestion": None,
            "confidence": 0.8,
        }
    ],
}
DOCS: dict[str, Any] = {
    "summary": "The docstring matches what the function does.",
    "findings": [],
}
OUTPUT_TOKENS = {"classify": 60, "security": 420, "quality": 180, "docs": 40}
# Seconds each attempt took, by (step, model); the runs' real timings vary by milliseconds.
LATENCY = {
    ("classify", "openai:gpt-5-mini"): 0.9,
    ("security", "anthropic:claude-opus-4-7"): 1.4,
    ("security", "anthropic:claude-sonnet-4-6"): 7.2,
    ("quality", "openai:gpt-5.4"): 4.6,
    ("docs", "google:gemini-2.5-pro"): 3.1,
}


class _BilledByBytes(FakeProvider):
    """A scripted model that bills what it was sent: input tokens = request bytes / 4."""

    async def complete(self, req: CompletionRequest) -> Completion:
        done = await super().complete(req)
        sent = len((req.system + req.prompt).encode("utf-8")) // 4
        return dataclasses.replace(done, usage=Usage(sent, done.usage.output_tokens))


def _reply(step: str, body: dict[str, Any]) -> Completion:
    return ok(json.dumps(body), Usage(0, OUTPUT_TOKENS[step]))


def _providers() -> dict[str, FakeProvider]:
    overloaded = ProviderError(ErrorKind.OVERLOADED, "Overloaded", provider="anthropic", status=529)
    scripts: dict[str, dict[str, list[Scripted]]] = {
        "openai": {
            "gpt-5-mini": [_reply("classify", CLASSIFY)],
            "gpt-5.4": [_reply("quality", QUALITY)],
        },
        "anthropic": {
            "claude-opus-4-7": [overloaded],
            "claude-sonnet-4-6": [_reply("security", SECURITY)],
        },
        "google": {"gemini-2.5-pro": [_reply("docs", DOCS)]},
    }
    return {name: _BilledByBytes(name, script) for name, script in scripts.items()}


def _pin_latencies(result: Review) -> Review:
    """Every attempt gets its ``LATENCY``; the review steps start together after classify."""
    steps = []
    review_start = 0.0
    for step in result.steps:
        start = 0.1 if step.name == "classify" else review_start
        cursor = start
        attempts = []
        for attempt in step.attempts:
            latency = LATENCY[(step.name, str(attempt.model))]
            attempts.append(dataclasses.replace(attempt, started_s=cursor, latency_s=latency))
            cursor += latency
        if step.name == "classify":
            review_start = cursor + 0.05
        pinned = dataclasses.replace(step, attempts=tuple(attempts))
        if attempts:
            pinned = dataclasses.replace(pinned, started_s=start, ended_s=cursor)
        steps.append(pinned)
    wall = max((s.ended_s for s in steps), default=0.0) + 0.1
    return dataclasses.replace(result, steps=tuple(steps), wall_s=wall)


def sql_injection_review() -> Review:
    """``examples/sql_injection.diff`` reviewed by the pipeline with the scripted models."""
    result = review(DIFF.read_bytes(), config=parse_config(None), env={}, providers=_providers())
    return _pin_latencies(result)
