"""The jinja2 environment and the two things it renders: step prompts and the sticky comment."""

from __future__ import annotations

import hashlib
import importlib.resources
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import jinja2

from reviewbot.checks.secrets import redact_text
from reviewbot.domain import (
    COMMENT_LIMIT,
    SAFE_COMMENT_CHARS,
    SUMMARY_MARKER,
    Classification,
    FileDiff,
    PullRequestRef,
    Review,
)
from reviewbot.output import comment_view as commentview
from reviewbot.output.sanitize import clean, clean_inline, defuse_code, strip_controls
from reviewbot.steps.context import FileContext
from reviewbot.steps.registry import spec_for
from reviewbot.steps.views import classify_summary, numbered_diff, view_for

MARKER = SUMMARY_MARKER
_PR_BODY_LIMIT = 4000


def usd(value: Decimal | float | None) -> str:
    """Format money: ``$0.0123`` below a dollar, ``$1.00`` above, ``n/a`` when unknown."""
    if value is None:
        return "n/a"
    amount = Decimal(str(value))
    if amount == 0:
        return "$0.00"
    places = Decimal("0.01") if abs(amount) >= 1 else Decimal("0.0001")
    rounded = amount.quantize(places, rounding=ROUND_HALF_UP)
    if rounded == 0:
        return "<$0.0001"
    text = f"{rounded:,}"
    while text.endswith("0") and len(text.partition(".")[2]) > 2:
        text = text[:-1]  # $0.1000 -> $0.10, $0.0123 stays
    return f"${text}"


def tokens(value: int | None) -> str:
    """Format a token count: ``1,234`` up to 9,999, then ``12.3k`` and ``1.2M``."""
    if value is None:
        return "n/a"
    if value < 10_000:
        return f"{value:,}"
    if value < 1_000_000:
        return f"{value / 1000:.1f}k"
    return f"{value / 1_000_000:.1f}M"


def md_code(text: object, table: bool = False) -> str:
    """Show ``text`` verbatim as one inline code span, whatever backticks it contains."""
    raw = " ".join(defuse_code(str(text)).split())
    run = 1
    while "`" * run in raw:
        run += 1
    ticks = "`" * run
    pad = " " if raw.startswith("`") or raw.endswith("`") else ""
    span = f"{ticks}{pad}{raw}{pad}{ticks}"
    return span.replace("|", "\\|") if table else span


def md_fence(text: str, lang: str = "") -> str:
    """Show ``text`` as a fenced code block whose fence the text cannot close."""
    body = defuse_code(text).rstrip("\n")
    run = 3
    while "`" * run in body:
        run += 1
    fence = "`" * run
    return f"{fence}{lang}\n{body}\n{fence}"


@cache
def environment() -> jinja2.Environment:
    """The one jinja2 environment, loading templates from the ``reviewbot.prompts`` package."""
    root = importlib.resources.files("reviewbot.prompts")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        extensions=["jinja2.ext.do"],
    )
    env.filters.update(
        usd=usd,
        tokens=tokens,
        md_code=md_code,
        md_fence=md_fence,
        clean=clean,
        clean_inline=clean_inline,
    )
    return env


def boundary(*parts: str) -> str:
    """A token derived from the untrusted content, so the content cannot contain or guess it."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "replace")).hexdigest()
    salt = 0
    token = f"DATA-{digest[:24]}"
    while any(token in part for part in parts):  # only reachable with a hash collision
        salt += 1
        token = f"DATA-{hashlib.sha256(f'{salt}:{digest}'.encode()).hexdigest()[:24]}"
    return token


def render_prompt(
    step: str,
    *,
    files: Sequence[FileDiff],
    pr: PullRequestRef | None,
    classification: Classification | None,
    instructions: str = "",
    globs: Sequence[str] | None = None,
    sections: Sequence[tuple[str, str]] = (),
    context: Mapping[str, FileContext] | None = None,
) -> tuple[str, str]:
    """Render one step's prompt.

    Args:
        step: The step's name (a built-in one, or one the config adds).
        files: Every file of the diff, as :func:`reviewbot.checks.secrets.redact_files` returned
            them; the step's view is chosen here, and file paths are masked on the way.
        pr: The pull request, or None for a local diff.
        classification: The change's classification (ignored by ``classify``).
        instructions: The config's ``steps.<name>.instructions``: trusted text, added to the
            system prompt after the shared rubric and the untrusted-data rules.
        globs: The config's ``steps.<name>.files``, or None for the step's file kinds.
        sections: The repository's other trusted text for this step, as ``(heading, text)``
            (guideline files, top-level and path instructions: ``steps/instructions.py``),
            added to the system prompt before ``instructions``.
        context: Per path, the unchanged new-file lines the step reads beyond the hunks.

    Returns:
        ``(system, user)``: the system part is identical on every call of a step, so vendors
        can cache it; the user part carries the untrusted data, fenced.
    """
    env = environment()
    if step == "classify":
        diff = classify_summary(files)
        count = len(view_for(step, files))
    else:
        view = view_for(step, files, globs)
        diff = numbered_diff(view, context)
        count = len(view)
    # Masked again here, as sent (controls dropped first), whatever the caller passed: the PR
    # text is the one part of a prompt that is not a diff line already masked by the runner.
    title = redact_text(strip_controls(pr.title)) if pr else ""
    body = redact_text(strip_controls(pr.body))[:_PR_BODY_LIMIT] if pr else ""
    token = boundary(step, title, body, diff)
    if pr is not None:
        pr = PullRequestRef(pr.repo, pr.number, pr.head_sha, pr.base_sha, title, body)
    template = spec_for(step).template
    system = env.get_template(f"steps/{template}.system.md.j2").render(step=step).strip()
    for heading, text in sections:
        system += f"\n\n## {heading}\n\n{text.strip()}"
    if instructions.strip():
        system += (
            "\n\n## Instructions for this step from the repository's configuration\n\n"
            + instructions.strip()
        )
    user = env.get_template(f"steps/{template}.user.md.j2").render(
        step=step,
        pr=pr,
        classification=classification,
        diff=diff,
        file_count=count,
        token=token,
        with_context=bool(context) and step != "classify",
    )
    return system + "\n", user.strip() + "\n"


def _render(context: dict[str, Any]) -> str:
    text = environment().get_template("comment.md.j2").render(**context)
    return text.strip() + "\n"


def render_comment(review: Review, *, max_chars: int = SAFE_COMMENT_CHARS) -> str:
    """Render the sticky summary comment.

    The first line is the marker; model text is sanitised. When the comment is longer than
    ``max_chars`` (never above GitHub's 65,536), the least important parts go first: bodies
    of low-severity findings, then the list of files not reviewed, then findings themselves,
    and a visible note says how many findings were left out.

    Args:
        review: Everything the run produced.
        max_chars: Size limit of the result, in characters.

    Returns:
        The comment's markdown.
    """
    limit = min(max_chars, COMMENT_LIMIT)
    model = commentview.build(review)
    text = ""
    for trim in commentview.trims(model):
        text = _render({"marker": MARKER, "c": model, "t": trim})
        if len(text) <= limit:
            return text
    return fit_comment(text, limit)


def render_skipped(label: str, state_block: str = "") -> str:
    """The sticky comment of a PR skipped by ``label``: one visible line, the state kept."""
    text = (
        environment()
        .get_template("skipped.md.j2")
        .render(marker=MARKER, state_block=state_block, label=label)
    )
    return text.strip() + "\n"


def fit_comment(body: str, limit: int = SAFE_COMMENT_CHARS) -> str:
    """Cut ``body`` on a line boundary to stay under GitHub's limit, with a visible note."""
    if len(body) <= limit:
        return body
    note = (
        f"\n\n---\n_This comment was truncated to fit GitHub's {COMMENT_LIMIT:,}-character limit "
        f"({len(body):,} characters); the job summary and the JSON report have everything._"
    )
    cut = body[: limit - len(note)]
    if "\n" in cut:
        cut = cut[: cut.rfind("\n")]
    if cut.count("```") % 2:  # do not leave a code fence open
        cut += "\n```"
    return cut + note
