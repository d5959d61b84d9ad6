"""The four cloud backends through the real SDKs against the cloud fakes, in a real model chain.

For each of ``bedrock`` (Claude on Amazon Bedrock), ``vertex-anthropic`` (Claude on Vertex AI),
``vertex`` (Gemini on Vertex AI) and ``azure`` (GPT on Azure OpenAI): a success with its usage
and its cost at the cloud's list price, a throttle the SDK retries, an authentication failure
that moves the chain to its next model, and no credentials at all, which passes the backend
over without a request. The settings come from the environment the clouds' OIDC steps export
(pointed at the fakes by each backend's base-URL variable), through the same registry a run
uses.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from reviewbot.config.load import parse_config, prices_for
from reviewbot.domain import ErrorKind, ModelRef, Usage
from reviewbot.engine.budget import Budget
from reviewbot.engine.chain import ChainContext, ChainOutcome, StepCall, run_chain
from reviewbot.vendors.registry import ProviderPool, provider_settings
from tests.fakeserver.clouds import (
    AZURE_API_VERSION,
    BACKENDS,
    AwsIdentity,
    CloudFakes,
    ServiceAccount,
    new_service_account,
)

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "findings": {"type": "array", "items": {}}},
    "required": ["summary", "findings"],
    "additionalProperties": False,
}
REVIEW = {"summary": "One issue.", "findings": [{"path": "a.py", "line": 3}]}
# A model of each backend, named the way its cloud names it, and its list price (USD per 1M:
# input, output, cache read) as the cloud lists it.
MODEL = {
    # a geographic inference profile ("us."): Bedrock's regional price, 10% over global
    "bedrock": "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "vertex-anthropic": "vertex-anthropic:claude-sonnet-4-5@20250929",
    "vertex": "vertex:gemini-2.5-flash",
    "azure": "azure:review-gpt",  # a deployment serving gpt-5.4 (vendors.azure.deployments)
}
PRICE = {
    "bedrock": (Decimal("3.30"), Decimal("16.50"), Decimal("0.33")),
    "vertex-anthropic": (Decimal("3"), Decimal("15"), Decimal("0.30")),  # location global
    "vertex": (Decimal("0.30"), Decimal("2.50"), Decimal("0.03")),
    "azure": (Decimal("2.50"), Decimal("15"), Decimal("0.25")),
}
# Where each backend's chain goes when it fails: another cloud, also at the fakes.
FALLBACK = {
    "bedrock": "vertex:gemini-2.5-flash",
    "vertex-anthropic": "bedrock:global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "vertex": "azure:review-gpt",
    "azure": "vertex-anthropic:claude-haiku-4-5@20251001",
}
CONFIG = "vendors:\n  azure:\n    deployments: {review-gpt: gpt-5.4}\n"


@pytest.fixture(scope="module")
def clouds_session() -> Iterator[CloudFakes]:
    fakes = CloudFakes()
    yield fakes
    fakes.close()


@pytest.fixture
def clouds(clouds_session: CloudFakes) -> Iterator[CloudFakes]:
    clouds_session.reset()
    clouds_session.aws = AwsIdentity()
    yield clouds_session
    clouds_session.reset()


@pytest.fixture(scope="module")
def account() -> ServiceAccount:
    return new_service_account()


@pytest.fixture
def cloud_env(clouds: CloudFakes, account: ServiceAccount, tmp_path: Path) -> dict[str, str]:
    """Every cloud's credentials, as their OIDC steps export them, pointed at the fakes."""
    credentials = clouds.service_account_file(tmp_path, account)
    return {**clouds.aws_env(), **clouds.google_env(credentials), **clouds.azure_env()}


def chain(
    refs: list[str],
    env: Mapping[str, str],
    *,
    config: str = CONFIG,
    max_retries: int = 0,
    timeout_s: float = 20.0,
) -> ChainOutcome[Any]:
    """Run one review step over ``refs`` the way a run does: registry, pool, prices, budget."""
    models = ", ".join(f"'{r}'" for r in refs)  # a run's chains are the config's
    parsed = parse_config(
        f"{config}max_retries: {max_retries}\nstep_timeout_s: {timeout_s}\n"
        f"steps:\n  security: {{models: [{models}]}}\n"
    )
    settings = provider_settings(parsed, env)
    pool = ProviderPool(settings)
    ctx = ChainContext(
        pool, Budget(Decimal("1.00")), prices_for(parsed, env), timeout_s, time.monotonic()
    )
    call = StepCall("security", "You review code.", "Review this diff.", 512, SCHEMA, "review")

    async def go() -> ChainOutcome[Any]:
        try:
            return await run_chain(call, tuple(ModelRef.parse(r) for r in refs), json.loads, ctx)
        finally:
            await pool.aclose()

    return asyncio.run(go())


def only(env: Mapping[str, str], backend: str) -> dict[str, str]:
    """``env`` without the credentials of every backend but ``backend``."""
    drop = {
        "bedrock": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"),
        "google": ("GOOGLE_APPLICATION_CREDENTIALS",),
        "azure": ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"),
    }
    keep = {"vertex-anthropic": "google", "vertex": "google"}.get(backend, backend)
    names = {n for cloud, vars_ in drop.items() if cloud != keep for n in vars_}
    return {k: v for k, v in env.items() if k not in names}


def _cost(backend: str, usage: Usage) -> Decimal:
    uncached, output, cached = PRICE[backend]
    total = usage.input_tokens * uncached + usage.cached_tokens * cached
    return (total + usage.output_tokens * output) / Decimal(1_000_000)


# ---------------------------------------------------------------- the model ids


@pytest.mark.parametrize("ref", [*MODEL.values(), *FALLBACK.values()])
def test_a_cloud_model_id_parses_whole_colons_included(ref: str) -> None:
    parsed = ModelRef.parse(ref)
    assert str(parsed) == ref
    assert parsed.provider in BACKENDS
    assert parsed.model == ref.split(":", 1)[1]  # "…-v1:0" keeps its colon


def test_the_config_accepts_cloud_model_ids_in_yaml_flow_lists() -> None:
    config = parse_config(
        "steps:\n  security:\n    models: [bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0,"
        " vertex-anthropic:claude-sonnet-4-5@20250929, azure:review-gpt]\n"
    )
    assert [str(m) for m in config.steps.get("security").models] == [
        "bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0",
        "vertex-anthropic:claude-sonnet-4-5@20250929",
        "azure:review-gpt",
    ]


# ---------------------------------------------------------------- success, usage and cost


@pytest.mark.parametrize("backend", BACKENDS)
def test_success_carries_the_usage_and_costs_the_clouds_list_price(
    backend: str, clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    usage = Usage(input_tokens=2000, output_tokens=500, cached_tokens=1000)
    clouds.reply_json(backend, REVIEW, usage=usage)

    outcome = chain([MODEL[backend]], only(cloud_env, backend))

    assert outcome.result.status == "ok", outcome.result
    assert str(outcome.result.model) == MODEL[backend]
    assert outcome.value == REVIEW
    (attempt,) = outcome.result.attempts
    assert attempt.usage.input_tokens == 2000
    assert attempt.usage.output_tokens == 500
    assert attempt.usage.cached_tokens == 1000
    assert attempt.cost_usd == _cost(backend, attempt.usage)
    assert [b.backend for b in clouds.ledger] == [backend]


def test_bedrock_signs_each_request_with_sigv4_and_sends_the_model_in_the_path(
    clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    outcome = chain([MODEL["bedrock"]], only(cloud_env, "bedrock"))

    assert outcome.result.status == "ok"
    (request,) = clouds.requests_for("bedrock")
    assert request.path == "/model/us.anthropic.claude-sonnet-4-5-20250929-v1:0/invoke"
    auth = request.headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIAFAKECLOUDS000001/")
    assert "/us-east-1/bedrock/aws4_request" in auth and "Signature=" in auth
    assert request.headers["x-amz-date"].endswith("Z")
    assert request.headers["x-amz-security-token"] == clouds.aws.session_token
    body = request.json
    assert "model" not in body  # it is in the path
    assert body["anthropic_version"]
    assert body["output_config"]["format"]["schema"] == SCHEMA
    assert clouds.aws.secret_key not in json.dumps(request.headers) + request.text


def test_bedrock_with_an_api_key_sends_it_as_a_bearer_token(
    clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    key = "ABSKQmVkcm9ja0FQSUtleS1mYWtlY2xvdWRzMDEyMzQ1Njc4OWFiY2RlZg=="
    clouds.aws = AwsIdentity(bearer_token=key)
    env = {
        "AWS_REGION": "us-east-1",
        "AWS_BEARER_TOKEN_BEDROCK": key,
        "ANTHROPIC_BEDROCK_BASE_URL": clouds.url,
    }

    outcome = chain([MODEL["bedrock"]], env)

    assert outcome.result.status == "ok", outcome.result
    (request,) = clouds.requests_for("bedrock")
    assert request.headers["authorization"] == f"Bearer {key}"
    assert "x-amz-date" not in request.headers


def test_vertex_sends_the_adc_token_on_the_vertex_paths(
    clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    env = only(cloud_env, "vertex") | {"GOOGLE_CLOUD_LOCATION": "us-east5"}

    claude = chain([MODEL["vertex-anthropic"]], env)
    gemini = chain([MODEL["vertex"]], env)

    assert claude.result.status == "ok" and gemini.result.status == "ok"
    (anthropic_req,) = clouds.requests_for("vertex-anthropic")
    assert anthropic_req.path == (
        "/v1/projects/acme-reviews/locations/us-east5/publishers/anthropic/models/"
        "claude-sonnet-4-5@20250929:rawPredict"
    )
    assert "model" not in anthropic_req.json and anthropic_req.json["anthropic_version"]
    (gemini_req,) = clouds.requests_for("vertex")
    assert gemini_req.path.endswith(
        "/projects/acme-reviews/locations/us-east5/publishers/google/models/"
        "gemini-2.5-flash:generateContent"
    )
    assert gemini_req.json["generationConfig"]["responseJsonSchema"] == SCHEMA
    for request in (anthropic_req, gemini_req):
        token = request.headers["authorization"].removeprefix("Bearer ")
        assert token in clouds.issued  # fetched from the key file's token_uri
        assert "x-goog-api-key" not in request.headers


def test_vertex_prices_claude_at_the_regional_rate_outside_global(
    clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=0)
    clouds.reply_json("vertex-anthropic", REVIEW, usage=usage)
    env = only(cloud_env, "vertex-anthropic") | {"CLOUD_ML_REGION": "europe-west1"}

    outcome = chain([MODEL["vertex-anthropic"]], env)

    assert outcome.result.attempts[0].cost_usd == Decimal("3.30")  # $3 +10% regional
    assert "/locations/europe-west1/" in clouds.requests_for("vertex-anthropic")[0].path


def test_azure_calls_the_deployment_with_the_api_version_and_key(
    clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    outcome = chain([MODEL["azure"]], only(cloud_env, "azure"))

    assert outcome.result.status == "ok"
    (request,) = clouds.requests_for("azure")
    assert request.path == "/openai/deployments/review-gpt/chat/completions"
    assert request.query["api-version"] == [AZURE_API_VERSION]
    assert request.headers["api-key"] == clouds.azure_key
    assert "authorization" not in request.headers
    assert request.json["model"] == "review-gpt"
    assert request.json["response_format"]["json_schema"]["strict"] is True


def test_azure_with_an_entra_token_sends_it_as_a_bearer_token(clouds: CloudFakes) -> None:
    env = clouds.azure_env(token=True)

    outcome = chain([MODEL["azure"]], env)

    assert outcome.result.status == "ok", outcome.result
    (request,) = clouds.requests_for("azure")
    assert request.headers["authorization"] == f"Bearer {clouds.azure_token}"
    assert "api-key" not in request.headers


# ---------------------------------------------------------------- throttling


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_throttle_is_retried_by_the_sdk_then_succeeds(
    backend: str, clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    clouds.throttle(backend)
    clouds.reply_json(backend, REVIEW)

    outcome = chain([MODEL[backend]], only(cloud_env, backend), max_retries=1)

    assert outcome.result.status == "ok", outcome.result
    assert len(outcome.result.attempts) == 1  # one attempt: the SDK retried inside it
    assert outcome.value == REVIEW
    assert len(clouds.requests_for(backend)) == 2


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_throttle_that_outlasts_the_retries_is_rate_limited_and_falls_back(
    backend: str, clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    clouds.throttle(backend, times=2)

    outcome = chain([MODEL[backend], FALLBACK[backend]], cloud_env, max_retries=0)

    first, second = outcome.result.attempts
    assert first.error is ErrorKind.RATE_LIMITED, first
    assert second.status == "ok" and str(outcome.result.model) == FALLBACK[backend]


def test_azures_retry_after_is_honoured(clouds: CloudFakes, cloud_env: dict[str, str]) -> None:
    clouds.throttle("azure")
    started = time.monotonic()

    outcome = chain([MODEL["azure"]], only(cloud_env, "azure"), max_retries=1)

    assert outcome.result.status == "ok"
    first, second = clouds.requests_for("azure")
    assert second.t - first.t >= 0.9  # retry-after: 1
    assert time.monotonic() - started < 10


# ---------------------------------------------------------------- authentication


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_auth_failure_falls_through_to_the_next_model(
    backend: str, clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    clouds.deny(backend)

    outcome = chain([MODEL[backend], FALLBACK[backend]], cloud_env, max_retries=2)

    assert outcome.result.status == "ok", outcome.result
    first, second = outcome.result.attempts
    assert first.status == "failed" and first.error is ErrorKind.AUTH, first
    assert str(first.model) == MODEL[backend]
    assert str(second.model) == FALLBACK[backend] and second.status == "ok"
    assert len(clouds.requests_for(backend)) == 1  # an auth error is not retried


def test_a_wrong_aws_secret_is_refused_by_the_signature_check(
    clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    env = cloud_env | {"AWS_SECRET_ACCESS_KEY": "wrongSecretAccessKey/0123456789abcdefghij"}

    outcome = chain([MODEL["bedrock"], FALLBACK["bedrock"]], env)

    first, second = outcome.result.attempts
    assert first.error is ErrorKind.AUTH
    assert "signature" in (first.message or "")
    assert second.status == "ok"
    assert "wrongSecret" not in (first.message or "")


def test_a_service_account_key_google_does_not_know_is_an_auth_failure(
    clouds: CloudFakes, cloud_env: dict[str, str], tmp_path: Path
) -> None:
    stranger = new_service_account("stranger@other-project.iam.gserviceaccount.com")
    path = tmp_path / "stranger.json"
    path.write_text(json.dumps(stranger.info(clouds.url + "/token")))  # not registered
    env = cloud_env | {"GOOGLE_APPLICATION_CREDENTIALS": str(path)}

    outcome = chain([MODEL["vertex-anthropic"], MODEL["vertex"], FALLBACK["vertex"]], env)

    claude, gemini, azure = outcome.result.attempts
    assert claude.error is ErrorKind.AUTH and gemini.error is ErrorKind.AUTH
    assert "invalid_grant" in (claude.message or "")
    assert azure.status == "ok"
    assert clouds.requests_for("vertex-anthropic") == clouds.requests_for("vertex") == []
    assert "PRIVATE KEY" not in (claude.message or "") + (gemini.message or "")


def test_a_revoked_token_is_an_auth_failure(clouds: CloudFakes, cloud_env: dict[str, str]) -> None:
    clouds.tokens_revoked = True  # the token endpoint still issues them; the API refuses them

    outcome = chain([MODEL["vertex"], FALLBACK["vertex"]], cloud_env)

    first, second = outcome.result.attempts
    assert first.error is ErrorKind.AUTH and "invalid authentication" in (first.message or "")
    assert second.status == "ok"
    token = clouds.requests_for("vertex")[0].headers["authorization"].removeprefix("Bearer ")
    assert token in clouds.issued and token not in (first.message or "")


# ---------------------------------------------------------------- Workload Identity Federation


def test_vertex_with_the_workload_identity_file_of_google_github_actions_auth(
    clouds: CloudFakes, tmp_path: Path
) -> None:
    """The runner's OIDC token, exchanged at STS: what `google-github-actions/auth` sets up."""
    credentials = clouds.workload_identity_file(tmp_path)
    env = clouds.google_env(credentials)

    outcome = chain([MODEL["vertex-anthropic"], MODEL["vertex"]], env)

    assert outcome.result.status == "ok", outcome.result
    assert str(outcome.result.model) == MODEL["vertex-anthropic"]
    oidc = clouds.server.matching("GET", r"/oidc/token")
    sts = clouds.server.matching("POST", r"/sts/v1/token")
    assert len(oidc) == 1 and len(sts) == 1
    assert oidc[0].headers["authorization"] == f"Bearer {clouds.oidc_request_token}"
    (request,) = clouds.requests_for("vertex-anthropic")
    assert request.headers["authorization"].startswith("Bearer ya29.d.fake-sts-")
    assert clouds.oidc_request_token not in json.dumps(request.headers)


# ---------------------------------------------------------------- no credentials


NO_CREDENTIALS = {
    "bedrock": "no AWS_ACCESS_KEY_ID (nor a profile, web identity or instance role)",
    "vertex-anthropic": "no GOOGLE_APPLICATION_CREDENTIALS",
    "vertex": "no GOOGLE_APPLICATION_CREDENTIALS",
    "azure": "no AZURE_OPENAI_API_KEY (nor AZURE_OPENAI_AD_TOKEN)",
}


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_credentials_a_backend_is_passed_over_with_the_reason(
    backend: str, clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    others = {
        "bedrock": "vertex",
        "vertex-anthropic": "azure",
        "vertex": "azure",
        "azure": "bedrock",
    }
    env = only(cloud_env, others[backend])

    outcome = chain([MODEL[backend]], env)

    assert outcome.result.status == "skipped"
    assert outcome.result.reason == NO_CREDENTIALS[backend]
    assert clouds.server.requests == []


@pytest.mark.parametrize(
    ("unset", "reason"),
    [
        ("AWS_REGION", "no AWS_REGION"),
        ("AWS_SECRET_ACCESS_KEY", "no AWS_SECRET_ACCESS_KEY"),
    ],
)
def test_bedrock_without_a_region_or_half_a_key_is_passed_over(
    unset: str, reason: str, clouds: CloudFakes
) -> None:
    env = {k: v for k, v in clouds.aws_env().items() if k not in (unset, "AWS_DEFAULT_REGION")}
    if unset != "AWS_REGION":
        env["AWS_REGION"] = "us-east-1"

    outcome = chain([MODEL["bedrock"]], env)

    assert (outcome.result.status, outcome.result.reason) == ("skipped", reason)


@pytest.mark.parametrize(
    ("unset", "reason"),
    [
        ("AZURE_OPENAI_ENDPOINT", "no AZURE_OPENAI_ENDPOINT"),
        ("OPENAI_API_VERSION", "no OPENAI_API_VERSION"),
    ],
)
def test_azure_without_its_endpoint_or_api_version_is_passed_over(
    unset: str, reason: str, clouds: CloudFakes
) -> None:
    env = {k: v for k, v in clouds.azure_env().items() if k != unset}

    outcome = chain([MODEL["azure"]], env)

    assert (outcome.result.status, outcome.result.reason) == ("skipped", reason)


def test_the_config_names_the_region_project_location_endpoint_and_api_version(
    clouds: CloudFakes, cloud_env: dict[str, str]
) -> None:
    config = (
        "vendors:\n"
        "  bedrock: {region: eu-west-1}\n"
        "  vertex: {project: other-project, location: europe-west4}\n"
        f"  azure: {{endpoint: '{clouds.url}', api_version: {AZURE_API_VERSION},"
        " deployments: {review-gpt: gpt-5.4}}\n"
    )
    clouds.aws = AwsIdentity(region="eu-west-1")
    env = {
        k: v
        for k, v in cloud_env.items()
        if k not in ("AWS_REGION", "AWS_DEFAULT_REGION", "AZURE_OPENAI_ENDPOINT")
    }
    env.pop("OPENAI_API_VERSION")

    outcome = (
        chain([MODEL["bedrock"]], env, config=config),
        chain([MODEL["vertex"]], env, config=config),
        chain([MODEL["azure"]], env, config=config),
    )

    assert [o.result.status for o in outcome] == ["ok", "ok", "ok"], [o.result for o in outcome]
    assert "/eu-west-1/bedrock/" in clouds.requests_for("bedrock")[0].headers["authorization"]
    assert (
        "/projects/other-project/locations/europe-west4/" in clouds.requests_for("vertex")[0].path
    )


def test_an_http_endpoint_off_the_loopback_is_a_config_error_naming_it() -> None:
    from reviewbot.errors import ConfigError

    for var in (
        "ANTHROPIC_BEDROCK_BASE_URL",
        "ANTHROPIC_VERTEX_BASE_URL",
        "GOOGLE_VERTEX_BASE_URL",
        "AZURE_OPENAI_ENDPOINT",
    ):
        with pytest.raises(ConfigError, match=var):
            provider_settings(parse_config(None), {var: "http://bedrock.example.com"})
