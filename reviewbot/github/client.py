"""GitHub REST I/O through PyGithub: PR, diff, config at base, sticky comment, inline review."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.Commit import Commit
from github.GithubException import (
    BadCredentialsException,
    RateLimitExceededException,
    UnknownObjectException,
)

from reviewbot import __version__
from reviewbot.credentials import mask_secrets
from reviewbot.diff.patches import PatchEntry, rebuild_diff
from reviewbot.errors import ConfigError, GitHubError
from reviewbot.github.comments import Identity, has_marker
from reviewbot.github.results import (
    Comparison,
    PostResult,
    PostStatus,
    PullDiff,
    PullRequestInfo,
    pull_request_info,
)
from reviewbot.output.inline import InlineComment, keys_in
from reviewbot.output.render import fit_comment

log = logging.getLogger(__name__)

MAX_FILES = 3000  # GitHub lists at most 3,000 files of a PR
COMPARE_MAX_FILES = 300  # the compare API lists at most 300 files
DIFF_MEDIA_TYPE = "application/vnd.github.diff"
_FORBIDDEN = "resource not accessible by integration"


class BoundedRetry(GithubRetry):
    """PyGithub's retry, which also refuses to sleep an absurd ``Retry-After``.

    ``GithubRetry`` caps the waits it computes itself (``max_rate_limit_wait``) but lets
    urllib3 sleep whatever ``Retry-After`` says; a huge value fails fast here instead.
    """

    def get_retry_after(self, response: Any) -> float | None:
        """The ``Retry-After`` in seconds; raise when it exceeds ``max_rate_limit_wait``."""
        value: float | None = super().get_retry_after(response)
        limit = self.max_rate_limit_wait
        if value is not None and limit is not None and value > limit:
            raise GitHubError(
                f"GitHub asked to wait {value:.0f} s before retrying (rate limit); "
                f"giving up instead of waiting more than {limit:.0f} s",
                status=getattr(response, "status", None),
            )
        return value


def default_retry() -> BoundedRetry:
    """4 retries, exponential backoff; secondary rate limits waited out, never over 2 minutes."""
    return BoundedRetry(
        total=4, backoff_factor=1.0, backoff_max=30, secondary_rate_wait=60, max_rate_limit_wait=120
    )


class GitHubClient:
    """The few REST calls a review needs, serial, through one PyGithub client."""

    def __init__(
        self,
        token: str,
        api_url: str,
        repo: str,
        *,
        retry: GithubRetry | None = None,
        server_url: str = "https://github.com",
        timeout: int = 30,
    ) -> None:
        self.repo_name = repo
        self._token = token  # scrubbed from every server message we repeat
        self._identity: Identity | None = None
        self._identity_asked = False
        self._summaries: dict[int, Any] = {}  # PR number -> our sticky comment, once found
        self.server_url = server_url.rstrip("/")
        self._gh = Github(
            auth=Auth.Token(token),
            base_url=api_url.rstrip("/"),
            timeout=timeout,
            user_agent=f"reviewbot/{__version__} (PyGithub)",
            per_page=100,
            retry=retry if retry is not None else default_retry(),
            seconds_between_requests=None,  # writes are serial; no extra throttle
            seconds_between_writes=None,
            lazy=True,  # objects are fetched only when an attribute needs it
        )
        self._repo = self._gh.get_repo(repo)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._gh.close()

    @contextmanager
    def _errors(self, what: str, number: int | None = None) -> Iterator[None]:
        try:
            yield
        except GitHubError:
            raise
        except BadCredentialsException:
            raise GitHubError(
                f"GitHub rejected the token (401) while trying to {what}: "
                "check the github-token input",
                status=401,
            ) from None
        except UnknownObjectException:
            target = f"{self.repo_name}#{number}" if number else self.repo_name
            raise GitHubError(
                f"not found (404) while trying to {what} ({target}): check the repository, the PR "
                "number, and that the token can read this repository",
                status=404,
            ) from None
        except RateLimitExceededException as exc:
            raise GitHubError(
                f"GitHub rate limit while trying to {what}: {_message(exc, self._token)}",
                status=exc.status,
            ) from None
        except GithubException as exc:
            raise GitHubError(
                f"GitHub answered {exc.status} while trying to {what}: "
                f"{_message(exc, self._token)}",
                status=exc.status,
            ) from None
        except requests.exceptions.RetryError as exc:
            raise GitHubError(
                f"GitHub kept failing while trying to {what}, retries exhausted: "
                f"{_transport(exc, self._token)}"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise GitHubError(
                f"could not reach GitHub while trying to {what}: {_transport(exc, self._token)}"
            ) from None

    def rest(
        self,
        method: str,
        path: str,
        what: str,
        *,
        number: int | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """One REST call (``path`` relative to the repository, e.g. ``/pulls/3/comments``).

        Errors become ``GitHubError`` naming ``what`` was being tried. Used by the modules
        that speak to a PR's conversation (``github/conversation.py``).
        """
        with self._errors(what, number):
            _, data = self._gh.requester.requestJsonAndCheck(
                method, f"{self._repo.url}{path}", input=dict(body) if body is not None else None
            )
        return data

    # ------------------------------------------------------------ reading

    def pull_request(
        self, number: int, payload: Mapping[str, Any] | None = None
    ) -> PullRequestInfo:
        """The PR: from the payload's ``pull_request`` when given (no request), else fetched."""
        if payload is not None and payload.get("number") == number:
            return pull_request_info(payload, self.repo_name, self.server_url)
        with self._errors("read the pull request", number):
            data = self._repo.get_pull(number).raw_data
        return pull_request_info(data, self.repo_name, self.server_url)

    def diff(self, number: int) -> PullDiff:
        """The PR's unified diff; on 406 (too large) rebuilt from the paginated files API."""
        pull = self._repo.get_pull(number)
        with self._errors("read the pull request's diff", number):
            status, headers, text = self._gh.requester.requestJson(
                "GET", pull.url, headers={"Accept": DIFF_MEDIA_TYPE}
            )
            if status == 406:
                log.info("the diff is too large for the diff media type; using the files API")
                return self._diff_from_files(number)
            if status >= 400:
                raise self._gh.requester.createException(
                    status, headers, _json_or_text(text, self._token)
                )
        return PullDiff(text, {}, "diff")

    def _diff_from_files(self, number: int) -> PullDiff:
        entries: list[PatchEntry] = []
        for item in self._repo.get_pull(number).get_files():
            entries.append(
                PatchEntry(
                    filename=item.filename,
                    status=item.status,
                    additions=item.additions or 0,
                    deletions=item.deletions or 0,
                    changes=item.changes or 0,
                    patch=item.patch,
                    previous_filename=item.previous_filename,
                )
            )
            if len(entries) >= MAX_FILES:
                break
        text, skipped = rebuild_diff(entries)
        return PullDiff(text, skipped, "files", truncated=len(entries) >= MAX_FILES)

    def config_text(self, path: str, ref: str) -> str | None:
        """The config file's text at commit ``ref`` (the PR's base); None when there is none."""
        with self._errors(f"read {path} at {ref[:7]}"):
            try:
                content = self._repo.get_contents(path, ref=ref)
            except UnknownObjectException:
                return None
            if isinstance(content, list):
                raise ConfigError(f"{path}@{ref[:7]}: is a directory, not a config file")
            try:
                return content.decoded_content.decode("utf-8")
            except UnicodeDecodeError:
                raise ConfigError(f"{path}@{ref[:7]}: not UTF-8 text") from None

    def file_bytes(self, path: str, ref: str, max_bytes: int) -> tuple[bytes | None, int, str]:
        """One file at commit ``ref`` through the contents API (one request), if small enough.

        Returns:
            ``(content, size, status)``: status ``used`` with the bytes; ``not_found`` when
            there is no such file (or it is a directory, symlink or submodule); ``too_large``
            when its size is over ``max_bytes`` (GitHub sends no content above 1 MB either).
        """
        with self._errors(f"read {path} at {ref[:7]}"):
            try:
                content = self._repo.get_contents(path, ref=ref)
            except UnknownObjectException:
                return None, 0, "not_found"
            if isinstance(content, list) or content.type != "file":
                return None, 0, "not_found"
            size = int(content.size or 0)
            if size > max_bytes or content.encoding != "base64":
                return None, size, "too_large"
            return content.decoded_content, size, "used"

    def summary_body(self, number: int) -> str | None:
        """The body of our sticky comment on PR ``number`` (None when there is none yet).

        The comment found is remembered, so the later ``upsert_comment`` edits it without
        listing the comments again.
        """
        with self._errors("list the comments", number):
            comment = self._own_summary(self._repo.get_issue(number).get_comments())
        self._summaries[number] = comment  # None too: upsert then creates without listing again
        return None if comment is None else str(comment.body or "")

    def compare(self, base: str, head: str) -> Comparison | None:
        """How ``head`` relates to ``base`` (``GET /compare/{base}...{head}``) and their files.

        Returns None when GitHub does not know one of the commits any more (404: a force-push
        left the old head unreachable) or cannot compare them (422).
        """
        url = f"{self._repo.url}/compare/{base}...{head}"
        with self._errors(f"compare {base[:7]}...{head[:7]}"):
            try:
                _, data = self._gh.requester.requestJsonAndCheck(
                    "GET", url, parameters={"per_page": 100}
                )
            except GithubException as exc:
                if exc.status in (404, 422):
                    return None
                raise
        files = tuple(
            PatchEntry(
                filename=str(item["filename"]),
                status=str(item.get("status") or "modified"),
                additions=int(item.get("additions") or 0),
                deletions=int(item.get("deletions") or 0),
                changes=int(item.get("changes") or 0),
                patch=item.get("patch"),
                previous_filename=item.get("previous_filename"),
            )
            for item in data.get("files") or ()
        )
        return Comparison(
            status=str(data.get("status") or ""),
            ahead_by=int(data.get("ahead_by") or 0),
            behind_by=int(data.get("behind_by") or 0),
            files=files,
            too_many_files=len(files) >= COMPARE_MAX_FILES,
        )

    def graphql(self, query: str, variables: Mapping[str, Any], what: str) -> dict[str, Any]:
        """The ``data`` of a GraphQL query or mutation; ``GitHubError`` (naming ``what``) if not."""
        with self._errors(what):
            _, answer = self._gh.requester.graphql_query(query, dict(variables))
        data = answer.get("data")
        if not isinstance(data, dict):
            raise GitHubError(f"GitHub's GraphQL answer to {what} has no data")
        return data

    def identity(self) -> Identity | None:
        """The account this token acts as (asked once, cached); None when GitHub won't say.

        GraphQL's ``viewer`` answers for every kind of token: ``github-actions[bot]`` for
        ``GITHUB_TOKEN``, ``<app-slug>[bot]`` for an app's installation token, the user for a
        personal access token. REST has no such call for installation tokens (``GET /user``
        answers 403 "Resource not accessible by integration" and ``GET /app`` needs the app's
        JWT), so ``GET /user`` is only the fallback, for user tokens on a server whose GraphQL
        endpoint is unreachable. A write made in this run tells it too (``_learn``).
        """
        if self._identity is None and not self._identity_asked:
            self._identity_asked = True
            self._identity = self._ask_identity()
        return self._identity

    def _ask_identity(self) -> Identity | None:
        requester = self._gh.requester
        try:
            _, data = requester.graphql_query("query { viewer { login } }", {})
            login = ((data.get("data") or {}).get("viewer") or {}).get("login")
            if isinstance(login, str) and login:
                return Identity(login)
        except (GithubException, requests.exceptions.RequestException) as exc:
            log.info("GraphQL viewer: %s", _transport(exc, self._token))
        try:
            _, user = requester.requestJsonAndCheck("GET", "/user")
            login = user.get("login") if isinstance(user, dict) else None
            if isinstance(login, str) and login:
                return Identity(login)
        except (GithubException, requests.exceptions.RequestException) as exc:
            log.info("GET /user: %s", _transport(exc, self._token))
        log.warning(
            "could not tell which account the token acts as; a new summary comment is posted "
            "rather than editing one that may belong to someone else"
        )
        return None

    def _learn(self, user: Any) -> None:
        """Remember the author of a comment or review this token just wrote: that is us."""
        login = getattr(user, "login", None)
        if self._identity is None and isinstance(login, str) and login:
            self._identity = Identity(login)

    def posted_finding_keys(self, number: int) -> frozenset[str]:
        """Keys of the findings this token's account already posted as inline comments.

        Only comments carrying a key need an author check, so a PR without any asks nothing.
        If the token's account cannot be learned, bot-written keys count (the old rule): at
        worst another bot hides an inline duplicate of a finding the summary still lists.
        """
        with self._errors("list the review comments", number):
            comments = self._repo.get_pull(number).get_review_comments()
            keyed = [c for c in comments if keys_in([c.body])]
            if not keyed:
                return frozenset()
            me = self.identity()
            if me is None:
                return keys_in(c.body for c in keyed if getattr(c.user, "type", None) == "Bot")
            return keys_in(c.body for c in keyed if me.wrote(c.user))

    # ------------------------------------------------------------ writing

    def post_review(
        self, number: int, head_sha: str, comments: Sequence[InlineComment], body: str
    ) -> PostResult:
        """Post one ``COMMENT`` review carrying every inline comment, on commit ``head_sha``.

        Returns ``REFUSED`` on 422 (GitHub rejects the whole review when one anchor is off)
        and ``FORBIDDEN`` on a read-only token, instead of raising.
        """
        if not comments:
            return PostResult(PostStatus.NOTHING)
        pull = self._repo.get_pull(number)
        commit = Commit(self._gh.requester, {}, {"sha": head_sha}, completed=True)
        with self._errors("post the review", number):
            try:
                review = pull.create_review(
                    commit=commit,
                    body=body,
                    event="COMMENT",
                    comments=[c.payload() for c in comments],  # type: ignore[misc]
                )
            except GithubException as exc:
                outcome = _write_refusal(exc, self._token)
                if outcome is None:
                    raise
                return outcome
            self._learn(review.user)
        return PostResult(PostStatus.POSTED, review.html_url)

    def upsert_comment(self, number: int, body: str) -> PostResult:
        """Edit our sticky comment in place, or create it; the body is trimmed under the limit.

        Ours is the oldest comment with the marker written by this token's account (see
        ``identity``); a marker comment by anyone else is left alone. If GitHub refuses the
        edit (403/404: not ours after all, or locked), a new comment is posted instead: the
        token can still write, so the refusal is not reported as a read-only token.
        """
        body = fit_comment(body)  # the renderer already fits; this guards any other body
        issue = self._repo.get_issue(number)
        with self._errors("post the summary comment", number):
            try:
                note = None
                if number in self._summaries:
                    existing = self._summaries[number]
                else:
                    existing = self._own_summary(issue.get_comments())
                if existing is not None:
                    try:
                        existing.edit(body)
                        return PostResult(PostStatus.UPDATED, existing.html_url)
                    except GithubException as exc:
                        if exc.status not in (403, 404):
                            raise
                        note = (
                            f"GitHub refused to edit the previous summary comment ({exc.status}: "
                            f"{_message(exc, self._token)}); posted a new one"
                        )
                        log.warning("%s", note)
                created = issue.create_comment(body)
                self._learn(created.user)
                self._summaries[number] = created
                return PostResult(PostStatus.POSTED, created.html_url, message=note)
            except GithubException as exc:
                outcome = _write_refusal(exc, self._token)
                if outcome is None:
                    raise
                return outcome

    def _own_summary(self, comments: Iterable[Any]) -> Any | None:
        """The first marker comment written by this token's account, or None.

        The account is asked for only when some comment carries the marker.
        """
        for comment in comments:
            if not has_marker(comment):
                continue
            me = self.identity()
            if me is None:
                return None
            if me.wrote(comment.user):
                return comment
        return None


def _message(exc: GithubException, token: str) -> str:
    """GitHub's message, with the token masked should a server or proxy have echoed it."""
    data = exc.data
    if isinstance(data, dict):
        text = str(data.get("message") or "")
        errors = data.get("errors")
        if errors:
            text += f" {errors}"
        text = text.strip() or str(exc)
    else:
        text = str(data or exc)
    return mask_secrets(text, (token,))


def _transport(exc: BaseException, token: str) -> str:
    """A requests error's text with the token masked; one that quotes a header, as its kind."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.InvalidHeader) or "header" in text.lower():
        return "invalid request header"
    return mask_secrets(text, (token,))


def _write_refusal(exc: GithubException, token: str) -> PostResult | None:
    if exc.status == 422:
        return PostResult(PostStatus.REFUSED, message=_message(exc, token))
    if exc.status == 403 and _FORBIDDEN in _message(exc, token).lower():
        return PostResult(PostStatus.FORBIDDEN, message=_message(exc, token))
    return None


def _json_or_text(text: str, token: str = "") -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return {"message": mask_secrets(text, (token,))[:500]}  # mask before the cut
