"""``reviewbot review`` on the SQL-injection example with only cloud credentials, as a subprocess.

The environment is what the clouds' OIDC steps export in a workflow (aws-actions/
configure-aws-credentials: the AWS keys and session token; google-github-actions/auth: the
Workload Identity Federation file and the project), plus each backend's base-URL variable
pointed at the cloud fakes. No vendor API key is set. The config is the bundled
``examples/reviewbot.clouds.yml``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakeserver.clouds import CloudFakes
from tests.fakeserver.replies import SQLI_REPLY

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SQL_DIFF = ROOT / "examples" / "sql_injection.diff"
CLOUDS_CONFIG = ROOT / "examples" / "reviewbot.clouds.yml"
SONNET = "bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0"
VERTEX_SONNET = "vertex-anthropic:claude-sonnet-4-5@20250929"
FLASH = "vertex:gemini-2.5-flash"
VENDOR_KEYS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")


@dataclass
class Review:
    """One finished ``reviewbot review`` and what it wrote."""

    code: int
    stdout: str
    stderr: str
    report: dict[str, Any]

    def step(self, name: str) -> dict[str, Any]:
        return next(s for s in self.report["steps"] if s["name"] == name)


@pytest.fixture(scope="module")
def clouds_session() -> Iterator[CloudFakes]:
    fakes = CloudFakes()
    yield fakes
    fakes.close()


@pytest.fixture
def clouds(clouds_session: CloudFakes) -> CloudFakes:
    clouds_session.reset()
    for backend in ("bedrock", "vertex-anthropic"):  # Claude finds the injection
        clouds_session.set_default(backend, SQLI_REPLY)
    return clouds_session


def review(tmp_path: Path, cloud_env: dict[str, str], *extra: str) -> Review:
    """``python -m reviewbot review`` on the example diff with ``cloud_env`` and nothing else."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    report = tmp_path / "report.json"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),  # no developer's ~/.aws or gcloud credentials
        "NO_PROXY": "127.0.0.1,localhost",
        "AWS_EC2_METADATA_DISABLED": "true",
        **cloud_env,
    }
    assert not any(key in env for key in VENDOR_KEYS)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewbot",
            "review",
            "--diff",
            str(SQL_DIFF),
            "--config",
            str(CLOUDS_CONFIG),
            "--report",
            str(report),
            *extra,
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
    )
    data = json.loads(report.read_text()) if report.exists() else {}
    return Review(proc.returncode, proc.stdout, proc.stderr, data)


def oidc_env(clouds: CloudFakes, tmp_path: Path, *, aws: bool = True) -> dict[str, str]:
    """The variables the AWS and Google OIDC steps export, pointed at the fakes."""
    env = clouds.google_env(clouds.workload_identity_file(tmp_path))
    return {**clouds.aws_env(), **env} if aws else env


def test_with_aws_and_google_credentials_security_runs_on_bedrock_and_docs_on_vertex(
    clouds: CloudFakes, tmp_path: Path
) -> None:
    run = review(tmp_path, oidc_env(clouds, tmp_path))

    assert run.code == 0, run.stderr
    assert "Traceback" not in run.stderr
    security, docs = run.step("security"), run.step("docs")
    assert (security["status"], security["model"]) == ("ok", SONNET)
    assert (docs["status"], docs["model"]) == ("ok", FLASH)
    assert run.step("classify")["model"] == FLASH
    assert run.report["classification"]["source"] == "model"
    quality = run.step("quality")  # its Azure primary has no credentials: Bedrock serves it
    assert quality["status"] == "ok" and quality["model"] == SONNET
    assert any(f["category"].startswith("CWE-89") for f in run.report["findings"])
    # priced at the clouds' list prices: Sonnet 4.5 on Bedrock's global profile, Flash on Vertex
    assert security["cost_usd"] == pytest.approx((1200 * 3 + 30 * 15) / 1e6)
    assert docs["cost_usd"] == pytest.approx((1200 * 0.30 + 30 * 2.50) / 1e6)
    assert run.report["cost_usd"] > 0
    # the requests went where the backends say, signed as each cloud signs
    (bedrock, *_) = clouds.requests_for("bedrock")
    assert bedrock.path == "/model/global.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke"
    assert bedrock.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert "/us-east-1/bedrock/aws4_request" in bedrock.headers["authorization"]
    (gemini, *_) = clouds.requests_for("vertex")
    assert "/projects/acme-reviews/locations/global/publishers/google/models/" in gemini.path
    assert clouds.requests_for("azure") == []
    # the comment names the cloud models; nothing printed carries a credential
    markdown = review(tmp_path, oidc_env(clouds, tmp_path))
    assert markdown.code == 0
    for text in (run.stdout, run.stderr, markdown.stdout, markdown.stderr, json.dumps(run.report)):
        for secret in (clouds.aws.secret_key, clouds.aws.session_token, clouds.oidc_request_token):
            assert secret and secret not in text
        assert clouds.aws.access_key not in text


def test_with_google_credentials_alone_security_runs_on_vertex_anthropic(
    clouds: CloudFakes, tmp_path: Path
) -> None:
    run = review(tmp_path, oidc_env(clouds, tmp_path, aws=False))

    assert run.code == 0, run.stderr
    security, docs = run.step("security"), run.step("docs")
    assert (security["status"], security["model"]) == ("ok", VERTEX_SONNET)
    assert (docs["status"], docs["model"]) == ("ok", FLASH)
    assert clouds.requests_for("bedrock") == []
    (claude, *_) = clouds.requests_for("vertex-anthropic")
    assert claude.path == (
        "/v1/projects/acme-reviews/locations/global/publishers/anthropic/models/"
        "claude-sonnet-4-5@20250929:rawPredict"
    )
    assert any(f["category"].startswith("CWE-89") for f in run.report["findings"])


def test_with_no_cloud_credentials_the_steps_say_which_variables_to_set(
    clouds: CloudFakes, tmp_path: Path
) -> None:
    run = review(tmp_path, {})

    assert run.code == 0, run.stderr
    assert {s["status"] for s in run.report["steps"]} == {"skipped"}
    reason = run.step("quality")["reason"]  # its chain: Azure, then Bedrock, then Vertex AI
    assert reason == (
        "no AZURE_OPENAI_ENDPOINT, "
        "no AWS_ACCESS_KEY_ID (nor a profile, web identity or instance role), "
        "no GOOGLE_APPLICATION_CREDENTIALS"
    )
    assert (
        "set AWS_ACCESS_KEY_ID, GOOGLE_APPLICATION_CREDENTIALS and AZURE_OPENAI_ENDPOINT to run"
        in run.stderr
    )
    assert clouds.server.requests == []
