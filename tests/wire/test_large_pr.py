"""Whole large PRs (issue 15, "Done when" 5): a PR at 3x ``max_review_tokens`` through the real
SDKs against the vendor fakes, with prompt caching reported the way each vendor reports it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from reviewbot.app.cli import main
from reviewbot.config.load import price_table
from reviewbot.diff.parse import parse_diff
from reviewbot.diff.sizing import file_tokens
from tests.fakeserver.vendors import VendorFakes, cacheable_prefix, vendor_env

MAX_REVIEW_TOKENS = 3000
FILES = 15
CLASSIFY = {"change_type": "feature", "risk": "medium", "rationale": "adds modules"}
# Trusted text every review step's system prompt carries: with the rubric, a prefix long
# enough (over 1024 tokens) for every vendor to cache.
INSTRUCTIONS = " ".join(
    f"Rule {n}: prefer explicit names, small functions and early returns in module {n}."
    for n in range(40)
)


def _module(n: int) -> list[str]:
    return [
        f"def report_{n}_{i}(rows):\n    return sum(r.amount_{i} for r in rows)" for i in range(30)
    ]


def big_diff() -> str:
    parts = []
    for n in range(FILES):
        lines = "\n".join(_module(n)).splitlines()
        body = "".join(f"+{line}\n" for line in lines)
        parts.append(
            f"diff --git a/src/mod_{n:02}.py b/src/mod_{n:02}.py\nnew file mode 100644\n"
            f"index 0000000..1111111\n--- /dev/null\n+++ b/src/mod_{n:02}.py\n"
            f"@@ -0,0 +1,{len(lines)} @@\n{body}"
        )
    return "".join(parts)


def _config(tmp_path: Path, budget: str, steps: tuple[str, ...]) -> str:
    models = {
        "security": "anthropic:claude-sonnet-4-6",
        "quality": "openai:gpt-5.4",
        "docs": "google:gemini-2.5-flash",
    }
    lines = [
        f"budget_usd: {budget}",
        f"max_review_tokens: {MAX_REVIEW_TOKENS}",
        f"instructions: {json.dumps(INSTRUCTIONS)}",
        "steps:",
        "  classify: {models: [openai:gpt-5-mini]}",
    ]
    for step, model in models.items():
        if step in steps:
            lines.append(f"  {step}: {{models: [{model}], files: ['src/**']}}")
        else:
            lines.append(f"  {step}: {{enabled: false}}")
    path = tmp_path / "reviewbot.yml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _run(
    fakes: VendorFakes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    budget: str,
    steps: tuple[str, ...] = ("security", "quality", "docs"),
) -> tuple[str, dict[str, Any]]:
    fakes.billing = "tokens"
    fakes.caching = True
    fakes.reply_json("openai", CLASSIFY)  # classify runs first, alone
    diff = tmp_path / "big.diff"
    diff.write_text(big_diff())
    report_path = tmp_path / "report.json"
    args = ["review", "--diff", str(diff), "--config", _config(tmp_path, budget, steps)]
    assert main([*args, "--report", str(report_path)], vendor_env(fakes)) == 0
    comment = capsys.readouterr().out
    return comment, json.loads(report_path.read_text())


def _step(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in report["steps"] if s["name"] == name)


def _bodies(fakes: VendorFakes, vendor: str, skip: int = 0) -> list[dict[str, Any]]:
    return [r.json for r in fakes.requests_for(vendor)][skip:]


def test_the_fixture_is_three_times_max_review_tokens() -> None:
    files = parse_diff(big_diff())
    total = sum(file_tokens(f) for f in files)
    assert len(files) == FILES
    assert 3 * MAX_REVIEW_TOKENS <= total < 4 * MAX_REVIEW_TOKENS


def test_a_sufficient_budget_reviews_every_file_in_chunks_with_a_cached_prefix(
    vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comment, report = _run(vendor_fakes, tmp_path, capsys, budget="5.00")
    assert all(f["skipped"] is None for f in report["files"])
    sent = {
        "security": _bodies(vendor_fakes, "anthropic"),
        "quality": _bodies(vendor_fakes, "openai", skip=1),  # after classify
        "docs": _bodies(vendor_fakes, "google"),
    }
    vendor_of = {"security": "anthropic", "quality": "openai", "docs": "google"}
    for name, bodies in sent.items():
        step = _step(report, name)
        assert step["status"] == "ok" and step["not_reviewed"] == []
        assert step["chunks"] >= 3 and len(bodies) == step["chunks"] == len(step["attempts"])
        # Every file went to the step, each in exactly one request.
        texts = [json.dumps(body) for body in bodies]
        for n in range(FILES):
            header = f"### FILE src/mod_{n:02}.py"
            assert sum(header in text for text in texts) == 1, (name, n)
        # The stable prefix: the same cacheable system text first in every request.
        prefixes = {cacheable_prefix(vendor_of[name], body) for body in bodies}
        assert len(prefixes) == 1 and INSTRUCTIONS in prefixes.pop()
        # Every request after the first read the prefix from the cache.
        cached = [a["cached_tokens"] for a in step["attempts"]]
        assert sorted(cached)[0] == 0 and all(c > 1024 for c in sorted(cached)[1:])
    anthropic_system = sent["security"][0]["system"]
    assert anthropic_system[-1]["cache_control"] == {"type": "ephemeral"}
    assert f"{FILES} files reviewed" in comment
    assert "Not reviewed" not in comment

    # Cached tokens are billed at the cached rate (cache writes at Anthropic's write rate).
    _, _, table = price_table()
    for name, model in (
        ("security", "claude-sonnet-4-6"),
        ("quality", "gpt-5.4"),
        ("docs", "gemini-2.5-flash"),
    ):
        price = table[f"{vendor_of[name]}:{model}"]
        billed = [b.usage for b in vendor_fakes.ledger if b.model == model]
        assert sum(u.cached_tokens for u in billed) > 0
        expected = (
            sum(
                (
                    u.input_tokens * price.input
                    + u.cached_tokens * (price.cached_input or price.input)
                    + u.cache_write_tokens * (price.cache_write or price.input)
                    + u.output_tokens * price.output
                    for u in billed
                ),
                Decimal(0),
            )
            / 10**6
        )
        step = _step(report, name)
        assert Decimal(str(step["cost_usd"])) == expected.quantize(Decimal("0.000001"))
        full_rate = (
            sum(
                (
                    (u.input_tokens + u.cached_tokens + u.cache_write_tokens) * price.input
                    + u.output_tokens * price.output
                    for u in billed
                ),
                Decimal(0),
            )
            / 10**6
        )
        assert price.cached_input is not None and price.cached_input < price.input
        assert expected < full_rate  # caching made the step cheaper
        assert step["cached_tokens"] == sum(u.cached_tokens for u in billed)


def test_a_small_budget_names_what_was_left_out(
    vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    comment, report = _run(vendor_fakes, tmp_path, capsys, budget="0.15", steps=("security",))
    security = _step(report, "security")
    bodies = _bodies(vendor_fakes, "anthropic")
    assert security["status"] == "ok" and 1 <= len(bodies) < security["chunks"]
    left_out = {item["path"] for item in security["not_reviewed"]}
    assert left_out and all(item["reason"] == "budget" for item in security["not_reviewed"])
    # What was left out was really not sent, and everything else was.
    texts = " ".join(json.dumps(body) for body in bodies)
    for n in range(FILES):
        path = f"src/mod_{n:02}.py"
        assert (f"### FILE {path}" in texts) == (path not in left_out), path
    # Security is the only step: the files it left out were reviewed by nobody.
    skipped = {f["path"] for f in report["files"] if f["skipped"] == "budget"}
    assert skipped == left_out
    assert report["cost_usd"] <= 0.15
    # The comment's coverage: the footer says so, and every file left out is named.
    assert "### Not reviewed" in comment
    assert f"{FILES - len(left_out)} files reviewed · security left some out" in comment
    assert "no step reached them within the money budget (`budget_usd`)" in comment
    for path in left_out:
        assert f"`{path}`" in comment
