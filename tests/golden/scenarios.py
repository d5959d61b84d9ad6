"""The comment goldens' situations, each built for real and run through the pipeline.

Every golden is ``runner.review`` (the entry the CLI and the Action call: parse, filter, size
budget, secret scan, classify, route, the three review steps with their fallback chains, the
money budget, pricing, anchoring) on a diff written here. Nothing in a ``Review`` is built by
hand: each scenario only sets up what a user's run would meet, namely the environment (no keys),
the config (a small ``budget_usd``), the diff (a huge one), and what each vendor answers, through
the provider-override seam with one scripted provider per vendor that answers by the step the
request is for (its system prompt) and the model. A scripted failure is the ``ProviderError``
the vendor's client would raise (a 529, a 429, a 401, a timeout) or a reply that is not JSON.
Input tokens are billed as request bytes / 4, as the bench does.

After the run, only the volatile values are set: each attempt's latency and start, each step's
start and end, and the wall time (``pin_times``), so that a render is the same on every run.
Reasons, notes, costs, routing and skips are exactly what the pipeline produced.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable, Mapping
from typing import Any

from reviewbot.config.load import parse_config
from reviewbot.domain import (
    ChangeType,
    Classification,
    ErrorKind,
    PullRequestRef,
    Review,
    Risk,
    Usage,
)
from reviewbot.engine.run import review
from reviewbot.engine.verify import render_verify
from reviewbot.errors import ProviderError
from reviewbot.output.render import render_prompt
from reviewbot.vendors.base import Completion, CompletionRequest
from reviewbot.vendors.fake import FakeProvider, Scripted, ok

STEPS = ("classify", "security", "quality", "docs")
# (step, model) -> what the model answers, in order; the last item repeats.
Script = Mapping[tuple[str, str], list[Scripted]]


# --- the pull request -------------------------------------------------------------------------


def _file(path: str, added: list[str], start: int = 1, new: bool = False) -> str:
    """A unified diff of one file that adds ``added`` at line ``start``."""
    head = f"diff --git a/{path} b/{path}\n"
    if new:
        head += f"new file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/{path}\n"
        hunk = f"@@ -0,0 +1,{len(added)} @@\n"
    else:
        head += f"index 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n"
        hunk = f"@@ -{start},0 +{start},{len(added)} @@\n"
    return head + hunk + "".join(f"+{line}\n" for line in added)


ORDERS_PY = [
    "def search(q):",
    "    sql = f\"SELECT * FROM orders WHERE name = '{q}'\"",
    "    return db.execute(sql).fetchall()",
]
API_PY = [
    "@app.get('/orders/search')",
    "def orders_search(q: str):",
    "    return search(q)",
]
README_MD = ["## Search", "", "`GET /orders/search?q=...` lists the orders whose name is `q`."]
LOCKFILE = ['    "node_modules/left-pad": {', '      "version": "1.3.0"', "    },"]

SEARCH_DIFF = (
    _file("shop/orders.py", ORDERS_PY, 40)
    + _file("shop/api.py", API_PY, 10)
    + _file("README.md", README_MD, 5)
    + _file("package-lock.json", LOCKFILE, 120)
)


def _module(i: int) -> list[str]:
    """A new, plain Python module of about 24 KB (6,000 estimated tokens)."""
    lines = [f'"""Report {i}: totals per region."""', ""]
    for j in range(300):
        lines += [
            f"def total_{j:03}(rows):",
            f"    return sum(row.amount for row in rows if row.region == {j} and row.ok)",
            "",
        ]
    return lines


def huge_diff() -> str:
    """The search change plus bulk: 30 report modules and one file of each skipped kind."""
    parts = [SEARCH_DIFF]
    parts += [_file(f"shop/reports/report_{i:02}.py", _module(i), new=True) for i in range(30)]
    parts.append(_file("third_party/leftpad/README.md", ["# left-pad", "", "Vendored 1.3.0."]))
    parts.append(_file("web/static/app.js.map", ['{"version":3,"mappings":"AAAA"}'], new=True))
    parts.append(
        "diff --git a/assets/logo.png b/assets/logo.png\n"
        "index 1111111..2222222 100644\n"
        "Binary files a/assets/logo.png and b/assets/logo.png differ\n"
    )
    return "".join(parts)


# --- what the models answer -------------------------------------------------------------------

CLASSIFY = {
    "change_type": "feature",
    "risk": "high",
    "rationale": "New public endpoint that builds SQL from its query parameter.",
}
CLASSIFY_MEDIUM = {
    "change_type": "feature",
    "risk": "medium",
    "rationale": "New read-only search endpoint with a test-free helper.",
}
SQLI = {
    "path": "shop/orders.py",
    "line": 41,
    "end_line": None,
    "severity": "critical",
    "category": "CWE-89 sql-injection",
    "title": "SQL query built from the search parameter",
    "body": "`q` comes straight from the query string and is formatted into the SQL text, so "
    "`?q=' OR '1'='1` returns every order. Pass it as a parameter instead.",
    "suggestion": '    sql = "SELECT * FROM orders WHERE name = %s"\n'
    "    return db.execute(sql, (q,)).fetchall()",
    "confidence": 0.95,
}
AUTHZ = {
    "path": "shop/api.py",
    "line": 10,
    "end_line": 11,
    "severity": "high",
    "category": "CWE-862 missing-authorization",
    "title": "Search endpoint has no authorization check",
    "body": "Any anonymous caller can list other customers' orders.",
    "suggestion": None,
    "confidence": 0.8,
}
NO_TEST = {
    "path": "shop/orders.py",
    "line": 40,
    "end_line": 42,
    "severity": "medium",
    "category": "missing-test",
    "title": "No test for the new search function",
    "body": "Add a test for an empty query and for a name with a quote in it.",
    "suggestion": None,
    "confidence": 0.7,
}
NAMING = {
    "path": "shop/api.py",
    "line": 11,
    "end_line": None,
    "severity": "low",
    "category": "naming",
    "title": "`orders_search` and `search` are easy to confuse",
    "body": "Consider `search_orders` for the domain function.",
    "suggestion": None,
    "confidence": 0.65,
}
CHANGELOG = {
    "path": "README.md",
    "line": 7,
    "end_line": None,
    "severity": "info",
    "category": "missing-changelog",
    "title": "New endpoint is not in the CHANGELOG",
    "body": "Add an entry under Unreleased.",
    "suggestion": None,
    "confidence": 0.9,
}


def reply(body: dict[str, Any], output_tokens: int = 200) -> Completion:
    """A model's JSON answer that used ``output_tokens``."""
    return ok(json.dumps(body), Usage(0, output_tokens))


def said(summary: str, *findings: dict[str, Any], output_tokens: int = 200) -> Completion:
    """A review step's answer."""
    return reply({"summary": summary, "findings": list(findings)}, output_tokens)


def failure(kind: ErrorKind, message: str, provider: str, status: int | None) -> ProviderError:
    """What the vendor's client raises after its own retries."""
    return ProviderError(kind, message, provider=provider, status=status)


OVERLOADED = failure(ErrorKind.OVERLOADED, "Overloaded", "anthropic", 529)
RATE_LIMITED = failure(
    ErrorKind.RATE_LIMITED, "Resource has been exhausted (e.g. check quota).", "google", 429
)
TIMED_OUT = failure(ErrorKind.TIMEOUT, "Request timed out.", "openai", None)
BAD_KEY = failure(ErrorKind.AUTH, "invalid x-api-key", "anthropic", 401)
NOT_JSON = ok("Sure! Here is my review of the docs: they look fine.", Usage(0, 14))


# --- the scripted vendors ---------------------------------------------------------------------

_ANY = Classification(ChangeType.FEATURE, Risk.MEDIUM, "model", "")
# The system part of a step's prompt is the same on every call (render_prompt's contract).
_STEP_OF_SYSTEM = {render_prompt(s, files=(), pr=None, classification=_ANY)[0]: s for s in STEPS}
_STEP_OF_SYSTEM[render_verify((), ())[0]] = "verify"


class _Vendor:
    """One vendor: answers each (step, model) from its script, bills request bytes / 4."""

    def __init__(self, name: str, script: Script) -> None:
        self.name = name
        self.unscripted: list[str] = []
        by_step: dict[str, dict[str, list[Scripted]]] = {}
        for (step, model), items in script.items():
            by_step.setdefault(step, {})[model] = items
        self._steps = {step: FakeProvider(name, models) for step, models in by_step.items()}
        self._scripted = set(script)

    async def complete(self, req: CompletionRequest) -> Completion:
        step = _STEP_OF_SYSTEM.get(req.system)
        fake = self._steps.get(step or "")
        if fake is None or (step, req.model) not in self._scripted:
            self.unscripted.append(f"{step} on {self.name}:{req.model}")
            raise AssertionError(f"{self.name}: nothing scripted for {step} on {req.model}")
        # Let the other steps' calls start too, as real network calls do: the concurrent steps
        # all hold their budget reservations before the first reply comes back.
        await asyncio.sleep(0)
        done = await fake.complete(req)
        sent = len((req.system + req.prompt).encode("utf-8")) // 4
        return dataclasses.replace(done, usage=Usage(sent, done.usage.output_tokens))

    async def aclose(self) -> None:
        """Nothing to release."""


def vendors(script: Mapping[tuple[str, str], list[Scripted]]) -> dict[str, _Vendor]:
    """One scripted provider per vendor named in ``script`` (keys: ``(step, "vendor:model")``)."""
    split: dict[str, dict[tuple[str, str], list[Scripted]]] = {}
    for (step, ref), items in script.items():
        vendor, model = ref.split(":", 1)
        split.setdefault(vendor, {})[(step, model)] = items
    return {name: _Vendor(name, part) for name, part in split.items()}


# --- the volatile values ----------------------------------------------------------------------


def pin_times(result: Review, latency: Mapping[str, float] | None = None) -> Review:
    """Fixed latencies (by model, 2.0 s unless given) and start times; the rest is untouched.

    Classify starts at 0.1 s; the review steps start together 0.05 s after it ends, and a
    chain's attempts follow each other.
    """
    latency = latency or {}
    steps = []
    review_start = 0.1
    for step in result.steps:
        start = 0.1 if step.name == "classify" else review_start
        if step.name == "verify":  # after the review steps
            start = max((s.ended_s for s in steps), default=0.0) + 0.05
        cursor = start
        attempts = []
        for attempt in step.attempts:
            took = latency.get(str(attempt.model), 2.0)
            attempts.append(dataclasses.replace(attempt, started_s=cursor, latency_s=took))
            cursor += took
        if step.name == "classify":
            review_start = cursor + 0.05
        pinned = dataclasses.replace(step, attempts=tuple(attempts), started_s=start)
        steps.append(dataclasses.replace(pinned, ended_s=cursor))
    wall = max((s.ended_s for s in steps), default=0.0) + 0.1
    return dataclasses.replace(result, steps=tuple(steps), wall_s=wall)


# --- the scenarios ----------------------------------------------------------------------------

PR = PullRequestRef(
    repo="acme/shop",
    number=42,
    head_sha="3f9c2e1d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
    base_sha="1111111111111111111111111111111111111111",
    title="Add order search endpoint",
    body="Adds /orders/search.",
)
LATENCY = {
    "openai:gpt-5-mini": 0.8,
    "openai:gpt-5.4": 4.1,
    "anthropic:claude-opus-4-7": 9.7,
    "anthropic:claude-sonnet-4-6": 6.4,
    "google:gemini-2.5-pro": 3.2,
    "google:gemini-2.5-flash": 1.9,
}


def _run(
    script: Script,
    *,
    diff: str = SEARCH_DIFF,
    config: str | None = None,
    pr: PullRequestRef | None = PR,
    latency: Mapping[str, float] | None = None,
) -> Review:
    providers = vendors(script)
    result = review(
        diff.encode("utf-8"), config=parse_config(config), env={}, pr=pr, providers=providers
    )
    # A model the scenario did not script was called: the situation is not the one intended.
    unscripted = [call for vendor in providers.values() for call in vendor.unscripted]
    assert not unscripted, f"calls nobody scripted: {unscripted}"
    return pin_times(result, {**LATENCY, **(latency or {})})


def all_ok() -> Review:
    """A high-risk feature: every step answers on its primary model and finds something."""
    return _run(
        {
            ("classify", "openai:gpt-5-mini"): [reply(CLASSIFY, 42)],
            ("security", "anthropic:claude-opus-4-7"): [
                said("The new search builds SQL from user input.", SQLI, AUTHZ, output_tokens=610)
            ],
            ("quality", "openai:gpt-5.4"): [
                said("Small, readable change; untested.", NO_TEST, NAMING, output_tokens=402)
            ],
            ("docs", "google:gemini-2.5-pro"): [
                said("README updated; CHANGELOG not.", CHANGELOG, output_tokens=120)
            ],
        }
    )


def fell_back() -> Review:
    """Security's primary is overloaded (529); docs' primary is rate limited and the next
    model answers with prose instead of JSON, so the third one reviews."""
    return _run(
        {
            ("classify", "openai:gpt-5-mini"): [reply(CLASSIFY, 42)],
            ("security", "anthropic:claude-opus-4-7"): [OVERLOADED],
            ("security", "anthropic:claude-sonnet-4-6"): [
                said("SQL injection in search.", SQLI, output_tokens=580)
            ],
            ("quality", "openai:gpt-5.4"): [said("Fine apart from the SQL.", output_tokens=90)],
            ("docs", "google:gemini-2.5-pro"): [RATE_LIMITED],
            ("docs", "google:gemini-2.5-flash"): [NOT_JSON],
            ("docs", "openai:gpt-5-mini"): [said("README covers the endpoint.", output_tokens=96)],
        },
        latency={"anthropic:claude-opus-4-7": 1.3, "google:gemini-2.5-pro": 2.0},
    )


def step_failed() -> Review:
    """Quality fails on every model of its chain (a timeout, then a rejected key)."""
    return _run(
        {
            ("classify", "openai:gpt-5-mini"): [reply(CLASSIFY, 42)],
            ("security", "anthropic:claude-opus-4-7"): [
                said("One gap: no authorization.", AUTHZ, output_tokens=300)
            ],
            ("quality", "openai:gpt-5.4"): [TIMED_OUT],
            ("quality", "anthropic:claude-sonnet-4-6"): [BAD_KEY],
            ("docs", "google:gemini-2.5-pro"): [said("Docs fine.", output_tokens=60)],
        },
        latency={"openai:gpt-5.4": 30.0, "anthropic:claude-sonnet-4-6": 0.4},
    )


def no_keys() -> Review:
    """A new user trying it on a local diff with no vendor key in the environment."""
    result = review(SEARCH_DIFF.encode("utf-8"), config=parse_config(None), env={})
    return pin_times(result)


def budget_skips() -> Review:
    """``budget_usd: 0.165``: the three steps start together; security reserves Opus's worst case
    first, and what is left fits no model of quality's or docs' chain."""
    return _run(
        {
            ("classify", "openai:gpt-5-mini"): [reply(CLASSIFY, 42)],
            ("security", "anthropic:claude-opus-4-7"): [
                said("SQL injection in search.", SQLI, output_tokens=900)
            ],
            # Every model of the chains is scripted, so that a change in the prompts' size (and
            # so in the worst cases) shows up as a golden diff, not as a call nobody scripted.
            ("security", "anthropic:claude-sonnet-4-6"): [said("SQL injection.", SQLI)],
            ("security", "openai:gpt-5.4"): [said("SQL injection.", SQLI)],
            ("quality", "openai:gpt-5.4"): [said("Untested.", NO_TEST)],
            ("quality", "anthropic:claude-sonnet-4-6"): [said("Untested.", NO_TEST)],
            ("docs", "google:gemini-2.5-pro"): [said("Docs fine.", output_tokens=60)],
            ("docs", "google:gemini-2.5-flash"): [said("Docs fine.", output_tokens=60)],
            ("docs", "openai:gpt-5-mini"): [said("Docs fine.", output_tokens=60)],
        },
        config="budget_usd: 0.165\n",
    )


def huge_pr() -> Review:
    """The search change buried in 30 new report modules, over twice ``max_review_tokens``:
    each step reviews its view in several requests, and the budget pays for all of them."""
    return _run(_HUGE_SCRIPT, diff=huge_diff(), config="budget_usd: 20\n")


def huge_pr_small_budget() -> Review:
    """The same PR under ``budget_usd: 1.5``: the worst cases of the large requests do not all
    fit, so quality is not run, security reviews what one request holds and names the files it
    left out, and docs (which reads code too) falls back to cheaper models to cover its view."""
    return _run(_HUGE_SCRIPT, diff=huge_diff(), config="budget_usd: 1.5\n")


_HUGE_SCRIPT: Script = {
    ("classify", "openai:gpt-5-mini"): [reply(CLASSIFY, 42)],
    # The first request of a step finds the problem; the others (report modules) find nothing.
    ("security", "anthropic:claude-opus-4-7"): [
        said("The new search builds SQL from user input.", SQLI, output_tokens=610),
        said("The report modules only format numbers.", output_tokens=80),
    ],
    ("security", "anthropic:claude-sonnet-4-6"): [said("Nothing here.", output_tokens=50)],
    ("security", "openai:gpt-5.4"): [said("Nothing here.", output_tokens=50)],
    ("quality", "openai:gpt-5.4"): [
        said("The report modules repeat one function 120 times.", output_tokens=402),
    ],
    ("quality", "anthropic:claude-sonnet-4-6"): [said("Repetitive.", output_tokens=50)],
    ("docs", "google:gemini-2.5-pro"): [said("README updated.", output_tokens=60)],
    ("docs", "google:gemini-2.5-flash"): [said("Fine.", output_tokens=30)],
    ("docs", "openai:gpt-5-mini"): [said("Fine.", output_tokens=30)],
}


def zero_findings() -> Review:
    """A medium-risk feature: every step runs on its primary model and finds nothing."""
    return _run(
        {
            ("classify", "openai:gpt-5-mini"): [reply(CLASSIFY_MEDIUM, 40)],
            ("security", "anthropic:claude-sonnet-4-6"): [
                said("Nothing security-relevant.", output_tokens=80)
            ],
            ("quality", "openai:gpt-5.4"): [said("Clean change.", output_tokens=60)],
            ("docs", "google:gemini-2.5-flash"): [said("Docs match.", output_tokens=40)],
        }
    )


# The quality step's view of the same query, in its own words: the SQL injection that security
# reports, as a category of the same family (models of two vendors agree); and a guess.
QUALITY_SQL = {
    **SQLI,
    "severity": "high",
    "category": "unsafe-query-construction sql",
    "title": "Query text is formatted from the request",
    "body": "The f-string puts `q` into the SQL.",
    "suggestion": None,
    "confidence": 0.85,
}
GUESS = {
    **NAMING,
    "line": 10,
    "severity": "medium",
    "category": "performance",
    "title": "The search may be slow on large tables",
    "body": "Without an index on `name` this scans the table.",
    "confidence": 0.3,
}
VERDICTS = {
    "verdicts": [
        {"index": 0, "verdict": "confirm", "reason": "Line 41 formats q into the SQL text."},
        {"index": 1, "verdict": "refute", "reason": "The app's middleware requires a login."},
    ]
}


def signal() -> Review:
    """Signal over noise, with ``steps.verify`` on: security and quality (two vendors) agree on
    the SQL injection, quality's 0.3-confidence guess is held back, and the verifier (Gemini,
    another vendor than both) refutes security's authorization finding."""
    return _run(
        {
            ("classify", "openai:gpt-5-mini"): [reply(CLASSIFY, 42)],
            ("security", "anthropic:claude-opus-4-7"): [
                said("The new search builds SQL from user input.", SQLI, AUTHZ, output_tokens=610)
            ],
            ("quality", "openai:gpt-5.4"): [
                said("Untested, and the query is unsafe.", QUALITY_SQL, GUESS, output_tokens=402)
            ],
            ("docs", "google:gemini-2.5-pro"): [said("Docs fine.", output_tokens=60)],
            ("verify", "google:gemini-2.5-flash"): [
                reply(VERDICTS, 90),
                reply({"verdicts": [{"index": 0, "verdict": "confirm", "reason": "Yes."}]}, 30),
            ],
        },
        config="steps:\n  verify:\n    enabled: true\n",
    )


CASES: dict[str, Callable[[], Review]] = {
    "all_ok": all_ok,
    "fell_back": fell_back,
    "step_failed": step_failed,
    "no_keys": no_keys,
    "budget_skips": budget_skips,
    "huge_pr": huge_pr,
    "huge_pr_small_budget": huge_pr_small_budget,
    "zero_findings": zero_findings,
    "signal": signal,
}
