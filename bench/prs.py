"""Generated pull requests (fixed seeds) and the real diffs the bench reviews."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REALDATA_DIFFS = ROOT / "tests" / "data" / "realdata" / "diffs"
EXAMPLES = ROOT / "examples"
_WORDS = (
    "order", "user", "total", "price", "cache", "token", "items", "result", "value", "count",
    "record", "buffer", "client", "request", "config", "handler", "report", "index", "name",
)  # fmt: skip


@dataclass(frozen=True)
class GenFile:
    """One generated file change: hunks of (old_start, removed lines, added lines)."""

    path: str
    new: bool
    hunks: tuple[tuple[int, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]

    @property
    def additions(self) -> int:
        return sum(len(h[2]) for h in self.hunks)

    @property
    def deletions(self) -> int:
        return sum(len(h[1]) for h in self.hunks)

    def patch(self) -> str:
        """The hunks as GitHub's files API ``patch`` shows them."""
        out: list[str] = []
        shift = 0
        for start, removed, added, context in self.hunks:
            old_len = len(removed) + 2 * len(context)
            new_len = len(added) + 2 * len(context)
            old_start = 0 if self.new else start
            new_start = 1 if self.new else start + shift
            out.append(f"@@ -{old_start},{old_len} +{new_start},{new_len} @@")
            out.extend(f" {c}" for c in context)
            out.extend(f"-{r}" for r in removed)
            out.extend(f"+{a}" for a in added)
            out.extend(f" {c}" for c in context)
            shift += len(added) - len(removed)
        return "\n".join(out)

    def diff(self) -> str:
        """The file's ``git diff`` text."""
        head = f"diff --git a/{self.path} b/{self.path}\n"
        if self.new:
            head += "new file mode 100644\nindex 0000000..1111111\n"
            head += f"--- /dev/null\n+++ b/{self.path}\n"
        else:
            head += f"index 2222222..3333333 100644\n--- a/{self.path}\n+++ b/{self.path}\n"
        return head + self.patch() + "\n"

    def files_entry(self, index: int) -> dict[str, Any]:
        """The file as one item of ``GET /pulls/{n}/files``."""
        return {
            "sha": f"{index:040x}",
            "filename": self.path,
            "status": "added" if self.new else "modified",
            "additions": self.additions,
            "deletions": self.deletions,
            "changes": self.additions + self.deletions,
            "patch": self.patch(),
        }


@dataclass(frozen=True)
class GenPR:
    """A generated pull request."""

    name: str
    files: tuple[GenFile, ...]

    @property
    def diff(self) -> str:
        return "".join(f.diff() for f in self.files)

    @property
    def changed_lines(self) -> int:
        return sum(f.additions + f.deletions for f in self.files)

    def files_entries(self) -> list[dict[str, Any]]:
        return [f.files_entry(i) for i, f in enumerate(self.files)]


def _code_line(rng: random.Random, indent: int) -> str:
    a, b, c = rng.sample(_WORDS, 3)
    form = rng.randrange(4)
    if form == 0:
        text = f"{a}_{b} = compute_{c}({a}, {b}={rng.randrange(100)})"
    elif form == 1:
        text = f"if {a}.{b} > {rng.randrange(1000)}:  # {c} guard"
    elif form == 2:
        text = f'log.debug("{a} %s {b}", {c})'
    else:
        text = f"return {a}_{b} + {c}"
    return " " * indent + text


def _doc_line(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(6, 16))).capitalize() + "."


def _file(rng: random.Random, path: str, lines: int, new: bool, docs: bool) -> GenFile:
    def line() -> str:
        return _doc_line(rng) if docs else _code_line(rng, 4)

    if new:
        return GenFile(path, True, ((0, (), tuple(line() for _ in range(lines)), ()),))
    hunks = []
    start = 10
    left = lines
    while left > 0:
        added = min(left, rng.randrange(8, 40))
        removed = min(2, added // 4)
        left -= added + removed
        context = tuple(line() for _ in range(3))
        hunks.append(
            (
                start,
                tuple(line() for _ in range(removed)),
                tuple(line() for _ in range(added)),
                context,
            )
        )
        start += removed + 2 * len(context) + rng.randrange(10, 60)
    return GenFile(path, False, tuple(hunks))


def code_pr(name: str, lines: int, files: int, seed: int) -> GenPR:
    """A source-code PR of about ``lines`` changed lines over ``files`` files (plus tests)."""
    rng = random.Random(seed)
    per = max(1, lines // files)
    out = []
    for i in range(files):
        path = f"tests/test_mod{i}.py" if i % 5 == 4 else f"src/pkg{i % 7}/mod{i}.py"
        out.append(_file(rng, path, per, new=i % 6 == 0, docs=False))
    return GenPR(name, tuple(out))


def docs_pr(name: str, lines: int, seed: int) -> GenPR:
    """A documentation-only PR."""
    rng = random.Random(seed)
    paths = ("README.md", "docs/guide.md", "docs/install.md")
    per = max(1, lines // len(paths))
    return GenPR(name, tuple(_file(rng, p, per, new=False, docs=True) for p in paths))


def mixed_pr(name: str, lines: int, seed: int) -> GenPR:
    """Code, tests, docs, CI config and a lockfile in one PR."""
    rng = random.Random(seed)
    share = lines // 10
    files = (
        _file(rng, "src/app/service.py", 4 * share, new=False, docs=False),
        _file(rng, "tests/test_service.py", 2 * share, new=False, docs=False),
        _file(rng, "docs/service.md", 2 * share, new=False, docs=True),
        _file(rng, ".github/workflows/ci.yml", share // 2, new=False, docs=True),
        _file(rng, "poetry.lock", 3 * share, new=False, docs=True),
    )
    return GenPR(name, files)


def real_diffs() -> list[tuple[str, bytes]]:
    """The real diffs in ``tests/data/realdata/diffs`` ([] when the folder is missing)."""
    if not REALDATA_DIFFS.is_dir():
        return []
    return [(p.name, p.read_bytes()) for p in sorted(REALDATA_DIFFS.glob("*.diff"))]


def examples() -> list[tuple[str, bytes]]:
    """The bundled ``examples/*.diff``."""
    return [(p.name, p.read_bytes()) for p in sorted(EXAMPLES.glob("*.diff"))]
