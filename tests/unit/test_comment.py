"""The sticky comment stays safe and within GitHub's limit whatever the models write."""

from __future__ import annotations

import dataclasses
import json
import re
from decimal import Decimal

from reviewbot.config.load import parse_config
from reviewbot.diff.parse import parse_diff
from reviewbot.domain import ErrorKind, Finding, Severity, StepResult
from reviewbot.engine.findings import anchor, dedupe
from reviewbot.engine.run import review
from reviewbot.errors import ProviderError
from reviewbot.output.render import MARKER, md_code, render_comment, tokens, usd
from reviewbot.steps.schema import parse_review
from reviewbot.vendors.fake import FakeProvider
from tests.golden.reviews import PR, all_ok, no_keys

LIMIT = 65536
ALLOWED_TAGS = re.compile(r"</?(?:details|summary|sub)>")
DIFF = """\
diff --git a/app.py b/app.py
--- a/app.py
+++ b/app.py
@@ -1,1 +1,3 @@
 import os
+x = input()
+os.system(x)
"""


def _without_code(text: str) -> str:
    text = re.sub(r"^(`{3,})[^\n]*\n.*?^\1\s*$", "", text, flags=re.S | re.M)
    return re.sub(r"(`+)(?!`).+?(?<!`)\1(?!`)", "", text, flags=re.S)


def _hostile_reply() -> str:
    evil = "@org/team @octocat <img src=x onerror=alert(1)> <!-- reviewbot:summary --> <details>"
    finding = {
        "path": "app.py", "line": 3, "end_line": None, "severity": "critical",
        "category": f"CWE-78 {evil}", "title": f"Command injection {evil}",
        "body": evil + " " + ("A" * 200_000),
        "suggestion": "```\n<!-- reviewbot:summary -->\n@octocat\n```",
    }  # fmt: skip
    return json.dumps({"summary": f"summary {evil}", "findings": [finding] * 3})


def _review_from(reply: str) -> object:
    files = parse_diff(DIFF)
    summary, raw = parse_review(reply, "security")
    findings = tuple(dedupe(anchor(raw, files)))
    base = all_ok()
    step = StepResult("security", "ok", None, None, (), findings, summary)
    return dataclasses.replace(
        base, files=files, findings=findings, steps=(*base.steps[:1], step), notes=(summary,)
    )


def test_hostile_model_text_cannot_break_the_comment() -> None:
    text = render_comment(_review_from(_hostile_reply()))  # type: ignore[arg-type]
    assert len(text) <= LIMIT
    assert text.count(MARKER) == 1 and text.startswith(MARKER + "\n")
    prose = _without_code(text)
    assert not re.search(r"(?<![\w`])@(?:org|octocat)", prose), "live mention"
    ours = ALLOWED_TAGS.sub("", text.removeprefix(MARKER))
    assert not re.search(r"<[A-Za-z!/?]", ours), "raw HTML"
    assert "onerror" not in text
    assert "… (truncated)" in text


def test_a_flood_of_findings_is_trimmed_with_a_note() -> None:
    base = all_ok()
    many = tuple(
        Finding(
            "quality",
            sev,
            "logic",
            f"src/file_{i:04}.py",
            i + 1,
            None,
            f"Problem {i}",
            "Long explanation. " * 200,
        )
        for i in range(600)
        for sev in (Severity.HIGH,)
    )
    text = render_comment(dataclasses.replace(base, findings=many))
    assert len(text) <= 65000
    assert text.count(MARKER) == 1
    match = re.search(r"…(\d+) findings omitted\*\* to fit GitHub's comment size limit", text)
    assert match and 0 < int(match.group(1)) < 600
    shown = text.count("src/file_")
    assert shown + int(match.group(1)) >= 600  # every finding is either shown or counted


def test_low_severity_bodies_go_first() -> None:
    base = all_ok()
    low = tuple(
        Finding("quality", Severity.LOW, "naming", f"f{i}.py", 1, None, f"Low {i}", "x" * 3000)
        for i in range(25)
    )
    high = Finding("security", Severity.HIGH, "CWE-1 x", "a.py", 1, None, "Keep me", "HIGH BODY")
    text = render_comment(dataclasses.replace(base, findings=(high, *low)), max_chars=40_000)
    assert len(text) <= 40_000
    assert "HIGH BODY" in text and "x" * 3000 not in text
    assert "Low 24" in text  # titles stay
    assert "left out to fit" in text


def test_links_point_at_head_commit_lines_and_local_diffs_use_path_line() -> None:
    text = render_comment(all_ok())
    assert f"https://github.com/acme/shop/blob/{PR.head_sha}/shop/api.py#L10-L11" in text
    local = render_comment(dataclasses.replace(all_ok(), pr=None))
    assert "`shop/api.py:10-11`" in local and "/blob/" not in local


def test_unknown_cost_and_missing_keys_render_plainly() -> None:
    text = render_comment(no_keys())
    assert "⏭️ skipped: no OPENAI_API_KEY" in text
    assert "the path heuristic" in text
    assert "baseline `anthropic:claude-opus-4-7`: n/a" in text


def test_filters() -> None:
    assert usd(None) == "n/a"
    assert usd(Decimal("0.0123")) == "$0.0123"
    assert usd(Decimal("1")) == "$1.00"
    assert tokens(1234) == "1,234" and tokens(12_345) == "12.3k" and tokens(2_500_000) == "2.5M"
    assert md_code("a`b") == "``a`b``"
    assert md_code("x|y", table=True) == "`x\\|y`"


def test_a_finding_on_the_pr_description_is_not_linked_as_a_file() -> None:
    finding = Finding(
        "injection", Severity.MEDIUM, "prompt-injection", "(pull request description)",
        None, None, "The description tries to steer the review", "It says: ignore...",
    )  # fmt: skip
    review = dataclasses.replace(all_ok(), findings=(finding,))
    text = render_comment(review)
    assert "The description tries to steer the review" in text
    assert "/blob/" not in text.split("### Steps")[0]


# ---------------------------------------------------------------- what a new user reads


def _ends(text: str) -> tuple[str, str]:
    lines = text.strip().splitlines()
    return lines[1], lines[-1]  # the headline (after the marker) and the footer


def test_headline_and_footer_agree_in_every_state() -> None:
    base = all_ok()
    failed = tuple(
        StepResult(s.name, "failed", "every model in the chain failed", None, s.attempts)
        for s in base.steps
    )
    lockfile_only = tuple(f for f in base.files if f.skipped is not None)
    nothing = tuple(
        StepResult(s.name, "skipped", "nothing to review: every file was skipped")
        for s in base.steps
    )
    secret = Finding(
        "secrets", Severity.CRITICAL, "CWE-798 hardcoded-secret", "shop/orders.py", 41, None,
        "AWS access key committed in shop/orders.py", "Rotate it.",
    )  # fmt: skip
    states = {  # name: (review, reviewed by a model)
        "ok, PR": (base, True),
        "ok, local diff": (dataclasses.replace(base, pr=None), True),
        "no keys": (no_keys(), False),
        "no keys, a committed secret": (dataclasses.replace(no_keys(), findings=(secret,)), False),
        "every step failed": (dataclasses.replace(base, steps=failed, findings=()), False),
        "every file skipped": (
            dataclasses.replace(no_keys(), files=lockfile_only, steps=nothing),
            False,
        ),
    }
    for name, (state, reviewed) in states.items():
        headline, footer = _ends(render_comment(state))
        assert footer.startswith("<sub>") and headline.startswith("## "), name
        assert ("not reviewed by a model" in headline.lower()) is (not reviewed), name
        assert ("not reviewed by a model" in footer) is (not reviewed), name
        assert bool(re.search(r"\d+ files? reviewed", footer)) is reviewed, name
        assert ("re-runs update this comment" in footer) is (state.pr is not None), name
        if name == "every step failed":
            assert "no review step ran" not in headline and "4 steps failed" in headline


def test_not_reviewed_section_does_not_imply_a_model_saw_the_rest() -> None:
    text = render_comment(no_keys())
    assert "Not sent to any model: 1 of 4 files" not in text
    assert "Skipped by the filters: 1 of 4 files; no model reviewed the other 3 either" in text


def test_a_failed_attempt_names_its_kind_once() -> None:
    config = parse_config(
        "steps: {classify: {models: [openai:gpt-5-mini]}, security: {models: ["
        "anthropic:claude-sonnet-4-6]}, quality: {models: [openai:gpt-5-mini]},"
        " docs: {models: [openai:gpt-5-mini]}}"
    )
    providers = {
        "openai": FakeProvider(
            "openai", {"gpt-5-mini": [ProviderError(ErrorKind.CONNECTION, "connection refused")]}
        ),
        "anthropic": FakeProvider(
            "anthropic",
            {"claude-sonnet-4-6": [ProviderError(ErrorKind.OVERLOADED, "Overloaded", status=529)]},
        ),
    }
    text = render_comment(review(DIFF, config=config, env={}, providers=providers))
    assert "- **quality** · `openai:gpt-5-mini`: connection: connection refused\n" in text
    sonnet = "`anthropic:claude-sonnet-4-6`"
    assert f"- **security** · {sonnet}: overloaded: HTTP 529: Overloaded\n" in text
    assert "connection: connection:" not in text and "overloaded: overloaded" not in text


def test_a_review_step_skipped_for_the_budget_is_never_a_green_no_findings() -> None:
    base = all_ok()
    steps = tuple(
        dataclasses.replace(s, status="skipped", reason="budget", attempts=(), findings=())
        if s.name == "security"
        else s
        for s in base.steps
    )
    clean = dataclasses.replace(base, steps=steps, findings=())

    headline = render_comment(clean).splitlines()[1]

    assert "✅" not in headline
    assert "not run within the budget: security" in headline
