"""The run state hidden in the sticky comment: what it holds, how it is written and read back.

One line right after the comment's marker::

    <!-- reviewbot:state v1 sha256=<16 hex> {"repo": ..., "pr": ..., "head": ...} -->

The JSON is plain (any JSON parser reads it) with ``<``, ``>``, ``&``, ``@``, parentheses
and backticks inside strings escaped as ``\\u003c`` and so on, so no path or title
can close the HTML comment, mention anyone or form a link. The checksum covers the JSON, so
an edited or cut block is recognised as damaged. Reading never raises: a missing, damaged,
foreign (another repository or PR) or newer-version block comes back as a reason, and the
caller runs a full review.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from reviewbot.domain import Finding, FindingState, Severity

VERSION = 1
STATE_LIMIT = 20_000  # characters of the block; the comment keeps the rest for people
_TITLE_CHARS = 160
_LINE = re.compile(r"<!-- reviewbot:state v(\d+) sha256=([0-9a-f]{16}) (\{.*?\}) -->")
_ANY = re.compile(r"<!-- reviewbot:state\b")
_STATES = ("new", "open", "resolved")
# Never structural in JSON, so they occur only inside strings, where \uXXXX stands for them:
# no HTML comment can close, no mention, link or code span can form.
_INERT = {ord(c): f"\\u{ord(c):04x}" for c in "<>&@()`"}


@dataclass(frozen=True, slots=True)
class TrackedFinding:
    """One finding as the state remembers it: enough to carry it forward or list it resolved."""

    fingerprint: str
    path: str
    line: int | None
    end_line: int | None
    severity: Severity
    state: FindingState
    step: str
    category: str
    title: str
    resolved_by: str | None = None

    @classmethod
    def of(cls, finding: Finding) -> TrackedFinding:
        """The tracked form of ``finding`` (its title cut to keep the block small)."""
        return cls(
            fingerprint=finding.fingerprint,
            path=finding.path,
            line=finding.line,
            end_line=finding.end_line,
            severity=finding.severity,
            state=finding.state,
            step=finding.step,
            category=finding.category[:80],
            title=finding.title[:_TITLE_CHARS],
            resolved_by=finding.resolved_by,
        )

    def finding(self) -> Finding:
        """Back to a ``Finding`` (without body or suggestion, which the state does not keep)."""
        return Finding(
            step=self.step,
            severity=self.severity,
            category=self.category,
            path=self.path,
            line=self.line,
            end_line=self.end_line,
            title=self.title,
            body="",
            fingerprint=self.fingerprint,
            state=self.state,
            resolved_by=self.resolved_by,
        )


@dataclass(frozen=True, slots=True)
class RunState:
    """What the last run of a PR left for the next one."""

    repo: str
    pr: int
    head_sha: str
    base_sha: str
    base_ref: str
    config_digest: str
    pr_cost_usd: Decimal
    complete: bool  # every review step ran (a failed or unpaid step asks for a full review)
    findings: tuple[TrackedFinding, ...]
    truncated: bool = False  # some open findings did not fit: the next run reviews everything


@dataclass(frozen=True, slots=True)
class ReadState:
    """The outcome of reading a comment: the state, or why there is none to build on."""

    state: RunState | None
    problem: str | None


def encode(state: RunState, limit: int = STATE_LIMIT) -> str:
    """The state's one-line block, at most ``limit`` characters.

    When every finding does not fit, resolved ones go first (oldest knowledge), then open ones
    from the mildest up, and the state is marked ``truncated`` so the next run is a full one.
    """
    findings = list(state.findings)
    text = _line(state, findings, truncated=state.truncated)
    if len(text) <= limit:
        return text
    findings.sort(key=lambda f: (f.state != "resolved", f.severity.rank), reverse=True)
    while findings and len(text) > limit:
        findings = findings[: max(0, min(len(findings) - 1, int(len(findings) * 0.8)))]
        text = _line(state, findings, truncated=True)
    return text


def _line(state: RunState, findings: list[TrackedFinding], *, truncated: bool) -> str:
    data: dict[str, Any] = {
        "repo": state.repo,
        "pr": state.pr,
        "head": state.head_sha,
        "base": state.base_sha,
        "base_ref": state.base_ref,
        "config": state.config_digest,
        "pr_cost_usd": str(state.pr_cost_usd),
        "complete": state.complete,
        "truncated": truncated,
        "findings": [
            [
                f.fingerprint,
                f.path,
                f.line,
                f.end_line,
                f.severity.value,
                f.state,
                f.step,
                f.category,
                f.title,
                f.resolved_by,
            ]
            for f in findings
        ],
    }
    payload = json.dumps(data, ensure_ascii=True, separators=(",", ":")).translate(_INERT)
    digest = hashlib.sha256(payload.encode("ascii")).hexdigest()[:16]
    return f"<!-- reviewbot:state v{VERSION} sha256={digest} {payload} -->"


def decode(body: str | None, repo: str, number: int) -> ReadState:
    """Read the state block of a comment ``body``; never raises.

    Args:
        body: The sticky comment's text, or None when there is no comment yet.
        repo: ``owner/name`` of the PR being reviewed.
        number: Its number.

    Returns:
        The state, or ``problem``: why there is none to build on (shown as the full review's
        reason).
    """
    if body is None:
        return ReadState(None, "first review of this pull request")
    # Only above the comment's visible content: nothing written further down (quoted model
    # text, should any comment syntax ever get through) can pass for the state.
    body = body.split("\n## ", 1)[0]
    match = _LINE.search(body)
    if match is None:
        if _ANY.search(body):
            return ReadState(None, "the saved review state in the comment is damaged")
        return ReadState(None, "the summary comment carries no saved review state")
    version, digest, payload = int(match[1]), match[2], match[3]
    if version != VERSION:
        return ReadState(None, f"the saved review state is version {version}, not {VERSION}")
    if hashlib.sha256(payload.encode("utf-8", "replace")).hexdigest()[:16] != digest:
        return ReadState(None, "the saved review state in the comment is damaged")
    try:
        state = _state(json.loads(payload))
    except (ValueError, TypeError, KeyError, IndexError, InvalidOperation):
        return ReadState(None, "the saved review state in the comment is damaged")
    if state.repo != repo or state.pr != number:
        return ReadState(
            None, f"the saved review state belongs to {state.repo}#{state.pr}, not this PR"
        )
    return ReadState(state, None)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _number(value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError("expected a line number")
    return value


def _state(data: Any) -> RunState:
    if not isinstance(data, dict):
        raise TypeError("expected an object")
    findings = []
    for item in data["findings"]:
        fp, path, line, end, severity, state, step, category, title, resolved_by = item
        if state not in _STATES:
            raise ValueError(f"unknown state {state!r}")
        findings.append(
            TrackedFinding(
                fingerprint=_text(fp),
                path=_text(path),
                line=_number(line),
                end_line=_number(end),
                severity=Severity(severity),
                state=state,
                step=_text(step),
                category=_text(category),
                title=_text(title),
                resolved_by=None if resolved_by is None else _text(resolved_by),
            )
        )
    pr = data["pr"]
    if not isinstance(pr, int):
        raise TypeError("expected a PR number")
    return RunState(
        repo=_text(data["repo"]),
        pr=pr,
        head_sha=_text(data["head"]),
        base_sha=_text(data["base"]),
        base_ref=_text(data["base_ref"]),
        config_digest=_text(data["config"]),
        pr_cost_usd=Decimal(_text(data["pr_cost_usd"])),
        complete=bool(data["complete"]),
        findings=tuple(findings),
        truncated=bool(data.get("truncated", False)),
    )
