"""Cases from a repository's own history: merged fixes reversed, ordinary merged PRs as clean.

``reviewbot eval --from-history --repo O/R --since DATE --corpus DIR`` lists the PRs merged
since DATE, and writes

- ``DIR/fix/<number>/`` for each PR whose title or labels say it fixes something (``fix``,
  ``security``, ``vulnerability``, a CVE or GHSA id, ...): its diff reversed, so the PR
  introduces what the fix removed, and one label per run of lines the fix removed from a file
  the security step reads (code, config, CI, manifests). The category is the CWE id named in
  the title, body or labels, else ``*`` (any): **approximate labels** to be checked by hand;
- ``DIR/clean/<number>/`` for as many of the other merged PRs, as they are, with no label.

Nothing is evaluated: a person should read each ``expected.json`` first (narrow a label to the
vulnerable lines, give it its category, drop a fix that was no fix), then run
``reviewbot eval --corpus DIR``. The PR titles and descriptions are kept under ``source`` in
``case.json``, never as the case's ``title``: a fix's title would give the answer away.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewbot.diff.kinds import file_kind
from reviewbot.diff.parse import parse_diff
from reviewbot.errors import ConfigError, ReviewbotError
from reviewbot.eval.corpus import label_problems, without_changelogs, write_case
from reviewbot.eval.match import ANY_CATEGORY, Label
from reviewbot.eval.reverse import reverse_diff
from reviewbot.github.client import GitHubClient
from reviewbot.steps.registry import BUILT_IN

log = logging.getLogger(__name__)

FIX_WORDS = re.compile(
    r"\b(fix(es|ed)?|hotfix|security|vulnerab\w*|exploit\w*|cve-\d{4}-\d+|ghsa(-\w{4}){3}|"
    r"xss|csrf|ssrf|injection|traversal|overflow)\b",
    re.IGNORECASE,
)
FIX_LABELS = re.compile(r"\b(bug|fix|security|vulnerability|cve)\b", re.IGNORECASE)
CWE_ID = re.compile(r"\bCWE[-_ ]?(\d+)\b", re.IGNORECASE)
LABELLED_KINDS = BUILT_IN["security"].kinds


@dataclass(frozen=True, slots=True)
class MergedPull:
    """What the history needs of one merged PR."""

    number: int
    title: str
    body: str
    labels: tuple[str, ...]
    merged_at: datetime
    url: str
    merge_commit_sha: str | None

    @property
    def is_fix(self) -> bool:
        """Whether the title or a label says the PR fixes something."""
        return bool(FIX_WORDS.search(self.title)) or any(FIX_LABELS.search(x) for x in self.labels)

    @property
    def category(self) -> str:
        """The CWE id the PR names (title, labels, then body), else ``*``."""
        for text in (self.title, *self.labels, self.body):
            found = CWE_ID.search(text)
            if found:
                return f"CWE-{int(found.group(1))}"
        return ANY_CATEGORY


class HistoryClient(GitHubClient):
    """``GitHubClient`` with the one listing the history needs."""

    def merged_pulls(self, since: datetime) -> Iterator[MergedPull]:
        """PRs merged at or after ``since``, most recently updated first."""
        with self._errors("list the merged pull requests"):
            pulls = self._repo.get_pulls(state="closed", sort="updated", direction="desc")
            for pull in pulls:
                updated = _aware(pull.updated_at)
                if updated is not None and updated < since:
                    break  # sorted by update; a PR is updated when it is merged
                merged = _aware(pull.merged_at)
                if merged is None or merged < since:
                    continue
                yield MergedPull(
                    number=pull.number,
                    title=pull.title or "",
                    body=pull.body or "",
                    labels=tuple(label.name for label in pull.labels),
                    merged_at=merged,
                    url=pull.html_url or "",
                    merge_commit_sha=pull.merge_commit_sha,
                )


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_since(text: str) -> datetime:
    """``YYYY-MM-DD`` (or a full ISO time) as an aware datetime.

    Raises:
        ConfigError: not a date.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"--since {text!r}: give a date as YYYY-MM-DD") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def fix_case(diff: bytes, category: str) -> tuple[bytes, list[Label], list[str]]:
    """The reversed fix, its approximate labels, and the changelog paths left out.

    A label is a run of consecutive lines the reversed diff adds (the fix removed them) in a
    file the security step reads; a fix that only added lines gets none.
    """
    reversed_diff, dropped = without_changelogs(reverse_diff(diff))
    labels: list[Label] = []
    for file in parse_diff(reversed_diff):
        if not file.reviewed or file_kind(file.path) not in LABELLED_KINDS:
            continue
        run: list[int] = []
        for line in file.added_lines:
            assert line.new_no is not None
            if run and line.new_no != run[-1] + 1:
                labels.append(Label(file.path, run[0], run[-1], category))
                run = []
            run.append(line.new_no)
        if run:
            labels.append(Label(file.path, run[0], run[-1], category))
    return reversed_diff, labels, dropped


def _source(repo: str, pull: MergedPull, derived: str) -> dict[str, Any]:
    return {
        "repository": repo,
        "pull_request": pull.number,
        "url": pull.url,
        "title": pull.title,
        "labels": list(pull.labels),
        "merged_at": pull.merged_at.isoformat(),
        "merge_commit_sha": pull.merge_commit_sha,
        "derived": derived,
    }


def build_history(
    client: HistoryClient,
    repo: str,
    since: datetime,
    out: Path,
    max_fixes: int = 20,
) -> tuple[list[str], list[str]]:
    """Write the cases into ``out``; return the case ids written and a note per PR passed over.

    Existing case folders are left alone. At most ``max_fixes`` fixes, and as many clean PRs
    (the most recently merged of the others).
    """
    pulls = list(client.merged_pulls(since))
    fixes = [p for p in pulls if p.is_fix][:max_fixes]
    written: list[str] = []
    passed: list[str] = []
    for pull in fixes:
        case_id = f"fix/{pull.number}"
        if (out / case_id).exists():
            passed.append(f"#{pull.number}: {case_id} exists already, left as it is")
            continue
        try:
            diff = client.diff(pull.number).text.encode("utf-8", "surrogateescape")
            reversed_diff, labels, dropped = fix_case(diff, pull.category)
        except (ReviewbotError, ValueError) as exc:
            passed.append(f"#{pull.number}: {exc}")
            continue
        if not labels:
            passed.append(
                f"#{pull.number}: the fix removed no line of code, config or CI, so the reversed "
                "PR has nothing to label (add it by hand if the fix only added a check)"
            )
            continue
        problems = label_problems(labels, parse_diff(reversed_diff))
        if problems:  # cannot happen for added lines; kept as a guard
            passed.append(f"#{pull.number}: {'; '.join(problems)}")
            continue
        derived = (
            "the PR's diff reversed (reviewbot.eval.reverse); labels: every run of lines the fix "
            "removed from code, config or CI; APPROXIMATE, check them by hand"
        )
        if dropped:
            derived += f"; left out because they name the fix: {', '.join(dropped)}"
        meta = {
            "kind": "vulnerable",
            "source": _source(repo, pull, derived),
            "licence": "the repository's own",
        }
        write_case(out / case_id, reversed_diff, labels, meta)
        written.append(case_id)
    wanted = len([w for w in written if w.startswith("fix/")])
    for pull in [p for p in pulls if not p.is_fix]:
        if wanted <= 0:
            break
        case_id = f"clean/{pull.number}"
        if (out / case_id).exists():
            continue
        try:
            diff = client.diff(pull.number).text.encode("utf-8", "surrogateescape")
            parse_diff(diff)
        except ReviewbotError as exc:
            passed.append(f"#{pull.number}: {exc}")
            continue
        meta = {
            "kind": "clean",
            "source": _source(repo, pull, "the PR's diff as GitHub serves it"),
            "licence": "the repository's own",
        }
        write_case(out / case_id, diff, [], meta)
        written.append(case_id)
        wanted -= 1
    return written, passed


def history_summary(written: Sequence[str], passed: Sequence[str], corpus: str) -> str:
    """What ``--from-history`` tells the user it did, and what to do next."""
    fixes = sum(1 for w in written if w.startswith("fix/"))
    lines = [
        f"reviewbot: wrote {fixes} reversed fix{'es' * (fixes != 1)} and "
        f"{len(written) - fixes} clean case{'s' * (len(written) - fixes != 1)} in {corpus}",
        *(f"reviewbot: passed over {note}" for note in passed),
    ]
    if written:
        lines.append(
            "reviewbot: the labels are approximate (every line each fix removed): read each "
            f"fix/*/expected.json, then run: reviewbot eval --corpus {corpus} --baseline"
        )
    return "\n".join(lines) + "\n"
