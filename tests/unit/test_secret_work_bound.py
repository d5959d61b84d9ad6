"""The secret scan's work bound: a text too dense with candidates is withheld, never half-sent.

See ``reviewbot/checks/secrets/work.py``. The end-to-end runs are in
``tests/hardening/test_redteam_scan_bound.py``; these pin the layer's own contract, and that
no real text comes near the bound.
"""

from __future__ import annotations

from hashlib import sha1

from reviewbot.checks.secrets import redact_files, redact_text, scan_diff
from reviewbot.checks.secrets.masking import WITHHELD
from reviewbot.diff.parse import parse_diff
from reviewbot.domain import SkipReason
from tests.conftest import REALDATA
from tests.data.secrets_corpus.measure_detectors import load
from tests.data.secrets_corpus.test_corpus import added_file

AWS_ID = "AKIA" + "QYLPMN5HHHFPZAM2"  # AWS's own format; a synthetic value
# each one accepted as a password (a synthetic value with a symbol and eight distinct characters)
PASSWORDS = [f"db_password = 'K9#{sha1(str(i).encode()).hexdigest()[:9]}zQ'" for i in range(20_000)]


def _new_file(path: str, lines: list[str]) -> str:
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        f"@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def test_a_text_dense_with_secrets_is_withheld_whole() -> None:
    text = "\n".join(["Release notes", *PASSWORDS, "The end."])
    assert redact_text(text) == WITHHELD
    # below the bound, the same kind of text is masked value by value, as ever
    few = "\n".join(["Release notes", *PASSWORDS[:50], "The end."])
    masked = redact_text(few)
    assert "K9#" not in masked and masked.count("[REDACTED:hardcoded-secret]") == 50
    assert masked.startswith("Release notes\n") and masked.endswith("\nThe end.")


def test_a_diff_dense_with_secrets_withholds_the_files_scanned_with_it() -> None:
    diff = (
        _new_file("app/auth.py", ["def allowed(user):", "    return True"])
        + _new_file("app/fixtures.py", [f'KEY_ID = "{AWS_ID}"', *PASSWORDS])
        + _new_file("config/app.env", [f"aws_access_key_id={AWS_ID}", "LOG_LEVEL=debug"])
    )
    files = parse_diff(diff)
    scan = scan_diff(files)

    # code files are scanned together: the padding stops that scan; the .env file is
    # scanned with the other non-code files, to its end
    assert [files[i].path for i in sorted(scan.withheld)] == ["app/auth.py", "app/fixtures.py"]
    found = {(h.path, h.line, h.kind) for h in scan.hits}
    assert ("app/fixtures.py", 1, "AWS access key") in found  # found before the stop
    assert ("config/app.env", 1, "AWS access key") in found
    assert 1_000 < sum(h.path == "app/fixtures.py" for h in scan.hits) < len(PASSWORDS)

    safe = redact_files(files, scan.hits, scan.withheld)
    auth, fixtures, env = safe
    assert auth.skipped is SkipReason.SECRETS and fixtures.skipped is SkipReason.SECRETS
    for withheld, original in ((auth, files[0]), (fixtures, files[1])):
        assert withheld.hunks == ()  # nothing left to send
        assert (withheld.additions, withheld.deletions) == (original.additions, 0)
    assert env.skipped is None
    assert [ln.text for ln in env.added_lines] == [
        "aws_access_key_id=[REDACTED:aws-access-key]",
        "LOG_LEVEL=debug",
    ]


def test_a_value_found_in_one_file_is_masked_in_every_other() -> None:
    password = "Zq8#rT2!vLp0"
    diff = _new_file("config/db.yml", [f"password: '{password}'"]) + _new_file(
        "scripts/connect.sh", [f'psql "host=db sslmode=require" -W {password}', "echo ok"]
    )
    files = parse_diff(diff)
    scan = scan_diff(files)
    safe = redact_files(files, scan.hits, scan.withheld)
    assert scan.withheld == frozenset()
    texts = [ln.text for f in safe for ln in f.added_lines]
    assert not any(password in text for text in texts)
    assert texts[1] == 'psql "host=db sslmode=require" -W [REDACTED:hardcoded-secret]'


def test_no_real_diff_or_corpus_entry_comes_near_the_bound() -> None:
    for path in sorted((REALDATA / "diffs").glob("*.diff")) + sorted(
        (REALDATA / "security").glob("*.diff")
    ):
        files = parse_diff(path.read_bytes().decode("utf-8", "replace"))
        assert scan_diff(files).withheld == frozenset(), path.name
    entries = load("positives") + load("negatives")
    # every entry of the corpus in one diff: about 4,000 of the 120,000 units
    files = [added_file(str(item["path"]), str(item["text"])) for item in entries]
    assert scan_diff(files).withheld == frozenset()


def test_thousands_of_files_with_a_secret_each_withhold_those_past_the_bound() -> None:
    # each file costs its own work (its hits made, its hunks masked again): past the bound
    # the files with secrets are withheld, and the ones before it are reported as ever
    diff = "".join(
        _new_file(f"settings/s{i}.py", [line, "DEBUG = False"])
        for i, line in enumerate(PASSWORDS[:6_000])  # all parsed: under the diff's line bound
    )
    files = parse_diff(diff)
    assert not any(f.skipped for f in files)
    scan = scan_diff(files)
    safe = redact_files(files, scan.hits, scan.withheld)

    reported = {h.path for h in scan.hits}
    assert "settings/s0.py" in reported and 1_000 < len(reported) < len(files)
    index = {f.path: i for i, f in enumerate(files)}
    assert max(index[path] for path in reported) < min(scan.withheld)  # withheld: the rest
    # the rest with a secret, that is: a file whose value the judge refuses is not withheld
    plain = [f for i, f in enumerate(files) if i not in scan.withheld and f.path not in reported]
    assert len(plain) < len(files) // 20 and scan_diff(plain).hits == ()
    sent = [ln.text for f in safe if f.path in reported for ln in f.added_lines]
    assert len(sent) == 2 * len(reported)
    assert not any("K9#" in text for text in sent)  # every password reported is masked
    assert all(safe[i].hunks == () for i in scan.withheld)
