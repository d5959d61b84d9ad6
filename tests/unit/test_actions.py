"""The Actions runtime: events from real payloads, inputs, outputs, annotations, masking."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from reviewbot.app.runtime import (
    Console,
    command,
    format_outputs,
    is_fork,
    load_payload,
    parse_event,
    parse_inputs,
    secret_values,
    write_outputs,
    write_summary,
)
from reviewbot.diff.patches import PatchEntry, changes_path, rebuild_diff, touched_paths
from reviewbot.errors import ConfigError
from tests.fakeserver.github import unwrap

WEBHOOKS = "webhooks"


def _payload(realdata: Path, name: str) -> dict:
    return unwrap(json.loads((realdata / WEBHOOKS / name).read_text()))


def _event_name(filename: str) -> str:
    return Path(filename).name.split(".", 1)[0]


REVIEWED = [
    "octokit-webhooks/pull_request.opened.payload.json",
    "octokit-webhooks/pull_request.opened.with-null-body.json",
    "octokit-webhooks/pull_request.synchronize.payload.json",
    "octokit-webhooks/pull_request.reopened.payload.json",
    "octokit-webhooks/pull_request.ready_for_review.payload.json",
    "octokit-webhooks/pull_request.ready_for_review.with-installation.payload.json",
    "pytorch-test-infra/pull_request.opened.fork.payload.json",
    "pytorch-test-infra/pull_request.opened.fork.probot-envelope.json",
    "pytorch-test-infra/pull_request.reopened.fork.payload.json",
    "pytorch-test-infra/pull_request.synchronize.payload.json",
]
IGNORED = [
    "octokit-webhooks/issue_comment.created.on_issue.payload.json",
    "octokit-webhooks/pull_request_review_comment.created.payload.json",
    "pytorch-test-infra/issue_comment.created.on_pr.payload.json",
    "pytorch-test-infra/pull_request.labeled.fork.json",
    "atlantis/issue_comment.created.on_pr.json",
]


def test_every_real_payload_is_classified(realdata: Path) -> None:
    listed = (
        set(REVIEWED)
        | set(IGNORED)
        | {
            "octokit-webhooks/workflow_dispatch.payload.json",
            "pytorch-test-infra/issue_comment.created.on_pr.probot-envelope.json",
            "pytorch-test-infra/pull_request.reopened.fork.probot-envelope.json",
            "pytorch-test-infra/pull_request.synchronize.probot-envelope.json",
        }
    )
    on_disk = {
        str(p.relative_to(realdata / WEBHOOKS)) for p in (realdata / WEBHOOKS).rglob("*.json")
    }
    assert on_disk == listed


@pytest.mark.parametrize("name", REVIEWED)
@pytest.mark.parametrize("event_name", ["pull_request", "pull_request_target"])
def test_review_actions_ask_for_a_review(realdata: Path, name: str, event_name: str) -> None:
    payload = _payload(realdata, name)
    event = parse_event(event_name, payload)
    assert event.pr_number == payload["pull_request"]["number"]
    assert event.pull_request is payload["pull_request"]
    assert event.reason is None


@pytest.mark.parametrize("name", IGNORED)
def test_other_events_and_actions_have_nothing_to_do(realdata: Path, name: str) -> None:
    event = parse_event(_event_name(name), _payload(realdata, name))
    assert event.pr_number is None
    assert "does not trigger a review" in (event.reason or "")


def test_labeled_is_ignored_even_with_a_pr_number_input(realdata: Path) -> None:
    payload = _payload(realdata, "pytorch-test-infra/pull_request.labeled.fork.json")
    assert parse_event("pull_request", payload, pr_input=5).pr_number is None


@pytest.mark.parametrize(
    ("name", "fork"),
    [
        ("pytorch-test-infra/pull_request.opened.fork.payload.json", True),
        ("pytorch-test-infra/pull_request.reopened.fork.payload.json", True),
        ("pytorch-test-infra/pull_request.labeled.fork.json", True),
        ("pytorch-test-infra/pull_request.synchronize.payload.json", False),
        ("octokit-webhooks/pull_request.opened.payload.json", False),
    ],
)
def test_fork_prs_are_detected(realdata: Path, name: str, fork: bool) -> None:
    assert is_fork(_payload(realdata, name)["pull_request"]) is fork


def test_deleted_head_fork_counts_as_fork(realdata: Path) -> None:
    pr = _payload(realdata, "octokit-webhooks/pull_request.opened.payload.json")["pull_request"]
    pr["head"]["repo"] = None
    assert is_fork(pr)


def test_workflow_dispatch_reviews_the_pr_number_input(realdata: Path) -> None:
    payload = _payload(realdata, "octokit-webhooks/workflow_dispatch.payload.json")
    assert parse_event("workflow_dispatch", payload, pr_input=42).pr_number == 42
    missing = parse_event("workflow_dispatch", payload)
    assert missing.pr_number is None and "pr-number" in (missing.reason or "")


@pytest.mark.parametrize("key", ["pr-number", "pr_number"])
def test_workflow_dispatch_reads_the_payload_inputs(realdata: Path, key: str) -> None:
    payload = _payload(realdata, "octokit-webhooks/workflow_dispatch.payload.json")
    payload["inputs"] = {key: "17"}
    assert parse_event("workflow_dispatch", payload).pr_number == 17


def test_pr_number_input_overrides_the_event_pr(realdata: Path) -> None:
    payload = _payload(realdata, "octokit-webhooks/pull_request.opened.payload.json")
    event = parse_event("pull_request", payload, pr_input=9)
    assert event.pr_number == 9 and event.pull_request is None


def test_event_payload_file(tmp_path: Path) -> None:
    assert load_payload({}) == {}
    bad = tmp_path / "event.json"
    bad.write_text("not json")
    with pytest.raises(ConfigError, match="GITHUB_EVENT_PATH"):
        load_payload({"GITHUB_EVENT_PATH": str(bad)})


# ---------------------------------------------------------------- inputs


def test_inputs_read_with_hyphens_kept() -> None:
    env = {
        "INPUT_GITHUB-TOKEN": " ghs_abc ",
        "INPUT_ANTHROPIC-API-KEY": "sk-ant",
        "INPUT_OPENAI-API-KEY": "",
        "INPUT_GEMINI-API-KEY": "g-key",
        "INPUT_PR-NUMBER": "12",
        "INPUT_BUDGET-USD": "0.25",
        "INPUT_FAIL-ON": "High",
        "INPUT_INLINE-COMMENTS": "false",
        "INPUT_DRY-RUN": "true",
        "INPUT_CONFIG": "",
    }
    inputs = parse_inputs(env)
    assert inputs.github_token == "ghs_abc"
    assert inputs.api_keys == {"ANTHROPIC_API_KEY": "sk-ant", "GEMINI_API_KEY": "g-key"}
    assert inputs.pr_number == 12
    assert inputs.budget_usd == Decimal("0.25")
    assert inputs.fail_on == "high"
    assert inputs.inline_comments is False
    assert inputs.dry_run is True
    assert inputs.config_path == ".github/reviewbot.yml"


def test_empty_inputs_stay_unset() -> None:
    inputs = parse_inputs({"INPUT_GITHUB-TOKEN": "t", "INPUT_FAIL-ON": "", "INPUT_BUDGET-USD": ""})
    assert (inputs.budget_usd, inputs.fail_on, inputs.inline_comments) == (None, None, None)
    assert inputs.dry_run is False


def test_invalid_inputs_are_all_named() -> None:
    env = {
        "INPUT_PR-NUMBER": "abc",
        "INPUT_BUDGET-USD": "-1",
        "INPUT_FAIL-ON": "severe",
        "INPUT_INLINE-COMMENTS": "maybe",
    }
    with pytest.raises(ConfigError) as info:
        parse_inputs(env)
    message = str(info.value)
    for needle in ("github-token", "pr-number", "budget-usd", "fail-on", "inline-comments"):
        assert needle in message
    assert "allowed: none, info, low, medium, high, critical" in message


@pytest.mark.parametrize("value", ["nan", "inf", "-0.01", "1e400", "$1e7"])
def test_budget_input_outside_what_the_config_allows_is_named(value: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_inputs({"INPUT_GITHUB-TOKEN": "t", "INPUT_BUDGET-USD": value})
    assert f"input budget-usd: {value!r}" in str(info.value)
    assert "allowed: a number of US dollars from 0 to 1000000" in str(info.value)


def test_github_token_env_is_a_fallback() -> None:
    assert parse_inputs({"GITHUB_TOKEN": "env-token"}).github_token == "env-token"


def test_every_secret_is_masked() -> None:
    env = {
        "INPUT_GITHUB-TOKEN": "ghs_1",
        "INPUT_ANTHROPIC-API-KEY": "sk-2",
        "INPUT_OPENAI-API-KEY": "sk-3",
        "INPUT_GEMINI-API-KEY": "g-4",
        "GOOGLE_API_KEY": "g-5",
        "INPUT_CONFIG": "not-secret",
    }
    out = io.StringIO()
    console = Console(out)
    for value in secret_values(env):
        console.mask(value)
    assert out.getvalue().splitlines() == [
        "::add-mask::ghs_1",
        "::add-mask::sk-2",
        "::add-mask::sk-3",
        "::add-mask::g-4",
        "::add-mask::g-5",
    ]


# ---------------------------------------------------------------- commands and files


def test_annotation_escaping() -> None:
    line = command(
        "warning", "50% done\r\nnext: line", file="src/a,b.py", line=3, title="SQL: 1,2 %"
    )
    assert line == (
        "::warning file=src/a%2Cb.py,line=3,title=SQL%3A 1%2C2 %25::50%25 done%0D%0Anext: line"
    )


def test_console_groups_and_levels() -> None:
    out = io.StringIO()
    console = Console(out)
    with console.group("step"):
        console.notice("hello")
    console.error("bad\nthing", title="reviewbot failed")
    assert out.getvalue().splitlines() == [
        "::group::step",
        "::notice::hello",
        "::endgroup::",
        "::error title=reviewbot failed::bad%0Athing",
    ]


def _parse_output_file(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = iter(text.split("\n"))
    for line in lines:
        if not line:
            continue
        match = re.fullmatch(r"([\w-]+)<<(ghadelimiter_[0-9a-f]{32})", line)
        assert match, line
        body = []
        for inner in lines:
            if inner == match.group(2):
                break
            body.append(inner)
        values[match.group(1)] = "\n".join(body)
    return values


def test_outputs_use_random_heredoc_delimiters(tmp_path: Path) -> None:
    out = tmp_path / "output"
    out.write_text("earlier=1\n")
    outputs = {"comment-url": "https://x/1", "multi": "a\nEOF\nb", "empty": ""}
    assert write_outputs({"GITHUB_OUTPUT": str(out)}, outputs)
    text = out.read_text()
    assert text.startswith("earlier=1\n")
    assert _parse_output_file(text.removeprefix("earlier=1\n")) == outputs
    first, second = format_outputs({"a": "1"}), format_outputs({"a": "1"})
    assert first != second  # a fresh delimiter each time


def test_outputs_and_summary_without_actions_files() -> None:
    assert write_outputs({}, {"a": "1"}) is False
    assert write_summary({}, "# hi") is False


def test_summary_is_appended(tmp_path: Path) -> None:
    summary = tmp_path / "summary"
    env = {"GITHUB_STEP_SUMMARY": str(summary)}
    write_summary(env, "one")
    write_summary(env, "two\n")
    assert summary.read_text() == "one\n\ntwo\n\n"


# ---------------------------------------------------------------- diffs rebuilt from the files API


def test_rebuilt_diff_has_headers_for_every_status() -> None:
    hunk = "@@ -1,2 +1,2 @@\n a\n-b\n+c"
    entries = [
        PatchEntry("m.py", "modified", 1, 1, 2, hunk),
        PatchEntry("new.py", "added", 1, 0, 1, "@@ -0,0 +1 @@\n+x"),
        PatchEntry("gone.py", "removed", 0, 1, 1, "@@ -1 +0,0 @@\n-x"),
        PatchEntry("b.py", "renamed", 1, 1, 2, hunk, previous_filename="a.py"),
        PatchEntry("moved.txt", "renamed", 0, 0, 0, None, previous_filename="old.txt"),
        PatchEntry("logo.png", "added", 0, 0, 0, None),
        PatchEntry("huge.sql", "modified", 30000, 0, 30000, None),
    ]
    text, skipped = rebuild_diff(entries)
    assert skipped == {"logo.png": "binary", "huge.sql": "too_large"}
    assert "diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@" in text
    assert "diff --git a/new.py b/new.py\nnew file mode 100644\n--- /dev/null\n+++ b/new.py" in text
    assert "deleted file mode 100644\n--- a/gone.py\n+++ /dev/null" in text
    assert "rename from a.py\nrename to b.py\n--- a/a.py\n+++ b/b.py" in text
    assert "rename from old.txt\nrename to moved.txt\n" in text
    assert "Binary files /dev/null and b/logo.png differ" in text
    assert touched_paths(text) == {
        "m.py",
        "new.py",
        "gone.py",
        "a.py",
        "b.py",
        "old.txt",
        "moved.txt",
        "logo.png",
        "huge.sql",
    }


def test_rebuilt_diff_parses_like_the_real_one(realdata: Path) -> None:
    from reviewbot.diff.parse import parse_diff

    real = parse_diff((realdata / "diffs/01_rename_with_changes.diff").read_bytes())
    entries = []
    for f in real:
        body = "\n".join(
            f"@@ -{h.old_start},{h.old_len} +{h.new_start},{h.new_len} @@"
            + "".join(f"\n{ln.kind}{ln.text}" for ln in h.lines)
            for h in f.hunks
        )
        entries.append(
            PatchEntry(
                f.path,
                f.status.value,
                f.additions,
                f.deletions,
                f.additions + f.deletions,
                body,
                f.old_path,
            )
        )
    rebuilt = parse_diff(rebuild_diff(entries)[0])
    assert [(f.path, f.old_path, f.status, f.additions, f.deletions) for f in rebuilt] == [
        (f.path, f.old_path, f.status, f.additions, f.deletions) for f in real
    ]
    assert [f.right_lines for f in rebuilt] == [f.right_lines for f in real]


@pytest.mark.parametrize(
    ("diff_name", "path", "changed"),
    [
        ("05_deleted_files.diff", "CHANGES.rst", True),
        ("05_deleted_files.diff", ".github/reviewbot.yml", False),
        ("01_rename_with_changes.diff", "./.github/reviewbot.yml", False),
        ("16_path_with_space.diff", "tests/data/indexes/in dex/simple/index.html", True),
    ],
)
def test_changes_path_on_real_diffs(
    realdata: Path, diff_name: str, path: str, changed: bool
) -> None:
    text = (realdata / "diffs" / diff_name).read_text(encoding="utf-8", errors="replace")
    assert changes_path(text, path) is changed


def test_changes_path_sees_config_edits_renames_and_deletions() -> None:
    edit = (
        "diff --git a/.github/reviewbot.yml b/.github/reviewbot.yml\n--- a/.github/reviewbot.yml\n"
    )
    edit += "+++ b/.github/reviewbot.yml\n@@ -1 +1 @@\n-budget_usd: 1\n+budget_usd: 99\n"
    rename = "diff --git a/.github/reviewbot.yml b/cfg.yml\nsimilarity index 100%\n"
    rename += "rename from .github/reviewbot.yml\nrename to cfg.yml\n"
    inside = "diff --git a/x.md b/x.md\n--- a/x.md\n+++ b/x.md\n@@ -1 +1 @@\n"
    inside += "--- a/.github/reviewbot.yml\n++++ b/.github/reviewbot.yml\n"
    assert changes_path(edit, ".github/reviewbot.yml")
    assert changes_path(rename, ".github/reviewbot.yml")
    assert not changes_path(inside, ".github/reviewbot.yml")
