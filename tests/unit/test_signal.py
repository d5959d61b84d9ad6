"""Signal over noise, the pure rules: confidence floors, caps, agreement, the config keys."""

from __future__ import annotations

import dataclasses

import pytest

from reviewbot.config.load import parse_config
from reviewbot.domain import Finding, ModelRef, Severity
from reviewbot.engine import signal
from reviewbot.engine.findings import dedupe
from reviewbot.engine.verify import apply_verdicts, other_vendor_chain
from reviewbot.errors import ConfigError


def _f(
    title: str,
    confidence: float | None = 0.9,
    severity: Severity = Severity.HIGH,
    step: str = "security",
    line: int = 10,
    category: str = "CWE-89 sql-injection",
) -> Finding:
    return Finding(
        step, severity, category, "a.py", line, None, title, "body", None, "", confidence
    )


def test_below_the_floor_is_held_back_with_the_reason_and_unknown_is_kept() -> None:
    out = signal.below_floor([_f("unsure", 0.3), _f("sure", 0.9), _f("unsaid", None)], 0.6)
    assert [f.suppressed for f in out] == ["low_confidence", None, None]
    assert out[0].suppressed_reason == "confidence 0.30 < 0.6"
    shown, held = signal.split(out)
    assert [f.title for f in shown] == ["sure", "unsaid"] and [f.title for f in held] == ["unsure"]


def test_the_cap_keeps_the_worst_then_the_surest_in_their_order() -> None:
    found = [
        _f("low", 0.99, Severity.LOW),
        _f("high unsure", 0.7),
        _f("held", 0.1, Severity.CRITICAL),
        _f("high sure", 0.95),
    ]
    found[2] = signal.suppress(found[2], signal.LOW_CONFIDENCE, "x")
    out = signal.cap(found, 1)
    assert [f.suppressed for f in out] == ["max_findings", "max_findings", "low_confidence", None]
    assert signal.cap(found, None) == found
    assert signal.held_counts(out) == (
        (1, "low-confidence ", ""),
        (2, "", " over a step's max_findings"),
    )


def test_two_vendors_agreeing_are_named_and_rank_first_among_their_severity() -> None:
    alone = _f("Path traversal in upload", category="CWE-22 path-traversal", line=2)
    security = _f("SQL built from input", category="CWE-89 sql-injection", line=40)
    quality = _f("Query text is formatted", category="unsafe sql", step="quality", line=41)
    vendors = {"security": "anthropic", "quality": "openai"}
    merged = dedupe([alone, security, quality], vendors)
    assert [f.title for f in merged] == ["SQL built from input", "Path traversal in upload"]
    assert merged[0].flagged_by == ("security", "quality")
    assert "Flagged by security and quality (models of 2 vendors agree)." in merged[0].body
    # the same two steps on one vendor: merged, noted, not ranked up
    same = dedupe([alone, security, quality], {"security": "openai", "quality": "openai"})
    assert [f.title for f in same] == ["Path traversal in upload", "SQL built from input"]
    assert same[1].flagged_by == () and "Also flagged by quality." in same[1].body


def test_verify_uses_another_vendor_and_suppresses_only_refuted_findings() -> None:
    chain = tuple(
        ModelRef.parse(m)
        for m in ("google:gemini-2.5-flash", "openai:gpt-5-mini", "anthropic:claude-haiku-4-5")
    )
    producer = ModelRef.parse("google:gemini-2.5-pro")
    assert [str(m) for m in other_vendor_chain(chain, producer)] == [
        "openai:gpt-5-mini",
        "anthropic:claude-haiku-4-5",
    ]
    verdicts = {0: (True, "real"), 1: (False, "  escaped\non line 3 ")}
    out = apply_verdicts([_f("a"), _f("b"), _f("c")], verdicts, chain[1])
    assert [f.suppressed for f in out] == [None, "refuted", None]  # no verdict: kept
    assert out[1].suppressed_reason == "openai:gpt-5-mini: escaped on line 3"


def test_config_defaults_and_an_old_config_stay_valid() -> None:
    config = parse_config("fail_on: high\nsteps:\n  quality:\n    models: [openai:gpt-5-mini]\n")
    assert config.min_confidence == 0.6 and config.inline_min_severity == "medium"
    assert config.min_confidence_for("quality") == 0.6
    assert not config.steps.verify.enabled
    assert "verify" not in config.steps.names() and "verify" not in config.steps.review_steps()
    tuned = parse_config(
        "min_confidence: 0.8\ninline_min_severity: low\n"
        "steps:\n  docs:\n    min_confidence: 0.3\n    max_findings: 2\n"
        "  verify:\n    enabled: true\n"
    )
    assert tuned.min_confidence_for("security") == 0.8 and tuned.min_confidence_for("docs") == 0.3
    assert tuned.steps.get("docs").max_findings == 2
    assert tuned.steps.names()[-1] == "verify"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("min_confidence: 1.5\n", "min_confidence"),
        ("inline_min_severity: urgent\n", "inline_min_severity"),
        ("steps:\n  security:\n    max_findings: -1\n", "steps.security.max_findings"),
        ("steps:\n  verify:\n    files: ['**']\n", "verify reads the review steps' findings"),
    ],
)
def test_bad_values_name_the_key(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(text)


def test_a_held_back_finding_keeps_its_fields() -> None:
    held = signal.suppress(_f("x"), signal.REFUTED, "why")
    assert dataclasses.replace(held, suppressed=None, suppressed_reason=None) == _f("x")
