"""Findings are tied to lines GitHub accepts, merged across steps, and ordered worst first."""

from __future__ import annotations

import logging

import pytest

from reviewbot.diff.parse import parse_diff
from reviewbot.domain import FileDiff, Finding, Severity
from reviewbot.engine.findings import anchor, dedupe, inline_candidates, sort_findings

DIFF = """\
diff --git a/app/db.py b/app/db.py
--- a/app/db.py
+++ b/app/db.py
@@ -10,4 +10,5 @@ def query(q):
 import os
-sql = "x"
+sql = f"SELECT {q}"
+run(sql)
 return rows
 done()
@@ -50,2 +51,3 @@ def other():
 a = 1
+b = 2
 c = 3
diff --git a/old_name.py b/new_name.py
similarity index 90%
rename from old_name.py
rename to new_name.py
--- a/old_name.py
+++ b/new_name.py
@@ -1,2 +1,2 @@
-x = 1
+x = 2
 y = 3
"""


@pytest.fixture
def files() -> tuple[FileDiff, ...]:
    return parse_diff(DIFF)


def _finding(line: int | None, end: int | None = None, **kw: object) -> Finding:
    base: dict[str, object] = dict(
        step="security",
        severity=Severity.HIGH,
        category="CWE-89 sql-injection",
        path="app/db.py",
        line=line,
        end_line=end,
        title="SQL injection",
        body="Bad.",
    )
    base.update(kw)
    return Finding(**base)  # type: ignore[arg-type]


def test_line_outside_the_diff_is_kept_at_file_level_and_not_inline(files) -> None:
    (got,) = anchor([_finding(120)], files)
    assert (got.path, got.line, got.end_line) == ("app/db.py", None, None)
    assert "cited line 120, outside the diff" in got.body
    assert inline_candidates([got], files) == []


def test_line_in_the_diff_stays_and_is_inline(files) -> None:
    (got,) = anchor([_finding(11, 12)], files)
    assert (got.line, got.end_line) == (11, 12)
    assert inline_candidates([got], files) == [got]


def test_context_lines_are_commentable_removed_ones_are_not(files) -> None:
    context, removed_only = anchor([_finding(13), _finding(9)], files)
    assert context.line == 13
    assert removed_only.line is None  # line 9 exists in neither hunk's new side


def test_end_line_before_line_or_in_another_hunk_is_dropped(files) -> None:
    backwards, other_hunk, same = anchor(
        [_finding(12, 11), _finding(11, 52), _finding(12, 12)], files
    )
    assert (backwards.line, backwards.end_line) == (12, None)
    assert (other_hunk.line, other_hunk.end_line) == (11, None)
    assert (same.line, same.end_line) == (12, None)


def test_unknown_path_is_dropped_and_logged(files, caplog) -> None:
    caplog.set_level(logging.INFO, logger="reviewbot.engine.findings")
    assert anchor([_finding(11, path="app/nowhere.py")], files) == []
    assert "app/nowhere.py" in caplog.text


def test_old_name_and_diff_prefixes_resolve_to_the_reviewed_path(files) -> None:
    renamed, prefixed = anchor(
        [_finding(1, path="old_name.py"), _finding(11, path="b/app/db.py")], files
    )
    assert (renamed.path, renamed.line) == ("new_name.py", 1)
    assert (prefixed.path, prefixed.line) == ("app/db.py", 11)


def test_inline_candidates_reject_ranges_across_hunks(files) -> None:
    unanchored = _finding(11, 52)
    assert inline_candidates([unanchored], files) == []
    assert inline_candidates([_finding(None)], files) == []


def test_dedupe_keeps_the_most_severe_and_notes_who_agreed() -> None:
    security = _finding(11, severity=Severity.CRITICAL)
    quality = _finding(
        12,
        step="quality",
        severity=Severity.MEDIUM,
        category="sql-injection",
        title="Query is built with an f-string",
    )
    docs = _finding(
        13,
        step="docs",
        severity=Severity.LOW,
        category="missing-docstring",
        title="query() has no docstring",
    )
    merged = dedupe([quality, docs, security])
    assert [f.step for f in merged] == ["security", "docs"]
    assert merged[0].severity == Severity.CRITICAL
    assert "Also flagged by quality." in merged[0].body


def test_dedupe_merges_similar_titles_but_not_distant_lines() -> None:
    a = _finding(11, category="logic", title="Off-by-one in the loop bound")
    b = _finding(12, step="quality", category="bug", title="Off by one in loop bound")
    far = _finding(40, step="quality", category="logic", title="Off-by-one in the loop bound")
    merged = dedupe([a, b, far])
    assert len(merged) == 2
    assert "Also flagged by quality." in merged[0].body


def _injection(line: int) -> Finding:
    return _finding(
        line,
        step="injection",
        severity=Severity.MEDIUM,
        category="prompt-injection",
        title="Possible prompt injection in app/db.py",
        body="Text in app/db.py looks written to steer an automated reviewer.",
    )


@pytest.mark.parametrize("severity", [Severity.INFO, Severity.MEDIUM, Severity.CRITICAL])
def test_a_model_finding_never_absorbs_a_fixed_check_finding(severity: Severity) -> None:
    fact = _injection(11)
    echo = _finding(
        11,
        severity=severity,
        category="prompt-injection",
        title="False positive",
        body="False positive, no action needed.",
    )
    other = _finding(11, severity=Severity.CRITICAL)  # another problem on the same line
    merged = dedupe([echo, other, fact])
    assert fact in merged  # unchanged: body, severity, step
    assert echo not in merged  # the model's repeat of it is dropped
    assert other in merged  # a different problem stays, on its own
    assert not any("no action" in f.body for f in merged)


def test_fixed_check_findings_are_never_merged_with_each_other_or_noted() -> None:
    secret = _finding(
        11,
        step="secrets",
        severity=Severity.CRITICAL,
        category="CWE-798 hardcoded-secret",
        title="AWS access key committed in app/db.py",
    )
    twin = _finding(
        12, step="secrets", severity=Severity.CRITICAL, category="CWE-798 hardcoded-secret",
        title="AWS access key committed in app/db.py",
    )  # fmt: skip
    near = _finding(
        13, step="security", severity=Severity.CRITICAL, category="CWE-798 hardcoded-secret"
    )
    merged = dedupe([near, secret, twin, _injection(11)])
    assert {secret, twin, _injection(11)} <= set(merged)
    assert near in merged  # not on the secret's line: kept apart, never merged into it
    assert not any("Also flagged" in f.body for f in merged)


def test_sort_is_worst_first_then_path_then_line() -> None:
    findings = [
        _finding(30, severity=Severity.LOW, path="b.py"),
        _finding(20, severity=Severity.HIGH, path="b.py"),
        _finding(5, severity=Severity.HIGH, path="a.py"),
        _finding(None, severity=Severity.HIGH, path="a.py"),
        _finding(1, severity=Severity.CRITICAL, path="z.py"),
    ]
    got = [(f.severity.value, f.path, f.line) for f in sort_findings(findings)]
    assert got == [
        ("critical", "z.py", 1),
        ("high", "a.py", None),
        ("high", "a.py", 5),
        ("high", "b.py", 20),
        ("low", "b.py", 30),
    ]
