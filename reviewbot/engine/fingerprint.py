"""A finding's identity across runs and wordings: its path, category family and code.

Models reword the same finding from run to run ("SQL injection in login" / "Unsanitised input
reaches the query") and cite its lines a little differently; lines above it shift as the PR
grows. The fingerprint ignores all of that: it hashes the file path, the *family* of the
category (``CWE-89``, ``sql-injection`` and ``SQL Injection`` are one family) and the
whitespace-normalised text of the code line the finding starts on. It is what the inline
comments' hidden key, the incremental review's state and SARIF's ``partialFingerprints`` use,
so "the same finding" means one thing everywhere.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Sequence

from reviewbot.domain import FileDiff, Finding

_CWE = re.compile(r"cwe[-_ ]?(\d+)", re.I)
_WORDS = re.compile(r"[a-z0-9+]+")  # "sql_injection", "SQL-Injection" -> "sql injection"
_MIN_ANCHOR_CHARS = 8  # a cited line shorter than this (`}`, `else:`) takes the next lines too
_MAX_ANCHOR_LINES = 3

# (family, CWE ids, keywords). Checked in order: CWE ids first, then keywords, so the more
# specific families come before the broad ones ("prompt-injection" before "injection").
# Keywords match at the start of a word of the category, its words split on anything but
# letters, digits and "+".
_FAMILIES: tuple[tuple[str, frozenset[int], tuple[str, ...]], ...] = (
    ("prompt-injection", frozenset({1427}), ("prompt injection",)),
    (
        "xss",
        frozenset({79, 80, 83, 116}),
        ("xss", "cross site scripting", "html injection", "escap"),
    ),
    (
        "path-traversal",
        frozenset({22, 23, 35, 36, 73, 59}),
        ("traversal", "zip slip", "directory", "symlink"),
    ),
    ("ssrf", frozenset({918}), ("ssrf", "server side request")),
    ("csrf", frozenset({352}), ("csrf", "cross site request")),
    ("open-redirect", frozenset({601}), ("redirect",)),
    ("xxe", frozenset({611, 776}), ("xxe", "xml external", "entity expansion")),
    ("deserialization", frozenset({502}), ("deserializ", "deserialis", "pickle", "unmarshal")),
    (
        "injection",
        frozenset({74, 75, 77, 78, 88, 89, 90, 91, 93, 94, 95, 96, 113, 917, 943, 1336}),
        (
            "inject",
            "sqli",
            "sql",
            "command",
            "shell",
            "rce",
            "code execution",
            "eval",
            "template",
            "ldap",
            "xpath",
        ),
    ),
    (
        "secret",
        frozenset({798, 259, 321, 522, 256, 257}),
        (
            "secret",
            "credential",
            "hardcoded",
            "password",
            "api key",
            "apikey",
            "token",
            "private key",
        ),
    ),
    (
        "auth",
        frozenset(
            {284, 285, 287, 288, 290, 306, 307, 269, 266, 639, 862, 863, 1390, 613, 384, 565}
        ),
        (
            "auth",
            "access control",
            "permission",
            "privilege",
            "idor",
            "session",
            "bypass",
        ),
    ),
    (
        "crypto",
        frozenset({295, 297, 310, 326, 327, 328, 330, 331, 338, 347, 916, 759, 760}),
        (
            "crypto",
            "cipher",
            "encrypt",
            "hash",
            "random",
            "tls",
            "ssl",
            "certificate",
            "signature",
            "nonce",
        ),
    ),
    (
        "info-leak",
        frozenset({200, 201, 209, 215, 312, 319, 359, 532, 538}),
        ("leak", "exposure", "disclos", "sensitive", "logging", "pii"),
    ),
    (
        "dos",
        frozenset({400, 401, 404, 770, 772, 789, 834, 835, 674, 1333}),
        ("denial", "dos", "redos", "exhaust", "unbounded", "infinite"),
    ),
    (
        "memory",
        frozenset({119, 120, 121, 122, 125, 787, 416, 415, 476, 190, 191, 131}),
        (
            "overflow",
            "buffer",
            "use after free",
            "use after free",
            "null",
            "out of bounds",
            "out of bounds",
            "memory",
        ),
    ),
    (
        "race",
        frozenset({362, 364, 366, 367, 667, 833}),
        ("race", "toctou", "concurren", "deadlock", "thread", "atomic", "lock"),
    ),
    ("validation", frozenset({20, 129, 1284, 1287}), ("validat", "sanitiz", "sanitis", "input")),
    (
        "correctness",
        frozenset({480, 481, 484, 561, 570, 571, 682, 697, 193}),
        (
            "bug",
            "logic",
            "correct",
            "off by one",
            "off by one",
            "wrong",
            "incorrect",
            "regression",
            "type",
            "compat",
            "api",
        ),
    ),
    (
        "error-handling",
        frozenset({252, 390, 391, 703, 754, 755, 248}),
        ("error", "exception", "handling", "panic"),
    ),
    (
        "performance",
        frozenset({1050, 1046}),
        ("perf", "slow", "complexity", "n+1", "quadratic", "allocation", "latency"),
    ),
    ("resource", frozenset({404, 459, 775}), ("leak of", "resource", "close", "cleanup")),
    ("tests", frozenset(), ("test", "coverage", "assert")),
    ("docs", frozenset(), ("doc", "readme", "comment", "typo", "spelling", "changelog", "grammar")),
    (
        "maintainability",
        frozenset({1041, 1078, 1164}),
        (
            "style",
            "naming",
            "readab",
            "duplicat",
            "dead code",
            "dead code",
            "unused",
            "maintainab",
            "lint",
            "format",
        ),
    ),
)
OTHER = "other"


def category_family(category: str) -> str:
    """The coarse family of a finding's category, stable across the ways models word it.

    A CWE id decides first; otherwise the first family whose keyword appears in the category;
    otherwise ``"other"``. ``"CWE-89"``, ``"sql injection"`` and ``"SQL Injection (CWE-89)"``
    are all ``"injection"``.
    """
    text = category.lower()
    ids = {int(m) for m in _CWE.findall(text)}
    if ids:
        for family, cwes, _ in _FAMILIES:
            if ids & cwes:
                return family
    words = " " + " ".join(_WORDS.findall(_CWE.sub(" ", text)))
    for family, _, keywords in _FAMILIES:
        if any(f" {keyword}" in words for keyword in keywords):
            return family
    return OTHER


def _normalise(text: str) -> str:
    return " ".join(text.split())


def code_anchor(finding: Finding, file: FileDiff | None) -> str:
    """The normalised new-file code a finding starts on (empty for a file-level finding).

    The first cited line, whitespace collapsed; when that line is too short to tell places
    apart (``}``, ``else:``) the following lines of the same hunk are added, up to three.
    """
    if finding.line is None or file is None:
        return ""
    for hunk in file.hunks:
        text = {ln.new_no: ln.text for ln in hunk.lines if ln.kind != "-" and ln.new_no}
        if finding.line not in text:
            continue
        parts: list[str] = []
        number = finding.line
        while number in text and len(parts) < _MAX_ANCHOR_LINES:
            line = _normalise(text[number])
            if line:
                parts.append(line)
            if sum(len(p) for p in parts) >= _MIN_ANCHOR_CHARS:
                break
            number += 1
        return "\n".join(parts)
    return ""


def fingerprint(finding: Finding, file: FileDiff | None) -> str:
    """A 16-hex identity of ``finding``: path, category family and the code it points at."""
    raw = "\n".join((finding.path, category_family(finding.category), code_anchor(finding, file)))
    return hashlib.sha256(raw.encode("utf 8")).hexdigest()[:16]


def stamp(findings: Iterable[Finding], files: Sequence[FileDiff]) -> list[Finding]:
    """``findings`` with their ``fingerprint`` set from the diff they were anchored to."""
    by_path = {file.path: file for file in files}
    return [
        dataclasses.replace(f, fingerprint=fingerprint(f, by_path.get(f.path))) for f in findings
    ]
