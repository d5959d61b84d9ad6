"""Signal over noise, end to end: real SDKs against the vendor fakes, posted to the fake GitHub.

`reviewbot review --repo O/R --pr N --post` on the SQL-injection example: a finding a model is
unsure of, one the verify step refutes, and one below ``inline_min_severity`` never reach the
inline comments (the first two not the summary either), while the JSON report keeps them all;
a suggestion becomes a "Commit suggestion" block only when committing it is safe.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewbot.app.cli import main
from tests.fakeserver.github import FakeGitHub, load_payload, unwrap
from tests.fakeserver.vendors import EMPTY_REVIEW, VendorFakes, vendor_env

ROOT = Path(__file__).resolve().parents[2]
REPO = "Codertocat/Hello-World"
CLASSIFY = {"change_type": "feature", "risk": "medium", "rationale": "adds refunds"}


def _finding(line: int, end: int | None, title: str, **more: Any) -> dict[str, Any]:
    return {
        "path": "shop/payments.py",
        "line": line,
        "end_line": end,
        "severity": "high",
        "category": "CWE-89 sql-injection",
        "title": title,
        "body": "order_id is interpolated into the SQL text.",
        "suggestion": None,
        "confidence": 0.9,
        **more,
    }


SURE = _finding(20, 22, "SQL injection through order_id", confidence=0.9)
UNSURE = _finding(
    28, None, "The commit may run outside a transaction", category="transactions", confidence=0.3
)


@pytest.fixture
def github(realdata: Path) -> Iterator[FakeGitHub]:
    fake = FakeGitHub(REPO)
    payload = unwrap(
        load_payload(realdata / "webhooks/octokit-webhooks/pull_request.opened.payload.json")
    )
    fake.add_pull(payload["pull_request"], (ROOT / "examples/sql_injection.diff").read_text())
    yield fake
    fake.close()


def _run(
    github: FakeGitHub, vendor_fakes: VendorFakes, tmp_path: Path, config: str = ""
) -> dict[str, Any]:
    env = {
        "GITHUB_TOKEN": "ghs_test_token",
        "GITHUB_API_URL": github.url,
        "NO_PROXY": "127.0.0.1",
        **vendor_env(vendor_fakes),
    }
    (tmp_path / "reviewbot.yml").write_text(config or "version: 1\n", encoding="utf-8")
    report = tmp_path / "report.json"
    args = ["review", "--repo", REPO, "--pr", "2", "--post", "--report", str(report)]
    code = main([*args, "--config", str(tmp_path / "reviewbot.yml")], env)
    assert code == 0
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return data


def _comment(github: FakeGitHub) -> str:
    (posted,) = github.requests("POST", r".*/issues/2/comments")
    return str(posted.json["body"])


def _inline(github: FakeGitHub) -> list[str]:
    return [str(c["body"]) for c in github.pulls[2].review_comments]


def _by_title(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["title"]: f for f in report["findings"]}


def test_a_finding_below_min_confidence_is_kept_in_the_report_only(
    github: FakeGitHub, vendor_fakes: VendorFakes, tmp_path: Path
) -> None:
    vendor_fakes.reply_json("openai", CLASSIFY)
    vendor_fakes.reply_json("anthropic", {"summary": "s", "findings": [UNSURE, SURE]})
    report = _run(github, vendor_fakes, tmp_path)

    comment, inline = _comment(github), _inline(github)
    assert SURE["title"] in comment and UNSURE["title"] not in comment
    assert len(inline) == 1 and SURE["title"] in inline[0]
    assert "1 low-confidence finding hidden (see the JSON report)" in comment
    findings = _by_title(report)
    assert findings[SURE["title"]]["suppressed"] is None
    assert findings[SURE["title"]]["confidence"] == 0.9
    held = findings[UNSURE["title"]]
    assert (held["suppressed"], held["confidence"]) == ("low_confidence", 0.3)
    assert held["suppressed_reason"] == "confidence 0.30 < 0.6"
    # every vendor was asked for a confidence in its strict reply schema
    request = vendor_fakes.requests_for("anthropic")[0].json
    schema = request["output_config"]["format"]["schema"]
    item = schema["properties"]["findings"]["items"]
    assert "confidence" in item["required"] and item["properties"]["confidence"]["type"] == "number"


def test_a_steps_own_floor_and_cap_apply_to_that_step(
    github: FakeGitHub, vendor_fakes: VendorFakes, tmp_path: Path
) -> None:
    vendor_fakes.reply_json("openai", CLASSIFY)
    low = _finding(24, 27, "Refund reason is formatted into the INSERT", confidence=0.5)
    extra = _finding(19, None, "Connection is never closed", category="resource-leak")
    vendor_fakes.reply_json("anthropic", {"summary": "s", "findings": [SURE, low, extra]})
    config = "steps:\n  security:\n    min_confidence: 0.4\n    max_findings: 1\n"
    report = _run(github, vendor_fakes, tmp_path, config)

    findings = _by_title(report)
    assert findings[SURE["title"]]["suppressed"] is None  # the surest of the worst is kept
    assert findings[low["title"]]["suppressed"] == "max_findings"  # 0.5 passes the 0.4 floor
    assert findings[extra["title"]]["suppressed"] == "max_findings"
    assert "2 findings over a step's max_findings hidden" in _comment(github)


def test_verify_refutes_with_another_vendor_and_its_cost_is_in_the_table(
    github: FakeGitHub, vendor_fakes: VendorFakes, tmp_path: Path
) -> None:
    refuted = _finding(24, 27, "Refund reason is formatted into the INSERT")
    vendor_fakes.reply_json("openai", CLASSIFY)
    vendor_fakes.reply_json("anthropic", {"summary": "s", "findings": [SURE, refuted]})
    vendor_fakes.reply_json("google", EMPTY_REVIEW)  # the docs step runs first
    verdicts = [
        {"index": 0, "verdict": "confirm", "reason": "Line 21 formats order_id into SQL."},
        {"index": 1, "verdict": "refute", "reason": "The values are passed as parameters."},
    ]
    vendor_fakes.reply_json("google", {"verdicts": verdicts})
    report = _run(github, vendor_fakes, tmp_path, "steps:\n  verify:\n    enabled: true\n")

    comment, inline = _comment(github), _inline(github)
    assert SURE["title"] in comment and refuted["title"] not in comment
    assert len(inline) == 1 and SURE["title"] in inline[0]
    assert "1 finding refuted by the verify step hidden" in comment
    held = _by_title(report)[refuted["title"]]
    assert held["suppressed"] == "refuted"
    assert held["suppressed_reason"] == (
        "google:gemini-2.5-flash: The values are passed as parameters."
    )
    # one request for security's batch, to a vendor other than the one that wrote it
    verify = next(s for s in report["steps"] if s["name"] == "verify")
    assert (verify["status"], verify["model"]) == ("ok", "google:gemini-2.5-flash")
    assert verify["cost_usd"] > 0 and len(verify["attempts"]) == 1
    assert "| verify | `google:gemini-2.5-flash` | ✅ ok" in comment
    total = sum(s["cost_usd"] for s in report["steps"])
    assert abs(report["cost_usd"] - total) < 0.00001
    asked = vendor_fakes.requests_for("google")[-1].text
    assert refuted["title"] in asked and "% (charge_id, amount_cents, reason)" in asked
    assert len(vendor_fakes.requests_for("anthropic")) == 1  # security only, never verify


def test_verify_is_off_by_default(
    github: FakeGitHub, vendor_fakes: VendorFakes, tmp_path: Path
) -> None:
    vendor_fakes.reply_json("openai", CLASSIFY)
    vendor_fakes.reply_json("anthropic", {"summary": "s", "findings": [SURE]})
    report = _run(github, vendor_fakes, tmp_path)
    assert "verify" not in [s["name"] for s in report["steps"]]
    assert len(vendor_fakes.requests_for("google")) == 1  # docs


def test_findings_below_inline_min_severity_stay_in_the_summary(
    github: FakeGitHub, vendor_fakes: VendorFakes, tmp_path: Path
) -> None:
    minor = _finding(
        29, None, "The count is of rows read, not rows refunded", severity="low", category="naming"
    )
    vendor_fakes.reply_json("openai", CLASSIFY)
    vendor_fakes.reply_json("anthropic", {"summary": "s", "findings": [SURE, minor]})
    _run(github, vendor_fakes, tmp_path)
    assert minor["title"] in _comment(github)
    assert [SURE["title"] in body for body in _inline(github)] == [True]


GOOD_FIX = (
    "    rows = conn.execute(\n"
    '        "SELECT id, amount_cents FROM charges WHERE order_id = %s", (order_id,)\n'
    "    ).fetchall()"
)
SUGGESTIONS = {
    "good": _finding(20, 22, "good", suggestion=GOOD_FIX),
    "indentation": _finding(
        24,
        27,
        "indentation",
        category="sql-injection-in-insert",
        suggestion="    conn.execute(\n"
        '        "INSERT INTO refunds VALUES (%s, %s, %s)", (charge_id, amount_cents, reason)\n'
        "    )",
    ),
    "parse": _finding(
        28, None, "parse", category="missing-rollback", suggestion="    conn.commit(\n"
    ),
    "range": _finding(
        29,
        None,
        "range",
        category="return-value",
        suggestion="    conn.commit()\n    return rows",  # repeats line 28 above the cited line
    ),
}


def test_only_a_safe_suggestion_becomes_a_commit_suggestion_block(
    github: FakeGitHub, vendor_fakes: VendorFakes, tmp_path: Path
) -> None:
    vendor_fakes.reply_json("openai", CLASSIFY)
    vendor_fakes.reply_json("anthropic", {"summary": "s", "findings": list(SUGGESTIONS.values())})
    _run(github, vendor_fakes, tmp_path)

    bodies = {}
    for body in _inline(github):
        title = next(t for t in SUGGESTIONS if f"· {t}\n" in body)
        bodies[title] = body
    assert sorted(bodies) == sorted(SUGGESTIONS)
    assert f"Suggested change:\n```suggestion\n{GOOD_FIX}\n```" in bodies["good"]
    for bad in ("indentation", "parse", "range"):
        assert "```suggestion" not in bodies[bad], bad
        assert "Possible fix:\n```python\n" in bodies[bad], bad
    # GitHub accepted every anchor: the suggestion block's range is the comment's range
    (review,) = github.pulls[2].reviews
    (good,) = [c for c in review["comments"] if "```suggestion" in c["body"]]
    assert (good["start_line"], good["line"]) == (20, 22)
