"""Hand-built ``Review`` objects for unit and hardening tests of the renderer.

The comment goldens do not use these: they are real pipeline runs (:mod:`tests.golden.scenarios`).
What is left here is what ``tests/unit/test_comment.py`` and the hardening tests import.
"""

from __future__ import annotations

from decimal import Decimal

from reviewbot.domain import (
    Attempt,
    ChangeType,
    Classification,
    FileDiff,
    FileStatus,
    Finding,
    Hunk,
    Line,
    ModelRef,
    PullRequestRef,
    Review,
    Risk,
    Severity,
    SkipReason,
    StepResult,
    Usage,
)

PR = PullRequestRef(
    repo="acme/shop",
    number=42,
    head_sha="3f9c2e1d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
    base_sha="1111111111111111111111111111111111111111",
    title="Add order search endpoint",
    body="Adds /orders/search.",
)
MINI = ModelRef("openai", "gpt-5-mini")
SONNET = ModelRef("anthropic", "claude-sonnet-4-6")
GPT = ModelRef("openai", "gpt-5.4")
GEMINI = ModelRef("google", "gemini-2.5-pro")
OPUS = ModelRef("anthropic", "claude-opus-4-7")


def _file(
    path: str, start: int, added: list[str], status: FileStatus = FileStatus.MODIFIED
) -> FileDiff:
    lines = tuple(Line("+", None, start + i, text) for i, text in enumerate(added))
    hunk = Hunk(start, 0, start, len(added), "", lines)
    return FileDiff(path, None, status, False, len(added), 0, (hunk,))


def _skipped(path: str, reason: SkipReason, adds: int = 120) -> FileDiff:
    binary = reason == SkipReason.BINARY
    return FileDiff(path, None, FileStatus.MODIFIED, binary, 0 if binary else adds, 0, (), reason)


FILES = (
    _file(
        "shop/orders.py",
        40,
        [
            "def search(q):",
            "    sql = f\"SELECT * FROM orders WHERE name = '{q}'\"",
            "    return db.execute(sql)",
        ],
    ),
    _file(
        "shop/api.py",
        10,
        ["@app.get('/orders/search')", "def orders_search(q: str):", "    return search(q)"],
    ),
    _file("README.md", 5, ["## Search", "GET /orders/search?q=..."]),
    _skipped("package-lock.json", SkipReason.LOCKFILE, 812),
)


def _ok(model: ModelRef, start: float, latency: float, usage: Usage, cost: str | None) -> Attempt:
    return Attempt(model, "ok", None, None, usage, Decimal(cost) if cost else None, latency, start)


def _step(
    name: str, *attempts: Attempt, findings: tuple[Finding, ...] = (), summary: str | None = None
) -> StepResult:
    ok = [a for a in attempts if a.status == "ok"]
    status = "ok" if ok else "failed"
    start = attempts[0].started_s
    end = attempts[-1].started_s + attempts[-1].latency_s
    return StepResult(
        name,
        status,
        None if ok else "every model in the chain failed",
        ok[0].model if ok else None,
        attempts,
        findings,
        summary,
        start,
        end,
    )


SQLI = Finding(
    "security",
    Severity.CRITICAL,
    "CWE-89 sql-injection",
    "shop/orders.py",
    41,
    None,
    "SQL query built from the search parameter",
    "`q` comes straight from the query string and is formatted into the SQL text, so "
    "`?q=' OR '1'='1` returns every order. Pass it as a parameter instead.",
    'sql = "SELECT * FROM orders WHERE name = %s"\nreturn db.execute(sql, (q,))',
)
AUTHZ = Finding(
    "security",
    Severity.HIGH,
    "CWE-862 missing-authorization",
    "shop/api.py",
    10,
    11,
    "Search endpoint has no authorization check",
    "Any anonymous caller can list other customers' orders.\n\n_Also flagged by quality._",
)
NO_TEST = Finding(
    "quality",
    Severity.MEDIUM,
    "missing-test",
    "shop/orders.py",
    None,
    None,
    "No test for the new search function",
    "Add a test for an empty query and for a name with a quote in it.",
)
NAMING = Finding(
    "quality",
    Severity.LOW,
    "naming",
    "shop/api.py",
    11,
    None,
    "`orders_search` and `search` are easy to confuse",
    "Consider `search_orders` for the domain function.",
)
DOCS = Finding(
    "docs",
    Severity.INFO,
    "missing-changelog",
    "README.md",
    6,
    None,
    "New endpoint is not in the CHANGELOG",
    "Add an entry under Unreleased.",
)
FINDINGS = (SQLI, AUTHZ, NO_TEST, NAMING, DOCS)

CLASSIFIED = Classification(
    ChangeType.FEATURE, Risk.HIGH, "model", "New endpoint that builds SQL from user input."
)
HEURISTIC = Classification(ChangeType.FEATURE, Risk.MEDIUM, "heuristic", "Code changes in 3 files.")


def _classify() -> StepResult:
    return _step("classify", _ok(MINI, 0.0, 0.82, Usage(1840, 42, 0), "0.000544"))


def _review(steps: tuple[StepResult, ...], findings: tuple[Finding, ...], **kw: object) -> Review:
    known = [s.cost_usd for s in steps if s.cost_usd is not None]
    defaults: dict[str, object] = dict(
        pr=PR,
        files=FILES,
        classification=CLASSIFIED,
        steps=steps,
        findings=findings,
        cost_usd=sum(known, Decimal(0)),
        baseline_cost_usd=Decimal("0.1820"),
        baseline_model=OPUS,
        budget_usd=Decimal("1.00"),
        wall_s=max((s.ended_s for s in steps), default=0.0),
    )
    defaults.update(kw)
    return Review(**defaults)  # type: ignore[arg-type]


def all_ok() -> Review:
    """Every step ran on its primary model and found something."""
    steps = (
        _classify(),
        _step(
            "security",
            _ok(SONNET, 0.9, 6.4, Usage(5210, 610, 3072), "0.033843"),
            findings=(SQLI, AUTHZ),
            summary="The new search builds SQL from user input.",
        ),
        _step(
            "quality",
            _ok(GPT, 0.9, 4.1, Usage(4980, 402, 0), "0.016470"),
            findings=(NO_TEST, NAMING),
            summary="Small, readable change; untested.",
        ),
        _step(
            "docs",
            _ok(GEMINI, 0.9, 3.2, Usage(2100, 120, 0), "0.003825"),
            findings=(DOCS,),
            summary="README updated; CHANGELOG not.",
        ),
    )
    return _review(steps, FINDINGS)


def no_keys() -> Review:
    """A new user with no API keys: heuristic classification, every model step skipped."""
    steps = (
        StepResult("classify", "skipped", "heuristic"),
        StepResult(
            "security",
            "skipped",
            "no ANTHROPIC_API_KEY (nor OPENAI_API_KEY, GEMINI_API_KEY for the fallbacks)",
        ),
        StepResult(
            "quality", "skipped", "no OPENAI_API_KEY (nor ANTHROPIC_API_KEY for the fallback)"
        ),
        StepResult("docs", "skipped", "no GEMINI_API_KEY (nor OPENAI_API_KEY for the fallback)"),
    )
    return _review(
        steps,
        (),
        classification=HEURISTIC,
        cost_usd=Decimal(0),
        baseline_cost_usd=None,
        pr=None,
        wall_s=0.1,
        notes=(
            "No vendor API key was set, so no model reviewed this change. Set"
            " `ANTHROPIC_API_KEY`, `OPENAI_API_KEY` or `GEMINI_API_KEY`"
            " to enable the review steps.",
        ),
    )
