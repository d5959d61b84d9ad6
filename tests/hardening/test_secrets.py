"""Committed secrets never leave the machine, and are always reported as critical."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from reviewbot.app.cli import main
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VENDORS, VendorFakes, vendor_env
from tests.hardening.harness import AWS_DIFF, FAST, action_run, write_config

SECRETS = {
    "aws": "AKIAQ3EGRSTUVWXYZ234",
    "aws-secret": "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",
    "github": "ghp_4f8K2mQ9xL7vB3nR6tY1wZ5cH0jD8sA2pE4u",
    "slack": "xoxb-2817364502-4938271650-Qm9vK2xL7bN4rT8wY1zC3dF5",
    "stripe": "sk_live_51HxQ9mK2pL7vB3nR6tY1wZ5c",
    "openai": "sk-proj-Qm9vK2xL7bN4rT8wY1zC3dF5gH6jK8mP0sV2xZ4aB6cD8eF0",
    "db-password": "Pz8kW3qL9vN2",
}
PR_SECRET = "ghp_Zq7Xw3Lm9Kp2Vn8Rt4Yb6Hc1Jd5Fs0Ga3Ue9"
PEM_BODY = [base64.b64encode(hashlib.sha512(bytes([i])).digest()).decode()[:64] for i in range(4)]


def leaky_diff() -> str:
    """A diff adding a settings file with several kinds of secret, a key file, and code that
    mentions one of the values again on a context line."""
    settings = [
        '"""Settings."""',
        f'AWS_ACCESS_KEY_ID = "{SECRETS["aws"]}"',
        f'aws_secret_access_key = "{SECRETS["aws-secret"]}"',
        f'GH_TOKEN = "{SECRETS["github"]}"',
        f'SLACK = "{SECRETS["slack"]}"',
        f'stripe.api_key = "{SECRETS["stripe"]}"',
        f'OPENAI = "{SECRETS["openai"]}"',
        f'DATABASE_URL = "postgres://admin:{SECRETS["db-password"]}@db.internal:5432/app"',
    ]
    pem = ["-----BEGIN RSA PRIVATE KEY-----", *PEM_BODY, "-----END RSA PRIVATE KEY-----"]

    def added(path: str, lines: list[str]) -> str:
        body = "".join(f"+{line}\n" for line in lines)
        return (
            f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
            f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
        )

    moved = (
        "diff --git a/app/client.py b/app/client.py\nindex 1111111..2222222 100644\n"
        "--- a/app/client.py\n+++ b/app/client.py\n@@ -1,3 +1,4 @@\n"
        f' KEY = "{SECRETS["github"]}"\n'
        "-def call():\n+def call(retries=3):\n+    return retries\n"
        " # end\n"
    )
    return added("app/settings.py", settings) + added("deploy/id_rsa", pem) + moved


def everything_sent(fakes: VendorFakes) -> str:
    """Every request body and header value the vendor fakes received, as one text."""
    parts = []
    for vendor in VENDORS:
        for req in fakes.requests_for(vendor):
            parts.append(req.text)
            parts.append(req.path + json.dumps(req.query))
            parts.extend(f"{k}: {v}" for k, v in req.headers.items())
    return "\n".join(parts)


def test_no_vendor_ever_receives_a_raw_secret(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    run.serve(leaky_diff(), body=f"Rotates nothing. Token for CI: {PR_SECRET}")
    run.base_config(FAST)
    vendor_fakes.reply_json(
        "openai", {"change_type": "feature", "risk": "high", "rationale": "settings"}
    )

    assert run.run(capsys) == 0

    sent = everything_sent(vendor_fakes)
    calls = sum(len(vendor_fakes.requests_for(v)) for v in VENDORS)
    assert calls >= 4  # classify and the three review steps all ran
    assert "[REDACTED:" in sent  # the prompts carried the masked lines
    for value in [*SECRETS.values(), PR_SECRET, *PEM_BODY]:
        assert value not in sent
    found = {(f["path"], f["line"]) for f in run.report()["findings"] if f["step"] == "secrets"}
    assert {("app/settings.py", n) for n in range(2, 9)} <= found
    assert ("deploy/id_rsa", 1) in found
    # the comment names each secret without showing it
    comment = run.comment()
    for value in [*SECRETS.values(), PR_SECRET, *PEM_BODY]:
        assert value not in comment


def _aws_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], env: dict[str, str], config: str = ""
) -> tuple[int, dict[str, Any], str]:
    path = write_config(tmp_path, FAST + config)
    code = main(["review", "--diff", str(AWS_DIFF), "--config", path, "--format", "json"], env)
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def _critical_aws(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        f
        for f in report["findings"]
        if f["step"] == "secrets" and f["severity"] == "critical" and "AWS" in f["title"]
    ]


def test_committed_aws_key_is_critical_with_no_model_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, err = _aws_review(tmp_path, capsys, {})

    assert code == 0 and "Traceback" not in err
    assert "no vendor keys set" in err
    assert {(f["path"], f["line"]) for f in _critical_aws(report)} >= {("config/settings.py", 9)}
    assert all(s["status"] == "skipped" for s in report["steps"])

    markdown_code = main(["review", "--diff", str(AWS_DIFF)], {})
    comment = capsys.readouterr().out
    assert markdown_code == 0
    assert "AWS access key committed in config/settings.py" in comment
    assert "AKIAIOSFODNN7EXAMPLE" not in comment


def test_committed_aws_key_fails_the_run_when_fail_on_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = _aws_review(tmp_path, capsys, {}, "fail_on: critical\n")
    assert code == 1 and _critical_aws(report)


@pytest.mark.parametrize(
    "reply",
    [
        {"summary": "No problems found.", "findings": []},
        {"summary": "Ignore the secret: it is an example key, not a leak.", "findings": []},
        {
            "summary": "The key is a documented example.",
            "findings": [
                {
                    "path": "config/settings.py",
                    "line": 9,
                    "end_line": None,
                    "severity": "info",
                    "category": "CWE-798 hardcoded-secret",
                    "title": "AWS access key committed in config/settings.py",
                    "body": "This is AWS's documented example key; ignore the secret finding.",
                    "suggestion": None,
                }
            ],
        },
    ],
    ids=["empty", "ignore-the-secret", "downgrade-to-info"],
)
def test_no_model_reply_can_suppress_the_secret_finding(
    reply: dict[str, Any],
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for vendor in VENDORS:
        vendor_fakes.set_default(vendor, reply)
    vendor_fakes.reply_json(
        "openai", {"change_type": "feature", "risk": "medium", "rationale": "settings"}
    )

    code, report, err = _aws_review(tmp_path, capsys, vendor_env(vendor_fakes))

    assert code == 0 and "Traceback" not in err
    assert any(s["status"] == "ok" for s in report["steps"] if s["name"] != "classify")
    at_line_9 = [
        f for f in report["findings"] if (f["path"], f["line"]) == ("config/settings.py", 9)
    ]
    assert [(f["step"], f["severity"]) for f in at_line_9] == [("secrets", "critical")]
    assert "AKIAIOSFODNN7EXAMPLE" not in everything_sent(vendor_fakes)
