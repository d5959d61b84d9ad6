"""When a finding is a labelled problem: same file, nearby lines, same category family. Pure.

A category is what a model or a case writes: ``CWE-89``, ``CWE-89 sql-injection``,
``sql-injection``, ``SQL Injection (CWE-89)``, ``xss``. Its *family* is a small set of names:
every CWE id in it and its kebab-case words, each mapped through ``FAMILIES`` to the family's
name (``CWE-89``, ``sqli`` and ``sql-injection`` are all ``sql-injection``). A CWE id or a
name that is not in the table is its own family (``cwe-1234``, ``missing-test``). Two
categories agree when their families share a name; the label category ``*`` agrees with any.

A family groups the CWE ids that name one weakness at different depths of the CWE tree (a
model may say ``CWE-78`` OS command injection where the advisory says ``CWE-77`` command
injection), plus the short names reviewers use for it. It does not group different weaknesses
that often come together (an integer overflow and the denial of service it causes stay apart).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

ANY_CATEGORY = "*"
DEFAULT_LINE_SLACK = 3

# family name -> (CWE ids, other names). The family name is also one of its names.
FAMILIES: dict[str, tuple[frozenset[int], tuple[str, ...]]] = {
    "sql-injection": (frozenset({89, 564}), ("sqli", "sql-injection-vulnerability")),
    "command-injection": (
        frozenset({77, 78, 88}),
        ("os-command-injection", "shell-injection", "argument-injection"),
    ),
    "code-injection": (frozenset({94, 95}), ("eval-injection", "remote-code-execution", "rce")),
    "template-injection": (frozenset({1336}), ("ssti", "server-side-template-injection")),
    "xss": (
        frozenset({79, 80, 83, 87}),
        ("cross-site-scripting", "html-injection", "reflected-xss", "stored-xss", "dom-xss"),
    ),
    "path-traversal": (
        frozenset({22, 23, 29, 35, 36, 73}),
        ("directory-traversal", "zip-slip", "arbitrary-file-write"),
    ),
    "prototype-pollution": (frozenset({1321, 915}), ("object-injection",)),
    "integer-overflow": (
        frozenset({190, 191, 680, 128}),
        ("integer-underflow", "int-overflow", "numeric-overflow", "wraparound"),
    ),
    "credential-exposure": (
        frozenset({522, 200, 201, 256, 312, 319, 359, 523, 532}),
        (
            "credential-leak",
            "credentials-leak",
            "credential-leakage",
            "information-exposure",
            "information-disclosure",
            "sensitive-data-exposure",
            "sensitive-information-exposure",
            "secret-leak",
            "auth-leak",
        ),
    ),
    "hardcoded-secret": (
        frozenset({798, 259, 321}),
        ("hardcoded-credentials", "hard-coded-credentials", "hardcoded-password", "secret"),
    ),
    "ssrf": (frozenset({918}), ("server-side-request-forgery",)),
    "unsafe-deserialization": (frozenset({502}), ("insecure-deserialization",)),
    "open-redirect": (frozenset({601}), ()),
    "xxe": (frozenset({611}), ("xml-external-entity",)),
    "csrf": (frozenset({352}), ("cross-site-request-forgery",)),
    "missing-authorization": (
        frozenset({285, 639, 862, 863}),
        (
            "idor",
            "broken-access-control",
            "authorization-bypass",
            "insecure-direct-object-reference",
        ),
    ),
    "missing-authentication": (
        frozenset({287, 288, 306}),
        ("authentication-bypass", "broken-authentication", "improper-authentication"),
    ),
    "weak-crypto": (
        frozenset({326, 327, 328, 916}),
        ("weak-cryptography", "broken-crypto", "weak-hash", "insecure-hash"),
    ),
    "weak-randomness": (frozenset({330, 338}), ("insecure-randomness", "predictable-random")),
    "certificate-validation": (
        frozenset({295, 297}),
        ("tls-verification-disabled", "improper-certificate-validation"),
    ),
    "race-condition": (frozenset({362, 367}), ("toctou",)),
    "resource-exhaustion": (
        frozenset({400, 409, 770, 789, 1333}),
        ("denial-of-service", "dos", "redos", "uncontrolled-resource-consumption"),
    ),
    "log-injection": (frozenset({117}), ()),
    "header-injection": (frozenset({93, 113}), ("crlf-injection", "http-response-splitting")),
    "ldap-injection": (frozenset({90}), ()),
    "xpath-injection": (frozenset({643}), ()),
    "supply-chain": (
        frozenset({494, 829, 1357}),
        ("dependency-confusion", "typosquatting", "untrusted-dependency"),
    ),
    "memory-safety": (
        frozenset({119, 120, 121, 122, 125, 787}),
        ("buffer-overflow", "out-of-bounds-read", "out-of-bounds-write", "memory-corruption"),
    ),
    "null-dereference": (frozenset({476}), ("null-pointer-dereference",)),
    "use-after-free": (frozenset({416}), ()),
    "prompt-injection": (frozenset(), ()),
}

_BY_CWE: dict[int, str] = {cwe: name for name, (ids, _) in FAMILIES.items() for cwe in ids}
_BY_NAME: dict[str, str] = {
    alias: name for name, (_, aliases) in FAMILIES.items() for alias in (name, *aliases)
}
_CWE = re.compile(r"cwe[-_ :]*(\d+)", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")


def category_family(category: str) -> frozenset[str]:
    """The family names of ``category`` (empty for an empty category).

    >>> sorted(category_family("CWE-89 sql-injection"))
    ['sql-injection']
    >>> sorted(category_family("cwe-1234"))
    ['cwe-1234']
    """
    text = category.strip().lower()
    names = {_BY_CWE.get(int(cwe), f"cwe-{int(cwe)}") for cwe in _CWE.findall(text)}
    slug = "-".join(_WORD.findall(_CWE.sub(" ", text)))
    if slug:
        names.add(_BY_NAME.get(slug, slug))
    return frozenset(names)


def categories_agree(label: str, finding: str) -> bool:
    """Whether a finding's category is in the family of a label's (``*`` agrees with any)."""
    if label.strip() == ANY_CATEGORY:
        return True
    return bool(category_family(label) & category_family(finding))


@dataclass(frozen=True, slots=True)
class Label:
    """A known problem of a case: ``path``, new-file lines ``start``..``end``, ``category``."""

    path: str
    start: int
    end: int
    category: str


@dataclass(frozen=True, slots=True)
class Spot:
    """Where a finding points and what it calls the problem (``line`` None: file level)."""

    path: str
    line: int | None
    end_line: int | None
    category: str


def normalise_path(path: str) -> str:
    """A path as the diff names it: no ``./`` in front, no surrounding blanks."""
    path = path.strip()
    while path.startswith("./"):
        path = path[2:]
    return path


def lines_near(label: Label, spot: Spot, slack: int) -> bool:
    """Whether the finding's lines overlap the label's, or lie within ``slack`` lines of them.

    A file-level finding (no line) is near no labelled line.
    """
    if spot.line is None:
        return False
    end = spot.end_line if spot.end_line is not None and spot.end_line >= spot.line else spot.line
    return spot.line <= label.end + slack and label.start <= end + slack


def matches(label: Label, spot: Spot, slack: int = DEFAULT_LINE_SLACK) -> bool:
    """The matching rule: same path, lines within ``slack``, categories of one family."""
    return (
        normalise_path(label.path) == normalise_path(spot.path)
        and lines_near(label, spot, slack)
        and categories_agree(label.category, spot.category)
    )


@dataclass(frozen=True, slots=True)
class CaseMatch:
    """Which labels some finding matched, and which findings matched some label."""

    labels_found: tuple[bool, ...]
    findings_matched: tuple[bool, ...]

    @property
    def found(self) -> int:
        """Labels matched by at least one finding."""
        return sum(self.labels_found)

    @property
    def true_positives(self) -> int:
        """Findings that match at least one label."""
        return sum(self.findings_matched)


def match_case(
    labels: Iterable[Label], spots: Iterable[Spot], slack: int = DEFAULT_LINE_SLACK
) -> CaseMatch:
    """Match every finding of a case against every label (many to many).

    A label counts as found when any finding matches it; a finding counts as a true positive
    when it matches any label (two findings on one label are both true positives).
    """
    label_list, spot_list = list(labels), list(spots)
    pairs = [[matches(label, spot, slack) for spot in spot_list] for label in label_list]
    return CaseMatch(
        labels_found=tuple(any(row) for row in pairs),
        findings_matched=tuple(
            any(pairs[i][j] for i in range(len(label_list))) for j in range(len(spot_list))
        ),
    )
