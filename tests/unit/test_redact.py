"""Committed secrets are found, masked everywhere before sending, and reported as critical."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.keyword import QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP, KeywordDetector

from reviewbot.checks.secrets import (
    SecretHit,
    redact_files,
    redact_path,
    redact_text,
    scan_files,
    scan_text,
    secret_findings,
)
from reviewbot.diff.parse import parse_diff
from reviewbot.domain import (
    FileDiff,
    FileStatus,
    Hunk,
    Line,
    PullRequestRef,
    Severity,
    SkipReason,
)
from reviewbot.output.render import render_prompt

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

# Fake secrets in real formats, assembled at runtime so this file trips no secret scanner.
AWS_ID = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"
GHP = "ghp_" + "R8d2Kq9LmZx4Tn7Vb1Wc5Yf3Hj6Pa0Se2Gu8"
GHO = "gho_" + "Q7w3Er9Ty2Ui5Op8As1Df4Gh6Jk0Lz3Xc9Vb"
GHU = "ghu_" + "M4n8B2v6C0x3Z7l1K5j9H2g6F0d4S8a3P7o1"
GHS = "ghs_" + "T2y6U0i4O8p3A7s1D5f9G3h7J1k5L9z4X8c2"
GHR = "ghr_" + "W9e3R7t1Y5u9I3o7P1a5S9d3F7g1H5j9K3l7"
GITHUB_PAT = (
    "github_"
    + "pat_11AB2CD3E0"
    + "k8Zq4Wm7Xr2Tn5Vb9Lc3Hd6Jf1Pg8Qs0Ry4Ua7Ie2Oh5Kj9Nl3Mb6Vc1Xz4Wq8Er2Ty5Ui9Op3As7Df"
)
GLPAT = "glpat-" + "xY9zK3mN7pQ2rS5tU8vW"
SLACK_BOT = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_USER = "xoxp-" + "123456789012-123456789012-1234567890123-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"
SLACK_HOOK = "https://hooks.slack.com/services/" + "T01ABCDEF/B02GHIJKL/Zq4Wm7Xr2Tn5Vb9Lc3Hd6Jf1"
STRIPE = "sk_" + "live_" + "51HqLyjWDarjtT1zdp7dcXbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
STRIPE_RESTRICTED = "rk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
OPENAI_PROJECT = "sk-" + "proj-Zq4Wm7Xr2Tn5Vb9Lc3Hd6Jf1Pg8Qs0Ry4Ua7Ie2Oh5Kj9Nl3Mb6Vc1Xz4Wq8Er2Ty5"
OPENAI_LEGACY = "sk-" + "Zq4Wm7Xr2Tn5Vb9Lc3Hd" + "T3Blbk" + "FJ" + "6Jf1Pg8Qs0Ry4Ua7Ie2O"
ANTHROPIC = "sk-" + "ant-api03-" + "Zq4Wm7Xr2Tn5Vb9Lc3Hd6Jf1Pg8Qs0Ry4Ua7Ie2Oh5Kj9Nl3Mb6-Vc1Xz4Wq8AA"
GOOGLE = "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"
JWT = (
    "eyJ" + "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
AZURE = base64.b64encode(hashlib.sha512(b"reviewbot-test").digest()).decode()  # 88 characters
PG_PASSWORD = "Zx9kLm2" + "Qw7vB"
MONGO_PASSWORD = "R4nd0m" + "Pa55w0rdQ"
REDIS_PASSWORD = "p4ss" + "W0rdXyz9"
SUBDELIM_PASSWORD = "Zx9!kLm" + "2Qw$7"
PASSWORD = "Tr0ub4" + "dor&3xQ"
YAML_KEY = "f8Kq2LmN" + "9pRt5vXz"
ENV_PASSWORD = "hU7kL9" + "mN2pQw"
SECRET_KEY = "j3#k9" + "Lq!2xVm8$pR5"
KEY_BODY = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" + "Zq4Wm7Xr2Tn5Vb9L",
    "c3Hd6Jf1Pg8Qs0Ry4Ua7Ie2Oh5Kj9Nl3Mb6Vc1Xz4Wq8Er2Ty5Ui9Op3As7Df1Gh4",
    "Jk8Lz2Xc6Vb0Nm4Qw8Er2Ty6Ui0Op4As8Df2Gh6Jk0Lz4Xc8Vb2Nm6Qw0==",
]
PEM_BEGIN = "-----BEGIN " + "RSA PRIVATE KEY-----"
PEM_END = "-----END " + "RSA PRIVATE KEY-----"
GCP_KEY = (
    "-----BEGIN " + "PRIVATE KEY-----\\n" + KEY_BODY[0] + "\\n-----END " + "PRIVATE KEY-----\\n"
)

# (case id, path, added line, kind, secret)
CASES = [
    ("aws-id", "config/settings.py", f'AWS_ACCESS_KEY_ID = "{AWS_ID}"', "AWS access key", AWS_ID),
    ("aws-secret", "config/settings.py", f'aws_secret_access_key = "{AWS_SECRET}"',
     "AWS secret access key", AWS_SECRET),
    ("aws-secret-env", ".env", f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}", "AWS secret access key",
     AWS_SECRET),
    ("gcp-json", "sa.json", f'  "private_key": "{GCP_KEY}",', "private key", GCP_KEY[:-2]),
    ("azure", "app.config",
     f"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={AZURE};EndpointSuffix=core",
     "Azure storage key", AZURE),
    ("ghp", "ci.py", f'token = "{GHP}"', "GitHub token", GHP),
    ("gho", "ci.py", f'token = "{GHO}"', "GitHub token", GHO),
    ("ghu", "ci.py", f'token = "{GHU}"', "GitHub token", GHU),
    ("ghs", "ci.py", f'token = "{GHS}"', "GitHub token", GHS),
    ("ghr", "ci.py", f'token = "{GHR}"', "GitHub token", GHR),
    ("github-pat", "deploy.sh", f"gh auth login --with-token <<< {GITHUB_PAT}", "GitHub token",
     GITHUB_PAT),
    ("glpat", ".gitlab-ci.yml", f"  GITLAB_TOKEN: {GLPAT}", "GitLab token", GLPAT),
    ("slack-bot", "bot.js", f'const slack = new WebClient("{SLACK_BOT}");', "Slack token",
     SLACK_BOT),
    ("slack-user", "bot.js", f'const token = "{SLACK_USER}";', "Slack token", SLACK_USER),
    ("slack-hook", "alerts.yml", f"webhook: {SLACK_HOOK}", "Slack webhook URL", SLACK_HOOK),
    ("stripe", "billing.py", f'stripe.api_key = "{STRIPE}"', "Stripe key", STRIPE),
    ("stripe-restricted", "billing.rb", f"Stripe.api_key = '{STRIPE_RESTRICTED}'", "Stripe key",
     STRIPE_RESTRICTED),
    ("openai-project", "llm.py", f'client = OpenAI("{OPENAI_PROJECT}")',
     "OpenAI API key", OPENAI_PROJECT),
    ("openai-legacy", "llm.py", f'openai.api_key = "{OPENAI_LEGACY}"', "OpenAI API key",
     OPENAI_LEGACY),
    ("anthropic", "llm.py", f'client = Anthropic(auth="{ANTHROPIC}")', "Anthropic API key",
     ANTHROPIC),
    ("google", "maps.js", f'const url = "https://maps.googleapis.com/api?key={GOOGLE}";',
     "Google API key", GOOGLE),
    ("jwt", "api.http", f"Authorization: Bearer {JWT}", "JSON Web Token", JWT),
    ("postgres", "db.py", f'DSN = "postgres://app:{PG_PASSWORD}@db.internal:5432/prod"',
     "password in connection string", PG_PASSWORD),
    ("mongodb-srv", "db.js", f'mongoose.connect("mongodb+srv://admin:{MONGO_PASSWORD}@c0.x.net/db")',
     "password in connection string", MONGO_PASSWORD),
    ("redis-no-user", "docker-compose.yml", f"  REDIS_URL: redis://:{REDIS_PASSWORD}@cache:6379/0",
     "password in connection string", REDIS_PASSWORD),
    ("url-subdelims", "db.py", f'DSN = "mysql://app:{SUBDELIM_PASSWORD}@db/prod"',
     "password in connection string", SUBDELIM_PASSWORD),
    ("password", "auth.py", f'password = "{PASSWORD}"', "hardcoded secret", PASSWORD),
    ("yaml-api-key", "config.yml", f"api_key: {YAML_KEY}", "hardcoded secret", YAML_KEY),
    ("env", ".env", f"export DB_PASSWORD={ENV_PASSWORD}", "hardcoded secret", ENV_PASSWORD),
    ("django-secret", "settings.py", f"SECRET_KEY = '{SECRET_KEY}'", "hardcoded secret",
     SECRET_KEY),
]  # fmt: skip

# Formats detect-secrets 1.5 does not catch on its own; each justifies one of our patterns.
ADDED_BY_US = ["aws-secret-env", "github-pat", "openai-project", "anthropic", "google",
               "redis-no-user", "url-subdelims", "env"]  # fmt: skip

PLACEHOLDERS = [
    ("config.py", 'password = "changeme"'),
    ("config.py", 'API_KEY = "<your-key>"'),
    ("config.py", 'api_key = "${API_KEY}"'),
    ("config.py", 'secret = os.environ["SECRET"]'),
    ("config.py", "api_key = settings.API_KEY"),
    ("config.py", 'password = "xxxxxxxxxxxx"'),
    ("config.py", 'api_key = "test_api_key"'),
    ("config.py", 'secret_type = "JSON Web Token"'),
    ("config.py", 'token = "ghp_' + "x" * 36 + '"'),
    ("config.yml", "password: ${{ secrets.DB_PASSWORD }}"),
    ("config.yml", "api_key: YOUR_API_KEY"),
    (".env", "API_KEY=xxx"),
    (".env", "GITHUB_TOKEN=$GITHUB_TOKEN"),
    (".env", "DATABASE_PASSWORD=changeme"),
    ("README.md", "postgres://user:password@localhost:5432/app"),
    ("docker-compose.yml", "DATABASE_URL: postgres://postgres:postgres@db:5432/app"),
    ("db.py", 'DSN = f"postgres://{user}:{password}@{host}/db"'),
    ("pem.py", 'HEADER = "' + PEM_BEGIN + '"'),
]


def added_file(path: str, texts: list[str], start: int = 1, **kw: object) -> FileDiff:
    lines = tuple(Line("+", None, start + i, t) for i, t in enumerate(texts))
    hunk = Hunk(0, 0, start, len(texts), "", lines)
    return FileDiff(path, None, FileStatus.ADDED, False, len(texts), 0, (hunk,), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("path", "text", "kind", "secret"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_each_kind_of_secret_is_found_on_its_line(
    path: str, text: str, kind: str, secret: str
) -> None:
    diff = added_file(path, ["# settings", "", text, "DEBUG = False"], start=40)
    hits = scan_files([diff])
    assert [(h.path, h.line, h.kind) for h in hits] == [(path, 42, kind)]
    assert text[hits[0].start : hits[0].end] == secret


@pytest.mark.parametrize(("path", "text"), PLACEHOLDERS, ids=[p[1][:40] for p in PLACEHOLDERS])
def test_placeholders_and_references_are_not_secrets(path: str, text: str) -> None:
    assert scan_files([added_file(path, [text, "x = 1"])]) == ()


@pytest.mark.parametrize("case", ADDED_BY_US)
def test_detect_secrets_alone_misses_what_our_own_patterns_add(case: str) -> None:
    _, path, text, _, secret = next(c for c in CASES if c[0] == case)
    found: list[str] = []
    for plugin_class in get_mapping_from_secret_type_to_class().values():
        if issubclass(plugin_class, RegexBasedDetector):
            found += plugin_class().analyze_string(text)
    found += KeywordDetector().analyze_string(text, QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP)
    assert not any(secret in value for value in found)
    assert [h.kind for h in scan_text(text, path)]  # ... and we do find it


def test_redaction_masks_every_secret_everywhere_and_keeps_the_shape() -> None:
    files = [added_file(f"f{i}/{c[1]}", [c[2]], start=i + 1) for i, c in enumerate(CASES)]
    # the AWS key also moves: removed from one file, context in another, in a skipped lockfile
    moved = FileDiff(
        "old/creds.py", None, FileStatus.MODIFIED, False, 1, 1,
        (Hunk(3, 2, 3, 2, "", (
            Line(" ", 3, 3, f"# previously {AWS_ID}"),
            Line("-", 4, None, f'KEY = "{AWS_ID}"'),
            Line("+", None, 4, "KEY = load_key()"),
        )),),
    )  # fmt: skip
    files.append(moved)
    hits = scan_files(files)
    findings = secret_findings(hits)
    assert len([f for f in findings if f.severity is Severity.CRITICAL]) == len(CASES)
    assert [(f.severity, f.line) for f in findings if f.path == "old/creds.py"] == [
        (Severity.MEDIUM, 3),  # on an unchanged line: committed before this change
        (Severity.HIGH, None),  # on a removed line: still in the history
    ]
    redacted = redact_files(files, hits)
    dump = repr(redacted)
    for case in CASES:
        assert case[4] not in dump, case[0]
    assert "[REDACTED:aws-access-key]" in dump and "[REDACTED:github-token]" in dump
    for before, after in zip(files, redacted, strict=True):
        assert (after.path, after.additions, after.deletions) == (
            before.path, before.additions, before.deletions
        )  # fmt: skip
        shape = [[(ln.kind, ln.old_no, ln.new_no) for ln in h.lines] for h in before.hunks]
        assert shape == [[(ln.kind, ln.old_no, ln.new_no) for ln in h.lines] for h in after.hunks]
    assert redacted[-1].hunks[0].lines[2].text == "KEY = load_key()"


def test_a_file_without_secrets_is_returned_untouched() -> None:
    files = [added_file("a.py", ["x = 1"]), added_file("b.py", [f'k = "{GHP}"'])]
    redacted = redact_files(files, scan_files(files))
    assert redacted[0] is files[0] and redacted[1] is not files[1]


def test_context_and_removed_lines_are_reported_with_their_own_severity() -> None:
    diff = FileDiff(
        "a.py", None, FileStatus.MODIFIED, False, 1, 1,
        (Hunk(1, 2, 1, 2, "", (
            Line(" ", 1, 1, f'OLD = "{GHP}"'),
            Line("-", 2, None, f'KEY = "{AWS_ID}"'),
            Line("+", None, 2, "KEY = load()"),
        )),),
    )  # fmt: skip
    hits = scan_files([diff])
    assert [(h.where, h.line, h.old_line, h.kind) for h in hits] == [
        ("context", 1, None, "GitHub token"),
        ("removed", None, 2, "AWS access key"),
    ]
    context, removed = secret_findings(hits)
    assert (context.severity, context.line) == (Severity.MEDIUM, 1)
    assert context.title == "GitHub token already committed in a.py"
    assert "unchanged line" in context.body and "rotate" in context.body
    assert (removed.severity, removed.line) == (Severity.HIGH, None)
    assert removed.title == "AWS access key removed from a.py but still in its git history"
    assert "line 2 of the old `a.py`" in removed.body and "history" in removed.body
    masked = repr(redact_files([diff], hits))
    assert GHP not in masked and AWS_ID not in masked


def test_skipped_files_are_scanned_and_binary_files_are_not() -> None:
    lock = added_file("package-lock.json", [f'"token": "{GHP}"'], skipped=SkipReason.LOCKFILE)
    binary = FileDiff("logo.png", None, FileStatus.ADDED, True, 0, 0)
    hits = scan_files([lock, binary])
    assert [(h.path, h.kind) for h in hits] == [("package-lock.json", "GitHub token")]


def test_private_key_block_is_masked_to_the_last_line_and_reported_once() -> None:
    texts = ["KEY = '''", PEM_BEGIN, *KEY_BODY, PEM_END, "'''", "print(KEY)"]
    diff = added_file("deploy/key.py", texts, start=10)
    hits = scan_files([diff])
    assert {h.line for h in hits} == {11, 12, 13, 14, 15}
    findings = secret_findings(hits)
    assert [(f.line, f.end_line, f.title) for f in findings] == [
        (11, 15, "Private key committed in deploy/key.py")
    ]
    redacted = redact_files([diff], hits)
    texts_after = [ln.text for ln in redacted[0].added_lines]
    assert texts_after[0] == "KEY = '''" and texts_after[-2:] == ["'''", "print(KEY)"]
    assert all(t == "[REDACTED:private-key]" for t in texts_after[1:6])
    assert not any(body in repr(redacted) for body in KEY_BODY)


def test_private_key_body_in_context_lines_is_masked_too() -> None:
    lines = (
        Line("+", None, 1, PEM_BEGIN),
        Line(" ", 1, 2, KEY_BODY[0]),
        Line("+", None, 3, KEY_BODY[1]),
        Line(" ", 2, 4, PEM_END),
    )
    diff = FileDiff(
        "id_rsa", None, FileStatus.MODIFIED, False, 2, 0, (Hunk(1, 2, 1, 4, "", lines),)
    )
    redacted = redact_files([diff], scan_files([diff]))
    assert not any(body in repr(redacted) for body in KEY_BODY[:2])


def test_findings_are_critical_and_never_contain_the_secret() -> None:
    files = [added_file(f"f{i}/{c[1]}", [c[2]]) for i, c in enumerate(CASES)]
    findings = secret_findings(scan_files(files))
    assert {(f.step, f.severity, f.category) for f in findings} == {
        ("secrets", Severity.CRITICAL, "CWE-798 hardcoded-secret")
    }
    dump = repr(findings)
    for case in CASES:
        assert case[4] not in dump, case[0]
    aws = findings[0]
    assert aws.title == "AWS access key committed in f0/config/settings.py"
    assert "AKIA…MPLE" in aws.body and "rotate" in aws.body and "history" in aws.body


def test_a_hit_does_not_show_its_secret_in_repr() -> None:
    hit = scan_text(f'k = "{GHP}"')[0]
    assert isinstance(hit, SecretHit) and GHP not in repr(hit)


def test_redact_text_masks_pr_descriptions() -> None:
    text = f"Fixes login.\n\nTo test: export TOKEN={GHP} and run `make e2e`."
    redacted = redact_text(text)
    assert GHP not in redacted
    assert (
        redacted
        == "Fixes login.\n\nTo test: export TOKEN=[REDACTED:github-token] and run `make e2e`."
    )
    assert redact_text("Nothing to hide here.") == "Nothing to hide here."


def test_the_leaked_aws_key_example_is_reported_critical() -> None:
    files = parse_diff((EXAMPLES / "leaked_aws_key.diff").read_bytes())
    hits = scan_files(files)
    findings = secret_findings(hits)
    assert [(f.path, f.line, f.severity) for f in findings] == [
        ("config/settings.py", 9, Severity.CRITICAL),
        ("config/settings.py", 10, Severity.CRITICAL),
    ]
    assert AWS_ID not in repr(redact_files(files, hits)) and AWS_SECRET not in repr(findings)


def test_real_diffs_hold_no_secrets(realdata: Path) -> None:
    # a huge lockfile and real security fixes: no false positive may block a merge
    for path in sorted((realdata / "diffs").glob("*.diff")) + sorted(
        (realdata / "security").glob("*.diff")
    ):
        assert scan_files(parse_diff(path.read_bytes())) == (), path.name


@pytest.mark.parametrize("at", [10, 4000, 4090, 12345])
def test_a_secret_anywhere_in_a_long_minified_line_is_found_whole(at: int) -> None:
    filler = "var a=1;b(c,d);" * 2000
    line = filler[:at] + f'k="{JWT}";' + filler[at:]
    hits = scan_text(line, "bundle.min.js")
    assert [line[h.start : h.end] for h in hits] == [JWT]
    assert JWT not in redact_text(line)


# ---------------------------------------------------------------- private keys by their body

_RSA = "308204a40201000282010100"  # SEQUENCE { INTEGER 0, INTEGER n … }: PKCS#1
_PKCS8 = "308204bd020100300d06092a864886f70d0101010500048204a7308204a30201000282010100"
_EC = "30770201010420"  # SEC1
_DSA = "308201bb02010002818100"
_ENCRYPTED = "3082051c304e06092a864886f70d01050d3041302906092a864886f70d01050c301c0408"
_CERTIFICATE = "308203773082025fa003020102021400"
_PUBLIC = "30820122300d06092a864886f70d01010105000382010f003082010a0282010100"
_OPENSSH = b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none".hex()
_PGP_SECRET = "9503980465" + "3a110201"  # old-format packet, tag 5 (secret key), v4, RSA


def key_body(header: str, size: int, seed: str, width: int = 64) -> list[str]:
    """Base64 lines of a real-shaped key: its format's header bytes, then pseudo-random ones."""
    data = bytes.fromhex(header)
    counter = 0
    while len(data) < size:
        data += hashlib.sha512(f"{seed}:{counter}".encode()).digest()
        counter += 1
    text = base64.b64encode(data[:size]).decode()
    return [text[i : i + width] for i in range(0, len(text), width)]


def pem(label: str, body: list[str], headers: tuple[str, ...] = ()) -> list[str]:
    return ["-----BEGIN " + label + "-----", *headers, *body, "-----END " + label + "-----"]


def prefixed(prefix: str, lines: list[str]) -> list[str]:
    return [prefix + line for line in lines]


RSA_BODY = key_body(_RSA, 1192, "rsa")
ENCRYPTED_BODY = key_body(_ENCRYPTED, 1312, "enc")
PKCS8_BODY = key_body(_PKCS8, 1217, "p8")
EC_BODY = key_body(_EC, 121, "ec")
DSA_BODY = key_body(_DSA, 447, "dsa")
OPENSSH_BODY = key_body(_OPENSSH, 387, "ssh", 70)
PGP_BODY = key_body(_PGP_SECRET, 930, "pgp")
LEGACY_BODY = key_body("", 1192, "legacy")  # encrypted: no structure to recognise
LEGACY_HEADERS = ("Proc-Type: 4,ENCRYPTED", "DEK-Info: AES-128-CBC,0A1B2C3D4E5F6071", "")
# (case id, path, lines of the file, the key's body lines): every key type, each behind a prefix
# or under a header that the scanner before this layer did not follow
LAYOUTS = [
    ("hash-comment", "scripts/bootstrap.py",
     ["# old deploy key:", *prefixed("# ", pem("RSA PRIVATE KEY", RSA_BODY)), "def main():"],
     RSA_BODY),
    ("slash-comment", "internal/tls/keys.go",
     ["// testKey:", *prefixed("// ", pem("RSA PRIVATE KEY", RSA_BODY)), "var k []byte"],
     RSA_BODY),
    ("block-comment", "src/auth/apple.js",
     ["/**", *prefixed(" * ", pem("RSA PRIVATE KEY", RSA_BODY)), " */"], RSA_BODY),
    ("markdown-quote", "docs/runbook.md",
     ["Use this key:", "", *prefixed("> ", pem("RSA PRIVATE KEY", RSA_BODY))], RSA_BODY),
    ("yaml-list", "ansible/vars.yml",
     ["key_lines:", *prefixed("  - ", pem("RSA PRIVATE KEY", RSA_BODY))], RSA_BODY),
    ("python-bytes", "tests/conftest.py",
     ["KEY = (", *(f'    b"{x}\\n"' for x in pem("RSA PRIVATE KEY", RSA_BODY)), ")"], RSA_BODY),
    ("encrypted-yaml-block", "helm/values.yaml",
     ["signingKey: |", *prefixed("    ", pem("ENCRYPTED PRIVATE KEY", ENCRYPTED_BODY)),
      "replicas: 2"], ENCRYPTED_BODY),
    ("encrypted-js-strings", "test/keys.js",
     ["const KEY =", *(f'  "{x}\\n" +' for x in pem("ENCRYPTED PRIVATE KEY", ENCRYPTED_BODY)),
      '  "";'], ENCRYPTED_BODY),
    ("pkcs8-sql-comment", "db/seed.sql",
     [*prefixed("-- ", pem("PRIVATE KEY", PKCS8_BODY)), "SELECT 1;"], PKCS8_BODY),
    ("ec-lisp-comment", "config/init.el", prefixed(";; ", pem("EC PRIVATE KEY", EC_BODY)),
     EC_BODY),
    ("dsa-c-comment", "legacy/keys.c",
     ["/*", *prefixed(" * ", pem("DSA PRIVATE KEY", DSA_BODY)), " */"], DSA_BODY),
    ("openssh-markdown-list", "docs/ssh.md",
     prefixed("- ", pem("OPENSSH PRIVATE KEY", OPENSSH_BODY)), OPENSSH_BODY),
    ("pgp-email-quote", "docs/release.md",
     prefixed("> ", pem("PGP PRIVATE KEY BLOCK", [*PGP_BODY, "=Zq4W"], ("Comment: release", ""))),
     PGP_BODY),
    ("legacy-encrypted-hash-comment", "deploy/legacy.sh",
     prefixed("# ", pem("RSA PRIVATE KEY", LEGACY_BODY, LEGACY_HEADERS)), LEGACY_BODY),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "lines", "body"), [c[1:] for c in LAYOUTS], ids=[c[0] for c in LAYOUTS]
)
def test_a_private_key_is_found_by_its_body_behind_any_prefix(
    path: str, lines: list[str], body: list[str]
) -> None:
    diff = added_file(path, lines, start=1)
    hits = scan_files([diff])
    findings = secret_findings(hits)
    assert [(f.title, f.severity) for f in findings] == [
        (f"Private key committed in {path}", Severity.CRITICAL)
    ]
    masked = repr(redact_files([diff], hits))
    assert not [line for line in body if line in masked]


def _hunk(*lines: Line) -> FileDiff:
    adds = sum(ln.kind == "+" for ln in lines)
    dels = sum(ln.kind == "-" for ln in lines)
    hunk = Hunk(1, len(lines) - adds, 1, len(lines) - dels, "", tuple(lines))
    return FileDiff("deploy/key.py", None, FileStatus.MODIFIED, False, adds, dels, (hunk,))


def test_a_rotated_key_is_found_when_only_its_body_lines_change() -> None:
    old, new = key_body(_RSA, 1192, "old"), key_body(_RSA, 1192, "new")
    begin, end = pem("RSA PRIVATE KEY", [])
    lines = [
        Line(" ", 1, 1, "KEY = '''"),
        Line(" ", 2, 2, begin),
        *(Line("-", 3 + i, None, text) for i, text in enumerate(old)),
        *(Line("+", None, 3 + i, text) for i, text in enumerate(new)),
        Line(" ", 3 + len(old), 3 + len(new), end),
        Line(" ", 4 + len(old), 4 + len(new), "'''"),
    ]
    diff = _hunk(*lines)
    hits = scan_files([diff])
    findings = secret_findings(hits)
    assert [(f.severity, f.line, f.end_line) for f in findings] == [
        (Severity.CRITICAL, 2, 3 + len(new)),  # the new key, BEGIN to END
        (Severity.HIGH, None, None),  # the old key: removed, still in the history
    ]
    masked = repr(redact_files([diff], hits))
    assert not [line for line in old + new if line in masked]


def test_a_key_next_to_an_edit_is_found_without_its_begin_line() -> None:
    body = key_body(_PKCS8, 1217, "tail")
    end = pem("PRIVATE KEY", [])[1]
    diff = _hunk(
        Line(" ", 20, 20, body[-3]),
        Line(" ", 21, 21, body[-2]),
        Line(" ", 22, 22, body[-1]),
        Line(" ", 23, 23, end),
        Line("+", None, 24, "DEBUG = False"),
    )
    hits = scan_files([diff])
    assert [(f.severity, f.line, f.end_line) for f in secret_findings(hits)] == [
        (Severity.MEDIUM, 20, 23)
    ]
    assert not [line for line in body if line in repr(redact_files([diff], hits))]


def test_a_first_body_line_is_found_by_its_encoding_without_any_marker() -> None:
    body = key_body(_EC, 121, "bare")
    diff = added_file("keys.py", ["KEY = (", *(f'    "{x}"' for x in body), ")"])
    hits = scan_files([diff])
    assert [f.title for f in secret_findings(hits)] == ["Private key committed in keys.py"]
    assert not [line for line in body if line in repr(redact_files([diff], hits))]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_base64_pem_in_a_kubernetes_secret_and_a_kubeconfig_is_found() -> None:
    key = "\n".join(pem("RSA PRIVATE KEY", RSA_BODY)) + "\n"
    cert = "\n".join(pem("CERTIFICATE", key_body(_CERTIFICATE, 891, "c"))) + "\n"
    secret = added_file(
        "k8s/tls.yaml",
        ["kind: Secret", "data:", f"  tls.crt: {_b64(cert)}", f"  tls.key: {_b64(key)}"],
    )
    kubeconfig = added_file(
        "ops/kubeconfig",
        ["users:", "- name: admin", "  user:", f"    client-key-data: {_b64(key)}"],
    )
    hits = scan_files([secret, kubeconfig])
    assert [(h.path, h.line, h.kind) for h in hits] == [
        ("k8s/tls.yaml", 4, "private key (base64)"),  # the certificate on line 3 is public
        ("ops/kubeconfig", 4, "private key (base64)"),
    ]
    assert _b64(key) not in repr(redact_files([secret, kubeconfig], hits))


def test_base64_is_decoded_two_levels_deep_and_no_deeper() -> None:
    token = "ghp_" + "Zq4Wm7Xr2Tn5Vb9Lc3Hd6Jf1Pg8Qs0Ry4Ua7"
    auth = _b64(f"deploy:{token}")
    dockerconfig = _b64('{"auths": {"ghcr.io": {"auth": "' + auth + '"}}}')
    # the token is named inside the auth inside the JSON inside the base64
    assert [h.kind for h in scan_text(f".dockerconfigjson: {dockerconfig}")] == [
        "GitHub token (base64)"
    ]
    once, twice, thrice = _b64(token), _b64(_b64(token)), _b64(_b64(_b64(token)))
    assert [h.kind for h in scan_text(f"a: {once}\nb: {twice}")] == ["GitHub token (base64)"] * 2
    # the bound on work: a third level is not decoded (each level is a whole scan again)
    assert scan_text(f"c: {thrice}") == ()


# ---------------------------------------------------------------- texts outside the lines


def test_a_hunk_header_section_is_masked_and_reported() -> None:
    stripe = "sk_" + "live_" + "51HqLyjWDarjtT1zdp7dcXbCdEfGh"
    hunk = Hunk(40, 2, 40, 3, f'STRIPE_KEY = "{stripe}"', (
        Line(" ", 40, 40, "def charge():"),
        Line("+", None, 41, "    log.info('charging')"),
        Line(" ", 41, 42, "    return stripe.Charge.create()"),
    ))  # fmt: skip
    diff = FileDiff("billing.py", None, FileStatus.MODIFIED, False, 1, 0, (hunk,))
    hits = scan_files([diff])
    assert [(h.where, h.line, h.kind) for h in hits] == [("context", None, "Stripe key")]
    redacted = redact_files([diff], hits)
    assert redacted[0].hunks[0].section == 'STRIPE_KEY = "[REDACTED:stripe-key]"'


def test_a_token_in_a_renamed_files_path_is_reported_and_never_in_a_prompt() -> None:
    token = GHP
    diff = FileDiff(
        "config/token.json", f"config/{token}.json", FileStatus.RENAMED, False, 0, 0, ()
    )
    hits = scan_files([diff])
    assert [(h.where, h.in_path, h.kind) for h in hits] == [("removed", True, "GitHub token")]
    (finding,) = secret_findings(hits)
    assert finding.severity is Severity.HIGH and token not in repr(finding)
    assert redact_path(f"config/{token}.json") == "config/[REDACTED:github-token].json"
    assert redact_path("src/pkg/module.py") == "src/pkg/module.py"


def test_a_control_character_cannot_hide_a_secret_from_a_prompt() -> None:
    split = AWS_ID[:8] + "\x00" + AWS_ID[8:]  # the scanner sees two halves; prompts drop \x00
    diff = added_file("app/aws.py", [f'KEY = "{split}"'])
    files = redact_files([diff], scan_files([diff]))
    pr = PullRequestRef("o/r", 1, "h", "b", title=f"Key {split}", body=f"Use {split}")
    for step in ("classify", "security"):
        system, user = render_prompt(step, files=files, pr=pr, classification=None)
        assert AWS_ID not in system + user, step
        assert "[REDACTED:aws-access-key]" in user
