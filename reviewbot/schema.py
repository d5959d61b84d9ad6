"""The shape a model must reply in: pydantic boundary models, their strict JSON schemas, parsers."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from reviewbot.domain import ChangeType, Classification, ErrorKind, Finding, Risk, Severity
from reviewbot.errors import OutputError


class ClassifyReply(BaseModel):
    """What the classify step returns."""

    model_config = ConfigDict(extra="forbid")

    change_type: ChangeType
    risk: Risk
    rationale: str


class FindingReply(BaseModel):
    """One finding as a review step returns it; ``line`` is a new-file line, None = whole file."""

    model_config = ConfigDict(extra="forbid")

    path: str
    line: int | None
    end_line: int | None
    severity: Severity
    category: str
    title: str
    body: str
    suggestion: str | None


class ReviewReply(BaseModel):
    """What the security, quality and docs steps return."""

    model_config = ConfigDict(extra="forbid")

    summary: str
    findings: list[FindingReply]


# The schemas are written out by hand, not generated: every vendor's strict mode accepts a
# different subset of JSON Schema, and this is the intersection (OpenAI strict: every property
# required, additionalProperties false, no $ref; Gemini responseJsonSchema; Claude output_config).


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _nullable(kind: str, description: str) -> dict[str, Any]:
    return {"type": [kind, "null"], "description": description}


def _enum(values: list[str], description: str) -> dict[str, Any]:
    return {"type": "string", "enum": values, "description": description}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


_CLASSIFY_SCHEMA = _object(
    {
        "change_type": _enum([c.value for c in ChangeType], "What kind of change this is."),
        "risk": _enum([r.value for r in Risk], "How much could go wrong if it is wrong."),
        "rationale": _string("One or two sentences on why."),
    }
)

_FINDING_SCHEMA = _object(
    {
        "path": _string("File path exactly as in the diff header."),
        "line": _nullable("integer", "New-file line number from the numbered diff, or null."),
        "end_line": _nullable("integer", "Last new-file line of a range, or null."),
        "severity": _enum([s.value for s in Severity], "Severity per the rubric."),
        "category": _string("Short kebab-case category; for security a CWE id first."),
        "title": _string("One-line title, under 80 characters."),
        "body": _string("What is wrong, why it matters, how to fix it. Markdown."),
        "suggestion": _nullable("string", "Replacement code for the cited lines, or null."),
    }
)

_REVIEW_SCHEMA = _object(
    {
        "summary": _string("Two or three sentences on the change from this step's angle."),
        "findings": {"type": "array", "items": _FINDING_SCHEMA},
    }
)


def classify_json_schema() -> dict[str, Any]:
    """Return the JSON schema of a classify reply, valid for every vendor's strict mode."""
    return copy.deepcopy(_CLASSIFY_SCHEMA)


def review_json_schema() -> dict[str, Any]:
    """Return the JSON schema of a review reply, valid for every vendor's strict mode."""
    return copy.deepcopy(_REVIEW_SCHEMA)


_FENCE = re.compile(r"\A```(?:json)?[ \t]*\n(?P<body>.*)\n```\Z", re.DOTALL | re.IGNORECASE)


def _load(text: str) -> Any:
    stripped = text.strip()
    if not stripped:
        raise OutputError(ErrorKind.INVALID_OUTPUT, "empty reply")
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group("body").strip()
    try:
        return json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise OutputError(
            ErrorKind.INVALID_OUTPUT, f"reply is not JSON ({exc.msg} at char {exc.pos})"
        ) from None


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "reply"
        parts.append(f"{where}: {err['msg']}")
    more = exc.error_count() - len(parts)
    return "reply does not match the schema: " + "; ".join(parts) + (f" (+{more})" if more else "")


def parse_classify(text: str) -> Classification:
    """Validate a classify reply.

    Args:
        text: The model's raw text; a single ```json fence around it is tolerated.

    Returns:
        The classification, with ``source="model"``.

    Raises:
        OutputError: ``INVALID_OUTPUT`` with a short reason when the reply is not the schema.
    """
    try:
        reply = ClassifyReply.model_validate(_load(text))
    except ValidationError as exc:
        raise OutputError(ErrorKind.INVALID_OUTPUT, _reason(exc)) from None
    return Classification(reply.change_type, reply.risk, "model", reply.rationale)


def parse_review(text: str, step: str) -> tuple[str, list[Finding]]:
    """Validate a review reply and turn it into domain findings.

    Args:
        text: The model's raw text; a single ```json fence around it is tolerated.
        step: The step name stamped on every finding.

    Returns:
        The step summary and its findings (not yet anchored, deduplicated or sanitised).

    Raises:
        OutputError: ``INVALID_OUTPUT`` with a short reason when the reply is not the schema.
    """
    try:
        reply = ReviewReply.model_validate(_load(text))
    except ValidationError as exc:
        raise OutputError(ErrorKind.INVALID_OUTPUT, _reason(exc)) from None
    findings = [
        Finding(
            step=step,
            severity=f.severity,
            category=f.category,
            path=f.path,
            line=f.line if f.line is None or f.line > 0 else None,
            end_line=f.end_line if f.end_line is None or f.end_line > 0 else None,
            title=f.title,
            body=f.body,
            suggestion=f.suggestion,
        )
        for f in reply.findings
    ]
    return reply.summary, findings
