"""The command grammar and the dismissal filter (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reviewbot.domain import (
    ChangeType,
    Classification,
    Dismissal,
    Finding,
    Review,
    Risk,
    Severity,
)
from reviewbot.engine.commands import Command, parse_command
from reviewbot.engine.dismissals import ThreadComment, drop_dismissed, find_dismissals


@pytest.mark.parametrize(
    ("body", "handle", "expected"),
    [
        ("/reviewbot review", None, Command("review", "")),
        ("  \n /REVIEWBOT Full-Review now", None, Command("full-review", "now")),
        ("/reviewbot ask why?\nsecond line", None, Command("ask", "why?\nsecond line")),
        ("/reviewbot", None, Command("help", "")),
        ("/reviewbot\tignore  false positive ", None, Command("ignore", "false positive")),
        ("@acme-bot ask x", "acme-bot", Command("ask", "x")),
        ("@ACME-BOT help", "@acme-bot", Command("help", "")),
        ("@acme-bot ask x", None, None),
        ("/reviewbotty review", None, None),
        ("please /reviewbot review", None, None),
        ("> /reviewbot review", None, None),
        ("", None, None),
    ],
)
def test_grammar(body: str, handle: str | None, expected: Command | None) -> None:
    assert parse_command(body, handle) == expected


def _comment(cid: int, body: str, login: str, **kw: object) -> ThreadComment:
    return ThreadComment(
        id=cid,
        body=body,
        login=login,
        user_type=str(kw.pop("user_type", "User")),
        association=str(kw.pop("association", "MEMBER")),
        in_reply_to=kw.pop("in_reply_to", None),  # type: ignore[arg-type]
    )


KEY = "0123456789abcdef"
ROOT = _comment(1, f"**high** · x · T\n\n<!-- reviewbot:finding {KEY} -->", "bot", user_type="Bot")


def _ours(c: ThreadComment) -> bool:
    return c.login == "bot"


def test_only_allowed_replies_in_our_threads_dismiss() -> None:
    comments = [
        ROOT,
        _comment(2, "/reviewbot ignore noise", "stranger", association="NONE", in_reply_to=1),
        _comment(3, "/reviewbot ignore", "renovate[bot]", user_type="Bot", in_reply_to=1),
        _comment(4, "I agree, /reviewbot ignore", "maint", in_reply_to=1),
    ]
    allowed = ("OWNER", "MEMBER")
    assert find_dismissals(comments, ours=_ours, allowed=allowed) == ()
    comments.append(_comment(5, "/reviewbot ignore test data", "maint", in_reply_to=1))
    (only,) = find_dismissals(comments, ours=_ours, allowed=allowed)
    assert (only.fingerprint, only.by, only.reason) == (KEY, "maint", "test data")
    assert only.title == "**high** · x · T"
    by_thumbs = find_dismissals([ROOT], ours=_ours, allowed=allowed, thumbs_down_by={1: ["w"]})
    assert [(d.by, d.reason) for d in by_thumbs] == [("w", "👎")]


def _finding(fingerprint: str) -> Finding:
    return Finding("security", Severity.HIGH, "x", "a.py", 1, None, "t", "b", None, fingerprint)


def test_drop_dismissed_removes_only_those_fingerprints_and_lists_every_dismissal() -> None:
    review = Review(
        pr=None,
        files=(),
        classification=Classification(ChangeType.FEATURE, Risk.LOW, "default", ""),
        steps=(),
        findings=(_finding(KEY), _finding("f" * 16)),
        cost_usd=Decimal(0),
        baseline_cost_usd=None,
        baseline_model=None,
        budget_usd=Decimal(1),
        wall_s=0.0,
    )
    # A dismissed finding this run did not look at again (an incremental run) is still listed.
    unseen = Dismissal("e" * 16, "m", "r")
    out = drop_dismissed(review, [Dismissal(KEY, "m", "r"), unseen, Dismissal(KEY, "x", "y")])
    assert [f.fingerprint for f in out.findings] == ["f" * 16]
    assert out.dismissed == (Dismissal(KEY, "m", "r"), unseen)
