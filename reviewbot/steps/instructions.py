"""The repository's own words to a step: guidelines, top-level, path and step instructions.

All of it is trusted text, read from the base commit like the config (a pull request cannot
change its own review by editing it), and goes into the system prompt, outside the fence
around the untrusted pull-request data. Order, most general first: the guideline files, the
top-level ``instructions``, the ``path_instructions`` whose glob matches a file the step reads,
then ``steps.<name>.instructions`` (added by the renderer, last).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from pathspec import GitIgnoreSpec

from reviewbot.checks.secrets import redact_text
from reviewbot.config.schema import Config
from reviewbot.diff.sizing import estimate_tokens
from reviewbot.domain import FileDiff, Guideline

# Guideline files are capped so that a long CONTRIBUTING.md cannot crowd out the diff: each
# file gives at most 8 KB, all of them together at most 16 KB (about 4,000 tokens).
GUIDELINE_FILE_BYTES = 8 * 1024
GUIDELINE_TOTAL_BYTES = 16 * 1024

Section = tuple[str, str]  # (heading, text)


def cap_guidelines(found: Iterable[tuple[str, str]]) -> tuple[Guideline, ...]:
    """The guideline files as sent: secrets masked, each and all together within the caps.

    Args:
        found: ``(path, text)`` of each guideline file that exists at the base commit, in the
            config's order.

    Returns:
        One ``Guideline`` per file; a file the total cap leaves no room for has empty text.
    """
    out: list[Guideline] = []
    left = GUIDELINE_TOTAL_BYTES
    for path, text in found:
        size = len(text.encode("utf-8", "surrogatepass"))
        kept = _cut(text, min(GUIDELINE_FILE_BYTES, left))
        kept_size = len(kept.encode("utf-8", "surrogatepass"))
        left -= kept_size
        out.append(Guideline(path, redact_text(kept), size, kept_size < size))
    return tuple(out)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes, on a line boundary when there is one."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= limit:
        return text
    cut = data[:limit].decode("utf-8", "ignore")
    if "\n" in cut:
        cut = cut[: cut.rfind("\n") + 1]
    return cut


def guideline_note(guidelines: Sequence[Guideline]) -> str | None:
    """What the comment says when a guideline file was cut, or None."""
    cut = [g for g in guidelines if g.truncated]
    if not cut:
        return None
    parts = ", ".join(
        f"{g.path} ({g.bytes:,} bytes, {len(g.text.encode('utf-8', 'surrogatepass')):,} used)"
        for g in cut
    )
    return (
        f"guideline files are capped at {GUIDELINE_FILE_BYTES // 1024} KB each and "
        f"{GUIDELINE_TOTAL_BYTES // 1024} KB in all; the models saw the start of {parts}"
    )


@cache
def _matcher(pattern: str) -> GitIgnoreSpec:
    return GitIgnoreSpec.from_lines([pattern])


def _matches(pattern: str, files: Sequence[FileDiff]) -> bool:
    spec = _matcher(pattern)
    return any(
        spec.match_file(f.path) or (f.old_path is not None and spec.match_file(f.old_path))
        for f in files
    )


def sections(
    config: Config, view: Sequence[FileDiff], guidelines: Sequence[Guideline]
) -> list[Section]:
    """The repository's sections of one review step's system prompt, before its own instructions.

    Args:
        config: The run's config (top-level ``instructions`` and ``path_instructions``).
        view: The files the step reads; a path instruction is added only when its glob
            matches one of them.
        guidelines: The guideline files read at the base commit.

    Returns:
        ``(heading, text)`` pairs, in prompt order; empty texts are left out.
    """
    out: list[Section] = []
    for guide in guidelines:
        if guide.text.strip():
            heading = f"The repository's conventions, from `{guide.path}`"
            if guide.truncated:
                heading += " (the start of it)"
            out.append((heading, guide.text.strip()))
    if config.instructions.strip():
        out.append(
            ("Instructions for every step from the repository's configuration",
             config.instructions.strip())
        )  # fmt: skip
    for item in config.path_instructions:
        if _matches(item.path, view):
            out.append(
                (f"Instructions for files matching `{item.path}`", item.instructions.strip())
            )
    return out


def reserved_tokens(config: Config, guidelines: Sequence[Guideline]) -> int:
    """Prompt tokens the repository's text may take in one step, kept out of the diff's share.

    The most a step can receive: every guideline, the top-level and every path instruction,
    and the longest step instructions.
    """
    texts = [g.text for g in guidelines]
    texts.append(config.instructions)
    texts.extend(item.instructions for item in config.path_instructions)
    steps = (config.steps.get(name).instructions for name in config.steps.review_steps())
    texts.append(max(steps, key=len, default=""))
    return sum(estimate_tokens(t) for t in texts if t.strip())
