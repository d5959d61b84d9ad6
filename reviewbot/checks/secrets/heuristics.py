"""Tell a credential from a placeholder, a reference or an identifier by its value alone."""

from __future__ import annotations

import base64
import binascii
import math
import re

from detect_secrets.filters.heuristic import (
    is_not_alphanumeric_string,
    is_prefixed_with_dollar_sign,
    is_sequential_string,
    is_templated_secret,
)

_PLACEHOLDER_PARTS = (
    "xxx", "***", "...", "…", "changeme", "change_me", "change-me", "changeit", "your_",
    "your-", "yourkey", "your key", "<", ">", "${", "{{", "}}", "%(", "$(", "placeholder",
    "dummy", "redacted", "example", "sample", "replace", "insert", "fixme", "todo", "environ",
    "getenv", "process.env", "env[", "env(", "secrets.", "vault", "passw", "secret", "://",
    "test", "fake", "mock", "enc[", "here",
)  # fmt: skip
# any of the parts, in one search (the same test as ``any(part in low ...)``)
_PLACEHOLDER = re.compile("|".join(re.escape(part) for part in _PLACEHOLDER_PARTS))
_BLANK = re.compile(r"\s")  # what str.isspace calls a blank, as re sees it too
_CODE_REFERENCE = re.compile(r"^[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:\(.*\)|\[.*\])?$|\($|\)$")
_REPEATED = re.compile(r"(.)\1{7,}")
_LOWER_WORDS = re.compile(r"[a-z]+(?:[_.-][a-z]+)+|[a-z]+(?:[A-Z][a-z]+)+")
# identifiers, header and cookie names: letters joined by separators, no digit anywhere
# Words joined by - _ or . (the same set of strings as [A-Za-z_]*(?:[-_.][A-Za-z]+)+_*, written so
# that every character has one role: "_" in both the first class and the separators made
# "a_a_a_…" split in exponentially many ways, so a 40-character value could hang the scan).
_WORDS_ONLY = re.compile(r"[A-Za-z_]*(?:[-.][A-Za-z]+(?:[-_.][A-Za-z]+)*|_[A-Za-z]+)_*")
_CAMEL_WORDS = re.compile(r"[a-z]*(?:[A-Z][a-z]+)+")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
# publishable keys (Stripe ``pk_live_…``, Mapbox ``pk.…``) are meant to be public
_PUBLIC_PREFIXES = ("pk_", "pk.")
_BASE64_VALUE = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")
DEV_PASSWORDS = frozenset(
    {"password", "pass", "secret", "postgres", "mysql", "root", "admin", "user", "guest", "test"}
)
# A keyword value longer than this that is only encrypted or hashed bytes is a ciphertext
# (a SealedSecret, a Rails credentials file), not a password someone typed.
_LONGEST_PASSWORD = 128
MIN_SECRET = 8  # a value assigned to a secret-sounding name is shorter than this: not a secret


def entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    if not value:
        return 0.0
    size = len(value)
    # lists, not generators (faster); the terms and their order are the same as ever
    return -sum([n / size * math.log2(n / size) for n in [value.count(ch) for ch in set(value)]])


def _stands_in(value: str) -> bool:
    """True for text that marks a place for a secret: ``changeme``, ``<key>``, ``${VAR}``."""
    low = value.lower()
    return (
        not value
        or is_templated_secret(value)
        or is_prefixed_with_dollar_sign(value)
        or is_sequential_string(value)
        or is_not_alphanumeric_string(value)
        or _PLACEHOLDER.search(low) is not None
        or len(set(low)) <= 2
    )


def is_placeholder(value: str) -> bool:
    """True for values that stand in for a secret: ``changeme``, ``<key>``, ``${VAR}``, ...

    Code references (``settings.API_KEY``), environment variable names and lower-case words
    (``db_password``) count too: they name a secret kept elsewhere.
    """
    return (
        _stands_in(value)
        or bool(_CODE_REFERENCE.search(value) or _ENV_NAME.match(value))
        or bool(_LOWER_WORDS.fullmatch(value))
    )


def decoded_text(value: str) -> str | None:
    """The text a base64 value stands for, or None when it is not base64 of printable text."""
    if not _BASE64_VALUE.fullmatch(value) or len(value) % 4:
        return None
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return text if text.isprintable() else None


def is_binary_base64(value: str) -> bool:
    """True for base64 that decodes to bytes which are not text (ciphertext, a hash, a key)."""
    if not _BASE64_VALUE.fullmatch(value):
        return False
    body = value.rstrip("=")
    try:
        raw = base64.b64decode(body[: len(body) // 4 * 4])
    except binascii.Error:
        return False
    try:
        return not raw.decode("utf-8").isprintable()
    except UnicodeDecodeError:
        return True


def generic_secret(value: str, line: str = "") -> bool:
    """True for a value assigned to a secret-sounding name that looks like a real credential.

    It must be 8+ characters without blanks, hold a digit or a symbol, or mix cases like no
    identifier does (``getAccessToken`` is code, ``fmgUdgZENOeQbb`` is not), have some entropy,
    and not be a placeholder or a publishable key. Base64 of text is judged by
    what it decodes to (``Y2hhbmdlbWU=`` is ``changeme``), and long base64 of binary data is
    a ciphertext or a hash, not a password.
    """
    if len(value) < MIN_SECRET or _BLANK.search(value):
        return False
    inner = decoded_text(value)
    if inner is not None and inner != value:
        return generic_secret(inner) or (":" in inner and _user_password(inner))
    if len(value) > _LONGEST_PASSWORD and is_binary_base64(value):
        return False
    if value.startswith(_PUBLIC_PREFIXES):
        return False
    mixed_case = (
        len(value) >= 10
        and not value.isupper()
        and not value.islower()
        and not _CAMEL_WORDS.fullmatch(value)
    )
    return (
        (mixed_case or not value.isalpha())
        and len(set(value)) >= 8  # fewer distinct characters: entropy below log2(8) = 3 bits
        and entropy(value) >= 3.0
        and not is_placeholder(value)
        and not _WORDS_ONLY.fullmatch(value)
    )


def _user_password(text: str) -> bool:
    user, _, password = text.partition(":")
    return bool(user) and password_like(password)


def password_like(value: str) -> bool:
    """True for a password in a URL or a ``user:password`` pair (not ``postgres``, not ``${X}``)."""
    return (
        len(value) >= 4
        and value.lower() not in DEV_PASSWORDS
        and not is_placeholder(value)
        and not value.startswith(("$", "%", "{"))
    )


def random_token(value: str, line: str = "") -> bool:
    """True for a value that looks random (a token), not ``ghp_xxxx…`` or a snake_case name."""
    return (
        len(set(value)) >= 8 and not _REPEATED.search(value) and not _LOWER_WORDS.fullmatch(value)
    )


def opaque_token(value: str, line: str = "") -> bool:
    """True for a bearer token without a known format: long, random, with digits."""
    return (
        len(value) >= 16
        and any(ch.isdigit() for ch in value)
        and entropy(value) >= 3.5
        and random_token(value)
        and not _stands_in(value)
    )
