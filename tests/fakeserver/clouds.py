"""Fakes of the enterprise clouds that resell the vendors' models, on their real paths.

One ``CloudFakes`` server speaks, for the backends named as reviewbot names them:

- ``bedrock``: Amazon Bedrock ``POST /model/{modelId}/invoke``. Every request must carry a
  SigV4 signature (``Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…,
  Signature=…`` and ``X-Amz-Date``; ``X-Amz-Security-Token`` for temporary credentials) that
  the fake recomputes with botocore from the credentials it was given, or a Bedrock API key as
  a bearer token. A bad one is answered as AWS does: 403 with ``x-amzn-ErrorType``.
- ``vertex-anthropic``: Vertex AI ``POST /v1/projects/{p}/locations/{l}/publishers/anthropic/
  models/{m}:rawPredict``, and ``vertex``: ``POST /{version}/projects/{p}/locations/{l}/
  publishers/google/models/{m}:generateContent``. The bearer token must be one the fake's
  token endpoints issued: ``POST /token`` (OAuth 2.0: a service account's signed JWT, whose
  RS256 signature it checks, or a refresh token), and ``POST /sts/v1/token`` (the token
  exchange of Workload Identity Federation) with ``GET /oidc/token`` standing in for the
  runner's OIDC token endpoint (``ACTIONS_ID_TOKEN_REQUEST_URL``).
- ``azure``: Azure OpenAI ``POST /openai/deployments/{d}/chat/completions?api-version=…`` with
  the resource's ``api-key`` or a Microsoft Entra token as a bearer token.

The reply bodies are the vendors' own (``vendors.success_body``): Bedrock and Vertex AI return the
Messages API's message, Vertex AI Gemini a ``GenerateContentResponse``, Azure a chat completion
(with Azure's content-filter annotations). The failures are each cloud's: throttling (Bedrock's
``ThrottlingException``, Vertex AI's ``RESOURCE_EXHAUSTED``, Azure's 429 with ``retry-after``)
and authentication (403/401). A success answers with the scripted usage, or ``DEFAULT_USAGE``,
and is written to ``ledger``; a classify request (its schema asks for ``change_type``) gets
``CLASSIFY`` unless a test set another default.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from reviewbot.domain import Usage
from tests.fakeserver.base import FakeServer, Recorded, Reply
from tests.fakeserver.vendors import DEFAULT_USAGE, EMPTY_REVIEW, success_body

BACKENDS = ("bedrock", "vertex-anthropic", "vertex", "azure")
ROUTES: dict[str, str] = {
    "bedrock": r"/model/(?P<model>[^/]+)/invoke",
    "vertex-anthropic": (
        r"/v1/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
        r"/publishers/anthropic/models/(?P<model>[^/:]+):rawPredict"
    ),
    "vertex": (
        r"/(?P<version>v1|v1beta1)/projects/(?P<project>[^/]+)/locations/(?P<location>[^/]+)"
        r"/publishers/google/models/(?P<model>[^/:]+):generateContent"
    ),
    "azure": r"/openai/deployments/(?P<model>[^/]+)/chat/completions",
}
# The vendor protocol each backend speaks (its reply bodies).
PROTOCOL = {
    "bedrock": "anthropic",
    "vertex-anthropic": "anthropic",
    "vertex": "google",
    "azure": "openai",
}
TOKEN_ROUTE = r"/token"
STS_ROUTE = r"/sts/v1/token"
OIDC_ROUTE = r"/oidc/token"
CLASSIFY = {"change_type": "feature", "risk": "medium", "rationale": "a new payments function"}
AZURE_API_VERSION = "2025-04-01-preview"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
_SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass(frozen=True)
class AwsIdentity:
    """The credentials the Bedrock fake accepts (what the test puts in the environment)."""

    access_key: str = "AKIAFAKECLOUDS000001"
    secret_key: str = "fakeCloudsSecretAccessKey/0123456789abcdefghij"
    session_token: str | None = "IQoJb3JpZ2luX2VjEFakeCloudsSessionToken0123456789abcdefghijklmnop"
    region: str = "us-east-1"
    bearer_token: str | None = None  # a Bedrock API key, accepted instead of a signature


@dataclass(frozen=True)
class ServiceAccount:
    """A service account key whose private key the fake token endpoint can verify."""

    email: str
    private_key_pem: str
    public_key: Any
    key_id: str

    def info(self, token_uri: str, project: str | None = "acme-reviews") -> dict[str, Any]:
        """The key file's JSON, as the Cloud console writes it."""
        data = {
            "type": "service_account",
            "private_key_id": self.key_id,
            "private_key": self.private_key_pem,
            "client_email": self.email,
            "client_id": "100000000000000000001",
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "universe_domain": "googleapis.com",
        }
        if project:
            data["project_id"] = project
        return data


def new_service_account(
    email: str = "reviewbot@acme-reviews.iam.gserviceaccount.com",
) -> ServiceAccount:
    """A service account with a fresh 2048-bit RSA key (made here, never a real one)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return ServiceAccount(email, pem, key.public_key(), secrets.token_hex(20))


@dataclass(frozen=True)
class Billed:
    """One success a cloud fake served."""

    backend: str
    model: str
    usage: Usage


class CloudFakes:
    """One fake server for the four cloud backends and the token endpoints they use."""

    def __init__(self, server: FakeServer | None = None) -> None:
        self.server = server or FakeServer()
        self._owns_server = server is None
        self.aws = AwsIdentity()
        self.azure_key = "fake-azure-openai-key-0123456789abcdef"
        self.azure_token: str | None = None  # an Entra token accepted instead of the key
        self.service_accounts: dict[str, ServiceAccount] = {}
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> client_secret
        self.oidc_request_token = "fake-actions-id-token-request-token-0123456789"
        self.issued: set[str] = set()  # Google access tokens the token endpoints issued
        self.tokens_revoked = False  # every token it issued was revoked: the APIs answer 401
        self.defaults: dict[str, dict[str, Any]] = {}
        self.ledger: list[Billed] = []
        self._lock = threading.Lock()
        for backend, pattern in ROUTES.items():
            self.server.route("POST", pattern, self._handler(backend))
        self.server.route("POST", TOKEN_ROUTE, self._token)
        self.server.route("POST", STS_ROUTE, self._sts)
        self.server.route("GET", OIDC_ROUTE, self._oidc)

    @property
    def url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT``."""
        return self.server.url

    # ---------------------------------------------------------------- environments

    def service_account_file(self, folder: Path, sa: ServiceAccount, **info: Any) -> Path:
        """Write ``sa``'s key file (``token_uri`` at this fake) and accept its JWTs."""
        self.service_accounts[sa.email] = sa
        data = {**sa.info(self.url + TOKEN_ROUTE), **info}
        path = folder / "service-account.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    def workload_identity_file(self, folder: Path, audience: str | None = None) -> Path:
        """The file google-github-actions/auth writes for direct Workload Identity Federation."""
        audience = audience or (
            "//iam.googleapis.com/projects/123456789/locations/global/"
            "workloadIdentityPools/github/providers/reviewbot"
        )
        data = {
            "type": "external_account",
            "audience": audience,
            "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
            "token_url": self.url + STS_ROUTE,
            "credential_source": {
                "url": f"{self.url}{OIDC_ROUTE}?audience=https%3A%2F%2Fiam.googleapis.com%2F",
                "headers": {"Authorization": f"Bearer {self.oidc_request_token}"},
                "format": {"type": "json", "subject_token_field_name": "value"},
            },
        }
        path = folder / "gha-creds-0123456789abcdef.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    def aws_env(self) -> dict[str, str]:
        """What aws-actions/configure-aws-credentials exports, pointed at this fake."""
        env = {
            "AWS_REGION": self.aws.region,
            "AWS_DEFAULT_REGION": self.aws.region,
            "AWS_ACCESS_KEY_ID": self.aws.access_key,
            "AWS_SECRET_ACCESS_KEY": self.aws.secret_key,
            "ANTHROPIC_BEDROCK_BASE_URL": self.url,
        }
        if self.aws.session_token:
            env["AWS_SESSION_TOKEN"] = self.aws.session_token
        return env

    def google_env(self, credentials: Path, *, location: str = "global") -> dict[str, str]:
        """What google-github-actions/auth exports, with both Vertex AI backends at this fake."""
        return {
            "GOOGLE_APPLICATION_CREDENTIALS": str(credentials),
            "GOOGLE_CLOUD_PROJECT": "acme-reviews",
            "CLOUDSDK_CORE_PROJECT": "acme-reviews",
            "GOOGLE_CLOUD_LOCATION": location,
            "ANTHROPIC_VERTEX_BASE_URL": self.url + "/v1",
            "GOOGLE_VERTEX_BASE_URL": self.url,
        }

    def azure_env(self, *, token: bool = False) -> dict[str, str]:
        """An Azure OpenAI resource at this fake, with its key (or an Entra token)."""
        env = {"AZURE_OPENAI_ENDPOINT": self.url, "OPENAI_API_VERSION": AZURE_API_VERSION}
        if token:
            self.azure_token = self.azure_token or "eyJ0eXAiOiJKV1QifQ.fake-entra-token.sig0123"
            env["AZURE_OPENAI_AD_TOKEN"] = self.azure_token
        else:
            env["AZURE_OPENAI_API_KEY"] = self.azure_key
        return env

    # ---------------------------------------------------------------- scripting

    def queue(self, backend: str, *replies: Reply) -> None:
        """Queue raw replies on ``backend``'s route, served before the default."""
        self.server.script("POST", ROUTES[backend], *replies)

    def set_default(self, backend: str, obj: Any) -> None:
        """What ``backend`` answers to a review request when nothing is queued."""
        self.defaults[backend] = obj

    def reply_json(
        self, backend: str, obj: Any, *, usage: Usage | None = None, times: int = 1
    ) -> None:
        """Queue successes whose text is ``json.dumps(obj)``."""
        for _ in range(times):
            self.queue(backend, self._success(backend, json.dumps(obj), usage))

    def throttle(self, backend: str, *, times: int = 1) -> None:
        """Queue the cloud's own "too many requests"."""
        self.queue(backend, *[throttle_reply(backend) for _ in range(times)])

    def deny(self, backend: str, *, times: int = 1) -> None:
        """Queue the cloud's own authentication or authorization failure."""
        self.queue(backend, *[denied_reply(backend) for _ in range(times)])

    # ---------------------------------------------------------------- inspection

    def requests_for(self, backend: str) -> list[Recorded]:
        """Requests received on ``backend``'s route, in arrival order."""
        return self.server.matching("POST", ROUTES[backend])

    def reset(self) -> None:
        """Forget requests, queued replies, defaults, issued tokens and the ledger."""
        self.server.reset()
        self.defaults.clear()
        with self._lock:
            self.ledger.clear()
            self.issued.clear()
        self.tokens_revoked = False

    def close(self) -> None:
        """Stop the server (only if this object started it)."""
        if self._owns_server:
            self.server.close()

    # ---------------------------------------------------------------- the APIs

    def _handler(self, backend: str) -> Callable[[Recorded, re.Match[str]], Reply]:
        def handle(req: Recorded, match: re.Match[str]) -> Reply:
            problem = self._auth_problem(backend, req)
            if problem is not None:
                return problem
            body = req.json or {}
            schema = json.dumps(_schema_of(backend, body))
            reply = (
                CLASSIFY if "change_type" in schema else self.defaults.get(backend, EMPTY_REVIEW)
            )
            return self._success(backend, json.dumps(reply), None, model=match.group("model"))

        return handle

    def _success(
        self, backend: str, text: str, usage: Usage | None, *, model: str | None = None
    ) -> Reply:
        protocol = PROTOCOL[backend]
        body = success_body(protocol, text, usage=usage or DEFAULT_USAGE)
        headers: dict[str, str] = {}
        if backend == "bedrock":
            body["id"] = "msg_bdrk_01FakeClouds"
            headers = {"x-amzn-requestid": "0f1e2d3c-fake-4b5a-9876-bedrockreq01"}
        elif backend == "vertex-anthropic":
            body["id"] = "msg_vrtx_01FakeClouds"
        elif backend == "azure":
            body["prompt_filter_results"] = [
                {"prompt_index": 0, "content_filter_results": _NO_FILTER}
            ]
            body["choices"][0]["content_filter_results"] = _NO_FILTER
            headers = {"apim-request-id": "fake-apim-0001", "x-request-id": "fake-azure-0001"}
        reply = Reply(200, body, headers)
        billed = usage or DEFAULT_USAGE

        def bill(req: Recorded, served: Reply) -> Reply:
            problem = self._auth_problem(backend, req)
            if problem is not None:  # a queued success still needs valid credentials
                return problem
            found = re.fullmatch(ROUTES[backend], req.path)
            with self._lock:
                self.ledger.append(Billed(backend, found.group("model") if found else "", billed))
            return served

        reply.finish = bill
        return reply

    def _auth_problem(self, backend: str, req: Recorded) -> Reply | None:
        if backend == "bedrock":
            return self._check_bedrock(req)
        if backend == "azure":
            return self._check_azure(req)
        token = req.headers.get("authorization", "").removeprefix("Bearer ").strip()
        with self._lock:
            known = token in self.issued and not self.tokens_revoked
        return None if known else denied_reply(backend, status=401)

    def _check_azure(self, req: Recorded) -> Reply | None:
        if req.query.get("api-version") != [AZURE_API_VERSION]:
            return Reply(404, {"error": {"code": "404", "message": "Resource not found"}}, {})
        key = req.headers.get("api-key")
        bearer = req.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if key == self.azure_key or (self.azure_token and bearer == self.azure_token):
            return None
        return denied_reply("azure")

    def _check_bedrock(self, req: Recorded) -> Reply | None:
        auth = req.headers.get("authorization", "")
        if self.aws.bearer_token and auth == f"Bearer {self.aws.bearer_token}":
            return None
        problem = sigv4_problem(req, self.aws)
        if problem is None:
            return None
        kind, message = problem
        return Reply(
            403,
            {"message": message},
            {
                "x-amzn-errortype": f"{kind}:http://internal.amazon.com/coral/com.amazon.coral.service/"
            },
        )

    # ---------------------------------------------------------------- token endpoints

    def _token(self, req: Recorded, _: re.Match[str]) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req.text).items()}
        grant = form.get("grant_type")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            problem = self._jwt_problem(form.get("assertion", ""))
        elif grant == "refresh_token":
            secret = self.refresh_tokens.get(form.get("refresh_token", ""))
            ok = secret is not None and form.get("client_secret") == secret
            problem = None if ok else "Token has been expired or revoked."
        else:
            problem = f"Unsupported grant_type: {grant}"
        if problem is not None:
            return Reply(400, {"error": "invalid_grant", "error_description": problem})
        return Reply(200, self._issue("ya29.c.fake-sa-"))

    def _jwt_problem(self, assertion: str) -> str | None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        try:
            head, claims, signature = assertion.split(".")
            payload = json.loads(_unb64(claims))
        except ValueError:
            return "Invalid JWT."
        sa = self.service_accounts.get(payload.get("iss", ""))
        if sa is None:
            return "Invalid grant: account not found"
        try:
            sa.public_key.verify(
                _unb64(signature),
                f"{head}.{claims}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return "Invalid JWT Signature."
        # google-auth addresses the assertion to Google's token endpoint, whatever token_uri is
        audience = payload.get("aud")
        if audience != GOOGLE_TOKEN_AUDIENCE or payload.get("exp", 0) < time.time():
            return "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe."
        if "cloud-platform" not in payload.get("scope", ""):
            return "Invalid OAuth scope or ID token audience provided."
        return None

    def _oidc(self, req: Recorded, _: re.Match[str]) -> Reply:
        if req.headers.get("authorization") != f"Bearer {self.oidc_request_token}":
            return Reply(401, {"message": "Bad credentials"})
        claims = {"iss": "https://token.actions.githubusercontent.com", "sub": "repo:acme/x"}
        jwt = ".".join(_b64(json.dumps(p).encode()) for p in ({"alg": "RS256"}, claims))
        return Reply(200, {"count": 1, "value": jwt + ".fake-signature"})

    def _sts(self, req: Recorded, _: re.Match[str]) -> Reply:
        form = {k: v[0] for k, v in parse_qs(req.text).items()}
        subject = form.get("subject_token", "")
        if not subject.startswith(_b64(json.dumps({"alg": "RS256"}).encode())):
            return Reply(
                400,
                {"error": "invalid_grant", "error_description": "Unable to parse the ID Token."},
            )
        token = self._issue("ya29.d.fake-sts-")
        token["issued_token_type"] = "urn:ietf:params:oauth:token-type:access_token"
        return Reply(200, token)

    def _issue(self, prefix: str) -> dict[str, Any]:
        token = prefix + secrets.token_urlsafe(24)
        with self._lock:
            self.issued.add(token)
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}


_NO_FILTER = {
    category: {"filtered": False, "severity": "safe"}
    for category in ("hate", "self_harm", "sexual", "violence")
}


def _schema_of(backend: str, body: dict[str, Any]) -> Any:
    if PROTOCOL[backend] == "anthropic":
        return ((body.get("output_config") or {}).get("format") or {}).get("schema")
    if PROTOCOL[backend] == "openai":
        return (body.get("response_format") or {}).get("json_schema")
    return (body.get("generationConfig") or {}).get("responseJsonSchema")


def throttle_reply(backend: str) -> Reply:
    """The cloud's "too many requests", as it sends it."""
    if backend == "bedrock":
        return Reply(
            429,
            {"message": "Too many requests, please wait before trying again."},
            {
                "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/"
                "com.amazon.bedrock/",
                "x-amzn-requestid": "0f1e2d3c-fake-4b5a-9876-throttled001",
            },
        )
    if backend == "vertex-anthropic":  # Vertex AI wraps a partner model's error in a list
        message = (
            "Quota exceeded for aiplatform.googleapis.com/"
            "online_prediction_input_tokens_per_minute_per_base_model with base model: "
            "anthropic-claude-sonnet-4-5. Please submit a quota increase request. "
            "https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai."
        )
        return Reply(
            429, [{"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED"}}]
        )
    if backend == "vertex":
        message = (
            "Resource exhausted. Please try again later. Please refer to "
            "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more "
            "details."
        )
        return Reply(
            429, {"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED"}}
        )
    message = (
        f"Requests to the ChatCompletions_Create Operation under Azure OpenAI API version "
        f"{AZURE_API_VERSION} have exceeded token rate limit of your current AIServices S0 "
        "pricing tier. Please retry after 1 second."
    )
    return Reply(
        429,
        {"error": {"code": "429", "message": message}},
        {"retry-after": "1", "x-ratelimit-remaining-requests": "0"},
    )


def denied_reply(backend: str, status: int | None = None) -> Reply:
    """The cloud's authentication (401) or authorization (403) failure, as it sends it."""
    if backend == "bedrock":
        return Reply(
            403,
            {"message": "You don't have access to the model with the specified model ID."},
            {
                "x-amzn-errortype": "AccessDeniedException:http://internal.amazon.com/coral/"
                "com.amazon.bedrock/"
            },
        )
    if backend in ("vertex-anthropic", "vertex"):
        if status == 401:
            error = {
                "code": 401,
                "message": "Request had invalid authentication credentials. Expected OAuth 2 "
                "access token, login cookie or other valid authentication credential.",
                "status": "UNAUTHENTICATED",
            }
        else:
            error = {
                "code": 403,
                "message": "Permission 'aiplatform.endpoints.predict' denied on resource "
                "(or it may not exist).",
                "status": "PERMISSION_DENIED",
            }
        body: Any = {"error": error}
        return Reply(error["code"], [body] if backend == "vertex-anthropic" else body)
    return Reply(
        401,
        {
            "error": {
                "code": "401",
                "message": "Access denied due to invalid subscription key or wrong API "
                "endpoint. Make sure to provide a valid key for an active subscription and use "
                "a correct regional API endpoint for your resource.",
            }
        },
    )


def sigv4_problem(req: Recorded, aws: AwsIdentity) -> tuple[str, str] | None:
    """Why ``req`` is not signed by ``aws`` for Bedrock in its region, as AWS says it, or None.

    The signature is recomputed with botocore from the signed headers, the body and the
    credentials the fake was given, as Bedrock's front end would.
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    found = _SIGV4.fullmatch(req.headers.get("authorization", ""))
    if found is None:
        return "IncompleteSignatureException", "Authorization header requires SigV4."
    if found.group("key") != aws.access_key:
        return (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    amz_date = req.headers.get("x-amz-date", "")
    if not amz_date.startswith(found.group("date")):
        return "IncompleteSignatureException", "X-Amz-Date is missing or does not match."
    if aws.session_token and req.headers.get("x-amz-security-token") != aws.session_token:
        return (
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        )
    if found.group("region") != aws.region or found.group("service") != "bedrock":
        return "InvalidSignatureException", "Credential should be scoped to a valid region."
    signed = found.group("signed").split(";")
    headers = {name: req.headers.get(name, "") for name in signed}
    url = f"http://{req.headers.get('host', '')}{req.path}"
    request = AWSRequest(method=req.method, url=url, headers=headers, data=req.body)
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(
        Credentials(aws.access_key, aws.secret_key, aws.session_token), "bedrock", aws.region
    )
    expected = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    if expected != found.group("signature"):
        return (
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.",
        )
    return None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
