"""The engine end to end through ``reviewbot review``: real SDKs against the vendor fakes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from reviewbot.app.cli import main
from reviewbot.config.load import price_table
from reviewbot.domain import Usage
from tests.fakeserver.replies import SQLI_REPLY
from tests.fakeserver.vendors import VendorFakes, vendor_env

ROOT = Path(__file__).resolve().parents[2]
SQL = str(ROOT / "examples" / "sql_injection.diff")
DOCS = str(ROOT / "examples" / "docs_only.diff")

FEATURE_MEDIUM = {"change_type": "feature", "risk": "medium", "rationale": "adds refunds"}


def _env(
    fakes: VendorFakes, *, keys: tuple[str, ...] = ("anthropic", "openai", "google")
) -> dict[str, str]:
    return vendor_env(fakes, vendors=keys)


def _review(
    capsys: pytest.CaptureFixture[str], env: dict[str, str], *args: str, diff: str = SQL
) -> tuple[int, dict[str, Any]]:
    code = main(["review", "--diff", diff, "--format", "json", *args], env)
    out = capsys.readouterr().out
    return code, json.loads(out)


def _step(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in report["steps"] if s["name"] == name)


def _models(fakes: VendorFakes, vendor: str) -> list[str]:
    if vendor == "google":
        return [r.path.split("/models/")[1].split(":")[0] for r in fakes.requests_for(vendor)]
    return [r.json["model"] for r in fakes.requests_for(vendor)]


def test_all_keys_run_classify_then_three_steps_priced_from_the_table(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor_fakes.reply_json("openai", FEATURE_MEDIUM, usage=Usage(800, 40))  # classify
    vendor_fakes.reply_json("anthropic", SQLI_REPLY, usage=Usage(2000, 300, cached_tokens=1000))
    code, report = _review(capsys, _env(vendor_fakes))
    assert code == 0
    assert report["classification"] == {
        "change_type": "feature",
        "risk": "medium",
        "source": "model",
        "rationale": "adds refunds",
    }
    assert _step(report, "classify")["model"] == "openai:gpt-5-mini"
    security = _step(report, "security")
    assert (security["status"], security["model"]) == ("ok", "anthropic:claude-sonnet-4-6")
    assert _step(report, "quality")["model"] == "openai:gpt-5.4"
    assert _step(report, "docs")["model"] == "google:gemini-2.5-flash"
    assert (security["input_tokens"], security["output_tokens"], security["cached_tokens"]) == (
        2000,
        300,
        1000,
    )
    _, _, table = price_table()
    sonnet = table["anthropic:claude-sonnet-4-6"]
    expected = (2000 * sonnet.input + 300 * sonnet.output + 1000 * sonnet.cached_input) / 10**6
    assert Decimal(str(security["cost_usd"])) == expected.quantize(Decimal("0.000001"))
    assert security["latency_s"] > 0
    total = sum(Decimal(str(s["cost_usd"])) for s in report["steps"])
    assert abs(Decimal(str(report["cost_usd"])) - total) < Decimal("0.000005")
    assert report["baseline_cost_usd"] > report["cost_usd"]
    (finding,) = report["findings"]
    assert (finding["path"], finding["line"], finding["severity"]) == (
        "shop/payments.py",
        19,
        "critical",
    )
    # classify went first, alone: every review request arrived after the classify reply
    classify_t = vendor_fakes.requests_for("openai")[0].t
    for vendor in ("anthropic", "google"):
        assert all(r.t > classify_t for r in vendor_fakes.requests_for(vendor))


def test_review_steps_overlap_in_time(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor_fakes.reply_json("openai", FEATURE_MEDIUM)
    for vendor in ("anthropic", "openai", "google"):
        vendor_fakes.delay(vendor, 1.0)
    code, report = _review(capsys, _env(vendor_fakes))
    assert code == 0 and all(s["status"] == "ok" for s in report["steps"])
    arrivals = [vendor_fakes.requests_for(v)[-1].t for v in ("anthropic", "openai", "google")]
    # each fake holds its reply for 1 s: all three requests arrived before the first answered
    assert max(arrivals) - min(arrivals) < 1.0


def test_tiny_budget_sends_no_call_that_could_break_it(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _review(capsys, _env(vendor_fakes), "--budget-usd", "0.0005")
    assert code == 0
    skipped = {
        s["name"] for s in report["steps"] if s["status"] == "skipped" and s["reason"] == "budget"
    }
    assert {"security", "quality", "docs"} <= skipped
    assert Decimal(str(report["cost_usd"])) <= Decimal("0.0005")
    sent = sum(len(vendor_fakes.requests_for(v)) for v in ("anthropic", "openai", "google"))
    assert sent == sum(len(s["attempts"]) for s in report["steps"])


def test_docs_only_change_runs_only_the_docs_step(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = _review(capsys, _env(vendor_fakes), diff=DOCS)
    assert code == 0
    assert report["classification"]["source"] == "heuristic"
    assert report["classification"]["change_type"] == "docs"
    assert [s["name"] for s in report["steps"] if s["status"] == "ok"] == ["docs"]
    assert vendor_fakes.requests_for("anthropic") == []
    assert vendor_fakes.requests_for("openai") == []
    assert _models(vendor_fakes, "google") == ["gemini-2.5-flash"]  # default docs chain


def test_high_risk_change_uses_the_by_risk_high_chain(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor_fakes.reply_json(
        "openai", {"change_type": "feature", "risk": "high", "rationale": "money"}
    )
    code, report = _review(capsys, _env(vendor_fakes))
    assert code == 0
    assert _step(report, "security")["model"] == "anthropic:claude-opus-4-7"
    assert _models(vendor_fakes, "anthropic") == ["claude-opus-4-7"]
    assert _step(report, "docs")["model"] == "google:gemini-2.5-pro"


def test_missing_key_skips_that_vendor_and_falls_through_the_chain(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor_fakes.reply_json("openai", FEATURE_MEDIUM)
    code, report = _review(capsys, _env(vendor_fakes, keys=("openai", "google")))
    assert code == 0
    security = _step(report, "security")
    assert (security["status"], security["model"]) == ("ok", "openai:gpt-5.4")
    assert [a["model"] for a in security["attempts"]] == ["openai:gpt-5.4"]
    assert vendor_fakes.requests_for("anthropic") == []


def test_failing_vendor_falls_back_and_the_report_keeps_both_attempts(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor_fakes.reply_json("openai", FEATURE_MEDIUM)
    vendor_fakes.fail("anthropic", 529, times=3)  # the SDK retries twice, then gives up
    code, report = _review(capsys, _env(vendor_fakes))
    assert code == 0
    security = _step(report, "security")
    assert security["status"] == "ok" and security["model"] == "openai:gpt-5.4"
    assert [(a["model"], a["status"], a["error"]) for a in security["attempts"]] == [
        ("anthropic:claude-sonnet-4-6", "failed", "overloaded"),
        ("openai:gpt-5.4", "ok", None),
    ]
    assert len(vendor_fakes.requests_for("anthropic")) == 3


def test_no_keys_shows_every_model_step_skipped_with_the_reason(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["review", "--diff", SQL], _env(vendor_fakes, keys=()))
    captured = capsys.readouterr()
    assert code == 0
    assert "no OPENAI_API_KEY" in captured.out and "no ANTHROPIC_API_KEY" in captured.out
    assert "no vendor keys set" in captured.err
    assert sum(len(vendor_fakes.requests_for(v)) for v in ("anthropic", "openai", "google")) == 0


def test_ledger_appends_one_line_per_run(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ledger = tmp_path / "ledger.jsonl"
    env = _env(vendor_fakes)
    for _ in range(2):
        vendor_fakes.reply_json("openai", FEATURE_MEDIUM)
        _review(capsys, env, "--ledger", str(ledger))
    lines = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert len(lines) == 2
    assert lines[0]["models"]["security"] == "anthropic:claude-sonnet-4-6"
    assert lines[0]["change_type"] == "feature" and lines[0]["cost_usd"] > 0
    assert {"time", "pr", "fallbacks", "input_tokens", "latency_s", "baseline_cost_usd"} <= set(
        lines[0]
    )


def test_changes_without_content_make_no_model_call(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str], realdata: Path
) -> None:
    for name in ("02_pure_rename.diff", "04_mode_change_only.diff", "12_submodule_pointer.diff"):
        diff = str(realdata / "diffs" / name)
        code, report = _review(capsys, _env(vendor_fakes), diff=diff)
        assert code == 0
        assert all(s["status"] == "skipped" for s in report["steps"]), name
    assert sum(len(vendor_fakes.requests_for(v)) for v in ("anthropic", "openai", "google")) == 0
