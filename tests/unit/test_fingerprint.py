"""A finding's fingerprint: the same problem on the same code is one finding, whatever the words."""

from __future__ import annotations

import dataclasses

import pytest

from reviewbot.diff.parse import parse_diff
from reviewbot.domain import Finding, Severity
from reviewbot.engine.fingerprint import category_family, fingerprint, stamp

_DIFF = """\
diff --git a/app/db.py b/app/db.py
--- a/app/db.py
+++ b/app/db.py
@@ -1,4 +1,7 @@
 import sqlite3
+
+
 def find(conn, name):
-    return conn.execute("SELECT * FROM users WHERE name = ?", (name,))
+    q = "SELECT * FROM users WHERE name = '%s'" % name
+    return conn.execute(q)
 }
"""

# The same file one push later: two lines added above the finding's code.
_SHIFTED = """\
diff --git a/app/db.py b/app/db.py
--- a/app/db.py
+++ b/app/db.py
@@ -1,4 +1,9 @@
 import sqlite3
+import logging
+log = logging.getLogger(__name__)
+
+
 def find(conn, name):
-    return conn.execute("SELECT * FROM users WHERE name = ?", (name,))
+    q = "SELECT * FROM users WHERE name = '%s'" % name
+    return conn.execute(q)
 }
"""


def _finding(
    line: int | None,
    *,
    category: str = "CWE-89",
    title: str = "SQL injection",
    path: str = "app/db.py",
    end_line: int | None = None,
) -> Finding:
    return Finding("security", Severity.HIGH, category, path, line, end_line, title, "body")


def _print(finding: Finding, diff: str = _DIFF) -> str:
    files = parse_diff(diff)
    return fingerprint(finding, files[0])


@pytest.mark.parametrize(
    ("category", "family"),
    [
        ("CWE-89", "injection"),
        ("sql-injection", "injection"),
        ("SQL Injection (CWE-89)", "injection"),
        ("command_injection", "injection"),
        ("CWE-798 hardcoded-secret", "secret"),
        ("prompt-injection", "prompt-injection"),
        ("Missing CSRF token", "csrf"),
        ("XSS", "xss"),
        ("auth-bypass", "auth"),
        ("logic-error", "correctness"),
        ("block size", "other"),  # "lock" must match at a word start only
    ],
)
def test_category_wordings_fall_into_one_family(category: str, family: str) -> None:
    assert category_family(category) == family


def test_rewording_the_title_and_category_keeps_the_fingerprint() -> None:
    first = _print(_finding(5, category="CWE-89", title="SQL injection in find()"))
    again = _print(_finding(5, category="sql-injection", title="Unsanitised name reaches query"))
    assert first == again


def test_lines_shifting_above_the_finding_keep_the_fingerprint() -> None:
    assert _print(_finding(5)) == _print(_finding(7), _SHIFTED)


def test_a_different_range_end_keeps_the_fingerprint() -> None:
    assert _print(_finding(5)) == _print(_finding(5, end_line=6))


def test_different_code_family_or_file_is_a_different_finding() -> None:
    base = _print(_finding(5))
    assert _print(_finding(6)) != base  # the next line: other code
    assert _print(_finding(5, category="race-condition")) != base
    assert _print(_finding(5, path="app/other.py")) != base


def test_a_short_line_takes_the_next_lines_so_braces_do_not_collide() -> None:
    files = parse_diff(_DIFF)
    # lines 2 and 3 are blank, line 4 is the def: the anchor reaches the def, not an empty string
    assert _print(_finding(2)) != _print(_finding(None))
    assert stamp([_finding(2)], files)[0].fingerprint == _print(_finding(2))


def test_stamp_sets_every_fingerprint_and_keeps_the_rest() -> None:
    files = parse_diff(_DIFF)
    findings = [_finding(5), _finding(None, category="docs")]
    stamped = stamp(findings, files)
    assert all(len(f.fingerprint) == 16 for f in stamped)
    assert [dataclasses.replace(f, fingerprint="") for f in stamped] == findings
