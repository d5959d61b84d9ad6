"""Steps as data: the spec of a review step and the registry of the built-in ones.

A step is a name, the files it reads, its prompt templates and its reply schema; its chain,
routing and instructions come from the config (``steps.<name>``). The four built-ins live
here; a user adds a step in ``.github/reviewbot.yml`` with no code, and it runs like a
built-in one: in parallel, under the same budget, fallback and deadline rules, with the
findings reply schema.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import get_args

from pathspec import GitIgnoreSpec

from reviewbot.diff.kinds import FileKind, file_kind
from reviewbot.domain import FileDiff

CLASSIFY = "classify"
# Answers ``/reviewbot ask`` in a pull request; configured like a step, never run in a review.
ASK = "ask"
# The optional second opinion on the review steps' findings (off unless the config enables it).
VERIFY = "verify"
NAME_RE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
ALL_KINDS: frozenset[FileKind] = frozenset(get_args(FileKind))


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One step: which files it reads and which templates make its prompt."""

    name: str
    kinds: frozenset[FileKind]  # file kinds read when the config gives no ``files`` globs
    template: str  # ``prompts/steps/<template>.system.md.j2`` and ``.user.md.j2``
    builtin: bool = True


BUILT_IN: dict[str, StepSpec] = {
    spec.name: spec
    for spec in (
        StepSpec(CLASSIFY, ALL_KINDS, "classify"),
        StepSpec("security", frozenset({"code", "config", "ci", "deps"}), "security"),
        StepSpec("quality", frozenset({"code", "test"}), "quality"),
        StepSpec("docs", frozenset({"docs", "code"}), "docs"),
        StepSpec(VERIFY, ALL_KINDS, "verify"),
        StepSpec(ASK, ALL_KINDS, "ask"),
    )
}
# Steps that are not review steps: they never run in the parallel review.
NOT_REVIEWING = frozenset({CLASSIFY, VERIFY, ASK})
# A step named only in the config reads code unless its ``files`` globs say otherwise.
CUSTOM_KINDS: frozenset[FileKind] = frozenset({"code"})


def spec_for(name: str) -> StepSpec:
    """The built-in spec of ``name``, or the spec every config-defined step shares."""
    return BUILT_IN.get(name) or StepSpec(name, CUSTOM_KINDS, "custom", builtin=False)


@cache
def _globs(patterns: tuple[str, ...]) -> GitIgnoreSpec:
    return GitIgnoreSpec.from_lines(patterns)


def select_files(
    spec: StepSpec, files: Iterable[FileDiff], globs: Sequence[str] | None = None
) -> tuple[FileDiff, ...]:
    """The files ``spec`` reads: those its ``globs`` match, else those of its kinds."""
    if globs:
        matcher = _globs(tuple(globs))
        return tuple(
            f
            for f in files
            if matcher.match_file(f.path) or (f.old_path and matcher.match_file(f.old_path))
        )
    return tuple(f for f in files if file_kind(f.path) in spec.kinds)
