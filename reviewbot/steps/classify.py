"""Classify a change from file paths and sizes when the answer is certain (no model call)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from reviewbot.diff.filters import skip_reason
from reviewbot.diff.kinds import FileKind, file_kind
from reviewbot.domain import ChangeType, Classification, FileDiff, Risk, SkipReason

TRIVIAL_MAX_LINES = 5  # a change this small with no code logic in it is chore/low
BIG_CODE_LINES = 400  # changed code lines from which the fallback risk hint is high

# Path words (split on anything not a letter or digit, matched as word prefixes) that make a
# change security-sensitive for heuristic_risk_hint.
SENSITIVE_WORDS: tuple[str, ...] = (
    "auth", "login", "logout", "oauth", "saml", "sso", "jwt", "session", "password", "passwd",
    "credential", "secret", "token", "crypt", "encrypt", "decrypt", "cipher", "signatur",
    "signing", "cert", "tls", "ssl", "payment", "billing", "checkout", "invoice", "stripe",
    "refund", "security", "permission", "acl", "rbac", "role", "policy", "sudo", "admin", "csrf",
    "sanitiz", "migration", "migrate",
)  # fmt: skip
_COMMENT = re.compile(r"^\s*(#|//|/\*|\*|--|;|<!--|-->|\"\"\"|''')")


def classify_heuristic(files: Sequence[FileDiff]) -> Classification | None:
    """Decide change type and risk from paths and sizes, or None when not sure.

    Rules, on reviewed files (files skipped for size count as reviewed; a vendored change
    always leaves the decision to the model):

    - only docs -> docs/low; only tests -> tests/low;
    - only dependency files -> deps: low when only lockfiles change, medium when a manifest
      does (an added or bumped dependency is a supply-chain risk); the rationale says which
      dependencies were bumped, added or removed;
    - only config or CI -> config: medium when a CI workflow changes (it runs with
      secrets), else low;
    - at most ``TRIVIAL_MAX_LINES`` changed lines and no code logic -> chore/low;
    - every file skipped: all lockfiles -> deps/low, lockfiles and vendored code ->
      deps/medium, only binary, generated or ignored files -> chore/low.

    Args:
        files: The filtered files of the change.

    Returns:
        A ``source="heuristic"`` Classification, or None to let the cheap model decide.
    """
    # A file skipped only for size is still part of the change: it counts as reviewed here.
    reviewed = [f for f in files if f.skipped in (None, SkipReason.BUDGET, SkipReason.TOO_LARGE)]
    if not reviewed:
        return _all_skipped(files)
    if any(f.skipped is SkipReason.VENDORED for f in files):
        return None  # third-party code changed too: not "only docs" or "trivial"
    kinds = {f.path: file_kind(f.path) for f in reviewed}
    names = _names(reviewed)
    only = set(kinds.values())
    if only == {"docs"}:
        return _decided(ChangeType.DOCS, Risk.LOW, f"only documentation files changed ({names})")
    if only == {"test"}:
        return _decided(ChangeType.TESTS, Risk.LOW, f"only test files changed ({names})")
    if only == {"deps"}:
        dep_files = [f for f in files if f.reviewed or f.skipped is SkipReason.LOCKFILE]
        manifests = [f for f in dep_files if skip_reason(f) is not SkipReason.LOCKFILE]
        if manifests:
            why = f"dependency manifests changed ({_names(manifests)})"
            what = _dependency_changes(manifests)
            return _decided(ChangeType.DEPS, Risk.MEDIUM, f"{why}: {what}" if what else why)
        return _decided(ChangeType.DEPS, Risk.LOW, f"only lockfiles changed ({names})")
    if only <= {"config", "ci"}:
        if "ci" in only:
            ci = _names([f for f in reviewed if kinds[f.path] == "ci"])
            why = (
                f"only configuration changed, including CI workflows, which run with secrets ({ci})"
            )
            return _decided(ChangeType.CONFIG, Risk.MEDIUM, why)
        return _decided(ChangeType.CONFIG, Risk.LOW, f"only configuration files changed ({names})")
    changed = sum(f.additions + f.deletions for f in reviewed)
    if changed <= TRIVIAL_MAX_LINES and not any(_has_logic(f, kinds[f.path]) for f in reviewed):
        why = f"trivial change: {changed} changed line{'s' * (changed != 1)}, no code logic"
        return _decided(ChangeType.CHORE, Risk.LOW, f"{why} ({names})")
    return None


def heuristic_risk_hint(files: Sequence[FileDiff]) -> Risk:
    """A fallback risk for when the model step fails: high for sensitive paths or big code changes.

    Args:
        files: The filtered files of the change (skipped files are ignored).

    Returns:
        ``Risk.HIGH`` when a reviewed path looks security-sensitive (auth, crypto, payment,
        permissions, migrations...) or more than ``BIG_CODE_LINES`` code lines changed;
        ``Risk.MEDIUM`` otherwise (never low: without a model we are not sure).
    """
    reviewed = [f for f in files if f.reviewed]
    if any(_sensitive(f.path) or (f.old_path and _sensitive(f.old_path)) for f in reviewed):
        return Risk.HIGH
    code_lines = sum(f.additions + f.deletions for f in reviewed if file_kind(f.path) == "code")
    return Risk.HIGH if code_lines > BIG_CODE_LINES else Risk.MEDIUM


def _all_skipped(files: Sequence[FileDiff]) -> Classification | None:
    reasons = {f.skipped for f in files}
    if not files or not reasons <= {
        SkipReason.LOCKFILE, SkipReason.VENDORED, SkipReason.BINARY, SkipReason.GENERATED,
        SkipReason.IGNORED,
    }:  # fmt: skip
        return None
    names = _names(files)
    if reasons == {SkipReason.LOCKFILE}:
        return _decided(ChangeType.DEPS, Risk.LOW, f"only lockfiles changed ({names})")
    if reasons <= {SkipReason.LOCKFILE, SkipReason.VENDORED}:
        why = f"only vendored third-party code and lockfiles changed ({names})"
        return _decided(ChangeType.DEPS, Risk.MEDIUM, why)
    if reasons & {SkipReason.LOCKFILE, SkipReason.VENDORED}:
        return None
    return _decided(ChangeType.CHORE, Risk.LOW, f"nothing reviewable changed ({names})")


# The dependency a manifest line names: "lodash": "^4" (package.json, composer.json),
# serde = "1" / serde = { ... } (Cargo.toml, Poetry), httpx>=0.27 (requirements, PEP 621),
# gem "rails" (Gemfile), golang.org/x/net v0.1.0 (go.mod). Keys that are not dependencies
# (a package's own name or version, scripts) are left out.
_DEPENDENCY_LINE = (
    re.compile(
        r"""^["']?(?P<name>[@\w][\w.@/-]*)["']?\s*[:=]\s*"""
        r"""(?:["'](?:[\^~<>=*\d]|v\d|latest|workspace:|npm:|git|file:|link:)|\{\s*\S)"""
    ),
    re.compile(
        r"""^["']?(?P<name>[A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?\s*(?:===?|>=|<=|~=|!=|[<>^~])"""
    ),
    re.compile(r"""^gem\s+["'](?P<name>[^"']+)["']"""),
    re.compile(r"""^(?:require\s+)?(?P<name>[\w.-]+\.[a-z]{2,}/\S+)\s+v\d"""),
)
_NOT_DEPENDENCIES = frozenset(
    {"name", "version", "description", "private", "license", "author", "main", "type",
     "edition", "homepage", "repository", "readme", "module", "go", "python", "requires-python"}
)  # fmt: skip


def _dependency_changes(manifests: Sequence[FileDiff], shown: int = 3) -> str:
    """``bumped lodash; added left-pad``: what the manifests' changed lines do, or ''."""
    removed: dict[str, None] = {}
    added: dict[str, None] = {}
    for f in manifests:
        for hunk in f.hunks:
            for line in hunk.lines:
                name = _dependency_name(line.text) if line.kind != " " else None
                if name:
                    (added if line.kind == "+" else removed)[name] = None
    groups = (
        ("bumped", [n for n in added if n in removed]),
        ("added", [n for n in added if n not in removed]),
        ("removed", [n for n in removed if n not in added]),
    )
    parts = []
    for verb, names in groups:
        if names:
            more = len(names) - shown
            parts.append(f"{verb} {', '.join(names[:shown])}" + (f" and {more} more" * (more > 0)))
    return "; ".join(parts)


def _dependency_name(text: str) -> str | None:
    stripped = text.strip().rstrip(",")
    for pattern in _DEPENDENCY_LINE:
        match = pattern.match(stripped)
        if match:
            name = match.group("name")
            return None if name.lower() in _NOT_DEPENDENCIES else name
    return None


def _has_logic(f: FileDiff, kind: FileKind) -> bool:
    """True when a code file's change is more than comments, blank lines and whitespace."""
    if kind != "code":
        return False
    removed: list[str] = []
    added: list[str] = []
    for hunk in f.hunks:
        for line in hunk.lines:
            if line.kind == " " or not line.text.strip() or _COMMENT.match(line.text):
                continue
            (added if line.kind == "+" else removed).append("".join(line.text.split()))
    return sorted(removed) != sorted(added)


def _sensitive(path: str) -> bool:
    words = re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", path).lower())
    return any(word.startswith(SENSITIVE_WORDS) for word in words if word)


def _names(files: Sequence[FileDiff], shown: int = 3) -> str:
    paths = [f.path for f in files]
    more = len(paths) - shown
    return ", ".join(paths[:shown]) + (f" and {more} more" if more > 0 else "")


def _decided(change_type: ChangeType, risk: Risk, rationale: str) -> Classification:
    return Classification(change_type, risk, "heuristic", rationale)
