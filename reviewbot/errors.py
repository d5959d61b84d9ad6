"""The exception tree; each kind maps to one exit code or one failed-attempt kind."""

from __future__ import annotations

from reviewbot.domain import ErrorKind, Review, Usage

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_GITHUB = 3


class ReviewbotError(Exception):
    """Base of every error reviewbot raises on purpose."""

    exit_code = EXIT_USAGE


class ConfigError(ReviewbotError):
    """The config file, an action input or a command-line argument is wrong (exit 2)."""

    exit_code = EXIT_USAGE


class InputError(ReviewbotError):
    """The input is not something reviewbot can review, e.g. not a diff (exit 2)."""

    exit_code = EXIT_USAGE


class GitHubError(ReviewbotError):
    """Could not read the pull request or post the result (exit 3)."""

    exit_code = EXIT_GITHUB

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ReviewCrashed(ReviewbotError):
    """The run broke after the diff was read: a bug, or a value nothing expected (exit 3).

    ``review`` holds what is still sure: the findings of the fixed checks (committed secrets,
    prompt injection) and a note saying what broke. Whoever catches this publishes it before
    exiting, so a crash never hides a committed key.
    """

    exit_code = EXIT_GITHUB

    def __init__(self, message: str, review: Review) -> None:
        super().__init__(message)
        self.review = review


class ProviderError(ReviewbotError):
    """A model call failed; ``kind`` says how, independent of the vendor."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        provider: str = "",
        model: str = "",
        status: int | None = None,
        retry_after: float | None = None,
        request_id: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.provider = provider
        self.model = model
        self.status = status
        self.retry_after = retry_after
        self.request_id = request_id
        self.usage = usage or Usage()

    def __str__(self) -> str:
        """What went wrong, e.g. ``HTTP 529: Overloaded``; without ``kind``, shown beside it."""
        message = str(self.args[0])
        status = f"HTTP {self.status}"
        if not self.status or message.startswith(status):
            return message
        return f"{status}: {message}" if message else status


class OutputError(ProviderError):
    """The model answered, but not with what was asked (invalid, empty, refused, truncated)."""
