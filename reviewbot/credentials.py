"""The run's credentials: keys and tokens read clean, where they may go, and masking them in text.

A key is read once, where it enters (an action input or an environment variable): surrounding
whitespace is stripped, and a value with a line break, a space, a control or a non-ASCII
character inside is a ``ConfigError`` that names the input or variable, never the value; such a
value would otherwise reach an HTTP header, and the client's error ("Illegal header value
b'Bearer sk-…\\n'") would quote it back.

Every text reviewbot repeats from a vendor, a proxy or GitHub goes through
:func:`mask_secrets` *before* it is cut to length. It masks each key in every form a library or
a server may print it in (raw, ``repr``/escaped, bytes ``repr``, JSON-escaped, URL-encoded,
base64) and any cut-off prefix of one that is long enough to matter; and, whatever the run's
keys, the parts of a request's authentication that a cloud may echo: a SigV4 signature, an AWS
access key id, an ``X-Amz-Security-Token`` or a bearer token.

The clouds' credentials are secrets too: the standard variables of their SDKs (AWS keys and
session token, a Bedrock API key, an Azure OpenAI key or Microsoft Entra token; the registry's
``key_variables``) and the secret fields of the Google credentials file that
``GOOGLE_APPLICATION_CREDENTIALS`` names (a service account's private key, a refresh token, the
runner's OIDC request token inside a Workload Identity Federation file).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from urllib.parse import quote, quote_plus, urlsplit

from reviewbot.errors import ConfigError
from reviewbot.vendors.specs import credential_file_variables, key_variables

MASK = "***"
# Shorter values are not masked: they would garble ordinary words, and are not credentials.
MIN_MASKED = 4
# A key's first characters left by a cut (ours or a server's) are masked from this length on.
MIN_PREFIX = 8
_LOOPBACK_NAMES = frozenset({"localhost"})


def clean_credential(value: str | None, name: str) -> str | None:
    """The credential ``value`` with surrounding whitespace stripped; None when empty.

    Args:
        value: The raw value of an input or environment variable (None when unset).
        name: What the user calls it in an error, e.g. ``input anthropic-api-key`` or
            ``OPENAI_API_KEY``.

    Raises:
        ConfigError: The value has a line break, whitespace, a control character or a
            non-ASCII character inside. The message names ``name`` and never the value.
    """
    if value is None:
        return None
    stripped = value.strip()
    if not stripped:
        return None
    problem = _problem(stripped)
    if problem is not None:
        raise ConfigError(
            f"{name}: the value contains {problem} inside it, so it cannot be sent as a "
            "credential; a key or token is one line of printable ASCII characters without "
            "spaces (whitespace around it is removed for you). Store the secret again."
        )
    return stripped


def _problem(value: str) -> str | None:
    for char in value:
        if char in "\r\n":
            return "a line break"
        if char.isspace():
            return "whitespace"
        if ord(char) < 0x20 or ord(char) == 0x7F:
            return "a control character"
        if ord(char) > 0x7E:
            return "a non-ASCII character"
    return None


def check_base_url(value: str) -> str:
    """``value`` if it is an ``https://`` URL, or ``http://`` to a loopback host.

    Loopback hosts are ``localhost``, 127.0.0.0/8 and ``::1``: a key sent there in cleartext
    does not leave the machine. Anything else would send the key over the network unencrypted.

    Raises:
        ValueError: The URL is not https (and not loopback http), or has no host.
    """
    try:
        parts = urlsplit(value.strip())
        host = parts.hostname
    except ValueError:
        raise ValueError("is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise ValueError("must be an https:// URL with a host")
    if scheme == "http" and not is_loopback(host):
        raise ValueError(
            "must use https://: plain http:// would send the API key unencrypted "
            "(http:// is allowed only to a loopback host: localhost, 127.0.0.0/8, ::1)"
        )
    return value.strip()


def is_loopback(host: str) -> bool:
    """True for ``localhost``, an address in 127.0.0.0/8, or ``::1``."""
    host = host.strip("[]").lower().rstrip(".")
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# ---------------------------------------------------------------- masking


def environment_secrets(env: Mapping[str, str]) -> list[str]:
    """The values of variables named like credentials (``*_KEY``, ``*_TOKEN``, ``*_SECRET``).

    Covers the vendor keys, a configured provider's ``api_key_env``, ``GITHUB_TOKEN``, the
    action's key and token inputs, every cloud credential variable (``AWS_ACCESS_KEY_ID``,
    ``AWS_BEARER_TOKEN_BEDROCK``…) and the secrets of a Google credentials file, for masking a
    message whose origin is unknown.
    """
    suffixes = ("KEY", "TOKEN", "SECRET", "PASSWORD")
    names = [n for n in env if n.upper().replace("-", "_").endswith(suffixes)]
    names += [n for n in key_variables() if n in env and n not in names]
    values = [env[n] for n in names if len(env[n].strip()) >= MIN_MASKED]
    return values + credential_file_secrets(env)


# The fields of a Google credentials file that hold a secret (anywhere in it), and the one
# whose every value does: ``credential_source.headers`` of a Workload Identity Federation file
# carries ``Authorization: Bearer <the runner's ACTIONS_ID_TOKEN_REQUEST_TOKEN>``.
_FILE_SECRET_FIELDS = frozenset(
    {
        "private_key",
        "private_key_id",
        "client_secret",
        "refresh_token",
        "access_token",
        "token",
        "subject_token",
        "password",
        "secret",
    }
)
_FILE_SECRET_OBJECTS = frozenset({"headers"})
_MAX_CREDENTIAL_FILE = 1 << 20
_MIN_LINE = 16  # the lines of a multi-line secret (a PEM key) masked one by one from this length


def credential_file_secrets(env: Mapping[str, str]) -> list[str]:
    """The secrets of the credentials files ``env`` names (``GOOGLE_APPLICATION_CREDENTIALS``).

    A file that cannot be read or parsed gives none (its backend then says why it is not used).
    """
    out: list[str] = []
    for var in credential_file_variables():
        path = env.get(var, "").strip()
        if path:
            out.extend(file_secrets(path))
    return list(dict.fromkeys(out))


def file_secrets(path: str) -> list[str]:
    """The secret values in the JSON credentials file at ``path`` (each line of a PEM key too)."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(_MAX_CREDENTIAL_FILE + 1)
        data = json.loads(raw) if len(raw) <= _MAX_CREDENTIAL_FILE else None
    except (OSError, ValueError):
        return []
    out: list[str] = []
    for value in _secret_values(data, secret=False):
        out.append(value)
        if value.lower().startswith("bearer "):
            out.append(value[7:].strip())
        out.extend(
            line.strip()
            for line in value.splitlines()
            if len(line.strip()) >= _MIN_LINE and not line.startswith("-----")
        )
    return [v for v in dict.fromkeys(out) if len(v) >= MIN_MASKED]


def _secret_values(node: object, *, secret: bool, depth: int = 0) -> Iterator[str]:
    if depth > 8:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            name = str(key).lower()
            inner = secret or name in _FILE_SECRET_OBJECTS
            if name in _FILE_SECRET_FIELDS and isinstance(value, str):
                yield value
            else:
                yield from _secret_values(value, secret=inner, depth=depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _secret_values(item, secret=secret, depth=depth + 1)
    elif secret and isinstance(node, str):
        yield node


@lru_cache(maxsize=256)
def secret_forms(value: str) -> tuple[str, ...]:
    """Every form in which ``value`` may be printed, longest first, each at least 4 characters.

    Raw; ``repr`` and ``unicode_escape`` (``\\n``); doubly escaped (``\\\\n``); bytes ``repr``;
    JSON-escaped (ASCII or not); URL-encoded (``quote``, ``quote_plus``); and base64, standard
    and URL-safe, including the part that is the same wherever the value sits in a longer
    encoded string (three byte alignments), so ``base64("user:" + key)`` is caught too.
    """
    forms: set[str] = set()
    for raw in {value, value.strip()}:
        if len(raw) < MIN_MASKED:
            continue
        escaped = raw.encode("unicode_escape").decode("ascii")
        json_ascii = json.dumps(raw)[1:-1]
        forms.update(
            {
                raw,
                escaped,
                repr(raw)[1:-1],
                repr(raw.encode("utf-8", "surrogateescape"))[2:-1],
                json_ascii,
                json.dumps(raw, ensure_ascii=False)[1:-1],
                json.dumps(json_ascii)[1:-1],
                escaped.replace("\\", "\\\\"),
                quote(raw, safe=""),
                quote(raw),
                quote_plus(raw),
            }
        )
        if len(raw) >= 2 * MIN_PREFIX:  # a short value's base64 would match unrelated text
            forms.update(_base64_forms(raw.encode("utf-8", "surrogateescape")))
    return tuple(sorted((f for f in forms if len(f) >= MIN_MASKED), key=len, reverse=True))


def _base64_forms(data: bytes) -> set[str]:
    out: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        out.add(encode(data).decode("ascii"))  # the value encoded on its own, padding included
        for offset in range(3):
            encoded = encode(b"\0" * offset + data).decode("ascii").rstrip("=")
            # Drop the characters that also depend on the bytes before and after the value.
            start = (0, 2, 3)[offset]
            tail = (offset + len(data)) % 3
            end = len(encoded) - (0, 1, 1)[tail]
            core = encoded[start:end]
            if len(core) >= 2 * MIN_PREFIX:
                out.add(core)
    return out


def mask_secrets(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every form of each secret, and any long cut-off prefix of one, as ``***``.

    Call it before truncating a text: a cut can split a key so that its full value no longer
    matches. Prefixes of at least ``MIN_PREFIX`` characters (of keys at least twice as long)
    are masked wherever they appear, for keys that a server or a library already cut.

    Args:
        text: A message that may quote a credential.
        secrets: The run's keys and tokens (None and empty values are ignored).

    Returns:
        The text with no form of any secret left in it.
    """
    values = [s for s in dict.fromkeys(secrets) if s and len(s.strip()) >= MIN_MASKED]
    if not text:
        return text
    if values:
        forms = sorted({f for s in values for f in secret_forms(s)}, key=len, reverse=True)
        for form in forms:
            text = text.replace(form, MASK)
        for form in forms:
            if len(form) >= 2 * MIN_PREFIX:
                text = _mask_prefixes(text, form)
    return scrub_request_auth(text)


# What a cloud (or a proxy in front of it) may echo of a signed or token-bearing request,
# whoever's credentials they are: a chain-resolved AWS key is in no variable to mask by value.
_REQUEST_AUTH = (
    # SigV4: "Signature=<hex>" (header) and "X-Amz-Signature=<hex>" (presigned URL)
    (re.compile(r"(?i)(\bSignature=)[0-9a-f]{8,}"), r"\1" + MASK),
    # "Credential=AKIA…/20260101/us-east-1/bedrock/aws4_request"
    (re.compile(r"(?i)(\bCredential=)[A-Z0-9]{12,128}"), r"\1" + MASK),
    # an AWS access key id anywhere (long-term AKIA…, temporary ASIA…)
    (re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"), MASK),
    # "X-Amz-Security-Token: …" in a header dump, a query or JSON
    (
        re.compile(r"(?i)(x-amz-security-token[\"']?\s*[:=]\s*[\"']?)[A-Za-z0-9/+=%_-]{8,}"),
        r"\1" + MASK,
    ),
    # "Authorization: Bearer <token>" (a Google access token, an Entra token, a Bedrock API key)
    (re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=-]{16,}"), r"\1" + MASK),
)


def scrub_request_auth(text: str) -> str:
    """``text`` without a SigV4 signature, AWS access key id, security token or bearer token."""
    for pattern, replacement in _REQUEST_AUTH:
        text = pattern.sub(replacement, text)
    return text


def _mask_prefixes(text: str, form: str) -> str:
    head = form[:MIN_PREFIX]
    out: list[str] = []
    pos = 0
    while (start := text.find(head, pos)) != -1:
        end = start + MIN_PREFIX
        while end < len(text) and end - start < len(form) and text[end] == form[end - start]:
            end += 1
        out.append(text[pos:start] + MASK)
        pos = end
    return "".join(out) + text[pos:] if out else text


def escape_forms(values: Iterable[str]) -> list[str]:
    """The forms of ``values`` to register with ``::add-mask::``, without redundant ones.

    A form that contains another registered form is left out: the runner masks any text that
    contains a registered value, so it would add nothing (and it would put the raw value on a
    second line of the log).
    """
    chosen: list[str] = []
    for form in sorted({f for v in values for f in secret_forms(v)}, key=len):
        if not any(other in form for other in chosen):
            chosen.append(form)
    return chosen


# The GitHub credentials a run may hold. The model steps never see them: a vendor SDK or a
# prompt cannot carry what is not in their environment.
GITHUB_CREDENTIALS = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "INPUT_GITHUB-TOKEN",
    "INPUT_GITHUB_TOKEN",
    "ACTIONS_RUNTIME_TOKEN",
    # With `id-token: write` it mints OIDC tokens for any audience, so any cloud role that
    # trusts the repository; the OIDC steps already used it (google-github-actions/auth copies
    # it into its credentials file, whose secrets are masked).
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
)


def without_github_credentials(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` without any GitHub credential: what the model steps run with."""
    return {k: v for k, v in env.items() if k not in GITHUB_CREDENTIALS}
