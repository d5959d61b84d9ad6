"""Red team, endpoints: a key is never sent in cleartext over the network.

Class of issue 11, item 13: a base-branch provider with ``base_url: http://…`` received the key
unencrypted, silently. Here: every ``base_url`` (config ``providers:``) and every
``*_BASE_URL`` variable must be ``https://``, except to a loopback host (``localhost``,
127.0.0.0/8, ``::1``); anything else is a configuration error (exit 2) naming the key or the
variable, before any request. The fakes of this suite run on ``http://127.0.0.1`` and keep
working.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VendorFakes, vendor_env
from tests.hardening.harness import FAST, SQL_DIFF, action_run, write_config

PLAIN_HTTP = [
    "http://gateway.example.com/v1",
    "http://10.0.0.8:8080/v1",
    "http://192.168.1.20/v1",
    "http://127.0.0.1.nip.io/v1",  # a public name that merely starts like a loopback address
    "http://localhost.attacker.example/v1",
    "http://[2001:db8::1]/v1",
    "http://[::ffff:10.0.0.1]/v1",
    "http://user:pass@gateway.example.com/v1",
]
LOOPBACK = [
    "http://127.0.0.1:{port}/v1",
    "http://localhost:{port}/v1",
    "http://127.0.0.1:{port}/v1/",
]


def _gateway(base_url: str) -> str:
    return (
        "providers:\n"
        f"  gateway: {{base_url: '{base_url}', api_key_env: GATEWAY_API_KEY}}\n"
        "steps:\n"
        "  security: {models: ['gateway:deepseek-chat']}\n"
    )


@pytest.mark.parametrize("url", PLAIN_HTTP)
def test_a_base_branch_provider_over_plain_http_is_a_config_error(
    url: str,
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    run.env["GATEWAY_API_KEY"] = "sk-gateway-REDTEAM0123456789abcdef"
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST + _gateway(url))

    code = run.run(capsys)

    assert code == 2, run.stdout
    (error,) = [ln for ln in run.stdout.splitlines() if ln.startswith("::error")]
    assert f".github/reviewbot.yml@{run.base_sha[:7]}" in error  # the file
    assert "providers.gateway.base_url" in error  # the key
    assert "https://" in error
    assert vendor_fakes.server.requests == []
    assert github.pulls[run.number].issue_comments == []
    assert "sk-gateway-REDTEAM" not in run.stdout + run.summary()


@pytest.mark.parametrize(
    "variable", ["ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "GOOGLE_GEMINI_BASE_URL"]
)
@pytest.mark.parametrize("url", ["http://proxy.corp.example:3128/v1", "http://10.1.2.3/"])
def test_a_base_url_variable_over_plain_http_is_an_error_naming_it(
    variable: str,
    url: str,
    vendor_fakes: VendorFakes,
    github: FakeGitHub,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = action_run(github, vendor_fakes, tmp_path, realdata)
    run.env[variable] = url
    run.serve(SQL_DIFF.read_text())
    run.base_config(FAST)

    code = run.run(capsys)

    assert code == 2, run.stdout
    (error,) = [ln for ln in run.stdout.splitlines() if ln.startswith("::error")]
    assert f"::{variable}: {url}" in error and "https://" in error
    assert vendor_fakes.server.requests == []
    assert github.pulls[run.number].issue_comments == []


def test_a_base_url_variable_never_echoes_its_password(
    vendor_fakes: VendorFakes, capsys: pytest.CaptureFixture[str]
) -> None:
    from reviewbot.app.cli import main

    env = {**vendor_env(vendor_fakes), "OPENAI_BASE_URL": "http://me:hunter2pass@proxy.example/"}

    code = main(["review", "--diff", str(SQL_DIFF)], env)

    out, err = capsys.readouterr()
    assert code == 2
    assert "OPENAI_BASE_URL: http://proxy.example/" in err
    assert "hunter2pass" not in out + err


@pytest.mark.parametrize("url", LOOPBACK)
def test_plain_http_works_to_a_loopback_host_only(
    url: str, vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Local gateways and this suite's fakes listen on loopback: the key never leaves the host."""
    from reviewbot.app.cli import main

    port = vendor_fakes.url.rsplit(":", 1)[1]
    env = {**vendor_env(vendor_fakes), "GATEWAY_API_KEY": "sk-local-gateway-0123456789"}
    codes = {}
    for host in ("gateway.example.com", "loopback"):
        target = url.format(port=port)
        if host != "loopback":
            target = target.replace("127.0.0.1", host).replace("localhost", host)
        config = write_config(tmp_path, FAST + _gateway(target), name=f"{host}.yml")
        codes[host] = main(["review", "--diff", str(SQL_DIFF), "--config", config], env)
    capsys.readouterr()

    assert codes == {"gateway.example.com": 2, "loopback": 0}
    sent = [
        r
        for r in vendor_fakes.requests_for("openai")
        if r.headers.get("authorization") == "Bearer sk-local-gateway-0123456789"
    ]
    assert sent and (sent[0].json or {}).get("model") == "deepseek-chat"
