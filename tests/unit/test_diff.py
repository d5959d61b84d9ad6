"""Targeted diff-parsing cases, each byte-for-byte as git 2.x writes them (see tests' comments)."""

from __future__ import annotations

import logging
import random
import sys
from io import BytesIO
from pathlib import Path

import pytest

from reviewbot.diff.parse import NOT_A_DIFF, parse_diff, read_diff
from reviewbot.domain import FileDiff, FileStatus
from reviewbot.errors import InputError

SMALL = b"""\
diff --git a/app/calc.py b/app/calc.py
index 1111111..2222222 100644
--- a/app/calc.py
+++ b/app/calc.py
@@ -10,6 +10,7 @@ def total(items):
     subtotal = 0
     for item in items:
-        subtotal += item.price
+        subtotal += item.price * item.qty
+        subtotal -= item.discount
     return subtotal
 
 
@@ -40,3 +41,2 @@ def tax(amount):
     rate = 0.2
-    # TODO remove
     return amount * rate
"""


def one(data: bytes | str) -> FileDiff:
    files = parse_diff(data)
    assert len(files) == 1, files
    return files[0]


def test_commentable_lines_right_is_added_and_context_left_is_removed() -> None:
    f = one(SMALL)
    assert (f.path, f.status, f.additions, f.deletions) == (
        "app/calc.py",
        FileStatus.MODIFIED,
        2,
        2,
    )
    # hunk 1: new 10..16 (context 10, 11; added 12, 13; context 14..16); hunk 2: new 41..42
    assert f.right_lines == frozenset({10, 11, 12, 13, 14, 15, 16, 41, 42})
    assert f.left_lines == frozenset({12, 41})
    assert [ln.text for ln in f.added_lines] == [
        "        subtotal += item.price * item.qty",
        "        subtotal -= item.discount",
    ]
    first = f.hunks[0]
    assert (first.old_start, first.old_len, first.new_start, first.new_len) == (10, 6, 10, 7)
    assert first.section == "def total(items):"
    blank = first.lines[-1]
    assert (blank.kind, blank.old_no, blank.new_no, blank.text) == (" ", 15, 16, "")


def test_crlf_content_keeps_every_line_without_carriage_returns() -> None:
    data = (
        b"diff --git a/crlf.txt b/crlf.txt\nindex 415a78b..ce5d508 100644\n"
        b"--- a/crlf.txt\n+++ b/crlf.txt\n@@ -1,3 +1,3 @@\n x\r\n-y\r\n+Y\r\n z\r\n"
    )
    f = one(data)
    assert (f.additions, f.deletions) == (1, 1)
    assert [ln.text for h in f.hunks for ln in h.lines] == ["x", "y", "Y", "z"]
    assert f.right_lines == {1, 2, 3}


def test_diff_saved_with_crlf_endings_still_parses() -> None:
    f = one(SMALL.replace(b"\n", b"\r\n"))
    assert (f.path, f.additions, f.deletions) == ("app/calc.py", 2, 2)
    assert f.right_lines == one(SMALL).right_lines
    assert not any("\r" in ln.text for h in f.hunks for ln in h.lines)


def test_lone_carriage_return_inside_a_line_does_not_split_it() -> None:
    data = b"--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n-a\n+b\rc\n+d\n"
    f = one(data)
    assert [ln.text for ln in f.added_lines] == ["b\rc", "d"]


def test_non_utf8_bytes_do_not_crash_and_counts_stay_right() -> None:
    data = (
        b"diff --git a/latin1.txt b/latin1.txt\nindex 144a9e6..7ad5633 100644\n"
        b"--- a/latin1.txt\n+++ b/latin1.txt\n@@ -1,2 +1,3 @@\n caf\xe9\n-ok\n+ok\xff\xfe\n+more\n"
    )
    f = one(data)
    assert (f.additions, f.deletions) == (2, 1)
    assert f.right_lines == {1, 2, 3}
    assert [ln.text for ln in f.added_lines] == ["ok\ufffd\ufffd", "more"]


def test_file_emptied_to_zero_bytes_is_modified_not_deleted() -> None:
    data = (
        b"diff --git a/empty_me.txt b/empty_me.txt\nindex 4cb29ea..e69de29 100644\n"
        b"--- a/empty_me.txt\n+++ b/empty_me.txt\n@@ -1,3 +0,0 @@\n-one\n-two\n-three\n"
    )
    f = one(data)
    assert (f.path, f.status, f.additions, f.deletions) == ("empty_me.txt", "modified", 0, 3)
    assert f.left_lines == {1, 2, 3} and f.right_lines == frozenset()


def test_new_empty_file_is_added_without_hunks() -> None:
    f = one(b"diff --git a/e.txt b/e.txt\nnew file mode 100644\nindex 0000000..e69de29\n")
    assert (f.path, f.status, f.additions, f.deletions, f.hunks) == ("e.txt", "added", 0, 0, ())


def test_deleted_file_uses_old_path() -> None:
    data = (
        b"diff --git a/gone.py b/gone.py\ndeleted file mode 100644\nindex 3b18e51..0000000\n"
        b"--- a/gone.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"
    )
    f = one(data)
    assert (f.path, f.old_path, f.status, f.deletions) == ("gone.py", None, "deleted", 2)
    assert f.left_lines == {1, 2}


def test_pure_rename_has_no_hunks_and_old_path() -> None:
    data = (
        b'diff --git a/old name.md "b/new n\\303\\244me.md"\nsimilarity index 100%\n'
        b'rename from old name.md\nrename to "new n\\303\\244me.md"\n'
    )
    f = one(data)
    assert (f.path, f.old_path, f.status) == ("new n\u00e4me.md", "old name.md", "renamed")
    assert (f.hunks, f.additions, f.deletions) == ((), 0, 0)


def test_copy_with_change() -> None:
    data = (
        b"diff --git a/orig.py b/copied.py\nsimilarity index 90%\ncopy from orig.py\n"
        b"copy to copied.py\nindex 92dfa21..27df8b9 100644\n--- a/orig.py\n+++ b/copied.py\n"
        b"@@ -8,3 +8,4 @@ g\n h\n i\n j\n+k\n"
    )
    f = one(data)
    assert (f.path, f.old_path, f.status, f.additions) == ("copied.py", "orig.py", "copied", 1)
    assert f.right_lines == {8, 9, 10, 11}


def test_mode_only_change_is_modified_with_nothing_to_comment() -> None:
    f = one(b"diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n")
    assert (f.path, f.status, f.additions, f.deletions, f.hunks) == (
        "run.sh",
        "modified",
        0,
        0,
        (),
    )


def test_submodule_pointer_counts_like_git_but_has_no_commentable_lines() -> None:
    data = (
        b"diff --git a/src/sizzle b/src/sizzle\nindex f88bfe943..9eebd0b6a 160000\n"
        b"--- a/src/sizzle\n+++ b/src/sizzle\n@@ -1 +1 @@\n"
        b"-Subproject commit f88bfe943c69046aa88d4531e74bbc63926e96e3\n"
        b"+Subproject commit 9eebd0b6ac62579f5ec847af1b517bcee9c0bfb2\n"
    )
    f = one(data)
    assert f.submodule and (f.additions, f.deletions) == (1, 1)
    assert f.right_lines == frozenset() and f.left_lines == frozenset()


def test_binary_files_are_flagged_with_zero_counts() -> None:
    data = (
        b"diff --git a/logo.png b/logo.png\nindex 1111111..2222222 100644\n"
        b"Binary files a/logo.png and b/logo.png differ\n"
        b"diff --git a/icon.ico b/icon.ico\nnew file mode 100644\nindex 0000000..3333333\n"
        b"GIT binary patch\nliteral 5\nMcmZQzU|?VY000310RR91\n\nliteral 0\nHcmV?d00001\n\n"
    )
    png, ico = parse_diff(data)
    assert (png.path, png.binary, png.status, png.additions, png.deletions) == (
        "logo.png",
        True,
        "modified",
        0,
        0,
    )
    assert (ico.path, ico.binary, ico.status, ico.hunks) == ("icon.ico", True, "added", ())


def test_paths_with_spaces_quotes_and_octal_escapes() -> None:
    data = (
        b"diff --git a/docs/in dex/a b.html b/docs/in dex/a b.html\nindex 1..2 100644\n"
        b"--- a/docs/in dex/a b.html\t\n+++ b/docs/in dex/a b.html\t\n@@ -1 +1 @@\n-x\n+y\n"
        b'diff --git "a/with \\"quotes\\".txt" "b/with \\"quotes\\".txt"\nindex 1..2 100644\n'
        b'--- "a/with \\"quotes\\".txt"\t\n+++ "b/with \\"quotes\\".txt"\t\n@@ -1 +1 @@\n-q\n+q2\n'
        b'diff --git "a/\\303\\251.txt" "b/\\303\\251.txt"\nnew file mode 100644\n'
        b'index 0000000..c600332\n--- /dev/null\n+++ "b/\\303\\251.txt"\n@@ -0,0 +1 @@\n+\xc3\xa9\n'
        b"diff --git a/mode only.sh b/mode only.sh\nold mode 100644\nnew mode 100755\n"
    )
    assert [f.path for f in parse_diff(data)] == [
        "docs/in dex/a b.html",
        'with "quotes".txt',
        "\u00e9.txt",
        "mode only.sh",
    ]


def test_no_newline_at_end_of_file_marker_is_not_a_line() -> None:
    data = (
        b"--- a/.gitignore\n+++ b/.gitignore\n@@ -1,2 +1,2 @@\n .idea\n-.cache/*\n"
        b"\\ No newline at end of file\n+.cache/\n"
    )
    f = one(data)
    assert (f.additions, f.deletions) == (1, 1)
    assert [ln.text for h in f.hunks for ln in h.lines] == [".idea", ".cache/*", ".cache/"]


def test_plain_unified_diff_without_git_headers() -> None:
    data = "--- a/x.py\t2024-01-01\n+++ b/x.py\t2024-01-02\n@@ -1 +1,2 @@\n a\n+b\n"
    f = one(data)
    assert (f.path, f.status, f.additions, f.right_lines) == ("x.py", "modified", 1, {1, 2})


def test_sql_comment_removed_inside_a_hunk_is_not_a_file_header() -> None:
    # "--- x" here is the removed line "-- x", "+++ y" the added line "++ y"
    data = "--- a/q.sql\n+++ b/q.sql\n@@ -1,2 +1,2 @@\n--- x\n+++ y\n select 1;\n"
    f = one(data)
    assert (f.path, f.additions, f.deletions) == ("q.sql", 1, 1)


@pytest.mark.parametrize("text", ["", "   \n\t\n", b"", b"\n\n"])
def test_empty_input_is_nothing_to_review(text: str | bytes) -> None:
    assert parse_diff(text) == ()


@pytest.mark.parametrize(
    "data",
    [
        b"hello, this is a commit message\nnot a diff\n",
        b'{"pull_request": {"number": 7}}',
        bytes(range(256)) * 50,
        b"\x00\x00\x00diff\x00\n",
        b"diff --git\n",
    ],
)
def test_not_a_diff_is_an_input_error(data: bytes) -> None:
    with pytest.raises(InputError) as err:
        parse_diff(data)
    assert err.value.exit_code == 2
    assert "\n" not in str(err.value)
    if data.startswith(b"hello"):
        assert str(err.value) == NOT_A_DIFF


def test_broken_hunk_drops_only_that_hunk(caplog: pytest.LogCaptureFixture) -> None:
    good_file = b"diff --git a/ok.py b/ok.py\nindex 1..2 100644\n--- a/ok.py\n+++ b/ok.py\n"
    good_file += b"@@ -1 +1 @@\n-a\n+b\n"
    broken = SMALL.replace(b"@@ -40,3 +41,2 @@", b"@@ -40,9 +41,9 @@")  # claims 9 lines
    with caplog.at_level(logging.WARNING, logger="reviewbot.diff.parse"):
        calc, ok = parse_diff(broken + good_file)
    assert (ok.path, ok.additions, ok.deletions) == ("ok.py", 1, 1)
    assert len(calc.hunks) == 1 and calc.right_lines == {10, 11, 12, 13, 14, 15, 16}
    assert "app/calc.py: dropped a hunk" in caplog.text


def test_truncated_diff_keeps_complete_files() -> None:
    data = SMALL + b"diff --git a/b.py b/b.py\nindex 1..2 100644\n--- a/b.py\n+++ b/b.py\n"
    data += b"@@ -1,5 +1,5 @@\n a\n-b\n"  # cut off mid-hunk
    calc, cut = parse_diff(data)
    assert (calc.additions, calc.deletions) == (2, 2)
    assert (cut.path, cut.hunks) == ("b.py", ())


def test_huge_single_line_and_nul_bytes() -> None:
    big = b"x" * 10_000_000
    data = b"diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1,2 @@\n-a\x00\n+" + big + b"\n+\x00\n"
    f = one(data)
    assert (f.additions, f.deletions) == (2, 1)
    assert len(f.added_lines[0].text) == 10_000_000
    with pytest.raises(InputError):
        parse_diff(b"Binary files " + b" and " * 400_000 + b" differ\n")


def test_mutated_real_diffs_raise_nothing_but_input_error(realdata: Path) -> None:
    rng = random.Random(20240601)
    sources = [p.read_bytes() for p in sorted((realdata / "diffs").glob("*.diff"))]
    noise = [
        b"@@ -1,3 +1,4 @@\n", b"--- a/q\n", b"+++ b/q\n", b"\\ No newline at end of file\n",
        b"garbage\n", b"\n", b"diff --git a/z b/z\n", b"Binary files a/z and b/z differ\n",
        b"GIT binary patch\n", b"rename from x\n", b"new file mode 160000\n", b"\xff\xfe\x00\n",
        b"@@ -" + b"9" * 5000 + b" +1 @@\n",
    ]  # fmt: skip
    for _ in range(400):
        lines = rng.choice(sources).splitlines(keepends=True)[:400]
        for _ in range(rng.randint(1, 6)):
            i = rng.randrange(len(lines))
            roll = rng.random()
            if roll < 0.3:
                del lines[i]
            elif roll < 0.6:
                lines.insert(i, rng.choice(noise))
            else:
                lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        try:
            files = parse_diff(b"".join(lines))
        except InputError:
            continue
        for f in files:
            assert f.additions == len(f.added_lines) or f.submodule


def test_read_diff_from_file_and_stdin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "change.diff"
    path.write_bytes(SMALL)
    assert read_diff(str(path)) == SMALL

    class _Stdin:
        buffer = BytesIO(b"diff bytes\r\n\xff")

    monkeypatch.setattr(sys, "stdin", _Stdin())
    assert read_diff("-") == b"diff bytes\r\n\xff"


def test_read_diff_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.diff"
    with pytest.raises(InputError, match=r"nope\.diff"):
        read_diff(str(missing))
    with pytest.raises(InputError, match="directory"):
        read_diff(str(tmp_path))
