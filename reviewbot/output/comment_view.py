"""The comment's view model: a Review turned into sanitised, template-ready pieces."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import PurePosixPath
from urllib.parse import quote

from reviewbot.domain import (
    Attempt,
    FileDiff,
    Finding,
    PullRequestRef,
    Review,
    Severity,
    SkipReason,
    StepResult,
)
from reviewbot.engine.signal import held_counts
from reviewbot.output.sanitize import TRUNCATED, clean, clean_inline, strip_controls
from reviewbot.steps.registry import CLASSIFY

EMOJI = {
    Severity.CRITICAL: "🔴",
    Severity.HIGH: "🟠",
    Severity.MEDIUM: "🟡",
    Severity.LOW: "🔵",
    Severity.INFO: "⚪",
}
SKIP_WHY = {
    SkipReason.LOCKFILE: "lockfiles",
    SkipReason.GENERATED: "generated files",
    SkipReason.VENDORED: "vendored code",
    SkipReason.BINARY: "binary files",
    SkipReason.IGNORED: "matched an `ignore` pattern",
    SkipReason.BUDGET: "no step reached them within the money budget (`budget_usd`)",
    SkipReason.TOO_LARGE: "too large to review (GitHub sent no patch, or past the line bound)",
    SkipReason.SECRETS: "withheld: the secret scan stopped before their end (too many possible "
    "secrets)",
}
# Most important first: real code a model never saw, then noise.
_SKIP_ORDER = (
    SkipReason.SECRETS,
    SkipReason.BUDGET,
    SkipReason.TOO_LARGE,
    SkipReason.IGNORED,
    SkipReason.GENERATED,
    SkipReason.VENDORED,
    SkipReason.BINARY,
    SkipReason.LOCKFILE,
)
_MAX_PATHS_PER_GROUP = 25
# Why a step that ran left some of its files out (``StepResult.not_reviewed``).
PARTIAL_WHY = {
    "budget": "the money budget (`budget_usd`) ran out before them",
    "deadline": "the step's deadline (`step_timeout_s`) ran out before them",
    "failed": "every model of its chain failed on them",
}
_LANGS = {
    ".py": "python", ".js": "javascript", ".jsx": "jsx", ".ts": "typescript", ".tsx": "tsx",
    ".go": "go", ".rs": "rust", ".java": "java", ".kt": "kotlin", ".rb": "ruby", ".php": "php",
    ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp", ".cs": "csharp", ".swift": "swift",
    ".sh": "bash", ".sql": "sql", ".yml": "yaml", ".yaml": "yaml", ".toml": "toml",
    ".json": "json", ".md": "markdown", ".html": "html", ".css": "css", ".tf": "hcl",
}  # fmt: skip
_GANTT_LABEL = re.compile(r"[^A-Za-z0-9._ -]+")


def fence_language(path: str) -> str:
    """The code fence language of a file, from its extension ('' when unknown)."""
    return _LANGS.get(PurePosixPath(path).suffix.lower(), "")


@dataclass(frozen=True, slots=True)
class FindingView:
    """One finding, sanitised, with where it points."""

    severity: Severity
    emoji: str
    step: str
    category: str
    title: str
    body: str
    suggestion: str | None
    path: str
    lines: str  # "12", "12-15" or "" for file level
    url: str | None
    lang: str  # fence language of the suggestion, from the file extension


@dataclass(frozen=True, slots=True)
class Hop:
    """One attempt in a step's chain."""

    model: str
    ok: bool
    why: str  # error kind, e.g. "overloaded"; empty when ok
    message: str


@dataclass(frozen=True, slots=True)
class StepView:
    """One row of the step table."""

    name: str
    status: str
    reason: str
    hops: tuple[Hop, ...]
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    latency_s: float
    cost_usd: Decimal | None
    unpriced: bool  # some attempt had no known price
    summary: str
    chunks: int = 1  # requests the step's view was split into
    left_out: int = 0  # files of its view it did not review (some of its chunks did not run)


@dataclass(frozen=True, slots=True)
class Bar:
    """One attempt on the timeline, in milliseconds since the run started."""

    label: str
    tag: str  # "done" or "crit"
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class SkipGroup:
    """Files not reviewed for one reason."""

    reason: str
    why: str
    paths: tuple[str, ...]
    more: int


@dataclass(frozen=True, slots=True)
class PartialGroup:
    """Files one step that ran did not review, for one reason (the rest of its view it did)."""

    step: str
    why: str
    paths: tuple[str, ...]
    more: int


@dataclass(frozen=True, slots=True)
class FileRow:
    """One file of the diff and what happened to it."""

    path: str
    status: str
    additions: int
    deletions: int
    state: str  # "in scope", or why it was skipped


@dataclass(frozen=True, slots=True)
class DismissedView:
    """A finding a person dismissed, who did, and why (their words, sanitised)."""

    title: str
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScopeView:
    """What this run reviewed against the last one (``Review.scope``), for the comment."""

    incremental: bool
    full_reason: str
    since: str  # short sha of the last reviewed head ("" for a full review)
    commits: int
    additions: int
    deletions: int
    carried: int
    resolved: tuple[FindingView, ...]
    resolved_by: tuple[str, ...]  # short sha per resolved finding, same order
    pr_cost_usd: Decimal | None
    state_block: str


@dataclass(frozen=True, slots=True)
class CommentView:
    """Everything the comment template shows."""

    pr: PullRequestRef | None
    verdict_emoji: str
    verdict: str
    counts: tuple[tuple[Severity, int], ...]
    classification_source: str
    classification_model: str | None
    change_type: str
    risk: str
    rationale: str
    findings: tuple[FindingView, ...]
    steps: tuple[StepView, ...]
    timeline: tuple[tuple[str, tuple[Bar, ...]], ...]
    skipped: tuple[SkipGroup, ...]
    files: tuple[FileRow, ...]  # at most _MAX_FILE_ROWS; the rest are counted, not listed
    skipped_count: int
    reviewed_count: int
    model_ran: bool  # some review step ran to the end; else only the deterministic checks did
    notes: tuple[str, ...]
    cost_usd: Decimal
    unpriced: bool
    budget_usd: Decimal
    baseline_model: str | None
    baseline_cost_usd: Decimal | None
    saving_pct: int | None
    total_input: int
    total_output: int
    total_cached: int
    wall_s: float
    dismissed: tuple[DismissedView, ...] = ()
    # Findings held back from this comment, by reason: (count, words before, words after).
    held: tuple[tuple[int, str, str], ...] = ()
    scope: ScopeView | None = None
    partial: tuple[PartialGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class Trim:
    """How much to leave out so the comment fits."""

    body_min_rank: int = 0  # findings below this severity rank show their title only
    file_lists: bool = True
    summaries: bool = True
    max_findings: int | None = None


def _link(pr: PullRequestRef | None, path: str, line: int | None, end: int | None) -> str | None:
    if pr is None or path.startswith("("):  # "(pull request description)" is not a file
        return None
    url = f"{pr.server_url.rstrip('/')}/{pr.repo}/blob/{pr.head_sha}/{quote(path, safe='/')}"
    if line is None:
        return url
    return url + (f"#L{line}-L{end}" if end else f"#L{line}")


def _suggestion(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    text = strip_controls(text)
    return text if len(text) <= 3000 else text[:3000] + "\n" + TRUNCATED


def _finding(pr: PullRequestRef | None, f: Finding) -> FindingView:
    path = strip_controls(f.path)
    lines = "" if f.line is None else str(f.line) + (f"-{f.end_line}" if f.end_line else "")
    return FindingView(
        severity=f.severity,
        emoji=EMOJI[f.severity],
        step=clean_inline(f.step, 40),
        # Shown as a code span (where mentions are inert), so clean's backticks would only show.
        category=clean_inline(f.category, 80).replace("`", ""),
        title=clean_inline(f.title, 200),
        body=clean(f.body, 4000),
        suggestion=_suggestion(f.suggestion),
        path=path,
        lines=lines,
        url=_link(pr, path, f.line, f.end_line),
        lang=fence_language(path),
    )


def _hop(a: Attempt) -> Hop:
    why = "" if a.status == "ok" else (a.error.value.replace("_", " ") if a.error else "failed")
    return Hop(str(a.model), a.status == "ok", why, clean_inline(a.message or "", 300))


def _hops(attempts: tuple[Attempt, ...]) -> tuple[Hop, ...]:
    """The chain as shown: a model that answered several batches (verify) is named once."""
    hops: list[Hop] = []
    for attempt in attempts:
        hop = _hop(attempt)
        if not (hop.ok and hop in hops):
            hops.append(hop)
    return tuple(hops)


def _step(s: StepResult) -> StepView:
    u = s.usage
    return StepView(
        name=s.name,
        status=s.status,
        reason=clean_inline(s.reason or "", 200),
        hops=_hops(s.attempts),
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        cached_tokens=u.cached_tokens,
        latency_s=s.latency_s,
        cost_usd=s.cost_usd,
        unpriced=any(a.cost_usd is None for a in s.attempts),
        summary=clean(s.summary or "", 1500),
        chunks=s.chunks,
        left_out=len(s.not_reviewed),
    )


def _partial(steps: tuple[StepResult, ...]) -> tuple[PartialGroup, ...]:
    groups = []
    for s in steps:
        if s.status != "ok":
            continue
        for reason in dict.fromkeys(why for _, why in s.not_reviewed):
            paths = [strip_controls(p) for p, why in s.not_reviewed if why == reason]
            shown = tuple(paths[:_MAX_PATHS_PER_GROUP])
            why = PARTIAL_WHY.get(reason, clean_inline(reason, 100))
            groups.append(PartialGroup(s.name, why, shown, len(paths) - len(shown)))
    return tuple(groups)


def _bars(s: StepResult) -> tuple[Bar, ...]:
    bars = []
    cursor = s.started_s
    for a in s.attempts:
        start = a.started_s if a.started_s > 0 else cursor
        end = start + a.latency_s
        label = _GANTT_LABEL.sub(" ", a.model.model).strip() or "model"
        if a.status != "ok" and a.error:
            label += f" failed {a.error.value.replace('_', ' ')}"
        tag = "done" if a.status == "ok" else "crit"
        bars.append(
            Bar(label, tag, round(start * 1000), max(round(end * 1000), round(start * 1000) + 1))
        )
        cursor = end
    return tuple(bars)


_MAX_FILE_ROWS = 100


def _skipped(files: tuple[FileDiff, ...]) -> tuple[SkipGroup, ...]:
    groups = []
    for reason in _SKIP_ORDER + tuple(r for r in SkipReason if r not in _SKIP_ORDER):
        paths = [strip_controls(f.path) for f in files if f.skipped == reason]
        if paths:
            shown = tuple(paths[:_MAX_PATHS_PER_GROUP])
            groups.append(
                SkipGroup(
                    reason.value, SKIP_WHY.get(reason, reason.value), shown, len(paths) - len(shown)
                )
            )
    return tuple(groups)


def _model_ran(review: Review) -> bool:
    return any(s.name != CLASSIFY and s.status == "ok" for s in review.steps)


def _verdict(review: Review, counts: Counter[Severity]) -> tuple[str, str]:
    """The headline; it says "not reviewed by a model" exactly when the footer does."""
    ran = _model_ran(review)
    failed = [s.name for s in review.steps if s.status == "failed"]
    if counts:
        worst = max(counts, key=lambda sev: sev.rank)
        parts = [f"{counts[sev]} {sev.value}" for sev in Severity if counts[sev]]
        noun = "finding" if sum(counts.values()) == 1 else "findings"
        emoji, text = EMOJI[worst], f"{', '.join(parts)} {noun}"
        if not ran:
            text += " · not reviewed by a model"
    elif not ran:
        emoji = "⚪"
        text = "Not reviewed by a model" + ("" if failed else ": no review step ran")
    else:
        emoji, text = "✅", "No findings"
    if failed:
        text += (
            f" · ⚠️ {len(failed)} step{'s' if len(failed) > 1 else ''} failed ({', '.join(failed)})"
        )
    # A review step the money budget kept from running is not a clean bill of health.
    unpaid = [
        s.name
        for s in review.steps
        if s.name != CLASSIFY and s.status == "skipped" and s.reason == "budget"
    ]
    if unpaid:
        text += f" · ⚠️ not run within the budget: {', '.join(unpaid)}"
        if emoji == "✅":
            emoji = "⚠️"
    return emoji, text


def _scope(review: Review) -> ScopeView | None:
    scope = review.scope
    if scope is None:
        return None
    return ScopeView(
        incremental=scope.mode == "incremental",
        full_reason=clean_inline(scope.full_reason or "", 300),
        since=(scope.from_sha or "")[:7],
        commits=scope.commits,
        additions=scope.additions,
        deletions=scope.deletions,
        carried=scope.carried,
        resolved=tuple(_finding(review.pr, f) for f in scope.resolved),
        resolved_by=tuple((f.resolved_by or "")[:7] for f in scope.resolved),
        pr_cost_usd=scope.pr_cost_usd,
        # Written by reviewbot from escaped JSON: no markup can come out of it.
        state_block=scope.state_block,
    )


def build(review: Review) -> CommentView:
    """Turn a Review into the sanitised pieces the comment template shows."""
    counts = Counter(f.severity for f in review.findings)
    emoji, verdict = _verdict(review, counts)
    classify = next((s for s in review.steps if s.name == "classify"), None)
    usage = [s.usage for s in review.steps]
    baseline = review.baseline_cost_usd
    saving = None
    if baseline is not None and baseline > 0:
        saving = round((1 - review.cost_usd / baseline) * 100)
    return CommentView(
        pr=review.pr,
        verdict_emoji=emoji,
        verdict=verdict,
        counts=tuple((sev, counts[sev]) for sev in Severity if counts[sev]),
        classification_source=review.classification.source,
        classification_model=str(classify.model) if classify and classify.model else None,
        change_type=review.classification.change_type.value,
        risk=review.classification.risk.value,
        rationale=clean_inline(review.classification.rationale, 500),
        findings=tuple(_finding(review.pr, f) for f in review.findings),
        steps=tuple(_step(s) for s in review.steps),
        timeline=tuple((s.name, _bars(s)) for s in review.steps if s.attempts),
        skipped=_skipped(review.files),
        files=tuple(
            FileRow(
                strip_controls(f.path),
                f.status.value,
                f.additions,
                f.deletions,
                "in scope" if f.skipped is None else f"skipped: {f.skipped.value}",
            )
            for f in review.files[:_MAX_FILE_ROWS]
        ),
        skipped_count=sum(1 for f in review.files if not f.reviewed),
        reviewed_count=sum(1 for f in review.files if f.reviewed),
        model_ran=_model_ran(review),
        notes=tuple(clean(n, 1000) for n in review.notes),
        cost_usd=review.cost_usd,
        unpriced=any(a.cost_usd is None for s in review.steps for a in s.attempts),
        budget_usd=review.budget_usd,
        baseline_model=str(review.baseline_model) if review.baseline_model else None,
        baseline_cost_usd=baseline,
        saving_pct=saving,
        total_input=sum(u.input_tokens for u in usage),
        total_output=sum(u.output_tokens for u in usage),
        total_cached=sum(u.cached_tokens for u in usage),
        wall_s=review.wall_s,
        held=held_counts(review.suppressed),
        scope=_scope(review),
        dismissed=tuple(
            DismissedView(
                clean_inline(d.title, 300) or d.fingerprint,
                clean_inline(d.by, 60),
                clean_inline(d.reason, 300),
            )
            for d in review.dismissed
        ),
        partial=_partial(review.steps),
    )


def trims(view: CommentView) -> Iterator[Trim]:
    """Ever smaller versions of the comment, least important parts first."""
    yield Trim()
    yield Trim(body_min_rank=Severity.MEDIUM.rank)
    yield Trim(body_min_rank=Severity.MEDIUM.rank, file_lists=False, summaries=False)
    yield Trim(body_min_rank=Severity.HIGH.rank, file_lists=False, summaries=False)
    yield Trim(body_min_rank=Severity.CRITICAL.rank + 1, file_lists=False, summaries=False)
    count = len(view.findings)
    while count > 0:
        count = int(count * 0.7)
        yield Trim(Severity.CRITICAL.rank + 1, False, False, count)
