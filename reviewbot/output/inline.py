"""Inline review comments: which findings GitHub will accept on which lines, and their bodies."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reviewbot.domain import FileDiff, Finding, Severity
from reviewbot.output.comment_view import fence_language
from reviewbot.output.sanitize import clean, clean_inline, defuse_code
from reviewbot.output.suggestion import why_not

KEY_PATTERN = re.compile(r"<!-- reviewbot:finding ([0-9a-f]{16}) -->")
_BODY_LIMIT = 6000
_ORIGIN_SAFE = re.compile(r"[\w.:/@+-]{1,120}")


@dataclass(frozen=True, slots=True)
class InlineComment:
    """One review comment, anchored on the RIGHT side; ``start_line`` only for a range."""

    path: str
    line: int
    start_line: int | None
    body: str
    key: str

    def payload(self) -> dict[str, Any]:
        """The entry of ``comments[]`` for ``POST /pulls/{n}/reviews``."""
        entry: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "side": "RIGHT",
            "body": self.body,
        }
        if self.start_line is not None:
            entry["start_line"] = self.start_line
            entry["start_side"] = "RIGHT"
        return entry


def finding_key(finding: Finding) -> str:
    """The 16-hex key hidden in a finding's inline comment: its fingerprint.

    A finding not yet fingerprinted (a caller outside the run) falls back to a hash of its
    path, line, category and title, the key reviewbot 1.0 wrote.
    """
    if finding.fingerprint:
        return finding.fingerprint
    raw = "\n".join(
        (finding.path, str(finding.line), finding.category.lower(), finding.title.strip())
    )
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


def keys_in(bodies: Iterable[str]) -> frozenset[str]:
    """The finding keys hidden in existing comment bodies."""
    return frozenset(key for body in bodies for key in KEY_PATTERN.findall(body or ""))


def position(finding: Finding, file: FileDiff) -> tuple[int, int | None] | None:
    """``(line, start_line)`` for GitHub, or None when the finding's line is not commentable.

    GitHub's ``line`` is the last line of a range and ``start_line`` the first; a range is sent
    only when both ends are RIGHT-side lines of the same hunk and ``start_line < line``,
    otherwise the comment goes on the finding's first line alone.
    """
    if finding.line is None or finding.line not in file.right_lines:
        return None
    hunk = file.hunk_lines(finding.line)
    end = finding.end_line
    if hunk is not None and end is not None and end > finding.line and end in hunk:
        return end, finding.line
    return finding.line, None


def comment_body(
    finding: Finding, key: str, file: FileDiff | None = None, model: str | None = None
) -> str:
    """The markdown of one inline comment, with the hidden key as its last line.

    The finding's ``suggestion`` is a ```` ```suggestion ```` block (GitHub's "Commit
    suggestion") only when ``file`` is given and :func:`reviewbot.output.suggestion.why_not`
    finds nothing wrong with it; otherwise it is a plain code block headed "Possible fix".
    ``model`` (the model of the finding's step, from the config) is hidden beside the key so
    that reactions on the comment can be counted per step and model at the next run.
    """
    head = f"**{finding.severity.value}** · {clean_inline(finding.category, 80)} · " + clean_inline(
        finding.title, 200
    )
    parts = [head, clean(finding.body, _BODY_LIMIT)]
    if finding.suggestion and finding.suggestion.strip():
        code = defuse_code(finding.suggestion.strip("\n"))[:_BODY_LIMIT]
        fence = "`" * max(3, _longest_backtick_run(code) + 1)
        if file is not None and why_not(finding, file) is None:
            parts.append(f"Suggested change:\n{fence}suggestion\n{code}\n{fence}")
        else:
            lang = fence_language(finding.path)
            parts.append(f"Possible fix:\n{fence}{lang}\n{code}\n{fence}")
    text = "\n\n".join(p for p in parts if p.strip())
    tail = f"<!-- reviewbot:finding {key} -->"  # the last line, always
    if model and _ORIGIN_SAFE.fullmatch(model) and _ORIGIN_SAFE.fullmatch(finding.step):
        tail = f"<!-- reviewbot:origin {finding.step} {model} -->\n{tail}"
    return f"{text}\n\n{tail}"


def _longest_backtick_run(text: str) -> int:
    return max((len(m) for m in re.findall(r"`+", text)), default=0)


def inline_comments(
    findings: Iterable[Finding],
    files: Sequence[FileDiff],
    *,
    limit: int,
    posted: Collection[str] = frozenset(),
    models: Mapping[str, str] | None = None,
    min_severity: Severity = Severity.INFO,
) -> list[InlineComment]:
    """The inline comments to post: commentable, not posted before, at most ``limit``.

    Args:
        findings: The review's findings, worst first.
        files: Every file of the diff (the anchors are checked against their hunks).
        limit: ``max_inline_comments``.
        posted: Keys of findings already posted as inline comments on this PR.
        models: The model that answered each step, hidden in its comments for feedback.
        min_severity: ``inline_min_severity``: milder findings stay in the summary only.

    Returns:
        At most ``limit`` comments, in the findings' order, one per key.
    """
    by_path = {file.path: file for file in files}
    out: list[InlineComment] = []
    seen = set(posted)
    for finding in findings:
        if len(out) >= limit:
            break
        if finding.severity.rank < min_severity.rank:
            continue
        file = by_path.get(finding.path)
        spot = position(finding, file) if file is not None else None
        if spot is None:
            continue
        key = finding_key(finding)
        if key in seen:
            continue
        seen.add(key)
        line, start = spot
        body = comment_body(finding, key, file, (models or {}).get(finding.step))
        out.append(InlineComment(finding.path, line, start, body, key))
    return out
