"""Turn secret hits into findings: critical when added, high when removed, medium when unchanged."""

from __future__ import annotations

from collections.abc import Sequence

from reviewbot.checks.secrets.masking import redact_path
from reviewbot.checks.secrets.scan import SecretHit, Where
from reviewbot.domain import Finding, Severity

STEP = "secrets"
CATEGORY = "CWE-798 hardcoded-secret"
WITHHELD_CATEGORY = "secret-scan-incomplete"

# Added: this pull request publishes the credential. Removed: it was committed before and
# stays in the history, so deleting the line does not revoke it. Context: it was committed
# before and is still in the tree; the pull request neither adds nor removes it, so it must
# not weigh like a leak the pull request makes (nor fail a `fail-on: high` gate for an
# unrelated change), but it is a live credential and is reported, never hidden.
SEVERITY: dict[Where, Severity] = {
    "added": Severity.CRITICAL,
    "removed": Severity.HIGH,
    "context": Severity.MEDIUM,
}
_RANK = {"added": 2, "removed": 1, "context": 0}
_MASKED = "It was masked before any text was sent to a model."
_ROTATE = (
    "Revoke or rotate it now with its issuer, load it from a secret store or an environment "
    "variable instead, and remove it from the git history (for example with `git filter-repo`)"
)


def preview(secret: str) -> str | None:
    """A masked hint that identifies a long secret without revealing it: ``AKIA…MPLE``."""
    secret = secret.strip()
    if len(secret) < 20 or secret.startswith("-----") or "(base64)" in secret:
        return None
    return f"{secret[:4]}…{secret[-4:]}"


def _where_text(hit: SecretHit, path: str) -> str:
    if hit.in_path:
        return {
            "added": f"is in the name of the file `{path}`, which this pull request adds",
            "removed": f"is in the old name of the file `{path}` (renamed or deleted here)",
            "context": f"is in the name of the file `{path}`",
        }[hit.where]
    if hit.where == "added":
        return f"was added on line {hit.line} of `{path}`"
    if hit.where == "removed":
        return f"is on a removed line (line {hit.old_line} of the old `{path}`)"
    return f"is on line {hit.line} of `{path}`, an unchanged line shown next to this change"


def _advice(where: Where) -> str:
    if where == "added":
        return (
            "Treat it as leaked: anyone who can read the repository or its history can use it. "
            f"{_ROTATE}: deleting it in a later commit leaves it in the history."
        )
    if where == "removed":
        return (
            "Removing it does not make it safe: it was committed, it is still in the git "
            "history (and in every clone and fork), so anyone who can read the history can "
            f"use it. {_ROTATE}."
        )
    return (
        "It was committed before this pull request and is still in the repository; this pull "
        "request did not add it, but it is a live credential all the same. "
        f"{_ROTATE}."
    )


def _title(kind: str, where: Where, path: str, in_path: bool) -> str:
    if in_path:
        if where == "removed":
            return f"{kind} in the old name of {path}, still in its git history"
        return f"{kind} in the name of {path}"
    if where == "added":
        return f"{kind} committed in {path}"
    if where == "removed":
        return f"{kind} removed from {path} but still in its git history"
    return f"{kind} already committed in {path}"


def secret_findings(hits: Sequence[SecretHit]) -> tuple[Finding, ...]:
    """One finding per secret (one per private key, however many lines); never the secret.

    Severity follows where the secret is: ``critical`` on an added line, ``high`` on a
    removed one (still in the history: rotate it), ``medium`` on an unchanged context line
    (committed before this pull request). A key over lines of several kinds takes the worst.

    Args:
        hits: what :func:`~reviewbot.checks.secrets.scan.scan_files` found.

    Returns:
        Findings with ``step="secrets"`` and category ``CWE-798 hardcoded-secret``, in hit order.
    """
    groups: dict[int, list[SecretHit]] = {}
    for hit in hits:
        if hit.group is not None:
            groups.setdefault(hit.group, []).append(hit)
    findings: list[Finding] = []
    done: set[int] = set()
    for hit in hits:
        members = [hit]
        if hit.group is not None:
            if hit.group in done:
                continue
            done.add(hit.group)
            members = groups[hit.group]
        worst = max(members, key=lambda m: _RANK[m.where])
        lines = [m.line for m in members if m.line is not None]
        first = lines[0] if lines else None
        last = lines[-1] if lines and lines[-1] != first else None
        findings.append(_finding(worst, first, last))
    return tuple(findings)


def _finding(hit: SecretHit, line: int | None, end_line: int | None) -> Finding:
    kind = hit.kind[:1].upper() + hit.kind[1:]
    path = redact_path(hit.path)
    hint = None if hit.in_path else preview(hit.secret)
    what = f"{kind} ({hint})" if hint else kind
    body = f"{what} {_where_text(hit, path)}. {_advice(hit.where)} {_MASKED}"
    return Finding(
        step=STEP,
        severity=SEVERITY[hit.where],
        category=CATEGORY,
        path=hit.path,
        line=line,
        end_line=end_line,
        title=_title(kind, hit.where, path, hit.in_path),
        body=body,
    )


_MAX_WITHHELD_PATHS = 10


def withheld_finding(paths: Sequence[str]) -> Finding:
    """One finding for the files the scan stopped in (``DiffScan.withheld``): high, because a
    model reviewed none of them and the secrets past the stop are not listed."""
    shown = [f"`{redact_path(path)}`" for path in paths[:_MAX_WITHHELD_PATHS]]
    more = len(paths) - len(shown)
    listed = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
    files = "1 file" if len(paths) == 1 else f"{len(paths)} files"
    return Finding(
        step=STEP,
        severity=Severity.HIGH,
        category=WITHHELD_CATEGORY,
        path=paths[0],
        line=None,
        end_line=None,
        title=f"Secret scan stopped: {files} withheld from review",
        body=(
            "This change holds more possible secrets than the scan judges in one pass, so it "
            f"stopped before the end of {listed}. No model was sent these files, so no model "
            "reviewed them, and secrets past the stop are not listed (those found before it "
            "are). A file of credentials, key material or generated values does this: review "
            "these files by hand, and keep such data out of the repository."
        ),
    )
