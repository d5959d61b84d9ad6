"""Token estimates and the prompt-size budget's drop order."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from reviewbot.diff.parse import parse_diff
from reviewbot.diff.sizing import apply_size_budget, estimate_tokens, file_tokens
from reviewbot.domain import FileDiff, FileStatus, Hunk, Line, SkipReason


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


def test_under_budget_nothing_changes() -> None:
    files = (fd("a.py", 10), fd("README.md", 10))
    assert apply_size_budget(files, 10**6) == files


def test_budget_drops_in_documented_order_and_keeps_input_order() -> None:
    files = [
        fd(".github/workflows/ci.yml", 40),  # CI: kept longest
        fd("src/core.py", 40),  # code
        fd("tests/test_core.py", 40),  # test
        fd("old/legacy.py", 40, FileStatus.DELETED),  # deleted: first to go
        fd("docs/guide.md", 40),  # docs
        fd("config/settings.yml", 40),  # config
        fd("fixtures.json", 40),  # data
    ]
    size = {f.path: file_tokens(f) for f in files}
    order = [  # DROP_ORDER: deleted, data, docs, test, config, code, ci
        "old/legacy.py",
        "fixtures.json",
        "docs/guide.md",
        "tests/test_core.py",
        "config/settings.yml",
        "src/core.py",
        ".github/workflows/ci.yml",
    ]
    for k in range(len(order) + 1):
        budget = sum(size.values()) - sum(size[p] for p in order[:k])
        out = apply_size_budget(files, budget)
        assert [f.path for f in out] == [f.path for f in files]  # nothing disappears, same order
        skipped = {f.path for f in out if f.skipped is SkipReason.BUDGET}
        assert skipped == set(order[:k]), k
    assert all(f.skipped is SkipReason.BUDGET for f in apply_size_budget(files, 0))


def test_within_a_class_the_largest_goes_first() -> None:
    files = [fd("a.py", 10), fd("b.py", 200), fd("c.py", 20)]
    out = apply_size_budget(files, file_tokens(files[0]) + file_tokens(files[2]))
    assert [f.skipped for f in out] == [None, SkipReason.BUDGET, None]


def test_already_skipped_files_are_untouched_and_not_counted() -> None:
    lock = dataclasses.replace(fd("yarn.lock", 500), skipped=SkipReason.LOCKFILE)
    code = fd("a.py", 10)
    out = apply_size_budget([lock, code], file_tokens(code))
    assert out == (lock, code)
