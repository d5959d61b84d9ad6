"""Find committed secrets in a diff, mask them before any text leaves the machine, report them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from reviewbot.detectors import PRIVATE_KEY, ends_key_block, is_key_material, scan_line
from reviewbot.domain import FileDiff, Finding, Hunk, Line, Severity

STEP = "secrets"
CATEGORY = "CWE-798 hardcoded-secret"
# Only values at least this long are also masked where they reappear elsewhere in the diff;
# shorter ones (a URL password "pw") would mask unrelated text.
_MIN_MOVED_VALUE = 8


@dataclass(frozen=True, slots=True)
class SecretHit:
    """One secret in one line of the new file: ``line_text[start:end]`` is the secret.

    ``block_line`` is set on the body lines of a multi-line secret (a private key): it is the
    line where the secret begins, and those lines belong to that line's finding.
    """

    path: str
    line: int
    kind: str
    start: int
    end: int
    secret: str = field(repr=False)
    block_line: int | None = None

    @property
    def mask(self) -> str:
        """The text that replaces the secret, e.g. ``[REDACTED:aws-access-key]``."""
        return mask_for(self.kind)


def mask_for(kind: str) -> str:
    """The mask for a kind of secret: ``AWS access key`` -> ``[REDACTED:aws-access-key]``."""
    return f"[REDACTED:{re.sub(r'[^a-z0-9]+', '-', kind.lower()).strip('-')}]"


def _scan_lines(path: str, lines: Sequence[tuple[int, str, bool]]) -> Iterator[SecretHit]:
    """Scan numbered lines; a secret must start on a line marked as new (added)."""
    index = 0
    while index < len(lines):
        number, text, is_new = lines[index]
        index += 1
        if not is_new:
            continue
        for span in scan_line(path, text):
            if not span.opens_block:
                secret = text[span.start : span.end]
                yield SecretHit(path, number, span.kind, span.start, span.end, secret)
                continue
            if index >= len(lines) or not is_key_material(lines[index][1], first=True):
                continue  # a header that names a key format, not a key (e.g. a constant)
            yield SecretHit(path, number, PRIVATE_KEY, span.start, span.end, text[span.start :])
            while index < len(lines):
                body_number, body, _ = lines[index]
                closes = ends_key_block(body)
                if not closes and not is_key_material(body, first=False):
                    break
                index += 1
                stripped = body.strip()
                if stripped:
                    start = body.index(stripped)
                    end = start + len(stripped)
                    hit = SecretHit(path, body_number, PRIVATE_KEY, start, end, stripped, number)
                    yield hit
                if closes:
                    break


def scan_files(files: Sequence[FileDiff]) -> tuple[SecretHit, ...]:
    """Find secrets on the added lines of every file, skipped files included.

    A secret in a lockfile or an ignored file is still a leak in the repository, so skipped
    files are scanned (they are never sent to a model). Binary files are not scanned. The body
    lines of a private key whose BEGIN line was added are reported and masked too, even when
    they are context lines.

    Args:
        files: the parsed diff.

    Returns:
        Hits in file and line order.
    """
    hits: list[SecretHit] = []
    for diff in files:
        if diff.binary:
            continue
        for hunk in diff.hunks:
            lines = [
                (ln.new_no or 0, ln.text, ln.kind == "+") for ln in hunk.lines if ln.kind != "-"
            ]
            hits.extend(_scan_lines(diff.path, lines))
    return tuple(hits)


@dataclass(frozen=True, slots=True)
class _Moved:
    """Every long secret value found, as one regex, so each line is searched once."""

    masks: dict[str, str]
    pattern: re.Pattern[str] | None

    def sub(self, text: str) -> str:
        if self.pattern is None:
            return text
        return self.pattern.sub(lambda match: self.masks[match.group(0)], text)


def _mask_text(text: str, spans: Iterable[SecretHit], moved: _Moved) -> str:
    for hit in sorted(spans, key=lambda h: h.start, reverse=True):
        text = text[: hit.start] + hit.mask + text[hit.end :]
    return moved.sub(text)


def _moved_values(hits: Iterable[SecretHit]) -> _Moved:
    masks = {hit.secret: hit.mask for hit in hits if len(hit.secret) >= _MIN_MOVED_VALUE}
    if not masks:
        return _Moved(masks, None)
    longest_first = sorted(masks, key=len, reverse=True)
    return _Moved(masks, re.compile("|".join(map(re.escape, longest_first))))


def redact_files(files: Sequence[FileDiff], hits: Sequence[SecretHit]) -> tuple[FileDiff, ...]:
    """Mask every hit, and every other occurrence of a hit's value, in the files' line texts.

    Line numbers, kinds and counts are unchanged. A secret's value is masked in context and
    removed lines too (a secret that moves between files or lines), and in files without hits.

    Args:
        files: the parsed diff.
        hits: what :func:`scan_files` found in it.

    Returns:
        The files with masked line texts; the same objects where nothing changed.
    """
    if not hits:
        return tuple(files)
    by_line: dict[tuple[str, int], list[SecretHit]] = {}
    for hit in hits:
        by_line.setdefault((hit.path, hit.line), []).append(hit)
    moved = _moved_values(hits)
    return tuple(_redact_file(diff, by_line, moved) for diff in files)


def _redact_file(
    diff: FileDiff,
    by_line: dict[tuple[str, int], list[SecretHit]],
    moved: _Moved,
) -> FileDiff:
    hunks: list[Hunk] = []
    for hunk in diff.hunks:
        lines: list[Line] = []
        for ln in hunk.lines:
            spans = by_line.get((diff.path, ln.new_no), []) if ln.kind != "-" and ln.new_no else []
            text = _mask_text(ln.text, spans, moved)
            lines.append(ln if text == ln.text else replace(ln, text=text))
        changed = any(new is not old for new, old in zip(lines, hunk.lines, strict=True))
        hunks.append(replace(hunk, lines=tuple(lines)) if changed else hunk)
    if all(new is old for new, old in zip(hunks, diff.hunks, strict=True)):
        return diff
    return replace(diff, hunks=tuple(hunks))


def scan_text(text: str, path: str = "") -> tuple[SecretHit, ...]:
    """Find secrets in free text (a PR title or description); lines are numbered from 1."""
    lines = [(number, line, True) for number, line in enumerate(text.split("\n"), start=1)]
    return tuple(_scan_lines(path, lines))


def redact_text(text: str) -> str:
    """Mask every secret in free text (a PR title or description) the same way as in a diff.

    Args:
        text: any text.

    Returns:
        The text with each secret replaced by its ``[REDACTED:kind]`` mask.
    """
    hits = scan_text(text)
    if not hits:
        return text
    moved = _moved_values(hits)
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        lines[number - 1] = _mask_text(line, [h for h in hits if h.line == number], moved)
    return "\n".join(lines)


def preview(secret: str) -> str | None:
    """A masked hint that identifies a long secret without revealing it: ``AKIA…MPLE``."""
    secret = secret.strip()
    if len(secret) < 20 or secret.startswith("-----"):
        return None
    return f"{secret[:4]}…{secret[-4:]}"


def secret_findings(hits: Sequence[SecretHit]) -> tuple[Finding, ...]:
    """One critical finding per committed secret; never contains the secret itself.

    Body lines of a private key add to the finding of the key's BEGIN line (its ``end_line``).

    Args:
        hits: what :func:`scan_files` found.

    Returns:
        Findings with ``step="secrets"`` and severity ``critical``, in hit order.
    """
    last_line: dict[tuple[str, int], int] = {}
    for hit in hits:
        if hit.block_line is not None:
            key = (hit.path, hit.block_line)
            last_line[key] = max(last_line.get(key, hit.line), hit.line)
    findings: list[Finding] = []
    for hit in hits:
        if hit.block_line is not None:
            continue
        kind = hit.kind[:1].upper() + hit.kind[1:]
        hint = preview(hit.secret)
        what = f"{kind} ({hint})" if hint else kind
        body = (
            f"{what} was added on line {hit.line} of `{hit.path}`. Treat it as leaked: anyone "
            "who can read the repository or its history can use it. Revoke or rotate it now "
            "with its issuer, load it from a secret store or an environment variable instead, "
            "and remove it from the git history (for example with `git filter-repo`): deleting "
            "it in a later commit leaves it in the history. It was masked before any text was "
            "sent to a model."
        )
        findings.append(
            Finding(
                step=STEP,
                severity=Severity.CRITICAL,
                category=CATEGORY,
                path=hit.path,
                line=hit.line,
                end_line=last_line.get((hit.path, hit.line)),
                title=f"{kind} committed in {hit.path}",
                body=body,
            )
        )
    return tuple(findings)
