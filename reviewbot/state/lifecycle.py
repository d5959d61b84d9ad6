"""The life of a finding across runs: new, open (carried or found again) or resolved (pure).

A full review judges every earlier open finding: found again, it stays open; not found, it is
resolved by the new head. An incremental review only judges the earlier findings whose code
the new commits touched; the others are carried forward as open, their lines moved by what
the new commits inserted or removed above them.

A dismissed finding (``/reviewbot ignore`` or a 👎 in its thread) leaves the life cycle: it is
neither open, nor carried, nor resolved, and the state does not keep it. The dismissal itself
is re-read from the thread at every run, so the finding cannot come back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from reviewbot.domain import Finding, FindingState
from reviewbot.engine.findings import sort_findings
from reviewbot.state.block import RunState, TrackedFinding
from reviewbot.state.delta import FileChange


@dataclass(frozen=True, slots=True)
class Outcome:
    """The findings after this run, and what the next run's state keeps."""

    findings: tuple[Finding, ...]  # open ones (new and carried), worst first
    resolved: tuple[Finding, ...]  # resolved by this run
    carried: int  # earlier findings kept open without being looked at again
    tracked: tuple[TrackedFinding, ...]  # for the state block


def follow(
    previous: RunState | None,
    found: Sequence[Finding],
    head_sha: str,
    changes: Mapping[str, FileChange] | None,
    dismissed: Collection[str] = frozenset(),
) -> Outcome:
    """Give each finding its state, carry or resolve the earlier ones.

    Args:
        previous: The last run's state (None on a first or state-less run).
        found: This run's findings, fingerprinted.
        head_sha: The commit this run reviewed (what resolves a finding).
        changes: For an incremental run, the files the new commits changed (compare); None for
            a full review, which judges every earlier finding.
        dismissed: Fingerprints people dismissed on this PR: dropped, found now or earlier.

    Returns:
        The open findings, the ones resolved now, how many were carried, the state to keep.
    """
    gone = frozenset(dismissed)
    tracked_before = previous.findings if previous is not None else ()
    earlier = [t for t in tracked_before if t.fingerprint not in gone]
    found = [f for f in found if f.fingerprint not in gone]
    open_before = [t for t in earlier if t.state != "resolved"]
    open_keys = {t.fingerprint for t in open_before}
    resolved_before = {t.fingerprint: t for t in earlier if t.state == "resolved"}
    # Every finding of this run is kept, even two that share a fingerprint (two file-level
    # findings of one file): the fingerprint says which earlier finding each one continues.
    kept_now: list[Finding] = []
    for finding in found:
        state: FindingState = "open" if finding.fingerprint in open_keys else "new"
        kept_now.append(dataclasses.replace(finding, state=state))
    now = {f.fingerprint: f for f in kept_now}
    resolved: list[Finding] = []
    carried: list[Finding] = []
    for tracked in open_before:
        if tracked.fingerprint in now:
            continue
        change = changes.get(tracked.path) if changes is not None else None
        if changes is None or (
            change is not None and change.touches(tracked.line, tracked.end_line)
        ):
            resolved.append(
                dataclasses.replace(tracked.finding(), state="resolved", resolved_by=head_sha)
            )
            continue
        finding = dataclasses.replace(tracked.finding(), state="open")
        if change is not None:
            line = change.moved(finding.line)
            end = change.moved(finding.end_line)
            finding = dataclasses.replace(finding, line=line, end_line=end)
        carried.append(finding)
    findings = tuple(sort_findings([*kept_now, *carried]))
    kept = [t for fp, t in resolved_before.items() if fp not in now]
    tracked_all = (
        *(TrackedFinding.of(f) for f in findings),
        *(TrackedFinding.of(f) for f in resolved),
        *kept,
    )
    return Outcome(findings, tuple(resolved), len(carried), tuple(tracked_all))
