"""``reverse_diff``: a fix's diff turned into the PR that introduces the bug, by text."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.diff.parse import parse_diff
from reviewbot.domain import FileStatus
from reviewbot.eval.reverse import reverse_diff, split_lines

MODIFY = b"""diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -1,4 +1,5 @@ def main():
 a = 1
-b = 2
-c = 3
+b = 20
+c = 30
+d = 40
 e = 5
@@ -10 +11 @@ tail
-x
+y
"""

MODIFY_REVERSED = b"""diff --git a/app.py b/app.py
index 2222222..1111111 100644
--- a/app.py
+++ b/app.py
@@ -1,5 +1,4 @@ def main():
 a = 1
-b = 20
-c = 30
-d = 40
+b = 2
+c = 3
 e = 5
@@ -11 +10 @@ tail
-y
+x
"""


def test_a_modified_file_is_reversed_as_git_would_write_it() -> None:
    assert reverse_diff(MODIFY) == MODIFY_REVERSED
    assert reverse_diff(MODIFY_REVERSED) == MODIFY


def test_added_and_deleted_files_swap() -> None:
    added = (
        b"diff --git a/new.py b/new.py\nnew file mode 100644\nindex 0000000..abcdef0\n"
        b"--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+one\n+two\n"
    )
    deleted = (
        b"diff --git a/new.py b/new.py\ndeleted file mode 100644\nindex abcdef0..0000000\n"
        b"--- a/new.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-one\n-two\n"
    )
    assert reverse_diff(added) == deleted
    assert reverse_diff(deleted) == added
    (file,) = parse_diff(reverse_diff(added))
    assert file.status is FileStatus.DELETED


def test_a_rename_is_reversed_with_its_names_and_modes() -> None:
    renamed = (
        b"diff --git a/old name.py b/new.py\nold mode 100755\nnew mode 100644\n"
        b"similarity index 90%\nrename from old name.py\nrename to new.py\n"
        b"index 1111111..2222222\n--- a/old name.py\t\n+++ b/new.py\n@@ -1 +1 @@\n-x\n+y\n"
    )
    expected = (
        b"diff --git a/new.py b/old name.py\nold mode 100644\nnew mode 100755\n"
        b"similarity index 90%\nrename from new.py\nrename to old name.py\n"
        b"index 2222222..1111111\n--- a/new.py\n+++ b/old name.py\t\n@@ -1 +1 @@\n-y\n+x\n"
    )
    assert reverse_diff(renamed) == expected
    (file,) = parse_diff(expected)
    assert (file.path, file.old_path) == ("old name.py", "new.py")


def test_no_newline_markers_stay_with_their_line() -> None:
    diff = (
        b"diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n"
        b"-old\n\\ No newline at end of file\n+new\n"
    )
    expected = (
        b"diff --git a/f b/f\nindex 2..1 100644\n--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n"
        b"-new\n+old\n\\ No newline at end of file\n"
    )
    assert reverse_diff(diff) == expected
    assert reverse_diff(expected) == diff


def test_crlf_and_non_utf8_bytes_are_kept() -> None:
    diff = b"--- a/f\r\n+++ b/f\r\n@@ -1 +1 @@\r\n-caf\xe9\r\n+cafe\r\n"
    assert reverse_diff(diff) == b"--- a/f\r\n+++ b/f\r\n@@ -1 +1 @@\r\n-cafe\r\n+caf\xe9\r\n"


def test_a_removed_line_that_looks_like_a_header_stays_a_line() -> None:
    diff = b"--- a/f\n+++ b/f\n@@ -1,2 +1 @@\n--- a/x\n-+++ b/x\n+new\n"
    assert reverse_diff(diff) == b"--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n-new\n+-- a/x\n++++ b/x\n"


def test_binary_files_swap_names() -> None:
    diff = (
        b"diff --git a/i.png b/i.png\nnew file mode 100644\nindex 0..1\n"
        b"Binary files /dev/null and b/i.png differ\n"
    )
    assert reverse_diff(diff).endswith(b"Binary files a/i.png and /dev/null differ\n")
    assert b"deleted file mode 100644" in reverse_diff(diff)


@pytest.mark.parametrize(
    ("diff", "reason"),
    [
        (b"diff --git a/a b/b\nsimilarity index 100%\ncopy from a\ncopy to b\n", "copied"),
        (b"diff --git a/x b/x\nindex 1..2\nGIT binary patch\nliteral 1\n", "binary patch"),
        (b"--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n-b\n", "ends early"),
        (b"--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a\n-b\n+c\n", "not part of it|does not match"),
    ],
)
def test_what_cannot_be_reversed_says_why(diff: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        reverse_diff(diff)


def test_split_lines_ends_lines_at_newlines_only() -> None:
    assert split_lines(b"a\r\nb\rc\nd") == [b"a\r\n", b"b\rc\n", b"d"]


def _realdata_diffs(realdata: Path) -> list[Path]:
    return sorted(realdata.glob("*/*.diff"))


def test_every_real_diff_reverses_twice_to_itself(realdata: Path) -> None:
    diffs = _realdata_diffs(realdata)
    assert len(diffs) >= 25
    for path in diffs:
        data = path.read_bytes()
        assert reverse_diff(reverse_diff(data)) == data, path.name


def test_every_real_diff_reversed_swaps_what_was_added_and_removed(realdata: Path) -> None:
    swapped = {FileStatus.ADDED: FileStatus.DELETED, FileStatus.DELETED: FileStatus.ADDED}
    for path in _realdata_diffs(realdata):
        forward = parse_diff(path.read_bytes())
        backward = parse_diff(reverse_diff(path.read_bytes()))
        assert len(forward) == len(backward), path.name
        for old, new in zip(forward, backward, strict=True):
            assert (new.additions, new.deletions) == (old.deletions, old.additions), path.name
            assert new.status is swapped.get(old.status, old.status), (path.name, old.path)
            if old.old_path and old.old_path != old.path:
                assert (new.path, new.old_path) == (old.old_path, old.path)
            removed = [(ln.old_no, ln.text) for h in old.hunks for ln in h.lines if ln.kind == "-"]
            added = [(ln.new_no, ln.text) for ln in new.added_lines]
            assert added == removed, (path.name, old.path)
