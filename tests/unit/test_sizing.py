"""Token estimates of files, as the chunker counts them."""

from __future__ import annotations

from pathlib import Path

from reviewbot.diff.parse import parse_diff
from reviewbot.diff.sizing import estimate_tokens, file_tokens
from reviewbot.domain import FileDiff, FileStatus, Hunk, Line


def fd(path: str, lines: int, status: FileStatus = FileStatus.MODIFIED) -> FileDiff:
    body = tuple(
        Line("+", None, n, f"value_{n} = compute({n})  # padding") for n in range(1, lines + 1)
    )
    return FileDiff(path, None, status, False, lines, 0, (Hunk(0, 0, 1, lines, "", body),))


def test_estimate_is_about_four_bytes_per_token() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1
    assert estimate_tokens("abcde") == 2
    assert estimate_tokens("x" * 4000) == 1000
    assert estimate_tokens("数据" * 100) == 150  # 3 bytes each: CJK is not underestimated


def test_file_tokens_grow_with_lines_and_count_the_header() -> None:
    small, big = fd("a.py", 10), fd("a.py", 100)
    assert 0 < file_tokens(small) < file_tokens(big)
    empty = FileDiff("some/long/path/name.py", None, FileStatus.ADDED, False, 0, 0)
    assert file_tokens(empty) > 0


def test_real_lockfile_is_large(realdata: Path) -> None:
    (lock,) = parse_diff((realdata / "diffs" / "13_huge_lockfile.diff").read_bytes())
    size = len((realdata / "diffs" / "13_huge_lockfile.diff").read_bytes())
    assert size // 8 < file_tokens(lock) < size  # a byte-based estimate, with line prefixes
