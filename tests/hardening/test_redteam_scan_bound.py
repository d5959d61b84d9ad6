"""Red team, the secret scan's work bound: padding a change with candidate secrets.

Every candidate secret costs the scan some Python work (judging the value, recording it,
masking it), so a text can be written to hold one every dozen characters. The scan stops at a
fixed amount of work (``reviewbot/checks/secrets/work.py``) and keeps its promise by failing
closed: what it did not finish is sent to no model, the comment says so with a ``high``
finding (which trips ``fail-on: high``), and the secrets found before the stop are reported.
These runs go end to end against the fake GitHub and vendors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VendorFakes
from tests.hardening.harness import FAST, action_run
from tests.hardening.test_redteam_secrets import (
    ALNUM,
    CLASSIFIED,
    changed_file,
    everything_sent,
    new_file,
    synthetic,
)

# Each value is judged (secret-length, after a secret-sounding name) and refused for its
# "test" part: the padding adds no finding of its own, only work.
PADDING = [f"pwd_{i} = 'K9#{i:06x}test'" for i in range(30_000)]
BYPASS = "    return True  # reviewbot-bypass-telltale"
AWS_ID = "AKIA" + synthetic("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, "bound-aws")


def _diff() -> str:
    auth = changed_file(
        "app/auth.py",
        [(" ", "def allowed(user):"), ("-", "    return user.is_admin"), ("+", BYPASS)],
    )
    # the key comes first: the scan finds it before the padding stops it
    fixtures = new_file("app/fixtures.py", [f'AWS_KEY_ID = "{AWS_ID}"', *PADDING])
    guide = new_file("docs/guide.md", ["# Guide", "Run `make docs` to build this guide."])
    return auth + fixtures + guide


def test_padding_a_change_with_candidates_withholds_it_and_fails_closed(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    run.serve(_diff(), body="Add test fixtures.")
    run.base_config(FAST + "fail_on: high\n")
    vendor_fakes.reply_json("openai", CLASSIFIED)

    code = run.run(capsys)

    # nothing of the files scanned with the padding reached a vendor; the docs file did
    sent = everything_sent(vendor_fakes)
    assert "reviewbot-bypass-telltale" not in sent
    assert "K9#000001test" not in sent and AWS_ID not in sent
    assert "make docs" in sent
    report = run.report()
    skipped = {f["path"]: f["skipped"] for f in report["files"]}
    assert skipped == {
        "app/auth.py": "secrets",
        "app/fixtures.py": "secrets",
        "docs/guide.md": None,
    }
    # the stop is a high finding that names the files and trips fail-on; the key found
    # before the stop is reported as ever
    stopped = [f for f in report["findings"] if f["category"] == "secret-scan-incomplete"]
    assert [f["severity"] for f in stopped] == ["high"]
    assert "`app/auth.py`" in stopped[0]["body"] and "`app/fixtures.py`" in stopped[0]["body"]
    keys = [f for f in report["findings"] if f["title"].startswith("AWS access key")]
    assert [(f["path"], f["line"], f["severity"]) for f in keys] == [
        ("app/fixtures.py", 1, "critical")
    ]
    assert code == 1, run.stdout + run.stderr
    comment = run.comment()
    assert "Secret scan stopped: 2 files withheld from review" in comment
    assert "the secret scan stopped before their end" in comment
    assert AWS_ID not in comment


def test_a_description_padded_with_candidates_is_withheld_whole(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = "ghp_" + synthetic(ALNUM, 36, "bound-description")
    body = "\n".join([*PADDING, f"Deploy with {token} please", "Closing words-telltale."])
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    guide = new_file("docs/guide.md", ["# Guide", "Run `make docs` to build this guide."])
    run.serve(guide, body=body)
    run.base_config(FAST)
    vendor_fakes.reply_json("openai", CLASSIFIED)

    assert run.run(capsys) == 0, run.stderr

    sent = everything_sent(vendor_fakes)
    assert "make docs" in sent  # the diff was reviewed
    assert token not in sent and "K9#000001test" not in sent
    assert "words-telltale" not in sent  # not even the harmless end of it
    assert "too many possible secrets" in sent  # the models are told why it is missing
    assert token not in run.comment()
