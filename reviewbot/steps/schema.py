"""The shape a model must reply in: pydantic boundary models, their strict JSON schemas, parsers."""

from __future__ import annotations

import copy
import json
import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
    # Required by the JSON schema; a reply from a model without strict mode may leave it out.
    confidence: float | None = None


class ReviewReply(BaseModel):
    """What the security, quality and docs steps return."""

    model_config = ConfigDict(extra="forbid")

    summary: str
    findings: list[FindingReply]


class VerdictReply(BaseModel):
    """The verify step's verdict on one candidate finding, by its index in the prompt."""

    model_config = ConfigDict(extra="forbid")

    index: int
    verdict: Literal["confirm", "refute"]
    reason: str


class VerifyReply(BaseModel):
    """What the verify step returns: a verdict per candidate finding."""

    model_config = ConfigDict(extra="forbid")

    verdicts: list[VerdictReply]


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
        "confidence": {
            "type": "number",
            "description": "How sure you are that this is a real problem in this code, from 0.0 "
            "(a guess) to 1.0 (certain).",
        },
    }
)

_REVIEW_SCHEMA = _object(
    {
        "summary": _string("Two or three sentences on the change from this step's angle."),
        "findings": {"type": "array", "items": _FINDING_SCHEMA},
    }
)


_VERIFY_SCHEMA = _object(
    {
        "verdicts": {
            "type": "array",
            "items": _object(
                {
                    "index": {"type": "integer", "description": "The finding's index."},
                    "verdict": _enum(["confirm", "refute"], "Is the finding real?"),
                    "reason": _string("One or two sentences on why, citing the code."),
                }
            ),
        }
    }
)


def classify_json_schema() -> dict[str, Any]:
    """Return the JSON schema of a classify reply, valid for every vendor's strict mode."""
    return copy.deepcopy(_CLASSIFY_SCHEMA)


def review_json_schema() -> dict[str, Any]:
    """Return the JSON schema of a review reply, valid for every vendor's strict mode."""
    return copy.deepcopy(_REVIEW_SCHEMA)


def verify_json_schema() -> dict[str, Any]:
    """Return the JSON schema of a verify reply, valid for every vendor's strict mode."""
    return copy.deepcopy(_VERIFY_SCHEMA)


_FENCE = re.compile(r"\A```(?:json)?[ \t]*\n(?P<body>.*)\n```\Z", re.DOTALL | re.IGNORECASE)
MAX_LINE = 10_000_000  # a cited line beyond this is no line of a reviewable file: file level
# Longest title and category kept: the schema asks for under 80 characters, and findings are
# compared by title when they are merged (difflib is quadratic in the length).
MAX_TITLE = 300
MAX_CATEGORY = 120


def _no_constant(name: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON; Python's parser accepts them unless told not to."""
    raise ValueError(f"{name} is not a JSON value")


def _load(text: str) -> Any:
    """Parse a reply as strict JSON; any way it can fail is an ``INVALID_OUTPUT``.

    Beyond syntax errors that covers integers of thousands of digits (``ValueError`` from the
    int-conversion limit), nesting deep enough to exhaust the recursion limit, ``NaN`` and
    ``Infinity``, and lone surrogates (``"\\ud800"``) that could never be written out as UTF-8.
    """
    stripped = text.strip()
    if not stripped:
        raise OutputError(ErrorKind.INVALID_OUTPUT, "empty reply")
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group("body").strip()
    try:
        value = json.loads(stripped, parse_constant=_no_constant)
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as exc:
        raise OutputError(
            ErrorKind.INVALID_OUTPUT, f"reply is not JSON ({exc.msg} at char {exc.pos})"
        ) from None
    except UnicodeError:
        raise OutputError(ErrorKind.INVALID_OUTPUT, "reply is not valid Unicode text") from None
    except RecursionError:
        raise OutputError(ErrorKind.INVALID_OUTPUT, "reply is nested too deeply") from None
    except ValueError as exc:  # huge integers, NaN / Infinity
        raise OutputError(
            ErrorKind.INVALID_OUTPUT, f"reply is not JSON ({str(exc)[:120]})"
        ) from None
    return value


def _line(value: int | None) -> int | None:
    """A cited line as the diff can hold it, or None (file level) for 0, negatives, absurd."""
    return value if value is not None and 0 < value <= MAX_LINE else None


def confidence(value: float | None) -> float | None:
    """A stated confidence as a number from 0.0 to 1.0, or None when the model gave none.

    A model that answers in percent (``85``) means 0.85; anything else out of range is clamped.
    """
    if value is None or not math.isfinite(value):
        return None
    if 1 < value <= 100:
        value /= 100
    return min(max(value, 0.0), 1.0)


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
            category=f.category[:MAX_CATEGORY],
            path=f.path,
            line=_line(f.line),
            end_line=_line(f.end_line),
            title=f.title[:MAX_TITLE],
            body=f.body,
            suggestion=f.suggestion,
            confidence=confidence(f.confidence),
        )
        for f in reply.findings
    ]
    return reply.summary, findings


def parse_verify(text: str) -> dict[int, tuple[bool, str]]:
    """Validate a verify reply.

    Args:
        text: The model's raw text; a single ```json fence around it is tolerated.

    Returns:
        ``{index: (confirmed, reason)}``; the first verdict on an index counts.

    Raises:
        OutputError: ``INVALID_OUTPUT`` with a short reason when the reply is not the schema.
    """
    try:
        reply = VerifyReply.model_validate(_load(text))
    except ValidationError as exc:
        raise OutputError(ErrorKind.INVALID_OUTPUT, _reason(exc)) from None
    verdicts: dict[int, tuple[bool, str]] = {}
    for item in reply.verdicts:
        verdicts.setdefault(item.index, (item.verdict == "confirm", item.reason))
    return verdicts


class AnswerReply(BaseModel):
    """The ``ask`` step's reply."""

    model_config = ConfigDict(extra="forbid")

    answer: str = Field(max_length=20_000)


_ANSWER_SCHEMA = _object({"answer": _string("The answer to the question. Markdown.")})


def answer_json_schema() -> dict[str, Any]:
    """Return the JSON schema of an ``ask`` reply, valid for every vendor's strict mode."""
    return copy.deepcopy(_ANSWER_SCHEMA)


def parse_answer(text: str) -> str:
    """Validate an ``ask`` reply; return the answer text (not yet sanitised).

    Raises:
        OutputError: ``INVALID_OUTPUT`` when the reply is not the schema or is blank.
    """
    try:
        reply = AnswerReply.model_validate(_load(text))
    except ValidationError as exc:
        raise OutputError(ErrorKind.INVALID_OUTPUT, _reason(exc)) from None
    if not reply.answer.strip():
        raise OutputError(ErrorKind.INVALID_OUTPUT, "empty answer")
    return reply.answer
