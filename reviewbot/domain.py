"""Frozen domain objects shared by every layer: diffs, findings, usage, attempts, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal

# The sticky summary comment: its first line (how a re-run finds it again) and GitHub's size
# limit ("Body is too long (maximum is 65536 characters)"). Defined here once; the renderer
# trims to SAFE_COMMENT_CHARS by importance, the client checks again before posting.
SUMMARY_MARKER = "<!-- reviewbot:summary -->"
COMMENT_LIMIT = 65536
SAFE_COMMENT_CHARS = 65000


class Severity(StrEnum):
    """How bad a finding is; ordered from worst to mildest."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: critical=4 ... info=0."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class ChangeType(StrEnum):
    """What kind of change a pull request is."""

    FEATURE = "feature"
    BUGFIX = "bugfix"
    REFACTOR = "refactor"
    DOCS = "docs"
    TESTS = "tests"
    DEPS = "deps"
    CONFIG = "config"
    CHORE = "chore"


class Risk(StrEnum):
    """How much could go wrong if the change is wrong."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class FileStatus(StrEnum):
    """Status of a file in a diff, as ``git diff --name-status`` names it."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    COPIED = "copied"


class SkipReason(StrEnum):
    """Why a file was not sent to any model (``budget``: the money budget ran out first)."""

    LOCKFILE = "lockfile"
    GENERATED = "generated"
    VENDORED = "vendored"
    BINARY = "binary"
    IGNORED = "ignored"
    BUDGET = "budget"
    TOO_LARGE = "too_large"  # GitHub sent the file without a patch
    SECRETS = "secrets"  # the secret scan stopped at its work bound before the file's end


class ErrorKind(StrEnum):
    """Why a model attempt failed, independent of the vendor."""

    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    AUTH = "auth"
    BAD_REQUEST = "bad_request"
    CONTEXT_TOO_LONG = "context_too_long"
    INVALID_OUTPUT = "invalid_output"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A model on a provider, written ``provider:model-id``."""

    provider: str
    model: str

    @classmethod
    def parse(cls, text: str) -> ModelRef:
        """Parse ``provider:model``; raise ``ValueError`` with the expected form otherwise."""
        provider, sep, model = text.strip().partition(":")
        if not sep or not provider or not model:
            raise ValueError(f"{text!r} is not of the form provider:model (e.g. openai:gpt-5-mini)")
        return cls(provider, model)

    def __str__(self) -> str:
        return f"{self.provider}:{self.model}"


# ---------------------------------------------------------------- diff


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a hunk: ``kind`` is ``+``, ``-`` or a space for context."""

    kind: Literal["+", "-", " "]
    old_no: int | None
    new_no: int | None
    text: str


@dataclass(frozen=True, slots=True)
class Hunk:
    """One ``@@`` hunk with its numbered lines."""

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    section: str
    lines: tuple[Line, ...]

    @property
    def right_lines(self) -> frozenset[int]:
        """New-file lines of this hunk that GitHub accepts review comments on.

        The one rule for commentable lines: added and context lines (RIGHT side). Anchoring
        findings, inline comments and their ranges all read it from here; a line outside it
        makes GitHub reject the whole review with 422.
        """
        return frozenset(ln.new_no for ln in self.lines if ln.kind != "-" and ln.new_no)


@dataclass(frozen=True, slots=True)
class FileDiff:
    """One file of a unified diff, as GitHub would show it."""

    path: str
    old_path: str | None
    status: FileStatus
    binary: bool
    additions: int
    deletions: int
    hunks: tuple[Hunk, ...] = ()
    skipped: SkipReason | None = None
    submodule: bool = False

    @property
    def right_lines(self) -> frozenset[int]:
        """New-file lines GitHub accepts review comments on (``Hunk.right_lines`` of all)."""
        return frozenset().union(*(h.right_lines for h in self.hunks))

    def hunk_lines(self, line: int) -> frozenset[int] | None:
        """The commentable lines of the hunk holding new-file ``line``, or None.

        A multi-line comment must start and end in the same hunk.
        """
        for hunk in self.hunks:
            lines = hunk.right_lines
            if line in lines:
                return lines
        return None

    @property
    def left_lines(self) -> frozenset[int]:
        """Old-file lines GitHub accepts review comments on with side LEFT (removed)."""
        return frozenset(
            ln.old_no for h in self.hunks for ln in h.lines if ln.kind == "-" and ln.old_no
        )

    @property
    def added_lines(self) -> tuple[Line, ...]:
        """The ``+`` lines, in order."""
        return tuple(ln for h in self.hunks for ln in h.lines if ln.kind == "+")

    @property
    def reviewed(self) -> bool:
        """True when the file is sent to models."""
        return self.skipped is None


# ---------------------------------------------------------------- model runs


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage of one call, normalised across vendors.

    ``input_tokens`` excludes cache reads and writes; ``cached_tokens`` are cache reads;
    ``cache_write_tokens`` are cache writes (Anthropic). ``output_tokens`` include reasoning.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cached_tokens + other.cached_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.reasoning_tokens + other.reasoning_tokens,
        )


FindingState = Literal["new", "open", "resolved"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem reported on the change. ``line`` is a new-file line; None = file-level."""

    step: str
    severity: Severity
    category: str
    path: str
    line: int | None
    end_line: int | None
    title: str
    body: str
    suggestion: str | None = None
    # Identity across runs and wordings (``engine/fingerprint.py``); set once the run has
    # anchored and merged its findings, empty before.
    fingerprint: str = ""
    # How sure the model is (0.0-1.0); the fixed checks are sure. None: the model did not say.
    confidence: float | None = 1.0
    # Why the finding is held back from the comment and the inline comments (kept in the
    # report): ``low_confidence``, ``refuted`` (the verify step) or ``max_findings``; and the
    # words behind it (the verifier's reason, the floor it missed).
    suppressed: str | None = None
    suppressed_reason: str | None = None
    # The steps that flagged this problem, when models of more than one vendor agree.
    flagged_by: tuple[str, ...] = ()
    # Its life across the pushes of a PR (``reviewbot/state``): found by this run, still open
    # from an earlier one, or gone (then ``resolved_by`` is the commit that resolved it).
    state: FindingState = "new"
    resolved_by: str | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    """The change type and risk, and who decided them."""

    change_type: ChangeType
    risk: Risk
    source: Literal["heuristic", "model", "default"]
    rationale: str


@dataclass(frozen=True, slots=True)
class Attempt:
    """One call to one model, successful or not; failed attempts are billed too."""

    model: ModelRef
    status: Literal["ok", "failed"]
    error: ErrorKind | None
    message: str | None
    usage: Usage
    cost_usd: Decimal | None
    latency_s: float
    started_s: float = 0.0  # seconds since the run started, for the timeline


@dataclass(frozen=True, slots=True)
class StepResult:
    """The outcome of one step: ``ok``, ``failed`` (every attempt failed) or ``skipped``."""

    name: str
    status: Literal["ok", "failed", "skipped"]
    reason: str | None = None
    model: ModelRef | None = None
    attempts: tuple[Attempt, ...] = ()
    findings: tuple[Finding, ...] = ()
    summary: str | None = None
    started_s: float = 0.0
    ended_s: float = 0.0
    # Requests the step's view was split into (past ``max_review_tokens``), and, when some of
    # them were not reviewed while others were, each path left out with why: ``budget`` (the
    # money budget), ``deadline`` or ``failed``.
    chunks: int = 1
    not_reviewed: tuple[tuple[str, str], ...] = ()

    @property
    def usage(self) -> Usage:
        """Tokens of every attempt, failed ones included."""
        total = Usage()
        for attempt in self.attempts:
            total = total + attempt.usage
        return total

    @property
    def cost_usd(self) -> Decimal | None:
        """Sum of known attempt costs; None only when every attempt's price is unknown."""
        known = [a.cost_usd for a in self.attempts if a.cost_usd is not None]
        if not known:
            return None if self.attempts else Decimal(0)
        return sum(known, Decimal(0))

    @property
    def latency_s(self) -> float:
        """Sum of attempt latencies."""
        return sum(a.latency_s for a in self.attempts)


@dataclass(frozen=True, slots=True)
class Dismissal:
    """A finding a person dismissed (``/reviewbot ignore`` in its thread, or a 👎 on it)."""

    fingerprint: str
    by: str  # the login of who dismissed it
    reason: str  # their words after ``ignore``, or "👎"
    title: str = ""  # the finding's head line as the inline comment showed it


@dataclass(frozen=True, slots=True)
class Feedback:
    """Reactions people left on one step's inline comments written by one model."""

    step: str
    model: str
    comments: int
    thumbs_up: int
    thumbs_down: int


@dataclass(frozen=True, slots=True)
class PullRequestRef:
    """The pull request under review (None when reviewing a local diff)."""

    repo: str
    number: int
    head_sha: str
    base_sha: str
    title: str
    body: str = ""
    html_url: str | None = None
    server_url: str = "https://github.com"


@dataclass(frozen=True, slots=True)
class Guideline:
    """A guideline file read at the base commit (``guidelines:``): the text sent, and its facts."""

    path: str
    text: str  # as given to the models: capped, secrets masked
    bytes: int  # the file's size at the base commit
    truncated: bool  # True when ``text`` is less than the whole file


@dataclass(frozen=True, slots=True)
class ContextFile:
    """A new file read at the head commit for ``context: function | file``, or why not."""

    path: str
    bytes: int  # what was read (0 when nothing was)
    status: Literal["used", "not_found", "too_large", "not_text", "limit", "budget", "error"]


@dataclass(frozen=True, slots=True)
class RunScope:
    """What a PR run reviewed against the last one, and the state it leaves for the next.

    ``mode`` is ``incremental`` when only the commits since ``from_sha`` were reviewed (and the
    open findings elsewhere carried forward), ``full`` otherwise, with ``full_reason`` saying
    why. ``state_block`` is the hidden block the sticky comment carries to the next run.
    """

    mode: Literal["full", "incremental"]
    from_sha: str | None
    to_sha: str | None
    full_reason: str | None
    commits: int = 0
    additions: int = 0
    deletions: int = 0
    carried: int = 0
    resolved: tuple[Finding, ...] = ()
    pr_cost_usd: Decimal | None = None
    state_block: str = ""


@dataclass(frozen=True, slots=True)
class Review:
    """Everything one run produced, ready to render and report."""

    pr: PullRequestRef | None
    files: tuple[FileDiff, ...]
    classification: Classification
    steps: tuple[StepResult, ...]
    findings: tuple[Finding, ...]
    cost_usd: Decimal
    baseline_cost_usd: Decimal | None
    baseline_model: ModelRef | None
    budget_usd: Decimal
    wall_s: float
    notes: tuple[str, ...] = field(default=())
    # Findings held back from the comment (``Finding.suppressed``); the report keeps them.
    suppressed: tuple[Finding, ...] = field(default=())
    guidelines: tuple[Guideline, ...] = field(default=())
    context_files: tuple[ContextFile, ...] = field(default=())
    scope: RunScope | None = None  # None: a local diff, or a PR run with no state (one-off)
    # Read from the PR's inline threads when publishing (``engine/dismissals.py``).
    dismissed: tuple[Dismissal, ...] = field(default=())
    feedback: tuple[Feedback, ...] = field(default=())
