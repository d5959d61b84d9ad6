"""The chunker: a step's view split into requests that each fit ``max_review_tokens``."""

from __future__ import annotations

from reviewbot.diff.chunks import plan_chunks, split_file, split_hunk
from reviewbot.diff.sizing import file_tokens, hunk_tokens
from reviewbot.domain import FileDiff, FileStatus, Hunk, Line


def fd(path: str, lines: int, status: FileStatus = FileStatus.MODIFIED, hunks: int = 1) -> FileDiff:
    """A file of ``hunks`` hunks of ``lines`` added lines each, 100 lines apart."""
    out = []
    for h in range(hunks):
        start = 1 + h * 100
        body = tuple(
            Line("+", None, n, f"value_{n} = compute({n})  # padding")
            for n in range(start, start + lines)
        )
        out.append(Hunk(0, 0, start, lines, "", body))
    return FileDiff(path, None, status, False, lines * hunks, 0, tuple(out))


def lines_of(files: tuple[FileDiff, ...] | list[FileDiff]) -> list[tuple[str, int | None]]:
    return sorted((f.path, ln.new_no) for f in files for h in f.hunks for ln in h.lines)


def test_a_view_that_fits_is_one_chunk_unchanged() -> None:
    files = (fd("a.py", 10), fd("README.md", 10))
    assert plan_chunks(files, 10**6) == (files,)
    assert plan_chunks((), 1000) == ()


def test_a_view_three_times_the_limit_is_split_by_file_and_loses_nothing() -> None:
    files = tuple(fd(f"pkg/m{i}.py", 40) for i in range(9))
    limit = sum(file_tokens(f) for f in files) // 3 + 1
    chunks = plan_chunks(files, limit)
    assert len(chunks) >= 3
    assert all(sum(file_tokens(f) for f in chunk) <= limit for chunk in chunks)
    assert lines_of([f for chunk in chunks for f in chunk]) == lines_of(files)
    # whole files: no path is in two chunks
    paths = [f.path for chunk in chunks for f in chunk]
    assert sorted(paths) == sorted(f.path for f in files)


def test_the_most_valuable_files_come_first() -> None:
    files = (
        fd("docs/guide.md", 40),
        fd("old/legacy.py", 40, FileStatus.DELETED),
        fd("tests/test_core.py", 40),
        fd("src/core.py", 40),
        fd(".github/workflows/ci.yml", 40),
    )
    one = max(file_tokens(f) for f in files)
    chunks = plan_chunks(files, one)  # one file per chunk
    assert [c[0].path for c in chunks] == [
        ".github/workflows/ci.yml",
        "src/core.py",
        "tests/test_core.py",
        "docs/guide.md",
        "old/legacy.py",
    ]


def test_a_giant_file_is_split_by_hunk_keeping_line_numbers() -> None:
    big = fd("src/big.py", 30, hunks=6)
    limit = file_tokens(big) // 3
    parts = split_file(big, limit)
    assert len(parts) >= 3
    assert all(p.path == "src/big.py" and p.status is big.status for p in parts)
    assert all(file_tokens(p) <= limit for p in parts)
    assert [h for p in parts for h in p.hunks] == list(big.hunks)  # whole hunks, in order
    chunks = plan_chunks((big, fd("a.py", 5)), limit)
    assert lines_of([f for c in chunks for f in c]) == lines_of((big, fd("a.py", 5)))


def test_a_giant_hunk_is_split_into_valid_hunks_of_the_same_lines() -> None:
    lines = (
        Line(" ", 10, 20, "context"),
        *(Line("-", 11 + n, None, f"old_{n} = {n} * 2  # removed") for n in range(50)),
        *(Line("+", None, 21 + n, f"new_{n} = {n} * 3  # added") for n in range(80)),
        Line(" ", 61, 101, "tail"),
    )
    hunk = Hunk(10, 52, 20, 82, "def f():", lines)
    parts = split_hunk(hunk, hunk_tokens(hunk) // 4)
    assert len(parts) >= 4
    assert [ln for p in parts for ln in p.lines] == list(lines)
    for p in parts:
        assert p.section == "def f():"
        assert p.old_len == sum(ln.kind != "+" for ln in p.lines)
        assert p.new_len == sum(ln.kind != "-" for ln in p.lines)
        first_new = next((ln.new_no for ln in p.lines if ln.new_no), None)
        if first_new is not None:
            assert p.new_start == first_new  # new-file numbering is unchanged
        first_old = next((ln.old_no for ln in p.lines if ln.old_no), None)
        if first_old is not None:
            assert p.old_start == first_old
    assert frozenset().union(*(p.right_lines for p in parts)) == hunk.right_lines


def test_a_line_larger_than_the_limit_still_goes_somewhere() -> None:
    huge = FileDiff(
        "min.js", None, FileStatus.ADDED, False, 1, 0,
        (Hunk(0, 0, 1, 1, "", (Line("+", None, 1, "x" * 40_000),)),),
    )  # fmt: skip
    chunks = plan_chunks((huge, fd("a.py", 5)), 2000)
    assert lines_of([f for c in chunks for f in c]) == lines_of((huge, fd("a.py", 5)))


def test_files_without_hunks_ride_along() -> None:
    binary = FileDiff("logo.png", None, FileStatus.MODIFIED, True, 0, 0)
    files = (fd("a.py", 40), binary, fd("b.py", 40))
    chunks = plan_chunks(files, file_tokens(files[0]) + 20)
    assert sum(f.path == "logo.png" for c in chunks for f in c) == 1
