"""The diff parser's bounded work: its own hunk reader agrees with unidiff, and past
``MAX_PARSED_LINES`` the largest files are kept unparsed (``too_large``) but still scanned.

How long the checks take is measured by ``python -m bench.checks``, not here.
"""

from __future__ import annotations

import io
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pathspec import GitIgnoreSpec
from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from reviewbot.checks.secrets import scan_files, secret_findings
from reviewbot.diff import parse
from reviewbot.diff.filters import NAME_SKIPS, _name_reason
from reviewbot.diff.kinds import split_path
from reviewbot.diff.parse import UnparsedFile, parse_diff, raw_rows
from reviewbot.domain import FileDiff, SkipReason
from tests.conftest import REALDATA

_KEY = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def _unidiff(body: list[str]) -> object:
    """What the unidiff route makes of a hunk body (an exception's type when it raises)."""
    try:
        return parse._convert(PatchSet([*parse._SYNTHETIC_HEADER, *body]))
    except (UnidiffParseError, ValueError) as exc:
        return type(exc)


def _bodies(text: str) -> list[list[str]]:
    """The hunk part of each ``diff --git`` block of a diff."""
    lines = list(io.StringIO(text))
    starts = [i for i, line in enumerate(lines) if line.startswith("diff --git ")]
    out = []
    for a, b in zip(starts, [*starts[1:], len(lines)], strict=True):
        block = lines[a:b]
        first = next((i for i, line in enumerate(block) if line.startswith("@@")), None)
        if first is not None:
            out.append(block[first:])
    return out


def _check(body: list[str]) -> None:
    fast = parse._fast_hunks(body)
    if fast is not None:  # None: not well formed, unidiff reads it (as before)
        assert fast == _unidiff(body)


def test_fast_hunks_read_every_real_diff_as_unidiff_does() -> None:
    diffs = sorted((REALDATA / "diffs").glob("*.diff"))
    assert diffs
    read = 0
    for path in diffs:
        for body in _bodies(path.read_bytes().decode("utf-8", errors="replace")):
            _check(body)
            read += parse._fast_hunks(body) is not None
    assert read > 0


_LINE = st.sampled_from(
    ["+a\n", "-b\n", " c\n", "\n", "\r\n", "+x\r\n", "\\ No newline at end of file\n",
     "\\ other\n", "@@ -1 +1 @@\n", "+++ b/f\n", "--- a/f\n", "x\n", "\r\r\n", "+"]
)  # fmt: skip
_HEADER = st.builds(
    lambda a, b, c, d, s: f"@@ -{a}{b} +{c}{d} @@{s}\n",
    st.integers(0, 3),
    st.sampled_from(["", ",0", ",1", ",2", ",3"]),
    st.integers(0, 3),
    st.sampled_from(["", ",0", ",1", ",2", ",3"]),
    st.sampled_from(["", " def f():", " x\r", "  y"]),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(_HEADER, st.lists(_LINE, max_size=6)), min_size=1, max_size=4))
def test_fast_hunks_agree_with_unidiff_on_any_hunks(hunks: list[tuple[str, list[str]]]) -> None:
    _check([line for header, lines in hunks for line in (header, *lines)])


def _big_diff(files: dict[str, int]) -> str:
    out = []
    for name, count in files.items():
        out.append(
            f"diff --git a/{name} b/{name}\nnew file mode 100644\n--- /dev/null\n+++ b/{name}\n"
            f"@@ -0,0 +1,{count} @@\n" + "+x\n" * (count - 1) + f"+token = '{_KEY}'\n"
        )
    return "".join(out)


def test_past_the_bound_the_largest_file_is_kept_unparsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parse, "MAX_PARSED_LINES", 100)
    files = parse_diff(_big_diff({"small.py": 30, "big.py": 90, "mid.py": 60}))
    assert [type(f) for f in files] == [FileDiff, UnparsedFile, FileDiff]
    big = files[1]
    assert big.skipped is SkipReason.TOO_LARGE and not big.reviewed and big.hunks == ()
    assert (big.additions, big.deletions) == (90, 0)
    # the secret scan still reads every line of the unparsed file, with its line number
    hits = [h for h in scan_files(files) if h.path == "big.py"]
    assert [(h.line, h.where, h.secret) for h in hits] == [(90, "added", _KEY)]
    assert {f.path for f in secret_findings(scan_files(files))} == {
        "small.py",
        "big.py",
        "mid.py",
    }


def test_malformed_hunks_past_the_unidiff_budget_are_kept_unparsed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parse, "MAX_SALVAGED_LINES", 10)
    # the header says 5 lines, the hunk has 20: unidiff would read it, up to the budget
    text = _big_diff({"a.py": 20}).replace("+1,20 @@", "+1,5 @@")
    (only,) = parse_diff(text)
    assert isinstance(only, UnparsedFile) and only.skipped is SkipReason.TOO_LARGE
    assert [h.secret for h in scan_files((only,))] == [_KEY]


def test_raw_rows_number_lines_by_their_hunk_headers() -> None:
    raw = "@@ -3,2 +3,3 @@ def f():\n a\n-b\n+c\n+d\n\\ No newline\njunk\n@@ -9 +10 @@\n e\r\n"
    assert raw_rows(raw) == [
        ("@", None, None, "def f():"),
        (" ", 3, 3, "a"),
        ("-", 4, None, "b"),
        ("+", None, 4, "c"),
        ("+", None, 5, "d"),
        ("?", None, None, "junk"),
        ("@", None, None, ""),
        (" ", 9, 10, "e"),
    ]


def test_real_diffs_stay_parsed(realdata: Path) -> None:
    for path in sorted((realdata / "diffs").glob("*.diff")):
        assert not any(isinstance(f, UnparsedFile) for f in parse_diff(path.read_bytes()))


_NAME_CHARS = st.sampled_from([*"ab.-_*?[]!/ ", "png", "lock", "json", "generated", "map"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_NAME_CHARS, max_size=8).map("".join))
def test_split_path_is_pure_posix_path(path: str) -> None:
    p = PurePosixPath(path)
    assert split_path(path) == (list(p.parts[:-1]), p.name, p.suffix)


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.sampled_from([n for _, names in NAME_SKIPS for n in names]).map(
            lambda n: n.replace("*", "x")
        ),
        st.lists(_NAME_CHARS, max_size=6).map("".join).filter(lambda n: "/" not in n),
    )
)
def test_name_rules_decide_as_the_gitignore_patterns(name: str) -> None:
    specs = [(reason, GitIgnoreSpec.from_lines(patterns)) for reason, patterns in NAME_SKIPS]
    want = next((reason for reason, spec in specs if spec.match_file(name)), None)
    assert _name_reason(name) == want
