"""Bench fakes: the test vendor and GitHub fakes, with latency and usage sized by the prompt."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from reviewbot.domain import Usage
from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.vendors import EMPTY_REVIEW, ROUTES, VendorFakes, success_body

BYTES_PER_TOKEN = 4
REVIEW_OUTPUT_TOKENS = 400
CLASSIFY_OUTPUT_TOKENS = 60
DEFAULT_CLASSIFICATION = {"change_type": "feature", "risk": "medium", "rationale": "bench"}
_REQUEST_ID = {"anthropic": {"request-id": "req_bench"}, "openai": {"x-request-id": "req_bench"}}


@dataclass
class Call:
    """One vendor request as the bench saw it."""

    vendor: str
    model: str
    kind: str  # "classify" or "review"
    body_bytes: int
    t: float


@dataclass
class BenchVendors:
    """``VendorFakes`` answering every call after ``latency_s`` with prompt-sized usage.

    Input tokens are the request body's bytes / 4 (what a vendor would bill, roughly);
    output tokens are 400 for a review step and 60 for classify. Classify answers
    ``classification``; review steps answer an empty review.
    """

    latency_s: float = 0.0
    classify_latency_s: float | None = None
    classification: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CLASSIFICATION))
    calls: list[Call] = field(default_factory=list)
    review_reply: dict[str, Any] | None = None
    fakes: VendorFakes = field(default_factory=VendorFakes)

    def __post_init__(self) -> None:
        for vendor, pattern in ROUTES.items():
            self.fakes.server.route("POST", pattern, self._handler(vendor))

    def env(self) -> dict[str, str]:
        """Keys and base URLs for all three vendors, as ``runner.review`` reads them."""
        return {
            "ANTHROPIC_API_KEY": "bench-anthropic",
            "OPENAI_API_KEY": "bench-openai",
            "GEMINI_API_KEY": "bench-gemini",
            "ANTHROPIC_BASE_URL": self.fakes.base_url("anthropic"),
            "OPENAI_BASE_URL": self.fakes.base_url("openai"),
            "GOOGLE_GEMINI_BASE_URL": self.fakes.base_url("google"),
            "NO_PROXY": "127.0.0.1,localhost",
        }

    def reset(self) -> None:
        """Forget calls and recorded requests."""
        self.calls.clear()
        self.fakes.reset()

    def close(self) -> None:
        """Stop the server."""
        self.fakes.close()

    def _handler(self, vendor: str) -> Any:
        def handle(req: Recorded, match: re.Match[str]) -> Reply:
            body = req.body
            is_review = b'"findings"' in body
            kind = "review" if is_review else "classify"
            if vendor == "google":
                model = match.group("model")
            else:
                model = str(json.loads(body).get("model", ""))
            self.calls.append(Call(vendor, model, kind, len(body), req.t))
            usage = Usage(
                input_tokens=max(1, len(body) // BYTES_PER_TOKEN),
                output_tokens=REVIEW_OUTPUT_TOKENS if is_review else CLASSIFY_OUTPUT_TOKENS,
            )
            reply = (self.review_reply or EMPTY_REVIEW) if is_review else self.classification
            text = json.dumps(reply)
            delay = self.latency_s
            if not is_review and self.classify_latency_s is not None:
                delay = self.classify_latency_s
            return Reply(
                200,
                success_body(vendor, text, usage=usage, model=model),
                dict(_REQUEST_ID.get(vendor, {})),
                delay_s=delay,
            )

        return handle
