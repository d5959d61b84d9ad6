"""A pull request's history of pushes, served by ``FakeGitHub``: the PR diff, compares, events.

The files are held as text (base and head), and every diff is computed from them with
``difflib`` in git's unified format, so the PR diff, the compare between two heads and the
``synchronize`` payload (``before``/``after``) always agree, whatever a test pushes: a commit,
a force-push, a merge of the base branch, a change of base branch.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.fakeserver.github import FakeGitHub

Files = dict[str, list[str]]


def file_diff(path: str, old: list[str] | None, new: list[str] | None) -> tuple[str, str, str]:
    """``(git header, hunks, status)`` of one file between ``old`` and ``new`` (None: absent)."""
    body = "".join(
        line if line.endswith("\n") else line + "\n"
        for line in list(
            difflib.unified_diff(
                [ln + "\n" for ln in old or []],
                [ln + "\n" for ln in new or []],
                "/dev/null" if old is None else f"a/{path}",
                "/dev/null" if new is None else f"b/{path}",
                n=3,
            )
        )[2:]
    )
    header = f"diff --git a/{path} b/{path}\n"
    if old is None:
        header += "new file mode 100644\n"
        status = "added"
    elif new is None:
        header += "deleted file mode 100644\n"
        status = "removed"
    else:
        status = "modified"
    left = "/dev/null" if old is None else f"a/{path}"
    right = "/dev/null" if new is None else f"b/{path}"
    header += f"--- {left}\n+++ {right}\n"
    return header, body, status


def diff(old: Mapping[str, list[str]], new: Mapping[str, list[str]]) -> str:
    """The unified diff (``git diff`` shape) from ``old`` to ``new`` files."""
    out = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) == new.get(path):
            continue
        header, body, _ = file_diff(path, old.get(path), new.get(path))
        out.append(header + body)
    return "".join(out)


def entries(old: Mapping[str, list[str]], new: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """The ``files[]`` of a compare from ``old`` to ``new``: filename, status, patch."""
    out = []
    for path in sorted(set(old) | set(new)):
        if old.get(path) == new.get(path):
            continue
        _, body, status = file_diff(path, old.get(path), new.get(path))
        out.append({"filename": path, "status": status, "patch": body.rstrip("\n")})
    return out


def sha(*parts: str) -> str:
    """A made-up commit id."""
    return hashlib.sha1("\x00".join(parts).encode()).hexdigest()


@dataclass
class PullHistory:
    """One PR on ``FakeGitHub`` whose head (and base) move with each push."""

    github: FakeGitHub
    payload: dict[str, Any]  # a real synchronize payload (its pull_request is updated)
    base: Files
    head: Files
    heads: list[tuple[str, Files]] = field(default_factory=list)

    def __post_init__(self) -> None:
        pr = self.payload["pull_request"]
        self.heads.append((pr["head"]["sha"], copy.deepcopy(self.head)))
        self._serve()

    @property
    def number(self) -> int:
        return int(self.payload["pull_request"]["number"])

    @property
    def head_sha(self) -> str:
        return str(self.payload["pull_request"]["head"]["sha"])

    @property
    def pr_diff(self) -> str:
        return diff(self.base, self.head)

    def _serve(self) -> None:
        pull = self.github.pulls.get(self.number)
        comments = (pull.issue_comments, pull.review_comments, pull.reviews) if pull else None
        resolved = pull.resolved_threads if pull else set()
        new = self.github.add_pull(self.payload["pull_request"], self.pr_diff)
        if comments is not None:
            new.issue_comments, new.review_comments, new.reviews = comments
            new.resolved_threads = resolved

    def _move(self, files: Files, *, status: str, commits: int = 1) -> str:
        before = self.head_sha
        old_files = self.heads[-1][1]
        after = sha(before, repr(sorted(files.items())), str(len(self.heads)))
        self.head = files
        self.heads.append((after, copy.deepcopy(files)))
        self.payload["before"], self.payload["after"] = before, after
        self.payload["pull_request"]["head"]["sha"] = after
        self.github.set_compare(
            before,
            after,
            status=status,
            ahead_by=commits,
            behind_by=0 if status == "ahead" else 1,
            files=entries(old_files, files),
        )
        self._serve()
        return after

    def push(self, changes: Mapping[str, list[str] | None], commits: int = 1) -> str:
        """Push commits on top of the head that change ``changes`` (None deletes a file)."""
        files = copy.deepcopy(self.head)
        for path, lines in changes.items():
            if lines is None:
                files.pop(path, None)
            else:
                files[path] = list(lines)
        return self._move(files, status="ahead", commits=commits)

    def force_push(self, changes: Mapping[str, list[str] | None]) -> str:
        """Rewrite the branch: the old head is no ancestor of the new one."""
        files = copy.deepcopy(self.head)
        for path, lines in changes.items():
            if lines is None:
                files.pop(path, None)
            else:
                files[path] = list(lines)
        return self._move(files, status="diverged")

    def merge_base(self, changes: Mapping[str, list[str]]) -> str:
        """The base branch moves on (``changes``), then is merged into the PR."""
        for path, lines in changes.items():
            self.base[path] = list(lines)
        self.payload["pull_request"]["base"]["sha"] = sha("base", repr(sorted(changes.items())))
        files = copy.deepcopy(self.head)
        files.update({p: list(v) for p, v in changes.items()})
        return self._move(files, status="ahead", commits=2)

    def retarget(self, base_ref: str) -> None:
        """Change the PR's base branch (same files)."""
        self.payload["pull_request"]["base"]["ref"] = base_ref
        self._serve()

    def label(self, name: str) -> None:
        """Add a label to the PR (a real payload's label object, renamed)."""
        labels = self.payload["pull_request"].setdefault("labels", [])
        template = labels[0] if labels else {"id": 1, "node_id": "LA_fake", "color": "ededed"}
        labels.append({**template, "name": name})
        self._serve()


_WORDS = (
    "order", "user", "total", "price", "cache", "token", "items", "result", "value", "count",
    "record", "buffer", "client", "request", "config", "handler", "report", "index", "name",
)  # fmt: skip


def _code_line(rng: Any, i: int) -> str:
    a, b, c = rng.sample(_WORDS, 3)
    form = rng.randrange(4)
    if form == 0:
        return f"    {a}_{b}_{i} = compute_{c}({a}, {b}={rng.randrange(100)})"
    if form == 1:
        return f"    if {a}.{b} > {rng.randrange(1000)}:  # {c} guard {i}"
    if form == 2:
        return f'    log.debug("{a} %s {b} {i}", {c})'
    return f"    return {a}_{b} + {c}_{i}"


def code_files(files: int, added_per_file: int, seed: int) -> tuple[Files, Files]:
    """``(base, head)`` of a source-code PR: ``files`` files of 60 lines, each growing by
    ``added_per_file`` lines in three blocks (the bench's 2,000-line PR is ``code_files(20, 100,
    seed=13)``)."""
    import random

    rng = random.Random(seed)
    base: Files = {}
    head: Files = {}
    for n in range(files):
        path = f"src/pkg{n % 7}/mod{n}.py"
        lines = [
            f"def function_{n}_{k}():" if k % 10 == 0 else _code_line(rng, k) for k in range(60)
        ]
        base[path] = lines
        grown = list(lines)
        per_block = added_per_file // 3
        for block in range(3):
            at = 10 + block * 20 + block * per_block
            count = per_block if block < 2 else added_per_file - 2 * per_block
            grown[at:at] = [_code_line(rng, 1000 + block * 100 + j) for j in range(count)]
        head[path] = grown
    return base, head
