"""What each step's model sees of the diff: the files meant for it, with new-file line numbers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath

from reviewbot.checks.secrets import redact_path, redact_text
from reviewbot.diff.kinds import file_kind
from reviewbot.domain import FileDiff, Hunk
from reviewbot.output.sanitize import strip_controls
from reviewbot.steps.context import FileContext, runs
from reviewbot.steps.registry import CLASSIFY, select_files, spec_for

_LOCKFILES = {
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
    "bun.lock", "poetry.lock", "pipfile.lock", "pdm.lock", "uv.lock", "cargo.lock", "go.sum",
    "gemfile.lock", "composer.lock", "mix.lock", "pubspec.lock", "packages.lock.json",
    "gradle.lockfile", "flake.lock", "podfile.lock", "package.resolved",
}  # fmt: skip

_GUTTER = 8


def is_lockfile(path: str) -> bool:
    """True for dependency lockfiles (generated, huge, and reviewed by nobody)."""
    name = PurePosixPath(path).name.lower()
    return name in _LOCKFILES or name.endswith(".lock")


def view_for(
    step: str, files: Iterable[FileDiff], globs: Sequence[str] | None = None
) -> tuple[FileDiff, ...]:
    """Pick the reviewed files a step should read.

    A step reads the files its ``globs`` (the config's ``steps.<name>.files``) match, else
    the file kinds of its spec: security reads code, config, CI and dependency manifests;
    quality reads code and tests; docs reads documentation and code (for its public API); a
    step the config adds reads code; classify reads every reviewed file. Skipped files are
    never sent, and lockfiles only to classify.

    Args:
        step: The step's name.
        files: Every file of the diff.
        globs: The step's ``files`` globs, or None for its file kinds.

    Returns:
        The files for ``step``, in diff order.
    """
    spec = spec_for(step)
    candidates = [f for f in files if f.reviewed and (step == CLASSIFY or not is_lockfile(f.path))]
    return select_files(spec, candidates, globs)


def _shown(text: str) -> str:
    """Text as a prompt shows it: controls dropped, and masked again if that changed it.

    The lines were masked before they got here; dropping a control character can join the two
    halves of a secret, so such a line is scanned again as it will be sent.
    """
    clean = strip_controls(text)
    return clean if clean == text else redact_text(clean)


def _one_line(text: str) -> str:
    return _shown(text).replace("\n", "\\n")


def _path(path: str) -> str:
    """A path as a prompt shows it: on one line, a secret in it (a token as a file name) masked.

    Paths stay unmasked everywhere else: GitHub needs them to place comments.
    """
    return _one_line(redact_path(strip_controls(path)))


def file_header(file: FileDiff) -> str:
    """The header line of one file in the numbered diff."""
    status = file.status.value
    if file.old_path and file.old_path != file.path:
        status += f" from {_path(file.old_path)}"
    facts = f"{status}, {file_kind(file.path)}, +{file.additions} -{file.deletions}"
    return f"### FILE {_path(file.path)} ({facts})"


def _numbered_hunk(hunk: Hunk) -> list[str]:
    header = f"@@ -{hunk.old_start},{hunk.old_len} +{hunk.new_start},{hunk.new_len} @@"
    if hunk.section:
        header += " " + _one_line(hunk.section)
    out = [header]
    for ln in hunk.lines:
        text = _shown(ln.text)
        if ln.kind == "-":
            gutter = f"old {ln.old_no}" if ln.old_no else "old"
            out.append(f"{gutter:>{_GUTTER}} - {text}")
        else:
            out.append(f"{ln.new_no or '':>{_GUTTER}} {ln.kind} {text}")
    return out


def _numbered_context(lines: Sequence[tuple[int, str]]) -> list[str]:
    """Unchanged lines from outside the diff: a header per run, each line marked ``=``."""
    out: list[str] = []
    text = dict(lines)
    for first, last in runs([n for n, _ in lines]):
        span = f"line {first}" if first == last else f"lines {first}-{last}"
        out.append(f"=== context: new-file {span}, unchanged, not in the diff ===")
        out.extend(f"{n:>{_GUTTER}} = {_shown(text[n])}" for n in range(first, last + 1))
    return out


def numbered_diff(
    files: Iterable[FileDiff], context: Mapping[str, FileContext] | None = None
) -> str:
    """Render files as a diff whose every new-side line carries its new-file line number.

    Added lines read ``    12 + code``, context lines ``    13   code``; removed lines carry
    their old number as ``old 9`` so that models cite only new-file lines. Lines of the new
    file that the step reads beyond the hunks (``context: function | file``) read
    ``    40 = code``, in line order between the hunks, under a header saying they are not in
    the diff.

    Args:
        files: The files to show (already chosen with :func:`view_for`).
        context: Per path, the unchanged lines to show around that file's hunks.

    Returns:
        The text, one header per file followed by its hunks.
    """
    blocks: list[str] = []
    for file in files:
        lines = [file_header(file)]
        if file.binary:
            lines.append("(binary file, no text to show)")
        elif not file.hunks:
            lines.append("(no line changes)")
        extra = list(context[file.path].lines) if context and file.path in context else []
        for hunk in file.hunks:
            before = [item for item in extra if item[0] < hunk.new_start]
            extra = extra[len(before) :]
            lines.extend(_numbered_context(before))
            lines.extend(_numbered_hunk(hunk))
        lines.extend(_numbered_context(extra))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def classify_summary(files: Sequence[FileDiff], max_lines: int = 120) -> str:
    """A compact view for the classifier: the file list with kinds and counts, then the diff head.

    Args:
        files: Every file of the diff; skipped files are counted, never shown.
        max_lines: How many lines of the numbered diff to include.

    Returns:
        The summary text.
    """
    reviewed = view_for("classify", files)
    skipped = Counter(f.skipped.value for f in files if f.skipped is not None)
    adds = sum(f.additions for f in reviewed)
    dels = sum(f.deletions for f in reviewed)
    out = [f"{len(reviewed)} files reviewed, +{adds} -{dels} lines:"]
    for f in reviewed:
        rename = f" (from {_path(f.old_path)})" if f.old_path else ""
        out.append(
            f"- {_path(f.path)}{rename}: {file_kind(f.path)}, {f.status.value}, "
            f"+{f.additions} -{f.deletions}"
        )
    if skipped:
        why = ", ".join(f"{reason}: {n}" for reason, n in sorted(skipped.items()))
        out.append(f"Not reviewed: {sum(skipped.values())} files ({why}).")
    diff_lines = numbered_diff(reviewed).splitlines()
    out.append("")
    if len(diff_lines) > max_lines:
        out.append(f"First {max_lines} of {len(diff_lines)} lines of the numbered diff:")
        out.extend(diff_lines[:max_lines])
        out.append("[… rest of the diff not shown]")
    else:
        out.append("The numbered diff:")
        out.extend(diff_lines)
    return "\n".join(out)
