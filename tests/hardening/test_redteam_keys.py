"""Red team, keys: no form of a vendor key or the GitHub token is ever printed or posted.

Class of issue 11, item 4: a key with a trailing newline was printed in full in the PR comment
(the HTTP client refused the header and quoted it as bytes, which the exact-value mask missed),
and a key echoed near the 300-character cut of a vendor error kept its first characters. Here:
keys are stripped and validated where they are read (a malformed one is an input error naming
the input or variable), every printable form of a key is masked (raw, escaped, bytes repr,
JSON, URL-encoded, base64, a cut-off prefix), masking happens before any cut, and a transport
error that quotes a request header is reduced to its kind.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from reviewbot.domain import ErrorKind
from reviewbot.errors import ProviderError
from reviewbot.vendors.base import CompletionRequest, build_provider
from tests.fakeserver.base import Reply
from tests.fakeserver.clouds import CloudFakes
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import KEY_VARS, VendorFakes, vendor_env
from tests.hardening.harness import (
    FAST,
    KEY_INPUTS,
    SQL_DIFF,
    ActionRun,
    action_run,
    write_config,
)

KEYS = {
    "anthropic": "sk-ant-api03-REDTEAManthropicKEY0123456789abcdefghij",
    "openai": "sk-proj-REDTEAMopenaiKEY0123456789abcdefghijklmn",
    "google": "AIzaSyREDTEAMgoogleKEY0123456789abcdefg",
}
TOKEN = "ghs_REDTEAMgithubTOKEN0123456789abcdefghij"
# A gateway key with the characters whose escaped, JSON and URL-encoded forms differ.
ODD_KEY = 'gw-REDTEAM+odd/key=with"quote\\slash~0123456789abcdef'
# A key's first characters that must never be shown (reviewbot masks cut-off prefixes from 8 on).
MIN_PREFIX = 8
CHAINS = (
    "steps:\n"
    "  classify: {models: ['openai:gpt-5-mini', 'google:gemini-2.5-flash']}\n"
    "  security: {models: ['anthropic:claude-sonnet-4-6', 'openai:gpt-5.4']}\n"
    "  quality: {models: ['openai:gpt-5.4', 'google:gemini-2.5-pro']}\n"
    "  docs: {models: ['google:gemini-2.5-pro', 'anthropic:claude-haiku-4-5']}\n"
)


def forms(value: str) -> list[str]:
    """How a library, a server or a proxy may print ``value``; independent of reviewbot's list."""
    raw = value.strip()
    out = {
        raw,
        value.encode("unicode_escape").decode(),
        repr(value)[1:-1],
        repr(value.encode())[2:-1],
        json.dumps(value)[1:-1],
        json.dumps(json.dumps(value)[1:-1])[1:-1],
        quote(raw, safe=""),
        quote_plus(raw),
        base64.b64encode(raw.encode()).decode(),
        base64.b64encode(f"user:{raw}".encode()).decode(),  # Basic auth
        raw[: MIN_PREFIX + 4],  # the first characters left by a cut
    }
    return sorted(out, key=len)


def leaked(text: str, values: list[str]) -> list[str]:
    """The forms of ``values`` found in ``text`` (outside ``::add-mask::`` lines)."""
    lines = [ln for ln in text.splitlines() if not ln.startswith("::add-mask::")]
    body = "\n".join(lines)
    return [f for v in values for f in forms(v) if f in body]


def everything_written(run: ActionRun) -> dict[str, str]:
    """The log, the posted comments and reviews, the job summary, outputs and report."""
    pull = run.github.pulls[run.number]
    posted = [c["body"] for c in pull.issue_comments] + [c["body"] for c in pull.review_comments]
    posted += [str(r.get("body")) for r in pull.reviews]
    files = {p.name: p.read_text(encoding="utf-8") for p in run.tmp.iterdir() if p.is_file()}
    files.pop("event.json", None)
    return {"stdout": run.stdout, "stderr": run.stderr, "posted": "\n".join(posted), **files}


def sent_as_header(fakes: VendorFakes, vendor: str, key: str) -> bool:
    """Every request to ``vendor`` carried exactly ``key`` (no whitespace) as its credential."""
    requests = fakes.requests_for(vendor)
    return bool(requests) and all(
        any(v in (key, f"Bearer {key}") for v in req.headers.values()) for req in requests
    )


# ---------------------------------------------------------------- keys are read clean


def test_keys_with_a_trailing_newline_are_stripped_and_never_printed(
    vendor_fakes: VendorFakes, github: FakeGitHub, tmp_path: Path, realdata: Path
) -> None:
    """Secrets stored with `echo` keep their newline; workflows pass them through `env:`."""
    run = action_run(github, vendor_fakes, tmp_path, realdata, vendors=(), token=TOKEN + "\n")
    for vendor, key in KEYS.items():
        run.env[KEY_VARS[vendor]] = key + "\n"  # the workflow's `env:`, not an input
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST + CHAINS)

    code = run.run_subprocess()

    assert code == 0, run.stdout + run.stderr
    for vendor, key in KEYS.items():
        assert sent_as_header(vendor_fakes, vendor, key), vendor
    assert {s["name"]: s["status"] for s in run.report()["steps"]} == {
        "classify": "failed",  # the fakes' default reply is a review, not a classification
        "security": "ok",
        "quality": "ok",
        "docs": "ok",
    }
    assert run.comment().startswith("<!-- reviewbot:summary -->")
    for name, text in everything_written(run).items():
        assert leaked(text, [*KEYS.values(), TOKEN]) == [], name


FLAWS = {
    "inner newline": "sk-REDTEAM0123456789\nabcdefghij",
    "inner space": "sk-REDTEAM0123456789 abcdefghij",
    "tab": "sk-REDTEAM0123456789\tabcdefghij",
    "escape char": "sk-REDTEAM0123456789\x1b[0mabcdefghij",
    "non-ASCII": "sk-REDTEAM0123456789\u00e9abcdefghij",
    "two keys pasted": "sk-REDTEAM0123456789abcdefghij\r\nsk-REDTEAMsecond0123456789",
}
WHERE = {
    # where the value is set -> the name the error must give
    "anthropic-api-key input": ("INPUT_ANTHROPIC-API-KEY", "input anthropic-api-key"),
    "gemini-api-key input": ("INPUT_GEMINI-API-KEY", "input gemini-api-key"),
    "github-token input": ("INPUT_GITHUB-TOKEN", "input github-token"),
    "OPENAI_API_KEY env": ("OPENAI_API_KEY", "OPENAI_API_KEY"),
    "GOOGLE_API_KEY env": ("GOOGLE_API_KEY", "GOOGLE_API_KEY"),
    "provider api_key_env": (
        "GATEWAY_API_KEY",
        "GATEWAY_API_KEY (the api_key_env of provider 'gateway')",
    ),
}


@pytest.mark.parametrize("where", list(WHERE))
@pytest.mark.parametrize("flaw", list(FLAWS))
def test_a_malformed_key_is_an_input_error_that_names_it(
    where: str,
    flaw: str,
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    variable, name = WHERE[where]
    value = FLAWS[flaw]
    run = action_run(github, vendor_fakes, tmp_path, realdata, vendors=("openai",), token=TOKEN)
    if variable == "OPENAI_API_KEY":
        del run.env[KEY_INPUTS["openai"]]
    run.env[variable] = value
    run.serve(SQL_DIFF.read_text())
    gateway = (
        "providers:\n"
        f"  gateway: {{base_url: '{vendor_fakes.base_url('openai')}', "
        "api_key_env: GATEWAY_API_KEY}\n"
    )
    run.base_config(FAST + CHAINS + gateway)

    code = run.run(capsys)

    assert code == 2, run.stdout
    errors = [ln for ln in run.stdout.splitlines() if ln.startswith("::error")]
    assert len(errors) == 1 and f"{name}: the value contains" in errors[0], errors
    assert vendor_fakes.server.requests == []  # never became an HTTP header
    assert github.pulls[run.number].issue_comments == []
    assert "reviewbot failed (exit 2)" in run.summary()
    for label, text in {"log": run.stdout, "err": run.stderr, "summary": run.summary()}.items():
        assert leaked(text, [value, *value.splitlines(), TOKEN]) == [], label


def test_a_malformed_key_on_the_command_line_is_an_error_naming_the_variable(
    vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reviewbot.app.cli import main

    key = KEYS["anthropic"] + "\n" + KEYS["anthropic"]
    env = vendor_env(vendor_fakes, keys={**KEYS, "anthropic": key})

    code = main(["review", "--diff", str(SQL_DIFF)], env)

    out, err = capsys.readouterr()
    assert code == 2
    assert "ANTHROPIC_API_KEY: the value contains a line break" in err
    assert vendor_fakes.server.requests == []
    assert leaked(out + err, [key, KEYS["anthropic"]]) == []


# ---------------------------------------------------------------- every form is masked


ECHOES = {
    "json-escaped": lambda k: "proxy said: " + json.dumps({"authorization": k}),
    "doubly escaped": lambda k: "log: " + json.dumps(json.dumps({"key": k})),
    "bytes repr": lambda k: f"Illegal header value {(f'Bearer {k}').encode()!r}",
    "url-encoded": lambda k: f"GET /v1/models?key={quote(k, safe='')} forbidden",
    "form-encoded": lambda k: f"body api_key={quote_plus(k)} rejected",
    "basic auth": lambda k: (
        "Authorization: Basic " + base64.b64encode(f"user:{k}".encode()).decode()
    ),
    "base64": lambda k: "token=" + base64.b64encode(k.encode()).decode(),
    "cut by the server": lambda k: f"key {k[:20]}... is invalid",
}


@pytest.mark.parametrize("echo", list(ECHOES))
def test_every_form_of_an_echoed_key_is_masked(
    echo: str, vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reviewbot.app.cli import main

    gateway = (
        "providers:\n"
        f"  gateway: {{base_url: '{vendor_fakes.base_url('openai')}', "
        "api_key_env: GATEWAY_API_KEY}\n"
    )
    chains = CHAINS.replace("openai:gpt-5.4'", "gateway:gpt-5.4'")
    config = write_config(tmp_path, FAST + chains + gateway)
    env = {**vendor_env(vendor_fakes, keys=KEYS), "GATEWAY_API_KEY": ODD_KEY}
    fakes_text = ECHOES[echo]
    vendor_fakes.fail("anthropic", 401, message=fakes_text(KEYS["anthropic"]), times=8)
    google = "API key not valid. " + fakes_text(KEYS["google"])
    vendor_fakes.fail("google", 400, message=google, times=8)
    for _ in range(8):  # the gateway and OpenAI share the route: each answer echoes its key
        vendor_fakes.fail("openai", 401, message=fakes_text(ODD_KEY))
    report = tmp_path / "report.json"

    code = main(
        ["review", "--diff", str(SQL_DIFF), "--config", config, "--report", str(report)], env
    )

    out, err = capsys.readouterr()
    assert code == 0
    assert "Why attempts failed" in out  # the vendors' messages are shown, masked
    messages = [a["error"] for s in json.loads(report.read_text())["steps"] for a in s["attempts"]]
    assert "auth" in messages
    for name, text in {"comment": out, "stderr": err, "report": report.read_text()}.items():
        assert leaked(text, [*KEYS.values(), ODD_KEY]) == [], name


# ---------------------------------------------------------------- at the provider


def _provider(fakes: VendorFakes, vendor: str, key: str) -> Any:
    settings = fakes.settings(vendor, api_key=key, timeout_s=5)
    return build_provider(settings)


REQUEST = CompletionRequest(
    model="m", system="s", prompt="p", max_output_tokens=64, json_schema={"type": "object"}
)


async def _errors(provider: Any, calls: int) -> list[ProviderError]:
    out = []
    try:
        for _ in range(calls):
            try:
                await provider.complete(REQUEST)
            except ProviderError as exc:
                out.append(exc)
    finally:
        await provider.aclose()
    return out


@pytest.mark.parametrize("vendor", ["anthropic", "openai", "google"])
def test_a_key_echoed_at_the_providers_cut_keeps_no_prefix(
    vendor: str, vendor_fakes: VendorFakes
) -> None:
    """Vendors' messages are cut to 300 characters; the key is masked before, not after."""
    key = KEYS[vendor]
    starts = range(270, 300, 3)
    for start in starts:
        vendor_fakes.fail(vendor, 401, message="x" * start + " " + key)

    errors = asyncio.run(_errors(_provider(vendor_fakes, vendor, key), len(starts)))

    assert len(errors) == len(starts)
    for error in errors:
        assert error.kind is ErrorKind.AUTH
        assert key[:MIN_PREFIX] not in str(error), error


# google-genai strips the key itself; the Stainless SDKs send it as given.
@pytest.mark.parametrize("vendor", ["anthropic", "openai"])
def test_a_transport_error_quoting_the_header_is_reduced_to_its_kind(
    vendor: str, vendor_fakes: VendorFakes
) -> None:
    """A library caller that skips validation still gets no key back from a refused header."""
    key = KEYS[vendor] + "\n"

    errors = asyncio.run(_errors(_provider(vendor_fakes, vendor, key), 1))

    assert [(e.kind, str(e)) for e in errors] == [(ErrorKind.CONNECTION, "invalid request header")]
    assert vendor_fakes.server.requests == []


# ---------------------------------------------------------------- the log


def test_the_log_registers_every_printable_form_of_each_key(
    vendor_fakes: VendorFakes, github: FakeGitHub, tmp_path: Path, realdata: Path
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata, keys=KEYS, token=TOKEN)
    run.env["GATEWAY_API_KEY"] = ODD_KEY
    run.serve(SQL_DIFF.read_text())
    gateway = (
        "providers:\n"
        f"  gateway: {{base_url: '{vendor_fakes.base_url('openai')}', "
        "api_key_env: GATEWAY_API_KEY}\n"
    )
    run.base_config(FAST + CHAINS.replace("openai:gpt-5.4'", "gateway:gpt-5.4'") + gateway)
    for _ in range(8):
        vendor_fakes.fail("openai", 401, message=ECHOES["json-escaped"](ODD_KEY))

    code = run.run_subprocess()

    assert code == 0, run.stdout + run.stderr
    registered = [
        ln.removeprefix("::add-mask::").replace("%0A", "\n").replace("%25", "%")
        for ln in run.stdout.splitlines()
        if ln.startswith("::add-mask::")
    ]
    for value in (*KEYS.values(), TOKEN, ODD_KEY):
        for form in forms(value):
            if form == value[: MIN_PREFIX + 4]:
                continue  # a cut-off prefix is masked by reviewbot itself, not registered
            assert any(r in form for r in registered), (value, form)
    assert leaked(run.stdout, [*KEYS.values(), TOKEN, ODD_KEY]) == []
    assert re.search(r"^::add-mask::gw-REDTEAM", run.stdout, re.M)


# ---------------------------------------------------------------- the clouds' credentials

CLOUD_CHAINS = (
    "steps:\n"
    "  classify: {models: ['azure:gpt-5-mini']}\n"
    "  security: {models: ['bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0',"
    " 'azure:gpt-5.4']}\n"
    "  quality: {models: ['azure:gpt-5.4']}\n"
    "  docs: {models: ['bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0']}\n"
)
CLOUD_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
)


@pytest.fixture(scope="module")
def clouds_session() -> Iterator[CloudFakes]:
    fakes = CloudFakes()
    yield fakes
    fakes.close()


@pytest.fixture
def clouds(clouds_session: CloudFakes) -> CloudFakes:
    clouds_session.reset()
    return clouds_session


@pytest.mark.parametrize("variable", CLOUD_VARIABLES)
def test_a_malformed_cloud_credential_is_an_error_naming_its_variable(
    variable: str,
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    clouds: CloudFakes,
    capsys: pytest.CaptureFixture[str],
) -> None:
    value = FLAWS["two keys pasted"]
    run = action_run(github, vendor_fakes, tmp_path, realdata, vendors=(), token=TOKEN)
    run.env.update(clouds.aws_env() | clouds.azure_env())
    run.env[variable] = value
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST + CLOUD_CHAINS)

    code = run.run(capsys)

    assert code == 2, run.stdout
    errors = [ln for ln in run.stdout.splitlines() if ln.startswith("::error")]
    assert len(errors) == 1 and f"{variable}: the value contains" in errors[0], errors
    assert clouds.server.requests == []  # never became a header or a signature
    for label, text in {"log": run.stdout, "err": run.stderr, "summary": run.summary()}.items():
        assert leaked(text, [value, *value.splitlines(), TOKEN]) == [], label


@pytest.mark.parametrize("echo", list(ECHOES))
def test_every_form_of_an_echoed_cloud_credential_is_masked(
    echo: str, clouds: CloudFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reviewbot.app.cli import main

    config = write_config(tmp_path, FAST + CLOUD_CHAINS)
    env = {**clouds.aws_env(), **clouds.azure_env(), "NO_PROXY": "127.0.0.1,localhost"}
    echoed = ECHOES[echo]
    aws = f"{echoed(clouds.aws.secret_key)} {echoed(clouds.aws.session_token or '')}"
    bedrock = [
        Reply(403, {"message": aws}, {"x-amzn-errortype": "InvalidSignatureException"})
        for _ in range(8)
    ]
    clouds.queue("bedrock", *bedrock)
    azure = {"error": {"code": "401", "message": echoed(clouds.azure_key)}}
    clouds.queue("azure", *[Reply(401, azure) for _ in range(8)])
    report = tmp_path / "report.json"

    code = main(
        ["review", "--diff", str(SQL_DIFF), "--config", config, "--report", str(report)], env
    )

    out, err = capsys.readouterr()
    assert code == 0
    assert "Why attempts failed" in out
    errors = {a["error"] for s in json.loads(report.read_text())["steps"] for a in s["attempts"]}
    assert errors == {"auth"}
    secrets = [clouds.aws.secret_key, clouds.aws.session_token or "", clouds.azure_key]
    for name, text in {"comment": out, "stderr": err, "report": report.read_text()}.items():
        assert leaked(text, secrets) == [], name


def test_a_sigv4_signature_and_security_token_a_proxy_echoes_are_masked(
    clouds: CloudFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A chain-resolved credential is in no variable to mask by value: its shape is masked."""

    def echo_request(req: Any, reply: Reply) -> Reply:
        dump = "; ".join(f"{k}: {v}" for k, v in req.headers.items() if k != "content-length")
        return Reply(403, {"message": f"proxy refused {dump}"}, reply.headers)

    clouds.queue("bedrock", *[Reply(403, None, {}, finish=echo_request) for _ in range(4)])
    config = write_config(tmp_path, FAST + CLOUD_CHAINS)
    report = tmp_path / "report.json"
    env = {**clouds.aws_env(), "NO_PROXY": "127.0.0.1,localhost"}

    main_code = _main(
        ["review", "--diff", str(SQL_DIFF), "--config", config, "--report", str(report)], env
    )

    out, err = capsys.readouterr()
    assert main_code == 0
    assert "proxy refused" in out
    signatures = [
        r.headers["authorization"].rsplit("Signature=", 1)[1]
        for r in clouds.requests_for("bedrock")
    ]
    assert signatures
    for text in (out, err, report.read_text()):
        for signature in signatures:
            assert signature not in text and signature[:16] not in text
        assert clouds.aws.access_key not in text
        assert (clouds.aws.session_token or "")[: MIN_PREFIX + 4] not in text
        assert "Signature=***" in text or "Signature" not in text


def _main(args: list[str], env: dict[str, str]) -> int:
    from reviewbot.app.cli import main

    return main(args, env)


def test_the_model_steps_never_see_the_runners_oidc_request_token() -> None:
    from reviewbot.credentials import without_github_credentials

    env = {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t" * 40, "ACTIONS_ID_TOKEN_REQUEST_URL": "https://x"}
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN" not in without_github_credentials(env)


def test_every_secret_of_a_google_credentials_file_is_found_for_masking(tmp_path: Path) -> None:
    from reviewbot.credentials import credential_file_secrets, environment_secrets

    pem = (
        "-----BEGIN PRIVATE KEY-----\n"
        "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
        "-----END PRIVATE KEY-----\n"
    )
    wif = {
        "type": "external_account",
        "credential_source": {"headers": {"Authorization": "Bearer oidc-request-token-0123456789"}},
        "token_url": "https://sts.googleapis.com/v1/token",
    }
    key = {"type": "service_account", "private_key": pem, "private_key_id": "0123456789abcdef0123"}
    user = {
        "type": "authorized_user",
        "client_secret": "d-FL95Q19q7MQmFpd7hHD0Ty",
        "refresh_token": "1//0gRefreshToken0123456789",
    }
    for data, expected in (
        (wif, ["oidc-request-token-0123456789"]),
        (
            key,
            ["0123456789abcdef0123", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", pem],
        ),
        (user, ["d-FL95Q19q7MQmFpd7hHD0Ty", "1//0gRefreshToken0123456789"]),
    ):
        path = tmp_path / f"{data['type']}.json"
        path.write_text(json.dumps(data))
        env = {"GOOGLE_APPLICATION_CREDENTIALS": str(path)}
        found = credential_file_secrets(env)
        assert all(value in found for value in expected), (data["type"], found)
        assert all(value in environment_secrets(env) for value in expected)
        assert "https://sts.googleapis.com/v1/token" not in found  # not a secret
    assert credential_file_secrets({"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "none")}) == []


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "Authorization: AWS4-HMAC-SHA256 Credential=ASIAFAKE0123456789AB/20260101/us-east-1/"
            "bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0f" * 32,
            "Signature=***",
        ),
        (
            "GET /x?X-Amz-Signature=" + "ab" * 32 + "&X-Amz-Credential=AKIAFAKE0123456789AB",
            "X-Amz-Signature=***",
        ),
        (
            '{"x-amz-security-token": "IQoJb3JpZ2luX2VjEPr//////////wEaCXVz"}',
            '"x-amz-security-token": "***',
        ),
        ("Authorization: Bearer ya29.a0AfB_byCfake-token-0123456789", "Bearer ***"),
    ],
)
def test_what_a_cloud_echoes_of_a_request_is_scrubbed_whoever_signed_it(
    text: str, kept: str
) -> None:
    from reviewbot.credentials import mask_secrets

    masked = mask_secrets(text, [])
    assert kept in masked
    assert not re.search(r"[0-9a-f]{32}|AKIA|ASIA|IQoJ|ya29\.", masked), masked
