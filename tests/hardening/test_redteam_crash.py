"""Red team, crash safety: no reply and no later failure hides the fixed checks' findings.

The red team sent one schema-valid reply whose ``line`` had 4,301 digits: ``json.loads``
raised a plain ``ValueError``, the run exited 3 with no comment and no report, and the AWS
key committed in the same diff was never shown.

The class, through ``reviewbot action`` with the real SDKs against the vendor fakes (the diff
is ``examples/leaked_aws_key.diff``, so there is always a committed key to report):

- a reply that cannot be read or parsed (huge integers, JSON nested past the recursion limit,
  ``NaN``/``Infinity``, lone surrogates, bytes that are not UTF-8) is an ``invalid_output``
  attempt: the chain moves on to the next model and the review is posted;
- a reply that is odd but readable (a line beyond the file, a negative line) is kept, at file
  level;
- a crash after the diff was read, in the model steps (a provider that returns a malformed
  completion) or in publishing (GitHub failing every comment write, GitHub answering the
  comment list with something that is not a list), still publishes the committed key: as
  the comment when it can, else in the job summary and the annotations; then the run exits 3.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewbot.config.load import parse_config
from reviewbot.domain import Usage
from reviewbot.engine import run as runner
from reviewbot.errors import ReviewCrashed
from reviewbot.vendors.base import Completion
from reviewbot.vendors.fake import FakeProvider, ok
from tests.fakeserver.base import Reply
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VendorFakes, success_body
from tests.hardening.harness import AWS_DIFF, FAST, ActionRun, action_run

COMMENTS = r"/repos/[^/]+/[^/]+/issues/\d+/comments"
# security: anthropic first, then openai; the other steps are off, so every fault is in one chain
CONFIG = (
    FAST
    + "steps:\n"
    + "  classify: {models: []}\n"
    + "  security: {models: ['anthropic:claude-sonnet-4-6', 'openai:gpt-5.4']}\n"
    + "  quality: {models: []}\n"
    + "  docs: {models: []}\n"
)
GOOD = {
    "summary": "Credentials are committed.",
    "findings": [
        {
            "path": "config/settings.py",
            "line": 14,
            "end_line": None,
            "severity": "medium",
            "category": "CWE-400 resource-exhaustion",
            "title": "Upload limit read without a ceiling",
            "body": "Cap the upload size where requests are read.",
            "suggestion": None,
        }
    ],
}


def _finding(**fields: Any) -> str:
    """A review reply (as JSON text) with one finding, ``fields`` laid over the good one."""
    return json.dumps({**GOOD, "findings": [{**GOOD["findings"][0], **fields}]})


def _with_line(raw: str) -> str:
    """A review reply whose finding's ``line`` is the raw JSON ``raw`` (e.g. 5,000 digits)."""
    return _finding(line=123456789).replace("123456789", raw)


UNREADABLE: dict[str, str | bytes] = {
    "line-of-4301-digits": _with_line("9" * 4301),
    "line-of-100000-digits": _with_line("1" * 100_000),
    "nested-past-the-recursion-limit": '{"summary": "s", "findings": '
    + "[" * 100_000
    + "]" * 100_000
    + "}",
    "nan-line": _with_line("NaN"),
    "infinity-line": _with_line("-Infinity"),
    "nan-summary": '{"summary": NaN, "findings": []}',
    "lone-surrogate": _finding(body="\ud800 broken"),
    "not-utf-8-on-the-wire": b"NOT-UTF-8",
}


def _ready(github: FakeGitHub, fakes: VendorFakes, tmp: Path, realdata: Path) -> ActionRun:
    run = action_run(github, fakes, tmp, realdata)
    run.serve(AWS_DIFF.read_text())
    run.base_config(CONFIG)
    return run


def _assert_key_shown(text: str) -> None:
    assert "AWS access key" in text or "aws-access-key" in text.lower(), text[:2000]
    assert "AKIAIOSFODNN7EXAMPLE" not in text  # masked, never the key itself


@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_an_unreadable_reply_is_a_failed_attempt_and_the_chain_moves_on(
    case: str,
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _ready(github, vendor_fakes, tmp_path, realdata)
    reply = UNREADABLE[case]
    if isinstance(reply, bytes):  # invalid UTF-8 inside the vendor's JSON body
        body = json.dumps(success_body("anthropic", _finding(body="PLACEHOLDER"))).encode()
        vendor_fakes.raw(
            "anthropic",
            body.replace(b"PLACEHOLDER", b"caf\xe9 \xff"),
            content_type="application/json",
        )
    else:
        vendor_fakes.reply_text("anthropic", reply)
    vendor_fakes.set_default("openai", GOOD)

    assert run.run(capsys) == 0, run.stdout + run.stderr
    security = run.step("security")
    first, second = security["attempts"]
    assert (first["status"], first["error"]) == ("failed", "invalid_output")
    assert (second["status"], security["status"]) == ("ok", "ok")
    assert security["model"] == "openai:gpt-5.4"
    comment = run.comment()
    _assert_key_shown(comment)
    assert "Upload limit read without a ceiling" in comment  # the next model's finding


@pytest.mark.parametrize(
    ("line", "cited"),
    [(10**6, "lines 1000000-1000003"), (10**12, None), (-5, None), (0, None)],
    ids=["beyond-the-file", "absurd", "negative", "zero"],
)
def test_an_odd_line_is_kept_at_file_level(
    line: int,
    cited: str | None,
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _ready(github, vendor_fakes, tmp_path, realdata)
    vendor_fakes.reply_text("anthropic", _finding(line=line, end_line=line + 3))

    assert run.run(capsys) == 0, run.stdout + run.stderr
    (finding,) = [f for f in run.report()["findings"] if f["step"] == "security"]
    assert (finding["path"], finding["line"], finding["end_line"]) == (
        "config/settings.py",
        None,
        None,
    )
    if cited:
        assert cited in finding["body"]
    _assert_key_shown(run.comment())


def test_a_crash_in_the_model_steps_still_returns_the_fixed_checks_findings() -> None:
    # A provider whose completion carries no usage object: pricing the attempt breaks, which
    # no reply parsing guards. The review must still come back with the committed key.
    broken = Completion(text=json.dumps(GOOD), usage=None, model="m", finish_reason="stop")  # type: ignore[arg-type]
    fake = FakeProvider("fake", {"m": [broken]})
    config = parse_config(
        "steps:\n  classify: {models: []}\n  security: {models: ['fake:m']}\n"
        "  quality: {models: []}\n  docs: {models: []}\n"
        "providers: {fake: {type: openai, base_url: 'http://127.0.0.1:9', api_key_env: FAKE_KEY}}\n"
    )
    with pytest.raises(ReviewCrashed) as crash:
        runner.review(
            AWS_DIFF.read_bytes(), config=config, env={"FAKE_KEY": "k"}, providers={"fake": fake}
        )
    review = crash.value.review
    assert [f.step for f in review.findings] == ["secrets", "secrets"]
    assert any("broke (AttributeError" in note for note in review.notes)
    assert crash.value.exit_code == 3


def test_a_healthy_provider_next_to_it_changes_nothing() -> None:
    fake = FakeProvider("fake", {"m": [ok(json.dumps(GOOD), Usage(100, 20))]})
    config = parse_config(
        "steps:\n  classify: {models: []}\n  security: {models: ['fake:m']}\n"
        "  quality: {models: []}\n  docs: {models: []}\n"
        "providers: {fake: {type: openai, base_url: 'http://127.0.0.1:9', api_key_env: FAKE_KEY}}\n"
    )
    review = runner.review(
        AWS_DIFF.read_bytes(), config=config, env={"FAKE_KEY": "k"}, providers={"fake": fake}
    )
    assert {f.step for f in review.findings} == {"secrets", "security"}


def test_github_failing_every_comment_write_still_shows_the_key(
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _ready(github, vendor_fakes, tmp_path, realdata)
    github.server_errors("POST", COMMENTS, times=100)

    assert run.run(capsys) == 3
    _assert_key_shown(run.summary())
    assert "::warning file=config/settings.py" in run.stdout  # the annotations
    assert "::error" in run.stdout
    assert "fixed checks" in run.summary()


def test_a_comment_list_that_is_not_a_list_still_shows_the_key(
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = _ready(github, vendor_fakes, tmp_path, realdata)
    github.server.script("GET", COMMENTS, *[Reply(200, {"not": "a list"}) for _ in range(10)])

    assert run.run(capsys) == 3
    assert "Traceback" not in run.stdout + run.stderr
    _assert_key_shown(run.summary())
    assert "::warning file=config/settings.py" in run.stdout
    assert "::error" in run.stdout
