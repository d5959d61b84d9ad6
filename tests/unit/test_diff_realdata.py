"""Every real diff parses to git's own per-file numbers (git diff --numstat / --name-status)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewbot.diff.parse import parse_diff
from reviewbot.domain import FileDiff
from tests.conftest import REALDATA

_STATUS = {"M": "modified", "A": "added", "D": "deleted", "R": "renamed", "C": "copied"}


def _expected() -> dict[str, dict[str, Any]]:
    path = REALDATA / "diffs" / "expected.json"
    if not path.is_file():
        return {}
    return {Path(e["file"]).name: e for e in json.loads(path.read_text())["diffs"]}


EXPECTED = _expected()


def test_every_real_diff_has_expected_numbers(realdata: Path) -> None:
    on_disk = {p.name for p in (realdata / "diffs").glob("*.diff")}
    assert on_disk, "no real diffs found"
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_diff_matches_git(realdata: Path, name: str) -> None:
    files = parse_diff((realdata / "diffs" / name).read_bytes())
    assert _got(files) == _want(EXPECTED[name]["files"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_diff_hunks_are_numbered_consistently(realdata: Path, name: str) -> None:
    for f in parse_diff((realdata / "diffs" / name).read_bytes()):
        for hunk in f.hunks:
            old = [ln.old_no for ln in hunk.lines if ln.kind != "+"]
            new = [ln.new_no for ln in hunk.lines if ln.kind != "-"]
            assert len(old) == hunk.old_len and len(new) == hunk.new_len, (f.path, hunk)
            assert old == list(range(hunk.old_start, hunk.old_start + hunk.old_len))
            assert new == list(range(hunk.new_start, hunk.new_start + hunk.new_len))
            assert not any(ln.text.endswith(("\n", "\r")) for ln in hunk.lines)


def _want(entries: list[dict[str, Any]]) -> list[tuple[object, ...]]:
    return sorted(
        (
            f["path"],
            f["old_path"] if f["status"][0] in "RC" else None,
            _STATUS[f["status"][0]],
            f["added"] or 0,  # binary: git says null, our model says 0/0
            f["removed"] or 0,
            f["binary"],
        )
        for f in entries
    )


def _got(files: tuple[FileDiff, ...]) -> list[tuple[object, ...]]:
    return sorted(
        (f.path, f.old_path, f.status.value, f.additions, f.deletions, f.binary) for f in files
    )


def test_security_diffs_parse_with_vulnerable_lines_on_left(realdata: Path) -> None:
    diffs = sorted((realdata / "security").glob("*.diff"))
    assert len(diffs) >= 9
    for path in diffs:
        files = parse_diff(path.read_bytes())
        note = json.loads(path.with_suffix(".json").read_text())
        assert _got(files) == _want(note["files"]), path.name
        by_path = {f.path: f for f in files}
        for vuln in note["vulnerable_removed_lines"]:
            f = by_path[vuln["path"]]
            assert vuln["old_line"] in f.left_lines, (path.name, vuln)
            removed = {ln.old_no: ln.text for h in f.hunks for ln in h.lines if ln.kind == "-"}
            assert removed[vuln["old_line"]] == vuln["text"], path.name
