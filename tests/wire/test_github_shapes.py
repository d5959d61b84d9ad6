"""The fake GitHub's compare and review-thread answers have GitHub's published shapes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from reviewbot.github.threads import RESOLVE_MUTATION, THREADS_QUERY
from tests.fakeserver.github import BOT, SHAPES, FakeGitHub

SCHEMAS = json.loads((SHAPES / "commit-comparison.schema.json").read_text())
GRAPHQL = (SHAPES / "review-threads.graphql").read_text()


@pytest.fixture(scope="module")
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub("o/r")
    yield fake
    fake.close()


def _fields(type_name: str) -> set[str]:
    """Field names of a type or input in the schema excerpt."""
    body = re.search(rf"(?:type|input) {type_name}\b[^{{]*\{{(.*?)\n\}}", GRAPHQL, re.S)
    assert body is not None, type_name
    text = re.sub(r'"""(.*?)"""', "", body.group(1), flags=re.S)
    return set(re.findall(r"^  (\w+)", text, re.M))


def test_the_compare_answer_has_every_required_field(github: FakeGitHub) -> None:
    github.reset()
    github.set_compare(
        "a" * 40, "b" * 40, files=[{"filename": "x.py", "patch": "@@ -1 +1 @@\n-a\n+b"}]
    )
    reply = requests.get(f"{github.url}/repos/o/r/compare/{'a' * 40}...{'b' * 40}", timeout=5)
    data: dict[str, Any] = reply.json()
    comparison, entry = SCHEMAS["commit-comparison"], SCHEMAS["diff-entry"]
    assert set(comparison["required"]) <= set(data)
    assert data["status"] in comparison["properties"]["status"]["enum"]
    for item in data["files"]:
        assert set(entry["required"]) <= set(item)
        assert item["status"] in entry["properties"]["status"]["enum"]
    gone = requests.get(f"{github.url}/repos/o/r/compare/{'c' * 40}...{'b' * 40}", timeout=5)
    assert gone.status_code == 404


def test_the_thread_query_and_mutation_ask_only_for_fields_the_schema_has() -> None:
    thread = _fields("PullRequestReviewThread")
    asked = {"id", "isResolved", "viewerCanResolve", "comments"}
    assert asked <= thread and asked <= set(re.findall(r"\b(\w+)\b", THREADS_QUERY))
    assert "threadId" in _fields("ResolveReviewThreadInput")
    assert "thread" in _fields("ResolveReviewThreadPayload")
    assert {"pageInfo", "nodes"} <= _fields("PullRequestReviewThreadConnection")
    assert "resolveReviewThread(" in GRAPHQL and "resolveReviewThread(" in RESOLVE_MUTATION


def test_the_fake_answers_threads_with_the_schema_fields(github: FakeGitHub) -> None:
    github.reset()
    github.add_pull({"number": 3, "head": {"sha": "b" * 40}, "base": {"sha": "a" * 40}})
    github.add_review_comment(3, "bot says\n<!-- reviewbot:finding 0123456789abcdef -->", "x.py", 1)
    variables = {"owner": "o", "name": "r", "number": 3, "after": None}
    answer = requests.post(
        f"{github.url}/graphql", json={"query": THREADS_QUERY, "variables": variables}, timeout=5
    ).json()
    page = answer["data"]["repository"]["pullRequest"]["reviewThreads"]
    (node,) = page["nodes"]
    assert set(node) <= _fields("PullRequestReviewThread")
    assert node["comments"]["nodes"][0]["author"]["login"] == BOT["login"].removesuffix("[bot]")
    done = requests.post(
        f"{github.url}/graphql",
        json={"query": RESOLVE_MUTATION, "variables": {"threadId": node["id"]}},
        timeout=5,
    ).json()
    assert set(done["data"]["resolveReviewThread"]) <= _fields("ResolveReviewThreadPayload")
    assert done["data"]["resolveReviewThread"]["thread"]["isResolved"] is True
