"""A review as a SARIF 2.1.0 log for GitHub code scanning (pure: the caller writes the file).

One ``run`` per review. Its rules are the category *families* the findings fall into (the
same family that the stable fingerprint hashes, so ``CWE-89`` and ``sql-injection`` are one
rule, and a reworded finding stays under the same ``ruleId`` from push to push); CWE ids the
categories name become a ``CWE`` taxonomy, linked from the rules (``relationships``) and the
results (``taxa``). Each result carries the finding's fingerprint as its
``partialFingerprints``, under our own key and under ``primaryLocationLineHash``, the one
key code scanning matches alerts by; so an alert follows its finding across pushes when lines
shift above it, and ``upload-sarif`` (which only fills a missing hash, from a checkout this
action does not need) leaves it alone.

Model text is untrusted: messages are plain text with no HTML, no mention and no control
character, with SARIF's brace escapes (``{{``, ``}}``) and no ``](``, so a model can forge
neither a placeholder nor an embedded link.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import quote

from reviewbot import __version__
from reviewbot.checks.injection import PR_TEXT_PATH
from reviewbot.domain import Finding, Review, Severity
from reviewbot.engine.findings import DETERMINISTIC_STEPS
from reviewbot.engine.fingerprint import category_family, fingerprint
from reviewbot.output.sanitize import clean_text

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
VERSION = "2.1.0"
TOOL_NAME = "reviewbot"
INFORMATION_URI = "https://github.com/reviewbot/reviewbot"
FINGERPRINT_KEY = "reviewbot/v1"
LINE_HASH_KEY = "primaryLocationLineHash"  # the partial fingerprint code scanning reads
SRCROOT = "%SRCROOT%"
CWE = "CWE"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# Code scanning reads a score: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
_PROBLEM_SEVERITY = {"error": "error", "warning": "warning", "note": "recommendation"}
_SECURITY_STEPS = frozenset({"security", *DETERMINISTIC_STEPS})
_SECURITY_FAMILIES = frozenset(
    {
        "prompt-injection",
        "xss",
        "path-traversal",
        "ssrf",
        "csrf",
        "open-redirect",
        "xxe",
        "deserialization",
        "injection",
        "secret",
        "auth",
        "crypto",
        "info-leak",
    }
)
# family -> (rule name, what findings of the family are about)
_RULES: dict[str, tuple[str, str]] = {
    "prompt-injection": ("PromptInjection", "Text written to steer an automated reviewer or LLM"),
    "xss": ("CrossSiteScripting", "Untrusted data reaches HTML or script without escaping"),
    "path-traversal": ("PathTraversal", "A file path built from input can leave its directory"),
    "ssrf": ("ServerSideRequestForgery", "The server fetches a URL that input controls"),
    "csrf": ("CrossSiteRequestForgery", "A state-changing request is not protected from forgery"),
    "open-redirect": ("OpenRedirect", "A redirect goes to a URL taken from input"),
    "xxe": ("XmlExternalEntities", "An XML parser resolves or expands entities from input"),
    "deserialization": ("UnsafeDeserialization", "Untrusted data is deserialised into objects"),
    "injection": (
        "Injection",
        "Input reaches a query, command, template or interpreter (SQL, shell, code, LDAP, XPath)",
    ),
    "secret": ("HardcodedSecret", "A credential is committed or hard-coded"),
    "auth": ("AccessControl", "Authentication, authorisation or session handling is missing"),
    "crypto": ("WeakCryptography", "Weak or misused cryptography, randomness, TLS or signatures"),
    "info-leak": ("InformationExposure", "Sensitive data is exposed, logged or sent in clear"),
    "dos": ("DenialOfService", "Input can trigger unbounded work or memory"),
    "memory": ("MemorySafety", "Out-of-bounds access, overflow, use after free or null pointer"),
    "race": ("RaceCondition", "Shared state is used without the synchronisation it needs"),
    "validation": ("InputValidation", "Input is not validated or sanitised"),
    "correctness": ("Correctness", "A logic error, a wrong result or a broken interface"),
    "error-handling": ("ErrorHandling", "Errors are ignored, swallowed or handled wrongly"),
    "performance": ("Performance", "Needless work, quadratic behaviour or slow patterns"),
    "resource": ("ResourceLeak", "A resource is not closed or cleaned up"),
    "tests": ("Tests", "Missing or weak tests"),
    "docs": ("Documentation", "Documentation, comments or changelog out of step with the code"),
    "maintainability": ("Maintainability", "Naming, duplication, dead code and style"),
    "other": ("Other", "Findings of no other kind"),
}
_HELP = (
    "reviewbot reviews pull requests with several LLMs (security, quality and docs steps) and "
    "with fixed checks that need no model (committed secrets, prompt injection). It groups "
    "what they find by kind; this rule is one kind. Each alert's message says what is wrong "
    "and how to fix it; its properties name the step and the model that found it."
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CWE_ID = re.compile(r"cwe[-_ ]?(\d+)", re.I)
_SIX = Decimal("0.000001")
_MESSAGE_CHARS = 3000


def sarif_log(review: Review) -> dict[str, Any]:
    """The SARIF 2.1.0 log of ``review``: one run, ready for ``json.dump``."""
    return {"$schema": SCHEMA_URI, "version": VERSION, "runs": [_run(review)]}


def sarif_text(review: Review) -> str:
    """The SARIF log as pretty JSON text (what ``--sarif`` and the action write)."""
    return json.dumps(sarif_log(review), indent=2, ensure_ascii=False) + "\n"


def automation_id(review: Review) -> str:
    """``category/run-id`` of the run: one category per pull request, the head commit as id.

    Code scanning keeps one analysis per category and ref, so the runs of two pull requests
    never replace each other's alerts, and each push of one pull request replaces the last.
    """
    if review.pr is None:
        return f"{TOOL_NAME}/local/"
    return f"{TOOL_NAME}/pr-{review.pr.number}/{review.pr.head_sha}"


def _run(review: Review) -> dict[str, Any]:
    findings = review.findings
    families = [category_family(f.category) for f in findings]
    cwes = [_cwe_ids(f.category) for f in findings]
    taxa = sorted({c for ids in cwes for c in ids}, key=lambda c: int(c.split("-")[1]))
    taxon_index = {cwe: i for i, cwe in enumerate(taxa)}
    rule_ids = sorted(set(families))
    rule_index = {rule: i for i, rule in enumerate(rule_ids)}
    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": [
            _rule(
                rule,
                [f for f, fam in zip(findings, families, strict=True) if fam == rule],
                [c for c, fam in zip(cwes, families, strict=True) if fam == rule],
                taxon_index,
            )
            for rule in rule_ids
        ],
    }
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if taxa:
        driver["supportedTaxonomies"] = [{"name": CWE, "index": 0}]
        run["taxonomies"] = [_cwe_taxonomy(taxa)]
    run["automationDetails"] = {"id": automation_id(review)}
    if review.pr is not None:
        pr = review.pr
        run["versionControlProvenance"] = [
            {
                "repositoryUri": f"{pr.server_url.rstrip('/')}/{pr.repo}",
                "revisionId": pr.head_sha,
            }
        ]
    run["invocations"] = [_invocation(review)]
    seen: dict[str, int] = {}
    run["results"] = [
        _result(review, f, rule_index[fam], ids, taxon_index, seen)
        for f, fam, ids in zip(findings, families, cwes, strict=True)
    ]
    run["properties"] = {
        "costUsd": _usd(review.cost_usd),
        "baselineCostUsd": _usd(review.baseline_cost_usd),
        "budgetUsd": _usd(review.budget_usd),
        "changeType": review.classification.change_type.value,
        "risk": review.classification.risk.value,
    }
    return run


def _rule(
    rule: str, findings: list[Finding], cwes: list[tuple[str, ...]], taxon_index: dict[str, int]
) -> dict[str, Any]:
    name, about = _RULES.get(rule, (rule.title().replace("-", ""), f"Findings of the {rule} kind"))
    worst = max((f.severity for f in findings), key=lambda s: s.rank)
    level = _LEVEL[worst]
    properties: dict[str, Any] = {}
    security = [f for f in findings if _is_security(f, rule)]
    linked = sorted({c for ids in cwes for c in ids}, key=lambda c: taxon_index[c])
    tags = ["security"] if security else []
    tags += [f"external/cwe/cwe-{int(c.split('-')[1]):03d}" for c in linked]
    if tags:
        properties["tags"] = tags
    if all(f.step in DETERMINISTIC_STEPS for f in findings):
        properties["precision"] = "high"
    else:
        properties["precision"] = "medium"
    if security:
        properties["security-severity"] = _SECURITY_SEVERITY[
            max((f.severity for f in security), key=lambda s: s.rank)
        ]
    else:
        properties["problem.severity"] = _PROBLEM_SEVERITY[level]
    descriptor: dict[str, Any] = {
        "id": rule,
        "name": name,
        "shortDescription": {"text": about},
        "fullDescription": {"text": f"{about}. Found by reviewbot's review of the change."},
        "help": {"text": _HELP, "markdown": _HELP},
        "defaultConfiguration": {"level": level},
        "properties": properties,
    }
    if linked:
        descriptor["relationships"] = [
            {"target": _taxon_ref(c, taxon_index), "kinds": ["relevant"]} for c in linked
        ]
    return descriptor


def _result(
    review: Review,
    f: Finding,
    index: int,
    cwes: tuple[str, ...],
    taxon_index: dict[str, int],
    seen: dict[str, int],
) -> dict[str, Any]:
    family = category_family(f.category)
    print_ = f.fingerprint or fingerprint(
        f, next((x for x in review.files if x.path == f.path), None)
    )
    seen[print_] = seen.get(print_, 0) + 1
    result: dict[str, Any] = {
        "ruleId": family,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": _message(f)},
    }
    if f.path != PR_TEXT_PATH:  # the PR's title and text are no file of the repository
        result["locations"] = [_location(f)]
    result["partialFingerprints"] = {
        FINGERPRINT_KEY: print_,
        LINE_HASH_KEY: f"{print_}:{seen[print_]}",
    }
    if cwes:
        result["taxa"] = [_taxon_ref(c, taxon_index) for c in cwes]
    step = next((s for s in review.steps if s.name == f.step), None)
    properties: dict[str, Any] = {
        "step": f.step,
        "severity": f.severity.value,
        "category": _scrub(clean_text(f.category, 200)),
        "fingerprint": print_,
    }
    if step is not None and step.model is not None:
        properties["model"] = str(step.model)
    properties["costUsd"] = _usd(step.cost_usd) if step is not None else 0.0
    if _is_security(f, family):
        properties["security-severity"] = _SECURITY_SEVERITY[f.severity]
    if f.line is None:
        properties["fileLevel"] = True
    result["properties"] = properties
    return result


def _location(f: Finding) -> dict[str, Any]:
    """The head-commit region; a file-level finding is placed on line 1 (code scanning
    needs a ``startLine``), and its result says ``fileLevel``."""
    start = f.line if f.line is not None and f.line > 0 else 1
    end = max(f.end_line or start, start) if f.line is not None else start
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(f.path), "uriBaseId": SRCROOT},
            "region": {"startLine": start, "endLine": end},
        }
    }


def artifact_uri(path: str) -> str:
    """A repository path as a relative URI reference: every byte but ``/`` and the unreserved
    characters percent-encoded (a space, a ``:``, ``#`` or ``%`` in a name stays in the name)."""
    return quote(path.lstrip("/"), safe="/", errors="surrogateescape")


def _message(f: Finding) -> str:
    title = clean_text(f.title, 300)
    body = clean_text(f.body, _MESSAGE_CHARS - len(title) - 2)
    text = f"{title}\n\n{body}" if title and body else title or body or f"{f.category} finding"
    return _escape(text)


def _escape(text: str) -> str:
    """SARIF plain text: braces doubled (no placeholder), and no ``](`` (no embedded link: a
    zero-width space keeps the text as it reads). Lone surrogates from undecodable diff bytes
    become U+FFFD."""
    return _scrub(text).replace("{", "{{").replace("}", "}}").replace("](", "]\u200b(")


def _scrub(text: str) -> str:
    """``text`` with any lone surrogate (an undecodable byte of the diff) as U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def _invocation(review: Review) -> dict[str, Any]:
    """Whether every step ran; a failed or skipped step is a notification with its reason."""
    notes = []
    for step in review.steps:
        if step.status == "ok":
            continue
        reason = clean_text(step.reason or "no reason given", 500)
        notes.append(
            {
                "level": "error" if step.status == "failed" else "note",
                "message": {"text": _escape(f"{step.name} {step.status}: {reason}")},
                "descriptor": {"id": step.name},
            }
        )
    invocation: dict[str, Any] = {
        "executionSuccessful": not any(s.status == "failed" for s in review.steps)
    }
    if notes:
        invocation["toolExecutionNotifications"] = notes
    return invocation


def _cwe_taxonomy(taxa: Iterable[str]) -> dict[str, Any]:
    return {
        "name": CWE,
        "organization": "MITRE",
        "informationUri": "https://cwe.mitre.org/",
        "shortDescription": {"text": "The MITRE Common Weakness Enumeration"},
        "taxa": [
            {"id": c, "helpUri": f"https://cwe.mitre.org/data/definitions/{c.split('-')[1]}.html"}
            for c in taxa
        ],
    }


def _taxon_ref(cwe: str, taxon_index: dict[str, int]) -> dict[str, Any]:
    return {"id": cwe, "index": taxon_index[cwe], "toolComponent": {"name": CWE, "index": 0}}


def _cwe_ids(category: str) -> tuple[str, ...]:
    """The CWE ids a category names, in order, each once (``"CWE-89 sql-injection"``)."""
    return tuple(dict.fromkeys(f"CWE-{int(n)}" for n in _CWE_ID.findall(category) if int(n) > 0))


def _is_security(f: Finding, family: str) -> bool:
    return f.step in _SECURITY_STEPS or family in _SECURITY_FAMILIES or bool(_cwe_ids(f.category))


def _usd(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(_SIX, rounding=ROUND_HALF_UP))
