"""Red team, secrets: keys in ordinary layouts, secrets outside added lines, missed formats.

Each test runs the action end to end against the fake GitHub and vendors, then reads what the
vendors RECEIVED (every recorded request, raw and JSON-decoded) and what the comment and the
report show. Values are synthetic, in real formats, assembled at run time.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VENDORS, VendorFakes
from tests.hardening.harness import FAST, ActionRun, action_run
from tests.unit.test_redact import _CERTIFICATE, _PKCS8, _RSA, LAYOUTS, key_body, pem

CLASSIFIED = {"change_type": "feature", "risk": "high", "rationale": "keys and settings"}
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
HEX = "0123456789abcdef"


def synthetic(alphabet: str, length: int, seed: str) -> str:
    """A deterministic random-looking value over ``alphabet`` (never a real credential)."""
    out: list[str] = []
    counter = 0
    while len(out) < length:
        for byte in hashlib.sha256(f"{seed}:{counter}".encode()).digest():
            out.append(alphabet[byte % len(alphabet)])
        counter += 1
    return "".join(out[:length])


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def everything_sent(fakes: VendorFakes) -> str:
    """Every request the vendor fakes received: raw bodies, headers, and the decoded strings."""
    parts: list[str] = []
    for vendor in VENDORS:
        for req in fakes.requests_for(vendor):
            parts.append(req.text)
            parts.append(req.path + json.dumps(req.query))
            parts.extend(f"{k}: {v}" for k, v in req.headers.items())
            if req.json is not None:
                parts.extend(_strings(req.json))
    return "\n".join(parts)


def vendor_calls(fakes: VendorFakes) -> int:
    return sum(len(fakes.requests_for(vendor)) for vendor in VENDORS)


def new_file(path: str, lines: list[str]) -> str:
    body = "".join(f"+{line}\n" for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def changed_file(
    path: str,
    lines: list[tuple[str, str]],
    *,
    start: int = 1,
    section: str = "",
    old_path: str | None = None,
) -> str:
    """A modified (or renamed) file with one hunk of (marker, text) lines."""
    old_len = sum(kind != "+" for kind, _ in lines)
    new_len = sum(kind != "-" for kind, _ in lines)
    head = f"diff --git a/{old_path or path} b/{path}\n"
    if old_path:
        head += f"similarity index 90%\nrename from {old_path}\nrename to {path}\n"
    head += f"index 1111111..2222222 100644\n--- a/{old_path or path}\n+++ b/{path}\n"
    hunk = f"@@ -{start},{old_len} +{start},{new_len} @@{' ' + section if section else ''}\n"
    return head + hunk + "".join(f"{kind}{text}\n" for kind, text in lines)


def secret_findings(run: ActionRun) -> list[dict[str, Any]]:
    return [f for f in run.report()["findings"] if f["step"] == "secrets"]


def _run(
    github: FakeGitHub,
    fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
    diff: str,
    **pr: str,
) -> ActionRun:
    run = action_run(github, fakes, tmp_path, realdata)
    run.serve(diff, **pr)
    run.base_config(FAST)
    fakes.reply_json("openai", CLASSIFIED)
    assert run.run(capsys) == 0, run.stderr
    assert vendor_calls(fakes) >= 4  # classify and the three review steps all ran
    return run


# ---------------------------------------------------------------- 1. keys in ordinary layouts


def test_private_keys_in_ordinary_layouts_never_reach_a_vendor_and_are_reported(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = "\n".join(pem("PRIVATE KEY", key_body(_PKCS8, 1217, "k8s"))) + "\n"
    cert = "\n".join(pem("CERTIFICATE", key_body(_CERTIFICATE, 891, "k8s-cert"))) + "\n"
    client_key = "\n".join(pem("RSA PRIVATE KEY", key_body(_RSA, 1192, "kubeconfig"))) + "\n"
    encoded = {
        "k8s/ingress-tls.yaml": (
            [
                "kind: Secret",
                "type: kubernetes.io/tls",
                "data:",
                f"  tls.crt: {b64(cert)}",
                f"  tls.key: {b64(key)}",
            ],
            b64(key),
        ),
        "ops/kubeconfig.yaml": (
            ["users:", "- name: admin", "  user:", f"    client-key-data: {b64(client_key)}"],
            b64(client_key),
        ),
    }
    diff = "".join(new_file(path, lines) for _, path, lines, _ in LAYOUTS)
    diff += "".join(new_file(path, lines) for path, (lines, _) in encoded.items())

    run = _run(github, vendor_fakes, tmp_path, realdata, capsys, diff)

    sent = everything_sent(vendor_fakes)
    assert "[REDACTED:private-key" in sent  # the files were sent, masked
    leaked = [case for case, _, _, body in LAYOUTS if any(line in sent for line in body)]
    leaked += [path for path, (_, blob) in encoded.items() if blob in sent]
    assert leaked == []
    found = {(f["path"], f["severity"]) for f in secret_findings(run)}
    paths = [path for _, path, _, _ in LAYOUTS] + list(encoded)
    assert [p for p in paths if (p, "critical") not in found] == []
    comment = run.comment()
    assert [p for p in paths if "Private key" not in comment or p not in comment] == []
    assert not any(line in comment for *_, body in LAYOUTS for line in body)


# ---------------------------------------------------------------- 2. outside added lines


def test_secrets_outside_added_lines_never_reach_a_vendor_and_are_reported(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    old_key, new_key = key_body(_RSA, 1192, "old"), key_body(_RSA, 1192, "new")
    begin, end = pem("RSA PRIVATE KEY", [])
    aws_secret = synthetic(ALNUM + "+/", 40, "aws")
    stripe = "sk_" + "live_" + synthetic(ALNUM, 40, "stripe")
    path_token = "ghp_" + synthetic(ALNUM, 36, "path")
    section_token = "xoxb-" + "2817364502-4938271650-" + synthetic(ALNUM, 24, "slack")
    title_token = "npm_" + synthetic(ALNUM, 36, "title")
    body_key = key_body(_PKCS8, 1217, "pr-body")

    diff = changed_file(  # a rotated key: BEGIN/END unchanged, only the body lines change
        "deploy/keys.py",
        [(" ", "DEPLOY_KEY = '''"), (" ", begin)]
        + [("-", line) for line in old_key]
        + [("+", line) for line in new_key]
        + [(" ", end), (" ", "'''")],
    )
    diff += changed_file(  # an AWS secret on an unchanged line next to an edit
        "config/settings.py",
        [
            (" ", 'AWS_ACCESS_KEY_ID = "AKIA" + REGION_SUFFIX'),
            (" ", f'aws_secret_access_key = "{aws_secret}"'),
            ("-", "TIMEOUT = 10"),
            ("+", "TIMEOUT = 30"),
        ],
        start=12,
    )
    diff += changed_file(  # the usual clean-up PR: the live key is on a removed line
        "billing/client.py",
        [
            (" ", "import stripe"),
            ("-", f'stripe.api_key = "{stripe}"'),
            ("+", 'stripe.api_key = os.environ["STRIPE_KEY"]'),
        ],
    )
    diff += changed_file(  # a token inside a renamed file's old path
        "config/github.py",
        [(" ", "OWNER = 'acme'"), ("-", "REPO = 'app'"), ("+", "REPO = 'api'")],
        old_path=f"config/{path_token}.py",
    )
    diff += changed_file(  # a secret in the hunk header's section text
        "alerts/notify.py",
        [(" ", "def notify(text):"), ("+", "    log.info(text)"), (" ", "    post(text)")],
        start=40,
        section=f'SLACK_TOKEN = "{section_token}"',
    )
    body = "Rotates the deploy key. Old one, for the record:\n\n" + "\n".join(
        "> " + line for line in pem("PRIVATE KEY", body_key)
    )
    run = _run(
        github,
        vendor_fakes,
        tmp_path,
        realdata,
        capsys,
        diff,
        title=f"Publish with {title_token}",
        body=body,
    )

    sent = everything_sent(vendor_fakes)
    raw = {
        "old key": old_key,
        "new key": new_key,
        "context AWS secret": [aws_secret],
        "removed Stripe key": [stripe],
        "renamed path token": [path_token],
        "hunk section token": [section_token],
        "title token": [title_token],
        "PR body key": body_key,
    }
    assert [what for what, values in raw.items() if any(v in sent for v in values)] == []
    assert "config/[REDACTED:github-token].py" in sent  # the rename is still visible, masked

    findings = {(f["path"], f["severity"], f["title"]) for f in secret_findings(run)}
    still = "but still in its git history"
    assert findings >= {
        ("deploy/keys.py", "critical", "Private key committed in deploy/keys.py"),
        ("deploy/keys.py", "high", f"Private key removed from deploy/keys.py {still}"),
        ("config/settings.py", "medium", "AWS secret access key already committed in "
         "config/settings.py"),
        ("billing/client.py", "high", f"Stripe key removed from billing/client.py {still}"),
        ("config/github.py", "high", "GitHub token in the old name of config/github.py, "
         "still in its git history"),
        ("alerts/notify.py", "medium", "Slack token already committed in alerts/notify.py"),
    }  # fmt: skip
    removed = next(f for f in secret_findings(run) if f["path"] == "billing/client.py")
    assert "rotate" in removed["body"] and "history" in removed["body"]
    comment = run.comment()
    assert "Stripe key removed from billing/client.py" in comment
    leaks = [what for what, values in raw.items() if any(v in comment for v in values)]
    assert leaks in ([], ["renamed path token"])  # GitHub shows the path in the PR itself


# ---------------------------------------------------------------- 3. formats that were missed


def _missed_formats() -> dict[str, tuple[list[str], str]]:
    """path -> (file lines, the secret), one file per format the red team found missed."""
    npm = "npm_" + synthetic(ALNUM, 36, "npm")
    hf = "hf_" + synthetic(ALNUM[:52], 34, "hf")
    aad = synthetic(ALNUM, 3, "aad") + "8Q~" + synthetic(ALNUM + "_~.-", 34, "aad2")
    sig = synthetic(ALNUM, 43, "sig") + "%3D"
    docker = b64("ci-bot:" + synthetic(ALNUM, 24, "docker"))
    basic = b64("deployer:" + synthetic(ALNUM, 18, "basic") + "!")
    bearer = synthetic(ALNUM, 40, "bearer")
    twilio = synthetic(HEX, 32, "twilio")
    sa_body = key_body(_PKCS8, 1217, "gcp")
    sa_key = "-----BEGIN " + "PRIVATE KEY-----\\n" + "\\n".join(sa_body)
    sa_key += "\\n-----END " + "PRIVATE KEY-----\\n"
    return {
        "web/.npmrc": ([f"//registry.npmjs.org/:_authToken={npm}"], npm),
        "train/login.py": ([f'login(token="{hf}")'], hf),
        "api/graph.py": ([f'cred = ClientSecretCredential(TENANT, CLIENT, "{aad}")'], aad),
        "scripts/backup.sh": (
            [
                "az storage blob upload --file db.tar --blob-url "
                f'"https://acme.blob.core.windows.net/b/db.tar?sv=2022-11-02&sp=rw&sig={sig}"'
            ],
            sig,
        ),
        ".docker/config.json": (
            ['{"auths": {"https://index.docker.io/v1/": {', f'  "auth": "{docker}"', "}}}"],
            docker,
        ),
        "deploy/nginx.conf": ([f'proxy_set_header Authorization "Basic {basic}";'], basic),
        "client/api.py": ([f'HEADERS = {{"Authorization": "Bearer {bearer}"}}'], bearer),
        "sms/send.py": ([f'client = Client("AC{synthetic(HEX, 32, "sid")}", "{twilio}")'], twilio),
        "deploy/gcp.json": (
            [
                "{",
                '  "type": "service_account",',
                f'  "private_key_id": "{synthetic(HEX, 40, "kid")}",',
                f'  "private_key": "{sa_key}",',
                '  "client_email": "ci@acme.iam.gserviceaccount.com"',
                "}",
            ],
            sa_body[3],
        ),
    }


def test_formats_the_red_team_found_missed_never_reach_a_vendor_and_are_reported(
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cases = _missed_formats()
    diff = "".join(new_file(path, lines) for path, (lines, _) in cases.items())

    run = _run(github, vendor_fakes, tmp_path, realdata, capsys, diff)

    sent = everything_sent(vendor_fakes)
    assert [path for path, (_, secret) in cases.items() if secret in sent] == []
    critical = {f["path"] for f in secret_findings(run) if f["severity"] == "critical"}
    assert [path for path in cases if path not in critical] == []
    comment = run.comment()
    assert [path for path, (_, secret) in cases.items() if secret in comment] == []
