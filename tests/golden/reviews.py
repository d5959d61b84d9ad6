"""Hand-built Review objects for the comment goldens: one per situation a user can meet."""

from __future__ import annotations

from decimal import Decimal

from reviewbot.domain import (
    Attempt,
    ChangeType,
    Classification,
    ErrorKind,
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
FLASH = ModelRef("google", "gemini-2.5-flash")
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


def _failed(
    model: ModelRef, start: float, latency: float, kind: ErrorKind, message: str
) -> Attempt:
    return Attempt(model, "failed", kind, message, Usage(), Decimal(0), latency, start)


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
AUTHZ_ALONE = Finding(
    "security",
    Severity.HIGH,
    "CWE-862 missing-authorization",
    "shop/api.py",
    10,
    11,
    "Search endpoint has no authorization check",
    "Any anonymous caller can list other customers' orders.",
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


def fell_back() -> Review:
    """Security's primary model was overloaded and the next one answered."""
    steps = (
        _classify(),
        _step(
            "security",
            _failed(SONNET, 0.9, 1.3, ErrorKind.OVERLOADED, "HTTP 529: Overloaded"),
            _ok(GPT, 2.2, 5.0, Usage(5300, 580, 0), "0.019050"),
            findings=(SQLI,),
            summary="SQL injection in search.",
        ),
        _step("quality", _ok(GPT, 0.9, 4.1, Usage(4980, 402, 0), "0.016470"), summary="Fine."),
        _step(
            "docs",
            _failed(GEMINI, 0.9, 2.0, ErrorKind.RATE_LIMITED, "429 RESOURCE_EXHAUSTED"),
            _failed(
                MINI,
                2.9,
                0.7,
                ErrorKind.INVALID_OUTPUT,
                "reply is not JSON (Expecting value at char 0)",
            ),
            _ok(FLASH, 3.6, 1.9, Usage(2100, 96, 0), None),
            summary="Docs fine.",
        ),
    )
    return _review(
        steps,
        (SQLI,),
        notes=(
            "`google:gemini-2.5-flash` has no known price: its cost shows as n/a and the budget"
            " could not be enforced for it.",
        ),
    )


def step_failed() -> Review:
    """Quality failed on every model; the other steps still report."""
    steps = (
        _classify(),
        _step(
            "security",
            _ok(SONNET, 0.9, 6.4, Usage(5210, 610, 3072), "0.033843"),
            findings=(AUTHZ_ALONE,),
            summary="One gap.",
        ),
        _step(
            "quality",
            _failed(GPT, 0.9, 30.0, ErrorKind.TIMEOUT, "no reply within 30 s"),
            _failed(SONNET, 30.9, 0.4, ErrorKind.AUTH, "HTTP 401: invalid x-api-key"),
        ),
        _step("docs", _ok(GEMINI, 0.9, 3.2, Usage(2100, 120, 0), "0.003825"), summary="Docs fine."),
    )
    return _review(steps, (AUTHZ_ALONE,))


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


def budget_skips() -> Review:
    """The money budget ran out: docs and quality were skipped before their calls."""
    steps = (
        _classify(),
        _step(
            "security",
            _ok(OPUS, 0.9, 9.7, Usage(5210, 900, 0), "0.100650"),
            findings=(SQLI,),
            summary="SQL injection.",
        ),
        StepResult("quality", "skipped", "budget: needs about $0.0166, $0.0088 left of $0.11"),
        StepResult("docs", "skipped", "budget: needs about $0.0038, $0.0088 left of $0.11"),
    )
    return _review(
        steps,
        (SQLI,),
        budget_usd=Decimal("0.11"),
        baseline_cost_usd=Decimal("0.1407"),
        notes=("quality and docs were skipped to stay within `budget_usd` ($0.11).",),
    )


def huge_pr() -> Review:
    """A PR with many files: most skipped (generated, vendored, binary, budget)."""
    files = list(FILES)
    files += [_skipped(f"web/static/gen/chunk-{i:03}.js", SkipReason.GENERATED) for i in range(40)]
    files += [_skipped(f"third_party/lib{i}/core.c", SkipReason.VENDORED) for i in range(6)]
    files += [_skipped(f"assets/img/icon-{i}.png", SkipReason.BINARY) for i in range(3)]
    files += [_skipped(f"shop/module_{i:02}.py", SkipReason.BUDGET, 300) for i in range(12)]
    files += [_skipped("docs/generated/api.md", SkipReason.IGNORED)]
    return _review(
        all_ok().steps,
        FINDINGS,
        files=tuple(files),
        notes=(
            "The diff exceeded `max_review_tokens` (120,000):"
            " 12 files were not sent to the models.",
        ),
    )


def zero_findings() -> Review:
    """Every step ran and nothing was found."""
    steps = (
        _classify(),
        _step(
            "security",
            _ok(SONNET, 0.9, 5.1, Usage(5210, 80, 4096), "0.017058"),
            summary="Nothing security-relevant.",
        ),
        _step(
            "quality", _ok(GPT, 0.9, 3.8, Usage(4980, 60, 0), "0.013050"), summary="Clean change."
        ),
        _step("docs", _ok(GEMINI, 0.9, 2.9, Usage(2100, 40, 0), "0.003025"), summary="Docs match."),
    )
    return _review(steps, ())


CASES = {
    "all_ok": all_ok,
    "fell_back": fell_back,
    "step_failed": step_failed,
    "no_keys": no_keys,
    "budget_skips": budget_skips,
    "huge_pr": huge_pr,
    "zero_findings": zero_findings,
}
