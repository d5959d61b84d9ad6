"""The run state: its hidden block, the delta of new commits, the life of findings, the plan."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from reviewbot.diff.parse import parse_diff
from reviewbot.domain import COMMENT_LIMIT, Finding, Severity
from reviewbot.output.render import fit_comment
from reviewbot.state.block import STATE_LIMIT, RunState, TrackedFinding, decode, encode
from reviewbot.state.delta import CONTEXT, delta, file_changes
from reviewbot.state.lifecycle import follow
from reviewbot.state.plan import compare_reason, full_reason
from tests.fakeserver.pushes import diff

REPO, PR = "o/r", 7


def _finding(path: str, line: int | None, fp: str, title: str = "t") -> Finding:
    return Finding(
        "security", Severity.HIGH, "sql-injection", path, line, None, title, "body", fingerprint=fp
    )


def _state(*findings: TrackedFinding, **changes: object) -> RunState:
    state = RunState(
        REPO, PR, "a" * 40, "b" * 40, "main", "digest", Decimal("0.25"), True, findings
    )
    return dataclasses.replace(state, **changes)  # type: ignore[arg-type]


def _tracked(path: str, line: int, fp: str, state: str = "new") -> TrackedFinding:
    return dataclasses.replace(TrackedFinding.of(_finding(path, line, fp)), state=state)  # type: ignore[arg-type]


# ---------------------------------------------------------------- the block


def test_the_block_round_trips_and_no_text_can_close_it() -> None:
    hostile = _tracked("a -->b<script>.py", 3, "f" * 16)
    hostile = dataclasses.replace(hostile, title="--> <!-- & \u2028 ünï")
    state = _state(hostile)
    line = encode(state)
    assert line.count("-->") == 1 and line.endswith(" -->") and "<script>" not in line
    assert decode(f"<!-- reviewbot:summary -->\n{line}\n## hi", REPO, PR).state == state


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (None, "first review of this pull request"),
        ("<!-- reviewbot:summary -->\nold comment", "carries no saved review state"),
        ("<!-- reviewbot:state v1 sha256=0123456789abcdef {} -->", "damaged"),
        ("<!-- reviewbot:state v1 sha256=zz {cut", "damaged"),
        ("<!-- reviewbot:state v9 sha256=0123456789abcdef {} -->", "version 9"),
    ],
)
def test_a_missing_damaged_or_newer_block_is_a_reason_never_an_error(
    body: str | None, problem: str
) -> None:
    read = decode(body, REPO, PR)
    assert read.state is None and problem in (read.problem or "")


def test_a_block_with_valid_checksum_but_bad_fields_is_damaged() -> None:
    import hashlib

    payload = '{"repo":"o/r","pr":7,"findings":[[1,2]]}'
    digest = hashlib.sha256(payload.encode()).hexdigest()[:16]
    read = decode(f"<!-- reviewbot:state v1 sha256={digest} {payload} -->", REPO, PR)
    assert read.state is None and "damaged" in (read.problem or "")


def test_another_prs_block_is_foreign() -> None:
    read = decode(encode(_state()), REPO, 8)
    assert (
        read.state is None
        and read.problem == "the saved review state belongs to o/r#7, not this PR"
    )


def test_an_oversized_state_keeps_the_worst_open_findings_and_says_it_is_incomplete() -> None:
    many = [_tracked(f"src/file_{i:04}.py", i, f"{i:016x}") for i in range(600)]
    many[5] = dataclasses.replace(many[5], severity=Severity.CRITICAL)
    line = encode(_state(*many))
    assert len(line) <= STATE_LIMIT
    state = decode(line, REPO, PR).state
    assert state is not None and state.truncated
    assert f"{5:016x}" in {f.fingerprint for f in state.findings}
    assert (
        full_reason(
            decode(line, REPO, PR),
            head_sha="c" * 40,
            base_ref="main",
            config_digest="digest",
            full_review=False,
            incremental=True,
        )
        == "the saved review state could not hold every finding"
    )


def test_the_block_survives_the_comments_size_trimming() -> None:
    line = encode(_state(_tracked("a.py", 1, "1" * 16)))
    body = "<!-- reviewbot:summary -->\n" + line + "\n" + "finding text\n" * 10_000
    assert decode(fit_comment(body), REPO, PR).state is not None
    assert len(fit_comment(body)) <= COMMENT_LIMIT


# ---------------------------------------------------------------- the delta

BASE = {"app.py": [f"line {i}" for i in range(1, 201)]}
HEAD = {"app.py": BASE["app.py"][:50] + [f"added {i}" for i in range(100)] + BASE["app.py"][50:]}


def test_the_delta_is_the_prs_hunk_around_the_touched_line_only() -> None:
    new_head = {"app.py": [*HEAD["app.py"]]}
    new_head["app.py"][99] = "added 49 fixed"
    result = delta(parse_diff(diff(BASE, new_head)), parse_diff(diff(HEAD, new_head)))
    (file,) = parse_diff(result.diff)
    added = [ln.text for ln in file.added_lines]
    assert "added 49 fixed" in added
    assert len(added) <= 2 * CONTEXT + 2  # a window of the 100-line PR hunk
    assert (result.additions, result.deletions) == (1, 1)


def test_a_base_merge_contributes_nothing_to_review() -> None:
    merged_base = {"app.py": [*BASE["app.py"]], "other.py": ["x"]}
    merged_base["app.py"][180] = "upstream change"
    new_head = {"app.py": [*HEAD["app.py"][:280], "upstream change", *HEAD["app.py"][281:]]}
    new_head["other.py"] = ["x"]
    result = delta(parse_diff(diff(merged_base, new_head)), parse_diff(diff(HEAD, new_head)))
    assert result.diff == ""


def test_untouched_lines_move_with_insertions_above_them() -> None:
    new_head = {"app.py": ["new first", "new second", *HEAD["app.py"]]}
    changes = file_changes(parse_diff(diff(HEAD, new_head)))
    assert changes["app.py"].moved(120) == 122
    assert not changes["app.py"].touches(120, None)
    assert changes["app.py"].touches(1, None)


# ---------------------------------------------------------------- the life of a finding


def test_an_incremental_run_carries_untouched_findings_and_resolves_touched_ones() -> None:
    previous = _state(_tracked("app.py", 120, "1" * 16), _tracked("app.py", 60, "2" * 16))
    new_head = {"app.py": ["new first", *HEAD["app.py"]]}
    new_head["app.py"][60] = "fixed"  # old line 60
    changes = file_changes(parse_diff(diff(HEAD, new_head)))
    outcome = follow(previous, [_finding("app.py", 5, "3" * 16)], "c" * 40, changes)
    assert {(f.fingerprint[0], f.state, f.line) for f in outcome.findings} == {
        ("1", "open", 121),
        ("3", "new", 5),
    }
    assert [(f.fingerprint[0], f.resolved_by) for f in outcome.resolved] == [("2", "c" * 40)]
    assert outcome.carried == 1


def test_a_full_run_resolves_what_it_no_longer_finds_and_keeps_what_it_finds_again() -> None:
    previous = _state(_tracked("a.py", 1, "1" * 16), _tracked("a.py", 9, "2" * 16))
    outcome = follow(previous, [_finding("a.py", 3, "1" * 16, "reworded")], "c" * 40, None)
    assert [(f.title, f.state) for f in outcome.findings] == [("reworded", "open")]
    assert [f.fingerprint for f in outcome.resolved] == ["2" * 16]
    assert outcome.carried == 0


def test_a_dismissed_finding_is_neither_open_carried_resolved_nor_kept() -> None:
    previous = _state(
        _tracked("app.py", 120, "1" * 16),
        _tracked("app.py", 60, "2" * 16),
        _tracked("b.py", 3, "4" * 16),
    )
    new_head = {"app.py": ["new first", *HEAD["app.py"]]}
    new_head["app.py"][60] = "fixed"  # old line 60: finding 2 would be resolved
    changes = file_changes(parse_diff(diff(HEAD, new_head)))
    found = [_finding("app.py", 5, "3" * 16), _finding("app.py", 7, "5" * 16)]
    dismissed = {"1" * 16, "2" * 16, "5" * 16}  # untouched, touched, and found again now
    outcome = follow(previous, found, "c" * 40, changes, dismissed)
    assert {f.fingerprint[0] for f in outcome.findings} == {"3", "4"}  # 4: carried (b.py)
    assert outcome.resolved == () and outcome.carried == 1
    assert {t.fingerprint[0] for t in outcome.tracked} == {"3", "4"}
    # A full run too: a dismissed earlier finding is not "resolved" by not being found.
    full = follow(previous, [], "c" * 40, None, dismissed)
    assert [f.fingerprint[0] for f in full.resolved] == ["4"]


# ---------------------------------------------------------------- the plan


def test_the_plan_names_why_a_review_is_full() -> None:
    read = decode(encode(_state()), REPO, PR)
    base = {"head_sha": "c" * 40, "base_ref": "main", "config_digest": "digest"}
    assert full_reason(read, **base, full_review=False, incremental=True) is None
    assert "requested" in (full_reason(read, **base, full_review=True, incremental=True) or "")
    why = "requested by /reviewbot full-review (by @octocat)"  # a command gives its own reason
    assert full_reason(read, **base, full_review=why, incremental=True) == why
    assert "off" in (full_reason(read, **base, full_review=False, incremental=False) or "")
    other = {**base, "config_digest": "other"}
    assert "configuration" in (
        full_reason(read, **other, full_review=False, incremental=True) or ""
    )
    unfinished = decode(encode(_state(complete=False)), REPO, PR)
    assert "did not complete" in (
        full_reason(unfinished, **base, full_review=False, incremental=True) or ""
    )
    assert compare_reason("a" * 40, "c" * 40, "ahead") is None
    assert "force-pushed" in (compare_reason("a" * 40, "c" * 40, "diverged") or "")
    assert "force-pushed" in (compare_reason("a" * 40, "c" * 40, None) or "")
