"""A stateful fake of the GitHub REST routes reviewbot uses, on ``FakeServer``.

State: one repository, its pull requests (JSON built from real webhook payloads, with every
``https://api.github.com`` URL rewritten to this server), the diff each PR serves, its files
(paginated), file contents per ref (the ``content-file`` shape of GitHub's OpenAPI
description, npm ``@octokit/openapi``; no content above 1 MB, as GitHub), issue comments,
review comments and reviews.

Behaviour copied from GitHub:
- ``GET /pulls/{n}`` with ``Accept: application/vnd.github.diff`` answers the diff, or 406
  ``too_large`` (the real message) when the PR is marked too large;
- lists are paginated with ``per_page`` (max 100) and ``Link`` headers built from this URL;
- ``POST /pulls/{n}/reviews`` validates every comment's anchor against the diff it serves
  and refuses the whole review with GitHub's 422 text when one is outside (all-or-nothing);
- comment bodies above 65,536 characters get GitHub's 422;
- ``read_only = True`` answers every write with 403 "Resource not accessible by integration".

Who a request comes from: each token acts as an account (``tokens``; any other token acts as
``github-actions[bot]``, like ``GITHUB_TOKEN``). Comments and reviews are written by that
account, with ``performed_via_github_app`` set for an app's bot (shapes from GitHub's OpenAPI
description: ``issue-comment``, ``simple-user``, ``integration``). Editing a comment written by
another account is refused with 403 (for an installation token, "Resource not accessible by
integration"). ``GET /user`` answers a user token and refuses an installation token with 403
"Resource not accessible by integration", as GitHub does; ``POST /graphql`` answers the
``viewer { login }`` query for any token (``graphql_enabled = False`` makes it 404).

Incremental reviews: ``GET /compare/{base}...{head}`` answers what ``set_compare`` scripted
(404 for an unknown pair, as for a commit GitHub no longer has), shaped like the OpenAPI
description's ``commit-comparison`` example (``github_shapes/``). GraphQL answers the
``reviewThreads`` query (one thread per top-level review comment, its replies in it) and the
``resolveReviewThread`` mutation with the fields of GitHub's GraphQL schema; a bot's login is
written without ``[bot]`` there, as GraphQL's ``Bot.login`` is.
Faults are scripted with ``FakeServer.script()`` (see ``secondary_rate_limit()`` and friends).
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from unidiff import PatchSet  # type: ignore[attr-defined]

from tests.fakeserver.base import FakeServer, Recorded, Reply


def simple_user(login: str, user_id: int, node_id: str, kind: str = "User") -> dict[str, Any]:
    """A ``simple-user`` object as GitHub's REST API sends it (every required field)."""
    web = f"https://github.com/{login}" if kind == "User" else f"https://github.com/apps/{login}"
    api = f"https://api.github.com/users/{login.replace('[', '%5B').replace(']', '%5D')}"
    return {
        "login": login,
        "id": user_id,
        "node_id": node_id,
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": web.replace("[bot]", ""),
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": kind,
        "user_view_type": "public",
        "site_admin": False,
    }


def integration(app_id: int, slug: str, name: str, owner: dict[str, Any]) -> dict[str, Any]:
    """An ``integration`` object (a GitHub App), as in ``performed_via_github_app``."""
    return {
        "id": app_id,
        "slug": slug,
        "node_id": f"MDM6QXBw{app_id}",
        "owner": owner,
        "name": name,
        "description": "",
        "external_url": f"https://example.com/{slug}",
        "html_url": f"https://github.com/apps/{slug}",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2024-01-10T19:04:12Z",
        "permissions": {"issues": "write", "metadata": "read", "pull_requests": "write"},
        "events": ["issue_comment", "pull_request"],
    }


GITHUB_ORG = simple_user("github", 9919, "MDEyOk9yZ2FuaXphdGlvbjk5MTk=", "Organization")
# GITHUB_TOKEN acts as the GitHub Actions app's bot.
BOT = simple_user("github-actions[bot]", 41898282, "MDM6Qm90NDE4OTgyODI=", "Bot")
HUMAN = simple_user("octocat", 583231, "MDQ6VXNlcjU4MzIzMQ==")
# Another GitHub App installed on the same repository (a token made for it acts as this bot).
OTHER_BOT = simple_user("acme-review[bot]", 198765432, "BOT_kgDOC9jMOA", "Bot")
# The owner of a personal access token.
PAT_USER = simple_user("release-robot", 7654321, "MDQ6VXNlcjc2NTQzMjE=")
APPS: dict[str, dict[str, Any]] = {
    BOT["login"]: integration(15368, "github-actions", "GitHub Actions", GITHUB_ORG),
    OTHER_BOT["login"]: integration(912345, "acme-review", "Acme Review", HUMAN),
}
USER_403 = {
    "message": "Resource not accessible by integration",
    "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
    "status": "403",
}
TOO_LARGE = {
    "message": "Sorry, the diff exceeded the maximum number of files (300). Consider using "
    "'List pull requests files' API or locally cloning the repository instead.",
    "errors": [{"resource": "PullRequest", "field": "diff", "code": "too_large"}],
    "documentation_url": "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
    "status": "406",
}
REVIEW_422 = {
    "message": "Unprocessable Entity",
    "errors": [
        "Pull request review thread line must be part of the diff, Pull request review thread "
        "start line must be part of the same hunk as the line., and Pull request review thread "
        "diff hunk can't be blank"
    ],
    "documentation_url": "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
    "status": "422",
}
FORBIDDEN = {
    "message": "Resource not accessible by integration",
    "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
    "status": "403",
}
SECONDARY = {
    "message": "You have exceeded a secondary rate limit. "
    "Please wait a few minutes before you try again.",
    "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#secondary-rate-limits",
}

# The contents API sends a file's content up to 1 MB; above, ``encoding: none`` and no content.
CONTENTS_LIMIT = 1024 * 1024

_PREFIX = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
SHAPES = Path(__file__).resolve().parent / "github_shapes"
COMPARISON = json.loads((SHAPES / "commit-comparison.example.json").read_text(encoding="utf-8"))


def rewrite_urls(data: Any, api_url: str) -> Any:
    """A deep copy of ``data`` with ``https://api.github.com`` replaced by ``api_url``."""
    text = json.dumps(data).replace("https://api.github.com", api_url)
    return json.loads(text)


def unwrap(payload: dict[str, Any]) -> dict[str, Any]:
    """The event payload inside a probot envelope ``{name, id, payload}``, or the payload itself."""
    if "payload" in payload and "name" in payload and isinstance(payload["payload"], dict):
        return payload["payload"]
    return payload


def right_lines(diff: str) -> dict[str, list[set[int]]]:
    """Per new path, the RIGHT-side lines of each hunk (added and context), as GitHub validates."""
    out: dict[str, list[set[int]]] = {}
    for pfile in PatchSet(diff):
        path = pfile.target_file[2:] if pfile.target_file.startswith("b/") else pfile.path
        out[path] = [
            {ln.target_line_no for ln in hunk if not ln.is_removed and ln.target_line_no}
            for hunk in pfile
        ]
    return out


@dataclass
class FakePull:
    """One pull request's state."""

    data: dict[str, Any]
    diff: str = ""
    files: list[dict[str, Any]] = field(default_factory=list)
    too_large: bool = False
    issue_comments: list[dict[str, Any]] = field(default_factory=list)
    review_comments: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    resolved_threads: set[int] = field(default_factory=set)  # ids of the threads' first comments


class FakeGitHub:
    """The fake GitHub REST API for one repository."""

    def __init__(self, repo: str = "o/r", server: FakeServer | None = None) -> None:
        self.server = server or FakeServer()
        self.url = self.server.url
        self.repo = repo
        self.pulls: dict[int, FakePull] = {}
        self.contents: dict[tuple[str, str], str] = {}  # (path, ref) -> text
        self.read_only = False
        self.tokens: dict[str, dict[str, Any]] = {}  # token -> account; others act as BOT
        self.graphql_enabled = True
        self.permissions: dict[str, str] = {}  # login -> admin | write | read (else none)
        self.reactions: dict[tuple[str, int], list[dict[str, Any]]] = {}  # (kind, id) -> list
        self.threads_resolvable = True  # False: resolveReviewThread answers FORBIDDEN
        self.compares: dict[tuple[str, str], dict[str, Any]] = {}
        self._next_id = 1000
        s = self.server
        s.route("GET", r"/user", self._get_user)
        s.route("POST", r"/graphql", self._graphql)
        s.route("GET", _PREFIX, self._get_repo)
        s.route("GET", _PREFIX + r"/pulls/(?P<n>\d+)", self._get_pull)
        s.route("GET", _PREFIX + r"/pulls/(?P<n>\d+)/files", self._list("files"))
        s.route("GET", _PREFIX + r"/pulls/(?P<n>\d+)/comments", self._list("review_comments"))
        s.route("GET", _PREFIX + r"/issues/(?P<n>\d+)/comments", self._list("issue_comments"))
        s.route("GET", _PREFIX + r"/issues/(?P<n>\d+)", self._get_issue)
        s.route("POST", _PREFIX + r"/issues/(?P<n>\d+)/comments", self._create_comment)
        s.route("PATCH", _PREFIX + r"/issues/comments/(?P<id>\d+)", self._edit_comment)
        s.route("POST", _PREFIX + r"/pulls/(?P<n>\d+)/reviews", self._create_review)
        s.route("GET", _PREFIX + r"/contents/(?P<path>.+)", self._get_contents)
        s.route("GET", _PREFIX + r"/commits/(?P<sha>[0-9a-f]+)", self._get_commit)
        s.route("POST", _PREFIX + r"/pulls/(?P<n>\d+)/comments", self._create_review_comment)
        s.route(
            "POST", _PREFIX + r"/(?P<kind>issues|pulls)/comments/(?P<id>\d+)/reactions", self._react
        )
        s.route(
            "GET",
            _PREFIX + r"/(?P<kind>issues|pulls)/comments/(?P<id>\d+)/reactions",
            self._reactions,
        )
        s.route(
            "GET", _PREFIX + r"/collaborators/(?P<login>[^/]+)/permission", self._get_permission
        )
        s.route("GET", _PREFIX + r"/compare/(?P<base>[^./]+)\.\.\.(?P<head>[^/]+)", self._compare)

    # ---------------------------------------------------------------- setup

    def add_pull(
        self,
        pull_request: dict[str, Any],
        diff: str = "",
        *,
        files: list[dict[str, Any]] | None = None,
        too_large: bool = False,
    ) -> FakePull:
        """Serve ``pull_request`` (a payload's PR object) with ``diff`` and optional ``files``."""
        data = rewrite_urls(copy.deepcopy(pull_request), self.url)
        owner_name = self.repo
        number = int(data["number"])
        api = f"{self.url}/repos/{owner_name}"
        data["url"] = f"{api}/pulls/{number}"
        data["issue_url"] = f"{api}/issues/{number}"
        data["comments_url"] = f"{api}/issues/{number}/comments"
        data["review_comments_url"] = f"{api}/pulls/{number}/comments"
        pull = FakePull(data, diff, files or [], too_large)
        self.pulls[number] = pull
        return pull

    def set_file(self, path: str, ref: str, text: str) -> None:
        """Serve ``text`` as ``path`` at commit ``ref`` through the contents API."""
        self.contents[(path, ref)] = text

    def add_issue_comment(
        self, number: int, body: str, user: dict[str, Any] = HUMAN
    ) -> dict[str, Any]:
        """Seed an existing issue comment."""
        return self._store_comment(number, body, user)

    def add_review_comment(
        self,
        number: int,
        body: str,
        path: str,
        line: int,
        user: dict[str, Any] = BOT,
        *,
        in_reply_to: int | None = None,
        association: str | None = None,
    ) -> dict[str, Any]:
        """Seed an existing review comment (a reply when ``in_reply_to`` is set)."""
        comment = self._review_comment(number, body, path, line, user, in_reply_to)
        if association is not None:
            comment["author_association"] = association
        self.pulls[number].review_comments.append(comment)
        return comment

    def add_reaction(self, kind: str, comment_id: int, content: str, user: dict[str, Any]) -> None:
        """Seed a reaction (``kind``: ``issues`` or ``pulls``) by ``user`` on a comment."""
        self._store_reaction(kind, comment_id, content, user)

    def reactions_on(self, kind: str, comment_id: int) -> list[str]:
        """The reactions' ``content`` on one comment, in the order they were added."""
        return [r["content"] for r in self.reactions.get((kind, comment_id), [])]

    def set_compare(
        self,
        base: str,
        head: str,
        *,
        status: str = "ahead",
        ahead_by: int = 1,
        behind_by: int = 0,
        files: list[dict[str, Any]] | None = None,
    ) -> None:
        """Script ``GET /compare/{base}...{head}``: how the commits relate and the files between.

        ``files`` are ``diff-entry`` items; only ``filename`` and ``patch`` are needed, the other
        required fields are filled in.
        """
        self.compares[(base, head)] = {
            "status": status,
            "ahead_by": ahead_by,
            "behind_by": behind_by,
            "files": [self._diff_entry(head, item) for item in files or []],
        }

    def add_reply(
        self, number: int, to: dict[str, Any] | int, body: str, user: dict[str, Any] = HUMAN
    ) -> dict[str, Any]:
        """A reply (``in_reply_to_id``) to review comment ``to`` (its object or id)."""
        pull = self.pulls[number]
        target = to if isinstance(to, int) else int(to["id"])
        first = next(c for c in pull.review_comments if c["id"] == target)
        reply = self._review_comment(number, body, first["path"], first["line"], user)
        reply["in_reply_to_id"] = target
        pull.review_comments.append(reply)
        return reply

    # ---------------------------------------------------------------- faults

    def secondary_rate_limit(self, method: str, pattern: str, retry_after: int = 1) -> None:
        """The next matching request gets 403 secondary rate limit with ``Retry-After``."""
        self.server.script(
            method, pattern, Reply(403, SECONDARY, {"Retry-After": str(retry_after)})
        )

    def server_errors(self, method: str, pattern: str, times: int, status: int = 502) -> None:
        """The next ``times`` matching requests get a 5xx."""
        body = {"message": "Server Error"}
        self.server.script(method, pattern, *[Reply(status, body) for _ in range(times)])

    # ---------------------------------------------------------------- inspection

    def counts(self) -> Counter[str]:
        """Requests seen, by ``METHOD route`` with numbers and shas replaced by placeholders."""
        out: Counter[str] = Counter()
        for req in self.server.requests:
            path = re.sub(r"^/repos/[^/]+/[^/]+", "/repos/{o}/{r}", req.path)
            path = re.sub(r"/\d+(?=/|$)", "/{n}", path)
            path = re.sub(r"/[0-9a-f]{40}$", "/{sha}", path)
            if req.method == "GET" and path == "/repos/{o}/{r}/pulls/{n}":
                path += " (diff)" if "diff" in req.headers.get("accept", "") else ""
            out[f"{req.method} {path}"] += 1
        return out

    def requests(self, method: str, pattern: str) -> list[Recorded]:
        """Recorded requests matching ``method`` and a path regex."""
        return self.server.matching(method, pattern)

    def reset(self) -> None:
        """Forget every PR, file, comment, fault and recorded request (routes stay)."""
        self.pulls.clear()
        self.contents.clear()
        self.read_only = False
        self.tokens.clear()
        self.graphql_enabled = True
        self.permissions.clear()
        self.reactions.clear()
        self.threads_resolvable = True
        self.compares.clear()
        self.server.reset()

    def close(self) -> None:
        """Stop the server."""
        self.server.close()

    # ---------------------------------------------------------------- handlers

    def account(self, req: Recorded) -> dict[str, Any]:
        """The account the request's token acts as."""
        auth = req.headers.get("authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else auth
        return self.tokens.get(token, BOT)

    def _get_user(self, req: Recorded, match: re.Match[str]) -> Reply:
        account = self.account(req)
        if account["type"] == "Bot":
            return Reply(403, USER_403)
        return Reply(
            200,
            {
                **account,
                "name": None,
                "company": None,
                "blog": "",
                "location": None,
                "email": None,
                "hireable": None,
                "bio": None,
                "public_repos": 3,
                "public_gists": 0,
                "followers": 1,
                "following": 0,
                "created_at": "2019-03-01T10:00:00Z",
                "updated_at": "2025-01-01T10:00:00Z",
            },
        )

    def _graphql(self, req: Recorded, match: re.Match[str]) -> Reply:
        if not self.graphql_enabled:
            return Reply(404, {"message": "Not Found"})
        query = str((req.json or {}).get("query", ""))
        variables = (req.json or {}).get("variables") or {}
        if re.search(r"\bviewer\s*\{\s*login\s*\}", query):
            return Reply(200, {"data": {"viewer": {"login": self.account(req)["login"]}}})
        if "resolveReviewThread" in query:
            return self._resolve_thread(req, str(variables.get("threadId", "")))
        if "reviewThreads" in query:
            return self._review_threads(variables)
        return Reply(200, {"errors": [{"message": "the fake does not answer this query"}]})

    def _threads_of(self, pull: FakePull) -> list[list[dict[str, Any]]]:
        firsts = [c for c in pull.review_comments if "in_reply_to_id" not in c]
        return [
            [first, *(c for c in pull.review_comments if c.get("in_reply_to_id") == first["id"])]
            for first in firsts
        ]

    def _review_threads(self, variables: dict[str, Any]) -> Reply:
        pull = self.pulls.get(int(variables.get("number") or 0))
        if pull is None or f"{variables.get('owner')}/{variables.get('name')}" != self.repo:
            return Reply(
                200,
                {
                    "data": {"repository": None},
                    "errors": [
                        {
                            "type": "NOT_FOUND",
                            "path": ["repository"],
                            "message": "Could not resolve to a Repository.",
                        }
                    ],
                },
            )
        nodes = []
        for thread in self._threads_of(pull):
            first = thread[0]
            nodes.append(
                {
                    "id": f"PRRT_kwDOFake{first['id']}",
                    "isResolved": first["id"] in pull.resolved_threads,
                    "viewerCanResolve": self.threads_resolvable,
                    "comments": {
                        "nodes": [
                            {"body": c["body"], "author": {"login": _graphql_login(c["user"])}}
                            for c in thread
                        ]
                    },
                }
            )
        page = {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": nodes}
        return Reply(200, {"data": {"repository": {"pullRequest": {"reviewThreads": page}}}})

    def _resolve_thread(self, req: Recorded, thread_id: str) -> Reply:
        if self.read_only or not self.threads_resolvable:
            return Reply(
                200,
                {
                    "data": {"resolveReviewThread": None},
                    "errors": [
                        {
                            "type": "FORBIDDEN",
                            "path": ["resolveReviewThread"],
                            "locations": [{"line": 2, "column": 3}],
                            "message": "Resource not accessible by integration",
                        }
                    ],
                },
            )
        for pull in self.pulls.values():
            for thread in self._threads_of(pull):
                if f"PRRT_kwDOFake{thread[0]['id']}" == thread_id:
                    pull.resolved_threads.add(thread[0]["id"])
                    node = {"id": thread_id, "isResolved": True}
                    return Reply(200, {"data": {"resolveReviewThread": {"thread": node}}})
        return Reply(
            200,
            {
                "data": {"resolveReviewThread": None},
                "errors": [
                    {
                        "type": "NOT_FOUND",
                        "path": ["resolveReviewThread"],
                        "message": "Could not resolve to a node with the global id of "
                        f"'{thread_id}'",
                    }
                ],
            },
        )

    def _diff_entry(self, head: str, item: dict[str, Any]) -> dict[str, Any]:
        name = item["filename"]
        patch = item.get("patch") or ""
        adds = sum(1 for ln in patch.splitlines() if ln.startswith("+"))
        dels = sum(1 for ln in patch.splitlines() if ln.startswith("-"))
        return {
            "sha": "1" * 40,
            "status": "modified",
            "additions": adds,
            "deletions": dels,
            "changes": adds + dels,
            "blob_url": f"https://github.com/{self.repo}/blob/{head}/{name}",
            "raw_url": f"https://github.com/{self.repo}/raw/{head}/{name}",
            "contents_url": f"{self.url}/repos/{self.repo}/contents/{name}?ref={head}",
            **item,
        }

    def _compare(self, req: Recorded, match: re.Match[str]) -> Reply:
        scripted = self.compares.get((match["base"], match["head"]))
        if f"{match['owner']}/{match['name']}" != self.repo or scripted is None:
            return Reply(
                404,
                {
                    "message": "Not Found",
                    "documentation_url": "https://docs.github.com/rest/commits/commits#compare-two-commits",
                    "status": "404",
                },
            )
        data = rewrite_urls(copy.deepcopy(COMPARISON), self.url)
        example_commit = data["commits"][0]
        data.update(
            status=scripted["status"],
            ahead_by=scripted["ahead_by"],
            behind_by=scripted["behind_by"],
            total_commits=scripted["ahead_by"],
            commits=[
                {**example_commit, "sha": f"{i:040x}"} for i in range(1, scripted["ahead_by"] + 1)
            ],
            files=scripted["files"],
        )
        return Reply(200, data)

    def _pull(self, match: re.Match[str]) -> FakePull | None:
        if f"{match['owner']}/{match['name']}" != self.repo:
            return None
        return self.pulls.get(int(match["n"]))

    def _get_repo(self, req: Recorded, match: re.Match[str]) -> Reply:
        if f"{match['owner']}/{match['name']}" != self.repo:
            return Reply(404, {"message": "Not Found"})
        return Reply(200, {"full_name": self.repo, "url": f"{self.url}/repos/{self.repo}"})

    def _get_pull(self, req: Recorded, match: re.Match[str]) -> Reply:
        pull = self._pull(match)
        if pull is None:
            return Reply(
                404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
            )
        if "diff" in req.headers.get("accept", ""):
            if pull.too_large:
                return Reply(406, TOO_LARGE)
            return Reply(
                200, pull.diff.encode(), content_type="application/vnd.github.diff; charset=utf-8"
            )
        return Reply(200, pull.data)

    def _get_issue(self, req: Recorded, match: re.Match[str]) -> Reply:
        pull = self._pull(match)
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        number = pull.data["number"]
        return Reply(
            200, {"number": number, "url": f"{self.url}/repos/{self.repo}/issues/{number}"}
        )

    def _list(self, attribute: str) -> Any:
        def handle(req: Recorded, match: re.Match[str]) -> Reply:
            pull = self._pull(match)
            if pull is None:
                return Reply(404, {"message": "Not Found"})
            items: list[dict[str, Any]] = getattr(pull, attribute)
            if attribute == "files":
                items = items[:3000]
            return self._page(req, items)

        return handle

    def _page(self, req: Recorded, items: list[dict[str, Any]]) -> Reply:
        per_page = min(int(req.query.get("per_page", ["30"])[0]), 100)
        page = int(req.query.get("page", ["1"])[0])
        chunk = items[(page - 1) * per_page : page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        base = f"{self.url}{req.path}"
        if page < last:
            links.append(
                f'<{base}?{urlencode({"per_page": per_page, "page": page + 1})}>; rel="next"'
            )
            links.append(f'<{base}?{urlencode({"per_page": per_page, "page": last})}>; rel="last"')
        if page > 1:
            links.append(f'<{base}?{urlencode({"per_page": per_page, "page": 1})}>; rel="first"')
            links.append(
                f'<{base}?{urlencode({"per_page": per_page, "page": page - 1})}>; rel="prev"'
            )
        return Reply(200, chunk, {"Link": ", ".join(links)} if links else {})

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _store_comment(self, number: int, body: str, user: dict[str, Any]) -> dict[str, Any]:
        cid = self._id()
        comment = {
            "id": cid,
            "node_id": f"IC_kwDOFake{cid}",
            "body": body,
            "user": dict(user),
            "url": f"{self.url}/repos/{self.repo}/issues/comments/{cid}",
            "html_url": f"https://github.com/{self.repo}/pull/{number}#issuecomment-{cid}",
            "issue_url": f"{self.url}/repos/{self.repo}/issues/{number}",
            "created_at": "2025-01-01T10:00:00Z",
            "updated_at": "2025-01-01T10:00:00Z",
            "author_association": "NONE" if user["type"] == "Bot" else "COLLABORATOR",
            "performed_via_github_app": APPS.get(user["login"]),
        }
        self.pulls[number].issue_comments.append(comment)
        return comment

    def _too_long(self, body: str) -> Reply | None:
        if len(body) > 65536:
            return Reply(
                422,
                {
                    "message": "Validation Failed",
                    "errors": [
                        {
                            "resource": "IssueComment",
                            "code": "unprocessable",
                            "field": "data",
                            "message": "Body is too long (maximum is 65536 characters)",
                        }
                    ],
                },
            )
        return None

    def _create_comment(self, req: Recorded, match: re.Match[str]) -> Reply:
        if self.read_only:
            return Reply(403, FORBIDDEN)
        pull = self._pull(match)
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        body = req.json["body"]
        return self._too_long(body) or Reply(
            201, self._store_comment(pull.data["number"], body, self.account(req))
        )

    def _edit_comment(self, req: Recorded, match: re.Match[str]) -> Reply:
        if self.read_only:
            return Reply(403, FORBIDDEN)
        for pull in self.pulls.values():
            for comment in pull.issue_comments:
                if comment["id"] == int(match["id"]):
                    account = self.account(req)
                    if comment["user"]["login"] != account["login"]:
                        if account["type"] == "Bot":  # an installation token
                            return Reply(403, FORBIDDEN)
                        return Reply(403, {"message": "Must have admin rights to Repository."})
                    body = req.json["body"]
                    refused = self._too_long(body)
                    if refused:
                        return refused
                    comment["body"] = body
                    return Reply(200, comment)
        return Reply(404, {"message": "Not Found"})

    def _review_comment(
        self,
        number: int,
        body: str,
        path: str,
        line: int,
        user: dict[str, Any],
        in_reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A ``pull-request-review-comment`` (the fields reviewbot reads, GitHub's names)."""
        cid = self._id()
        comment: dict[str, Any] = {
            "id": cid,
            "node_id": f"PRRC_kwDOFake{cid}",
            "body": body,
            "path": path,
            "line": line,
            "side": "RIGHT",
            "diff_hunk": "",
            "user": dict(user),
            "author_association": "NONE" if user["type"] == "Bot" else "COLLABORATOR",
            "url": f"{self.url}/repos/{self.repo}/pulls/comments/{cid}",
            "html_url": f"https://github.com/{self.repo}/pull/{number}#discussion_r{cid}",
            "reactions": self._rollup("pulls", cid),
        }
        if in_reply_to is not None:
            comment["in_reply_to_id"] = in_reply_to
        return comment

    def _rollup(self, kind: str, comment_id: int) -> dict[str, Any]:
        """A ``reaction-rollup`` of one comment, counted from the stored reactions."""
        counts = Counter(r["content"] for r in self.reactions.get((kind, comment_id), []))
        names = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")
        return {
            "url": f"{self.url}/repos/{self.repo}/{kind}/comments/{comment_id}/reactions",
            "total_count": sum(counts.values()),
            **{name: counts[name] for name in names},
        }

    def _store_reaction(
        self, kind: str, comment_id: int, content: str, user: dict[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        stored = self.reactions.setdefault((kind, comment_id), [])
        for reaction in stored:  # GitHub answers 200 with the existing one
            if reaction["content"] == content and reaction["user"]["login"] == user["login"]:
                return reaction, False
        rid = self._id()
        reaction = {
            "id": rid,
            "node_id": f"REA_fake{rid}",
            "user": dict(user),
            "content": content,
            "created_at": "2025-01-01T10:00:00Z",
        }
        stored.append(reaction)
        for pull in self.pulls.values():  # keep the comments' roll-ups current
            for comment in pull.review_comments if kind == "pulls" else pull.issue_comments:
                if comment["id"] == comment_id:
                    comment["reactions"] = self._rollup(kind, comment_id)
        return reaction, True

    def _comment_exists(self, kind: str, comment_id: int) -> bool:
        return any(
            c["id"] == comment_id
            for pull in self.pulls.values()
            for c in (pull.review_comments if kind == "pulls" else pull.issue_comments)
        )

    def _react(self, req: Recorded, match: re.Match[str]) -> Reply:
        if self.read_only:
            return Reply(403, FORBIDDEN)
        kind, cid = match["kind"], int(match["id"])
        content = (req.json or {}).get("content")
        allowed = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
        if content not in allowed:
            return Reply(422, {"message": "Validation Failed", "errors": [{"field": "content"}]})
        if not self._comment_exists(kind, cid):
            return Reply(404, {"message": "Not Found"})
        reaction, created = self._store_reaction(kind, cid, content, self.account(req))
        return Reply(201 if created else 200, reaction)

    def _reactions(self, req: Recorded, match: re.Match[str]) -> Reply:
        kind, cid = match["kind"], int(match["id"])
        if not self._comment_exists(kind, cid):
            return Reply(404, {"message": "Not Found"})
        items = self.reactions.get((kind, cid), [])
        content = req.query.get("content", [None])[0]
        if content is not None:
            items = [r for r in items if r["content"] == content]
        return self._page(req, items)

    def _get_permission(self, req: Recorded, match: re.Match[str]) -> Reply:
        login = match["login"]
        permission = self.permissions.get(login)
        if permission is None:
            return Reply(404, {"message": "Not Found"})
        user = simple_user(login, 1, "U_fake")
        return Reply(200, {"permission": permission, "role_name": permission, "user": user})

    def _create_review_comment(self, req: Recorded, match: re.Match[str]) -> Reply:
        """``POST /pulls/{n}/comments``: only replies (``in_reply_to``) are modelled."""
        if self.read_only:
            return Reply(403, FORBIDDEN)
        pull = self._pull(match)
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        data = req.json or {}
        parent_id = data.get("in_reply_to")
        parent = next((c for c in pull.review_comments if c["id"] == parent_id), None)
        if parent is None:
            return Reply(422, {"message": "Validation Failed", "errors": ["in_reply_to"]})
        body = data["body"]
        comment = self._review_comment(
            pull.data["number"], body, parent["path"], parent["line"], self.account(req), parent_id
        )
        pull.review_comments.append(comment)
        return self._too_long(body) or Reply(201, comment)

    def _create_review(self, req: Recorded, match: re.Match[str]) -> Reply:
        if self.read_only:
            return Reply(403, FORBIDDEN)
        pull = self._pull(match)
        if pull is None:
            return Reply(404, {"message": "Not Found"})
        data = req.json
        if data.get("event") == "APPROVE":
            return Reply(
                422,
                {
                    "message": "Unprocessable Entity",
                    "errors": ["GitHub Actions is not permitted to approve pull requests."],
                },
            )
        hunks = right_lines(pull.diff) if not pull.too_large else self._hunks_from_files(pull)
        for comment in data.get("comments", []):
            if not _anchor_ok(comment, hunks):
                return Reply(422, REVIEW_422)
        number = pull.data["number"]
        rid = self._id()
        account = self.account(req)
        review = {
            "id": rid,
            "state": "COMMENTED",
            "body": data.get("body"),
            "commit_id": data.get("commit_id"),
            "user": dict(account),
            "html_url": f"https://github.com/{self.repo}/pull/{number}#pullrequestreview-{rid}",
        }
        pull.reviews.append({**review, "comments": data.get("comments", [])})
        for comment in data.get("comments", []):
            pull.review_comments.append(
                self._review_comment(
                    number, comment["body"], comment["path"], comment["line"], account
                )
            )
        return Reply(200, review)

    def _hunks_from_files(self, pull: FakePull) -> dict[str, list[set[int]]]:
        out: dict[str, list[set[int]]] = {}
        for item in pull.files:
            if item.get("patch"):
                name = item["filename"]
                text = f"--- a/{name}\n+++ b/{name}\n{item['patch']}\n"
                out.update(right_lines(text))
        return out

    def _get_contents(self, req: Recorded, match: re.Match[str]) -> Reply:
        ref = req.query.get("ref", [""])[0]
        path = match["path"]
        text = self.contents.get((path, ref))
        if text is None:
            return Reply(
                404,
                {
                    "message": "Not Found",
                    "documentation_url": "https://docs.github.com/rest/repos/contents#get-repository-content",
                },
            )
        raw = text.encode()
        sha = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()  # git's blob id
        api = f"{self.url}/repos/{self.repo}"
        web = f"https://github.com/{self.repo}/blob/{ref}/{path}"
        big = len(raw) > CONTENTS_LIMIT  # GitHub sends no content above 1 MB
        # The ``content-file`` schema of GitHub's OpenAPI description (every required field).
        return Reply(
            200,
            {
                "type": "file",
                "encoding": "none" if big else "base64",
                "size": len(raw),
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "content": "" if big else base64.encodebytes(raw).decode(),
                "sha": sha,
                "url": f"{api}/contents/{path}?ref={ref}",
                "git_url": f"{api}/git/blobs/{sha}",
                "html_url": web,
                "download_url": f"https://raw.githubusercontent.com/{self.repo}/{ref}/{path}",
                "_links": {
                    "self": f"{api}/contents/{path}?ref={ref}",
                    "git": f"{api}/git/blobs/{sha}",
                    "html": web,
                },
            },
        )

    def _get_commit(self, req: Recorded, match: re.Match[str]) -> Reply:
        return Reply(200, {"sha": match["sha"], "url": f"{self.url}{req.path}"})


def _graphql_login(user: dict[str, Any]) -> str:
    """GraphQL names a bot ``github-actions`` where REST says ``github-actions[bot]``."""
    login = str(user["login"])
    return login.removesuffix("[bot]") if user.get("type") == "Bot" else login


def _anchor_ok(comment: dict[str, Any], hunks: dict[str, list[set[int]]]) -> bool:
    if comment.get("side", "RIGHT") != "RIGHT" or "line" not in comment:
        return False
    for lines in hunks.get(comment.get("path", ""), []):
        if comment["line"] in lines:
            start = comment.get("start_line")
            return start is None or (start < comment["line"] and start in lines)
    return False


def load_payload(path: Path) -> dict[str, Any]:
    """A webhook payload from disk (probot envelopes unwrapped)."""
    return unwrap(json.loads(path.read_text(encoding="utf-8")))
