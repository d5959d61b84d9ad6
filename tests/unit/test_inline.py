"""Inline comments: anchors GitHub accepts, hidden keys, dedupe and the per-run cap."""

from __future__ import annotations

from pathlib import Path

from reviewbot.diff.parse import parse_diff
from reviewbot.domain import Finding, Severity
from reviewbot.output.inline import finding_key, inline_comments, keys_in

PATH = "src/pip/_internal/download.py"


def _finding(
    line: int | None, end: int | None = None, title: str = "t", path: str = PATH
) -> Finding:
    return Finding("security", Severity.HIGH, "injection", path, line, end, title, "body @octocat")


def _files(realdata: Path):  # type: ignore[no-untyped-def]
    return parse_diff((realdata / "diffs/15_security_fix_path_traversal.diff").read_bytes())


def test_anchors_follow_githubs_rules(realdata: Path) -> None:
    files = _files(realdata)
    findings = [
        _finding(1055, 1058, "range in one hunk"),
        _finding(1060, 1060, "end equal to start"),
        _finding(1073, 1122, "end in another hunk"),
        _finding(1100, None, "outside every hunk"),
        _finding(None, None, "file level"),
        _finding(1, None, "other file", path="no/such/file.py"),
    ]
    spots = [(c.line, c.start_line) for c in inline_comments(findings, files, limit=10)]
    assert spots == [(1058, 1055), (1060, None), (1073, None)]


def test_payload_sends_start_line_only_for_ranges(realdata: Path) -> None:
    single, ranged = inline_comments(
        [_finding(1060), _finding(1055, 1058, "r")], _files(realdata), limit=10
    )
    assert single.payload() == {"path": PATH, "line": 1060, "side": "RIGHT", "body": single.body}
    assert ranged.payload()["start_line"] == 1055 and ranged.payload()["start_side"] == "RIGHT"


def test_bodies_hide_a_key_and_defuse_mentions(realdata: Path) -> None:
    (comment,) = inline_comments([_finding(1060)], _files(realdata), limit=1)
    assert comment.body.endswith(f"<!-- reviewbot:finding {comment.key} -->")
    assert "@\u200boctocat" in comment.body and "@octocat" not in comment.body
    assert keys_in([comment.body, "no key here"]) == {comment.key}


def test_keys_are_stable_and_specific() -> None:
    assert finding_key(_finding(3)) == finding_key(_finding(3))
    assert (
        len(
            {
                finding_key(_finding(3)),
                finding_key(_finding(4)),
                finding_key(_finding(3, title="x")),
            }
        )
        == 3
    )


def test_posted_keys_are_skipped_and_the_cap_applies(realdata: Path) -> None:
    files = _files(realdata)
    findings = [_finding(line, title=f"f{line}") for line in (1052, 1053, 1054, 1055, 1056)]
    first = inline_comments(findings, files, limit=2)
    assert [c.line for c in first] == [1052, 1053]
    rest = inline_comments(findings, files, limit=10, posted={c.key for c in first})
    assert [c.line for c in rest] == [1054, 1055, 1056]
    assert inline_comments(findings, files, limit=0) == []
