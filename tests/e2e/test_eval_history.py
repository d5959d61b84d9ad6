"""``reviewbot eval --from-history`` against the fake GitHub: merged fixes become reversed cases
with approximate labels, other merged PRs clean cases; then the corpus evaluates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewbot.app.cli import main
from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.github import FakeGitHub

REPO = "acme/shop"
FIX_DIFF = (
    "diff --git a/shop/search.py b/shop/search.py\nindex 1111111..2222222 100644\n"
    "--- a/shop/search.py\n+++ b/shop/search.py\n@@ -3,6 +3,6 @@ import db\n"
    " \n def search(conn, term):\n"
    "-    rows = conn.execute(f\"SELECT id FROM items WHERE name = '{term}'\")\n"
    '+    rows = conn.execute("SELECT id FROM items WHERE name = %s", (term,))\n'
    "     return [r[0] for r in rows]\n \n \n"
    "diff --git a/CHANGES.md b/CHANGES.md\nindex 3333333..4444444 100644\n"
    "--- a/CHANGES.md\n+++ b/CHANGES.md\n@@ -1,2 +1,3 @@\n # Changes\n"
    "+- Fix SQL injection in search (CWE-89)\n \n"
    "diff --git a/tests/test_search.py b/tests/test_search.py\nindex 5555555..6666666 100644\n"
    "--- a/tests/test_search.py\n+++ b/tests/test_search.py\n@@ -1,2 +1,4 @@\n import shop\n"
    '+def test_quote():\n+    assert shop.search(conn, "\'") == []\n \n'
)
ADDS_ONLY_FIX = (
    "diff --git a/shop/auth.py b/shop/auth.py\nindex 7777777..8888888 100644\n"
    "--- a/shop/auth.py\n+++ b/shop/auth.py\n@@ -1,3 +1,5 @@\n def delete(user, item):\n"
    "+    if not user.owns(item):\n+        raise PermissionError(item)\n"
    "     item.delete()\n \n"
)
DOCS_DIFF = (
    "diff --git a/README.md b/README.md\nindex 9999999..aaaaaaa 100644\n"
    "--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,2 @@\n # Shop\n-Old words.\n+New words.\n"
)


def _pull(
    number: int, title: str, merged: str | None, *, labels: tuple[str, ...] = ()
) -> dict[str, Any]:
    updated = merged or "2025-03-01T00:00:00Z"
    return {
        "number": number,
        "title": title,
        "body": "",
        "state": "closed",
        "labels": [{"name": name} for name in labels],
        "merged_at": merged,
        "updated_at": updated,
        "html_url": f"https://github.com/{REPO}/pull/{number}",
        "merge_commit_sha": f"{number:040x}",
    }


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub(REPO)
    pulls = [
        (_pull(41, "Fix SQL injection in search (CWE-89)", "2025-05-02T10:00:00Z"), FIX_DIFF),
        (_pull(40, "Reword the README", "2025-05-01T10:00:00Z", labels=("docs",)), DOCS_DIFF),
        (
            _pull(
                39, "Check ownership before delete", "2025-04-20T10:00:00Z", labels=("security",)
            ),
            ADDS_ONLY_FIX,
        ),
        (_pull(38, "Fix a typo (never merged)", None), DOCS_DIFF),
        (_pull(12, "Fix an old bug", "2023-01-01T10:00:00Z"), FIX_DIFF),
    ]
    for data, diff in pulls:
        fake.add_pull(data, diff)

    def list_pulls(req: Recorded, match: re.Match[str]) -> Reply:
        assert req.query.get("state") == ["closed"] and req.query.get("sort") == ["updated"]
        items = sorted((p.data for p in fake.pulls.values()), key=lambda d: d["updated_at"])
        return Reply(200, items[::-1])

    fake.server.route("GET", rf"/repos/{REPO}/pulls", list_pulls)
    yield fake
    fake.close()


def _history(github: FakeGitHub, corpus: Path, *extra: str) -> int:
    env = {"GITHUB_TOKEN": "ghs_history", "GITHUB_API_URL": github.url}
    args = ["eval", "--from-history", "--repo", REPO, "--since", "2025-01-01"]
    return main([*args, "--corpus", str(corpus), *extra], env)


def test_merged_fixes_become_reversed_cases_and_others_clean_ones(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "history"
    assert _history(github, corpus) == 0
    out = capsys.readouterr().out
    assert "wrote 1 reversed fix and 1 clean case" in out
    assert "#39: the fix removed no line" in out  # it only added a check
    written = sorted(p.parent.relative_to(corpus).as_posix() for p in corpus.rglob("pr.diff"))
    assert written == ["clean/40", "fix/41"]  # #38 was never merged, #12 is too old

    fix = corpus / "fix" / "41"
    diff = (fix / "pr.diff").read_text()
    assert '+    rows = conn.execute(f"SELECT' in diff  # the PR brings the injection back
    assert "CHANGES.md" not in diff  # the changelog would name the fix
    assert "-def test_quote" in diff  # tests stay
    labels = json.loads((fix / "expected.json").read_text())
    assert labels == [{"path": "shop/search.py", "lines": [5, 5], "category": "CWE-89"}]
    meta = json.loads((fix / "case.json").read_text())
    assert "title" not in meta  # the fix's title is not shown to the models
    assert meta["source"]["title"] == "Fix SQL injection in search (CWE-89)"
    assert meta["source"]["pull_request"] == 41 and "APPROXIMATE" in meta["source"]["derived"]
    assert json.loads((corpus / "clean" / "40" / "expected.json").read_text()) == []
    assert (corpus / "clean" / "40" / "pr.diff").read_text() == DOCS_DIFF

    # The corpus evaluates as it is; the answer key finds every label.
    script = tmp_path / "key.yml"
    script.write_text("rules: [{step: security, labels: true}]\n")
    code = main(
        ["eval", "--corpus", str(corpus), "--script", str(script), "--out", str(tmp_path / "o")],
        {},
    )
    assert code == 0
    report = json.loads((tmp_path / "o" / "eval.json").read_text())
    assert report["configurations"][0]["summary"]["recall"]["mean"] == 1.0

    # A second run leaves existing cases alone.
    assert _history(github, corpus) == 0
    assert "fix/41 exists already" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--baseline"], "--baseline would be ignored"),
        (["--since", "last week"], "give a date as YYYY-MM-DD"),
        (["--max-fixes", "0"], "--max-fixes 0"),
    ],
)
def test_history_arguments_are_checked(
    github: FakeGitHub,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    assert _history(github, tmp_path / "c", *extra) == 2
    assert message in capsys.readouterr().err


def test_history_needs_a_token_and_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["eval", "--corpus", str(tmp_path), "--repo", REPO, "--since", "2025-01-01"]
    assert main(args, {"GITHUB_TOKEN": "t"}) == 2
    assert "add it" in capsys.readouterr().err
    assert main([*args, "--from-history"], {}) == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err
