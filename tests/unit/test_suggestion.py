"""When a suggestion may be a "Commit suggestion" block: range, indentation, parse."""

from __future__ import annotations

import pytest

from reviewbot.diff.parse import parse_diff
from reviewbot.domain import FileDiff, Finding, Severity
from reviewbot.output.inline import comment_body
from reviewbot.output.suggestion import why_not


def _file(path: str, lines: list[str]) -> FileDiff:
    body = "".join(f"+{line}\n" for line in lines)
    diff = (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
    )
    (file,) = parse_diff(diff)
    return file


PY = _file(
    "app/db.py",
    [
        "def find(db, name):",  # 1
        "    if not name:",  # 2
        "        return []",  # 3
        "    sql = f\"SELECT * FROM t WHERE name = '{name}'\"",  # 4
        "    return db.execute(sql).fetchall()",  # 5
        "",  # 6
    ],
)


def _at(file: FileDiff, line: int, end: int | None, suggestion: str) -> Finding:
    return Finding("security", Severity.HIGH, "sqli", file.path, line, end, "t", "b", suggestion)


PY_5 = "    return db.execute(sql).fetchall()"
GOOD = '    sql = "SELECT * FROM t WHERE name = %s"\n    return db.execute(sql, (name,)).fetchall()'


def test_a_suggestion_for_exactly_the_cited_lines_is_committable() -> None:
    finding = _at(PY, 4, 5, GOOD)
    assert why_not(finding, PY) is None
    body = comment_body(finding, "0" * 16, PY)
    assert f"Suggested change:\n```suggestion\n{GOOD}\n```" in body


@pytest.mark.parametrize(
    ("line", "end", "suggestion", "why"),
    [
        (4, 5, GOOD.replace("    sql", "  sql", 1), "first line is indented"),
        (4, 5, GOOD.replace("    return", "\treturn"), "tabs where the file uses spaces"),
        (4, 5, GOOD.replace("    return", " \t  return"), "mixes tabs and spaces"),
        (4, 5, "        return []\n" + GOOD, "repeats the line above"),
        (4, 4, GOOD.split("\n")[0] + "\n" + PY_5, "repeats the line below"),
        (4, 9, GOOD, "not one run of commentable lines"),
        (4, 5, '    sql = "SELECT * FROM t WHERE name = %s"\n    return db.execute(sql', "parse"),
        (2, 3, "    if not name:\n        return [", "parse"),
        (4, 5, "    sql = '<b>' + name", "exactly as it would be committed"),
    ],
)
def test_a_suggestion_that_would_commit_something_else_is_a_plain_block(
    line: int, end: int | None, suggestion: str, why: str
) -> None:
    finding = _at(PY, line, end, suggestion)
    reason = why_not(finding, PY)
    assert reason is not None and why in reason, reason
    body = comment_body(finding, "0" * 16, PY)
    assert "```suggestion" not in body and "Possible fix:\n```python\n" in body


def test_a_suite_header_is_checked_with_its_body_assumed() -> None:
    # "if not name:" alone does not parse; with a body it does, so a broken header is caught
    assert why_not(_at(PY, 2, None, "    if not name or len(name) > 64:"), PY) is None
    assert "parse" in (why_not(_at(PY, 2, None, "    if not name or len(name) > 64"), PY) or "")


def test_a_fragment_that_cannot_be_parsed_alone_is_judged_on_range_and_indentation() -> None:
    file = _file("app/q.py", ["rows = db.execute(", "    'SELECT 1',", ")"])
    assert why_not(_at(file, 2, None, "    'SELECT 2',"), file) is None


def test_data_formats_are_parsed_when_the_block_stands_alone() -> None:
    config = _file("conf/app.yaml", ["server:", "  port: 80", "  host: example"])
    assert why_not(_at(config, 2, None, "  port: 8080"), config) is None
    assert "YAML" in (why_not(_at(config, 2, None, "  port: [8080"), config) or "")
    data = _file("conf/app.json", ["{", '  "port": 80,', '  "host": "x"', "}"])
    assert why_not(_at(data, 2, None, '  "port": 8080,'), data) is None
    assert "JSON" in (why_not(_at(data, 2, None, '  "port": 8080 8081,'), data) or "")
    toml = _file("pyproject.toml", ["[tool.x]", "port = 80"])
    assert "TOML" in (why_not(_at(toml, 2, None, "port = = 80"), toml) or "")
    other = _file("web/app.rb", ["def x", "  1", "end"])
    assert why_not(_at(other, 2, None, "  2 +"), other) is None  # no parser: range+indent only


def test_without_the_file_a_suggestion_is_never_a_block() -> None:
    body = comment_body(_at(PY, 4, 5, GOOD), "0" * 16)
    assert "```suggestion" not in body and "Possible fix:" in body
