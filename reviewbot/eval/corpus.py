"""Read (and write) an evaluation corpus: one folder per case, checked before anything runs.

A case is a folder holding:

- ``pr.diff``: the pull request's unified diff (what ``reviewbot review --diff`` reads);
- ``expected.json``: the labels, a list of ``{"path", "lines": [start, end], "category"}``
  (``[]`` for a clean case: any finding on it is a false positive), each label's lines being
  new-file lines the diff adds or shows;
- ``case.json`` (optional): ``title`` and ``description`` (given to the models as the PR's,
  like a real PR's; leave them out to review the diff alone, as ``review --diff`` does),
  ``source`` (where the diff comes from) and ``licence``; other keys are kept as they are.

Cases are found at any depth under the corpus folder; a case's id is its folder's path
relative to the corpus, with ``/``.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reviewbot.diff.parse import parse_diff
from reviewbot.domain import FileDiff, PullRequestRef
from reviewbot.errors import ConfigError, ReviewbotError
from reviewbot.eval.match import ANY_CATEGORY, Label, normalise_path
from reviewbot.eval.reverse import split_lines

# Files whose lines, in a fix, name the fix ("Fix an XSS in the debugger"): left out of a
# reversed fix, where they would tell the reviewer what to look for.
CHANGELOGS = ("CHANGES", "CHANGELOG", "HISTORY", "NEWS", "news/", "changelog.d/", ".changeset/")
DIFF = "pr.diff"
EXPECTED = "expected.json"
META = "case.json"


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled pull request."""

    id: str
    diff: bytes
    labels: tuple[Label, ...]
    title: str | None = None
    description: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """A case with no labels: every finding on it is a false positive."""
        return not self.labels

    def pull_request(self) -> PullRequestRef | None:
        """The PR the models are shown, or None (a local diff) without a title or description."""
        if self.title is None and self.description is None:
            return None
        return PullRequestRef(
            repo=str(self.meta.get("repo") or "eval/corpus"),
            number=int(self.meta.get("number") or 1),
            head_sha="0" * 40,
            base_sha="0" * 40,
            title=self.title or "",
            body=self.description or "",
        )


class CorpusError(ConfigError):
    """A case is missing a file or holds a label that no finding could ever match."""


def load_corpus(root: str | Path, only: Sequence[str] = ()) -> tuple[Case, ...]:
    """Every case under ``root`` (those whose id matches a glob of ``only``, when given).

    Raises:
        CorpusError: no case, or a case is malformed; every problem is listed.
    """
    base = Path(root)
    if not base.is_dir():
        raise CorpusError(f"--corpus {root}: not a directory")
    folders = sorted({p.parent for p in base.rglob(DIFF) if p.is_file()})
    cases: list[Case] = []
    problems: list[str] = []
    for folder in folders:
        case_id = folder.relative_to(base).as_posix() if folder != base else folder.name
        if only and not any(fnmatch.fnmatchcase(case_id, pattern) for pattern in only):
            continue
        try:
            cases.append(load_case(folder, case_id))
        except ReviewbotError as exc:
            problems.append(str(exc))
    if problems:
        raise CorpusError("the corpus has problems:\n  " + "\n  ".join(problems))
    if not cases:
        what = f" matching {', '.join(only)}" if only else ""
        raise CorpusError(f"--corpus {root}: no case{what} (a case is a folder with a {DIFF})")
    return tuple(cases)


def load_case(folder: Path, case_id: str | None = None) -> Case:
    """Read and check the case in ``folder``.

    Raises:
        CorpusError: a file is missing or malformed, or a label points outside the diff.
    """
    name = case_id or folder.name
    diff = (folder / DIFF).read_bytes()
    expected_path = folder / EXPECTED
    if not expected_path.is_file():
        raise CorpusError(f"{name}: no {EXPECTED} (write [] for a case with no known problem)")
    labels = parse_labels(_read_json(expected_path, name), name)
    meta: dict[str, Any] = {}
    if (folder / META).is_file():
        raw = _read_json(folder / META, name)
        if not isinstance(raw, dict):
            raise CorpusError(f"{name}: {META} must be a JSON object")
        meta = raw
    title, description = meta.get("title"), meta.get("description")
    for key, value in (("title", title), ("description", description), ("repo", meta.get("repo"))):
        if value is not None and not isinstance(value, str):
            raise CorpusError(f"{name}: {META}: {key} must be a string")
    number = meta.get("number")
    if number is not None and (type(number) is not int or number < 1):
        raise CorpusError(f"{name}: {META}: number must be a pull request number (1 or more)")
    try:
        files = parse_diff(diff)
    except ReviewbotError as exc:
        raise CorpusError(f"{name}: {DIFF}: {exc}") from None
    problems = label_problems(labels, files)
    if problems:
        raise CorpusError(f"{name}: " + "; ".join(problems))
    return Case(name, diff, labels, title, description, meta)


def _read_json(path: Path, name: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{name}: cannot read {path.name}: {exc}") from None


def parse_labels(raw: Any, name: str = "case") -> tuple[Label, ...]:
    """Labels from the JSON of ``expected.json``.

    Raises:
        CorpusError: not a list of ``{path, lines: [start, end], category}``.
    """
    if not isinstance(raw, list):
        raise CorpusError(f"{name}: {EXPECTED} must be a list of labels ([] for a clean case)")
    labels = []
    for index, item in enumerate(raw):
        where = f"{name}: {EXPECTED}[{index}]"
        if not isinstance(item, dict):
            raise CorpusError(f"{where}: a label is an object with path, lines and category")
        unknown = set(item) - {"path", "lines", "category", "note"}
        if unknown:
            raise CorpusError(
                f"{where}: unknown keys {sorted(unknown)} (allowed: path, lines, category, note)"
            )
        path, lines, category = item.get("path"), item.get("lines"), item.get("category")
        if not isinstance(path, str) or not path.strip():
            raise CorpusError(f"{where}: path must be the file's path in the diff")
        if not (
            isinstance(lines, list)
            and len(lines) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in lines)
            and lines[0] <= lines[1]
        ):
            raise CorpusError(f"{where}: lines must be [start, end], new-file lines, start <= end")
        if not isinstance(category, str) or not category.strip():
            raise CorpusError(
                f"{where}: category must be a CWE id or a short kind (e.g. CWE-89, sql-injection,"
                f" or {ANY_CATEGORY} for any)"
            )
        labels.append(Label(normalise_path(path), lines[0], lines[1], category.strip()))
    return tuple(labels)


def label_problems(labels: Iterable[Label], files: Sequence[FileDiff]) -> list[str]:
    """Why some labels could never be matched: a path not in the diff, lines outside its hunks.

    Findings are anchored to the lines GitHub can comment on (added and context lines); a label
    with none of those could only ever be missed.
    """
    by_path = {f.path: f for f in files}
    problems = []
    for label in labels:
        file = by_path.get(label.path)
        if file is None:
            problems.append(f"label on {label.path}: no such file in the diff")
            continue
        if not set(range(label.start, label.end + 1)) & file.right_lines:
            problems.append(
                f"label on {label.path} lines {label.start}-{label.end}: none of them is a line "
                "the diff adds or shows"
            )
    return problems


def labels_json(labels: Iterable[Label], notes: Sequence[str | None] = ()) -> list[dict[str, Any]]:
    """``labels`` as ``expected.json`` holds them (with a ``note`` each, where given)."""
    out = []
    for index, label in enumerate(labels):
        item: dict[str, Any] = {
            "path": label.path,
            "lines": [label.start, label.end],
            "category": label.category,
        }
        note = notes[index] if index < len(notes) else None
        if note:
            item["note"] = note
        out.append(item)
    return out


def write_case(
    folder: Path,
    diff: bytes,
    labels: Sequence[Label],
    meta: dict[str, Any] | None = None,
    notes: Sequence[str | None] = (),
) -> None:
    """Write a case folder (``pr.diff``, ``expected.json`` and, with ``meta``, ``case.json``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DIFF).write_bytes(diff)
    (folder / EXPECTED).write_text(
        json.dumps(labels_json(labels, notes), indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    if meta is not None:
        (folder / META).write_text(
            json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


def without_changelogs(diff: bytes) -> tuple[bytes, list[str]]:
    """``diff`` without the ``diff --git`` blocks of changelog files, and the paths left out."""
    blocks: list[list[bytes]] = []
    for line in split_lines(diff):
        if line.startswith(b"diff --git ") or not blocks:
            blocks.append([])
        blocks[-1].append(line)
    kept, dropped = [], []
    for block in blocks:
        head = block[0].decode("utf-8", "replace")
        path = head.rstrip("\r\n").split(" b/", 1)[-1] if head.startswith("diff --git") else ""
        if path and path.startswith(CHANGELOGS):
            dropped.append(path)
        else:
            kept.append(b"".join(block))
    return b"".join(kept), dropped
