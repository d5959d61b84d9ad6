"""What the new commits changed, seen through the PR's own diff (pure; no I/O).

The compare between the last reviewed head and the new head says which lines the new commits
touched. Only the PR's own changes among them are reviewed again: a line the new commits
touched that is not an added line of the PR's diff came from a merge of the base branch (or
was reverted to the base), and is not the PR's to review. The model sees the PR's hunks
around the touched lines, cut to a window of ``CONTEXT`` lines either side, so it sees each
change in its PR context without the rest of the PR.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reviewbot.diff.patches import PatchEntry, rebuild_diff
from reviewbot.domain import FileDiff, FileStatus, Hunk, Line

CONTEXT = 20  # PR diff lines shown either side of a touched line


@dataclass(frozen=True, slots=True)
class FileChange:
    """One file as the new commits changed it (compare coordinates)."""

    path: str
    hunks: tuple[Hunk, ...]
    gone: bool  # deleted, or renamed away: every earlier finding on it is touched

    def touches(self, line: int | None, end_line: int | None) -> bool:
        """True when the new commits changed old-head lines ``line..end_line`` or right by them.

        A file-level finding (no line) is touched by any change to its file.
        """
        if self.gone or line is None:
            return True
        last = max(line, end_line or line)
        for hunk in self.hunks:
            for index, ln in enumerate(hunk.lines):
                if ln.kind == "-" and ln.old_no is not None and line <= ln.old_no <= last:
                    return True
                if ln.kind == "+":
                    before = _old_before(hunk.lines, index, hunk.old_start)
                    if line <= before + 1 <= last + 1:
                        return True
        return False

    def moved(self, line: int | None) -> int | None:
        """The new-head number of old-head ``line`` (None stays None; untouched lines only)."""
        if line is None:
            return None
        shift = 0
        for hunk in self.hunks:
            for ln in hunk.lines:
                if ln.old_no == line and ln.new_no is not None:
                    return ln.new_no
            if hunk.old_start + hunk.old_len <= line:
                shift += hunk.new_len - hunk.old_len
        return line + shift


def _old_before(lines: Sequence[Line], index: int, old_start: int) -> int:
    """The old-side number of the last old line before ``lines[index]`` in its hunk."""
    for ln in reversed(lines[:index]):
        if ln.old_no is not None:
            return ln.old_no
    return old_start - 1 if old_start > 0 else 0


@dataclass(frozen=True, slots=True)
class Delta:
    """The PR's part of the new commits: the diff to review and what it touched."""

    diff: str  # the PR's hunks around the touched lines, as a unified diff ("" when none)
    changes: dict[str, FileChange]  # every file the new commits changed, by its new path
    paths: tuple[str, ...]  # the PR's files among them
    additions: int  # the new commits' added lines in the PR's files
    deletions: int

    @property
    def lines(self) -> int:
        """Added plus deleted lines of the PR's files in the new commits."""
        return self.additions + self.deletions


def file_changes(compare_files: Iterable[FileDiff]) -> dict[str, FileChange]:
    """The compare's files by new path (a renamed-away file is also listed as gone)."""
    out: dict[str, FileChange] = {}
    for f in compare_files:
        out[f.path] = FileChange(f.path, f.hunks, f.status is FileStatus.DELETED)
        if f.old_path and f.old_path != f.path:
            out[f.old_path] = FileChange(f.old_path, (), True)
    return out


def delta(pr_files: Sequence[FileDiff], compare_files: Sequence[FileDiff]) -> Delta:
    """The part of the PR's diff the new commits touched.

    Args:
        pr_files: The PR's whole diff (base to new head), parsed.
        compare_files: The diff from the last reviewed head to the new head, parsed.

    Returns:
        The reduced diff and the touched lines; a file the PR does not change (it came in with
        a merge of the base branch) contributes nothing.
    """
    changes = file_changes(compare_files)
    by_path = {f.path: f for f in compare_files}
    entries: list[PatchEntry] = []
    paths: list[str] = []
    additions = deletions = 0
    for pr_file in pr_files:
        change = by_path.get(pr_file.path)
        if change is None:
            continue
        paths.append(pr_file.path)
        additions += change.additions
        deletions += change.deletions
        touched = _touched_new_lines(change)
        hunks = [h for hunk in pr_file.hunks for h in _windows(hunk, touched)]
        if hunks or (not pr_file.hunks and change.status is not FileStatus.DELETED):
            entries.append(_entry(pr_file, hunks))
    text, _ = rebuild_diff(entries) if entries else ("", {})
    return Delta(text, changes, tuple(paths), additions, deletions)


def _touched_new_lines(change: FileDiff) -> frozenset[int]:
    """New-head lines the new commits added, and the lines either side of a deletion."""
    out: set[int] = set()
    for hunk in change.hunks:
        last_new = hunk.new_start - 1
        for ln in hunk.lines:
            if ln.kind == "+" and ln.new_no is not None:
                out.add(ln.new_no)
            elif ln.kind == "-":
                out.update((last_new, last_new + 1))
            if ln.new_no is not None:
                last_new = ln.new_no
    return frozenset(out)


def _windows(hunk: Hunk, touched: frozenset[int]) -> list[Hunk]:
    """Sub-hunks of ``hunk`` around its PR-added lines that the new commits touched."""
    hits = [
        i
        for i, ln in enumerate(hunk.lines)
        if ln.new_no is not None and ln.new_no in touched and ln.kind == "+"
    ]
    if not hits:
        return []
    spans: list[list[int]] = []
    for i in hits:
        start, end = max(0, i - CONTEXT), min(len(hunk.lines), i + CONTEXT + 1)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    return [_slice(hunk, start, end) for start, end in spans]


def _slice(hunk: Hunk, start: int, end: int) -> Hunk:
    old, new = hunk.old_start, hunk.new_start
    for ln in hunk.lines[:start]:
        old += ln.kind != "+"
        new += ln.kind != "-"
    lines = hunk.lines[start:end]
    old_len = sum(1 for ln in lines if ln.kind != "+")
    new_len = sum(1 for ln in lines if ln.kind != "-")
    if hunk.old_start == 0 and old_len == 0:
        old = 0  # an added file: "@@ -0,0 +a,b @@"
    elif old_len == 0:
        old -= 1  # unified diff numbers an empty side by the line before it
    if new_len == 0:
        new -= 1
    return Hunk(old, old_len, new, new_len, hunk.section, lines)


def _entry(file: FileDiff, hunks: Sequence[Hunk]) -> PatchEntry:
    patch = "\n".join(
        "\n".join(
            [
                f"@@ -{h.old_start},{h.old_len} +{h.new_start},{h.new_len} @@"
                + (f" {h.section}" if h.section else ""),
                *(f"{ln.kind}{ln.text}" for ln in h.lines),
            ]
        )
        for h in hunks
    )
    status = {FileStatus.DELETED: "removed"}.get(file.status, file.status.value)
    return PatchEntry(
        filename=file.path,
        status=status,
        additions=sum(1 for h in hunks for ln in h.lines if ln.kind == "+"),
        deletions=sum(1 for h in hunks for ln in h.lines if ln.kind == "-"),
        changes=sum(1 for h in hunks for ln in h.lines if ln.kind != " "),
        patch=patch or None,
        previous_filename=file.old_path if file.old_path != file.path else None,
    )
