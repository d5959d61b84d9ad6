"""The reply schemas work with every vendor's strict mode, and bad replies fail the attempt."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewbot.domain import ChangeType, ErrorKind, Risk, Severity
from reviewbot.errors import OutputError
from reviewbot.steps.schema import (
    classify_json_schema,
    parse_classify,
    parse_review,
    parse_verify,
    review_json_schema,
    verify_json_schema,
)

GOOD = {
    "summary": "One problem.",
    "findings": [
        {
            "path": "app.py", "line": 12, "end_line": None, "severity": "high",
            "category": "CWE-89 sql-injection", "title": "SQL built from input",
            "body": "Use parameters.", "suggestion": None,
        }
    ],
}  # fmt: skip


def _objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found.extend(_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_objects(value))
    return found


@pytest.mark.parametrize(
    "schema", [classify_json_schema(), review_json_schema(), verify_json_schema()]
)
def test_schema_is_openai_strict_valid(schema: dict[str, Any]) -> None:
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text and "definitions" not in text
    objects = _objects(schema)
    assert objects, "the root must be an object"
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"])
    for keyword in ("minLength", "maxLength", "pattern", "format", "minimum", "oneOf", "allOf"):
        assert keyword not in text


def test_review_schema_nullables_and_enums() -> None:
    finding = review_json_schema()["properties"]["findings"]["items"]["properties"]
    assert finding["line"]["type"] == ["integer", "null"]
    assert finding["suggestion"]["type"] == ["string", "null"]
    assert finding["severity"]["enum"] == [s.value for s in Severity]
    classify = classify_json_schema()["properties"]
    assert classify["change_type"]["enum"] == [c.value for c in ChangeType]


def test_schema_is_a_fresh_copy() -> None:
    review_json_schema()["properties"].clear()
    assert "findings" in review_json_schema()["properties"]


def test_parse_review_turns_a_reply_into_findings() -> None:
    summary, findings = parse_review(json.dumps(GOOD), "security")
    assert summary == "One problem."
    (finding,) = findings
    assert (finding.step, finding.path, finding.line, finding.severity) == (
        "security",
        "app.py",
        12,
        Severity.HIGH,
    )


def test_parse_review_tolerates_a_json_fence() -> None:
    summary, findings = parse_review("```json\n" + json.dumps(GOOD) + "\n```\n", "quality")
    assert summary == "One problem." and len(findings) == 1


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("", "empty"),
        ("Sure! Here is the review: {}", "not JSON"),
        ('{"summary": "x"}', "findings"),
        ('{"summary": "x", "findings": [], "verdict": "approve"}', "verdict"),
        (
            json.dumps({**GOOD, "findings": [{**GOOD["findings"][0], "severity": "blocker"}]}),
            "severity",
        ),
        (json.dumps({**GOOD, "findings": [{**GOOD["findings"][0], "line": "twelve"}]}), "line"),
        ("```json\n" + json.dumps(GOOD) + "\n```\nHope this helps!", "not JSON"),
        ("[1, 2]", "schema"),
    ],
)
def test_parse_review_rejects_invalid_replies(reply: str, reason: str) -> None:
    with pytest.raises(OutputError) as caught:
        parse_review(reply, "security")
    assert caught.value.kind == ErrorKind.INVALID_OUTPUT
    assert reason in str(caught.value)
    assert len(str(caught.value)) < 400


def test_parse_classify() -> None:
    got = parse_classify('{"change_type": "bugfix", "risk": "low", "rationale": "Off by one."}')
    assert (got.change_type, got.risk, got.source) == (ChangeType.BUGFIX, Risk.LOW, "model")
    with pytest.raises(OutputError):
        parse_classify('{"change_type": "cleanup", "risk": "low", "rationale": ""}')


def test_review_schema_asks_every_finding_for_a_confidence() -> None:
    item = review_json_schema()["properties"]["findings"]["items"]
    assert "confidence" in item["required"]
    assert item["properties"]["confidence"]["type"] == "number"


@pytest.mark.parametrize(
    ("stated", "kept"), [(0.3, 0.3), (1, 1.0), (85, 0.85), (-2, 0.0), (400, 1.0), (None, None)]
)
def test_a_stated_confidence_is_read_as_a_number_from_0_to_1(
    stated: float | None, kept: float | None
) -> None:
    finding = {**GOOD["findings"][0], "confidence": stated}
    _, (parsed,) = parse_review(json.dumps({"summary": "s", "findings": [finding]}), "security")
    assert parsed.confidence == kept


def test_a_reply_without_confidence_still_parses_with_none() -> None:
    _, (parsed,) = parse_review(json.dumps(GOOD), "security")
    assert parsed.confidence is None


def test_parse_verify_keys_verdicts_by_index() -> None:
    reply = {
        "verdicts": [
            {"index": 1, "verdict": "refute", "reason": "escaped on line 3"},
            {"index": 0, "verdict": "confirm", "reason": "yes"},
            {"index": 1, "verdict": "confirm", "reason": "a second verdict is ignored"},
        ]
    }
    assert parse_verify(json.dumps(reply)) == {0: (True, "yes"), 1: (False, "escaped on line 3")}
    with pytest.raises(OutputError):
        parse_verify(json.dumps({"verdicts": [{"index": 0, "verdict": "maybe", "reason": ""}]}))
