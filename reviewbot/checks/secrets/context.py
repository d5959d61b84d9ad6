"""Secrets known by their context: assignments, HTTP auth headers, URLs, key pairs."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator

from reviewbot.checks.secrets import work
from reviewbot.checks.secrets.heuristics import (
    MIN_SECRET,
    generic_secret,
    opaque_token,
    password_like,
    random_token,
)
from reviewbot.checks.secrets.joined import Joined

# detect-secrets' URL rule needs a user name before the colon (redis://:pass@host has none) and
# rejects passwords with sub-delimiters (!$&()*+,;=), which RFC 3986 allows in the user info;
# this one replaces it. A password is at least 4 characters (see password_like).
URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]{0,30}://[^\s:/@'\"]*:([^\s:/@'\"]{4,})@", re.I)


def url_password(value: str, matched: str) -> bool:
    """True for a real password in a URL's user info (not ``user:password``, ``${DB_PASS}``).

    Args:
        value: the password.
        matched: the text the URL pattern matched, ``scheme://user:password@``.
    """
    user = matched.rpartition("://")[2].partition(":")[0]
    return password_like(value) and user != value


def basic_credentials(value: str, line: str = "") -> bool:
    """True for base64 of ``user:password`` with a real password (HTTP Basic, Docker ``auth``)."""
    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    user, colon, password = text.partition(":")
    return bool(colon and user) and text.isprintable() and password_like(password)


def _aws_secret(value: str, line: str) -> bool:
    return random_token(value) and any(ch.isdigit() for ch in value)


# (kind, pattern, value group, accept, needle). The patterns are matched against the text with
# ASCII letters lowered (same offsets), which is much faster than ignoring case; the value is
# then read from the original text. Blanks are [ \t]: a value never spans two lines.
PATTERNS: tuple[tuple[str, re.Pattern[str], int, Callable[[str, str], bool], str], ...] = (
    (
        "AWS secret access key",
        re.compile(
            r"secret_?access_?key[\"']?[ \t]*[:=]+[ \t]*[\"']?([a-z0-9/+]{40})(?![a-z0-9/+])"
        ),
        1,
        _aws_secret,
        "access",
    ),
    (
        "AWS session token",
        re.compile(r"session_?token[\"']?[ \t]*[:=]+[ \t]*[\"']?([a-z0-9/+=]{100,})"),
        1,
        random_token,
        "session",
    ),
    (
        "HTTP Basic credentials",
        re.compile(r"(?<![a-z0-9])basic[ \t]+([a-z0-9+/]{8,}={0,2})(?![a-z0-9+/=])"),
        1,
        basic_credentials,
        "basic",
    ),
    (
        "HTTP Bearer token",
        re.compile(r"(?<![a-z0-9])bearer[ \t]+([a-z0-9._~+/-]{16,}=*)(?![a-z0-9._~+/=-])"),
        1,
        opaque_token,
        "bearer",
    ),
    (
        "HTTP authorization token",
        re.compile(
            r"authorization\W{0,6}(?:ssws|token|apikey|api-key)[ \t]+"
            r"([a-z0-9._~+/=-]{16,})(?![a-z0-9._~+/=-])"
        ),
        1,
        opaque_token,
        "authorization",
    ),
    (
        "Docker registry credentials",
        re.compile(r"\"auth\"[ \t]*:[ \t]*\"([a-z0-9+/]{8,}={0,2})\""),
        1,
        basic_credentials,
        '"auth"',
    ),
)

# --- key pairs: an identifier that is not secret, next to the secret that goes with it
_TWILIO_SID = re.compile(r"(?<![A-Za-z0-9])AC[0-9a-f]{32}(?![A-Za-z0-9])")
_HEX32 = re.compile(r"(?<![A-Za-z0-9])[0-9a-f]{32}(?![A-Za-z0-9])")
_ALIBABA_ID = re.compile(r"(?<![A-Za-z0-9])LTAI[A-Za-z0-9]{20}(?![A-Za-z0-9])")
_ALNUM30 = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{30}(?![A-Za-z0-9])")
_PAIRS = (
    ("Twilio auth token", "AC", _TWILIO_SID, _HEX32),
    ("Alibaba Cloud AccessKey secret", "LTAI", _ALIBABA_ID, _ALNUM30),
)


def paired(joined: Joined) -> Iterator[tuple[int, tuple[int, int], str]]:
    """Secrets on the same line as the identifier they belong to (a Twilio SID, an AccessKey ID).

    Yields:
        ``(row, (start, end), kind)`` for each secret.
    """
    for kind, needle, anchor, partner in _PAIRS:
        if needle not in joined.text:
            continue
        done: set[int] = set()
        for match in anchor.finditer(joined.text):
            row = joined.row_of(match.start())
            if row in done:
                continue
            done.add(row)
            line = joined.lines[row]
            for value in partner.finditer(line):
                joined.work.spend(work.MATCH)
                if line[value.start() - 2 : value.start()] == "AC" or not random_token(value[0]):
                    continue  # the SID's own digits, or a placeholder
                if any(ch.isdigit() for ch in value[0]):
                    yield row, value.span(), kind


# --- assignments: a secret-sounding name, a separator, a value
# A keyword, the rest of its name (bounded, possessive: a separator is never a name character)
# and a separator, on ASCII-lowercased text: one pass, constant work per position.
_CANDIDATE = re.compile(
    r"(?:p(?:ass|wd|at)|secret|token|credential|contrase|key|sas)[a-z0-9_.-]{0,40}+"
    r"[\]\"']{0,2}[ \t]{0,4}(?:=>|:=|==|!=|=|:)(?![:=])[ \t]{0,4}"
)
_NAME_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789_.-"  # of the lowered text
_NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
_MAX_NAME = 64
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SECRET_WORDS = frozenset(
    {"password", "passwd", "passphrase", "pwd", "pass", "secret", "token", "credential",
     "credentials", "pat", "sas", "contraseña", "contrasena", "apikey"}
)  # fmt: skip
_KEY_QUALIFIERS = frozenset(
    {"api", "access", "private", "priv", "auth", "client", "account", "master", "signing",
     "encryption", "service", "db", "database", "app", "license", "secret"}
)  # fmt: skip
# a name ending in one of these holds something about a secret, not the secret itself
_NOT_A_SECRET = frozenset(
    {"url", "uri", "file", "path", "name", "type", "length", "len", "header", "field", "prompt",
     "policy", "pattern", "regex", "env", "var", "id", "ids", "endpoint", "expiry", "expires",
     "expiration", "ttl", "timeout", "count", "size", "hash", "hint", "label", "format", "prefix",
     "suffix", "mode", "required", "enabled", "reset", "limit", "max", "min", "budget", "usage",
     "dir", "location", "ref", "arn", "version", "algorithm", "store", "manager"}
)  # fmt: skip
# A password is short: longer values are base64 blobs (encoded.py) or formats (formats.py), and a
# bound keeps the work per keyword constant on hostile lines (``password=password=…``).
_QUOTED = re.compile(r"([\"'`])([^\"'`\n]{1,256}+)\1")
_BARE = re.compile(r"[^\s\"'`,;)}\]>]{1,256}+(?![^\s\"'`,;)}\]>])")
_RUN = re.compile(r"[^\s\"'`,;)}\]>]*")
# files in which a bare value after ``=`` is an expression (a variable), not a literal
_CODE_SUFFIXES = frozenset(
    {".py", ".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".go", ".java", ".kt", ".kts", ".rb",
     ".php", ".cs", ".c", ".h", ".cc", ".cpp", ".hpp", ".rs", ".swift", ".scala", ".m", ".mm",
     ".dart", ".lua", ".pl", ".groovy", ".vue", ".svelte", ".ex", ".exs", ".clj", ".fs"}
)  # fmt: skip


def bare_values(path: str) -> bool:
    """Whether an unquoted value after a secret-sounding name counts in ``path``: not in
    source code, where it would be an expression. The only way a path changes a scan."""
    name = path.rpartition("/")[2]
    dot = name.rfind(".")  # the suffix as PurePosixPath reads it, without building one per file
    return not (0 < dot < len(name) - 1 and name[dot:].lower() in _CODE_SUFFIXES)


def _is_secret_name(name: str) -> bool:
    words = [w.lower() for w in _WORDS.findall(name)]
    if not words or words[-1] in _NOT_A_SECRET:
        return False
    if not _SECRET_WORDS.isdisjoint(words):
        return True
    if "key" not in words:
        return False
    return any(
        word == "key" and index > 0 and words[index - 1] in _KEY_QUALIFIERS
        for index, word in enumerate(words)
    )


def _name_start(text: str, at: int) -> int:
    """Where the name that ends at ``at`` starts: at most ``_MAX_NAME`` name characters back
    (a line break is not one, so a name never starts on the line before)."""
    before = text[max(0, at - _MAX_NAME) : at]
    return at - (len(before) - len(before.rstrip(_NAME_CHARS)))


def assignments(joined: Joined, path: str) -> Iterator[tuple[int, tuple[int, int]]]:
    """Values assigned to secret-sounding names: ``DB_PASSWORD=…``, ``"apiKey": "…"``, …

    The name is read around each keyword (bounded), so the work is linear in the text. A bare
    (unquoted) value counts only outside source code, where it would be an expression.

    Yields:
        ``(row, (start, end))`` of each value that :func:`generic_secret` accepts.
    """
    bare_allowed = bare_values(path)
    text = joined.text
    verdicts: dict[str, bool] = {}  # name -> _is_secret_name(name): names repeat
    judged: dict[str, bool] = {}  # value -> generic_secret(value): values repeat too
    skip_until = -1  # keywords inside a value already judged are not names (keeps this linear)
    for match in _CANDIDATE.finditer(joined.lower):
        start = match.start()
        if start < skip_until:
            continue
        candidate = match.group(0)
        name_end = start + len(candidate) - len(candidate.lstrip(_NAME_LETTERS))
        name = text[_name_start(text, start) : name_end]
        verdict = verdicts.get(name)
        if verdict is None:
            joined.work.spend(work.CANDIDATE)
            verdict = verdicts[name] = _is_secret_name(name)
        if not verdict:
            continue
        joined.work.spend(work.CANDIDATE)
        row = joined.row_of(start)
        line = joined.lines[row]
        base = joined.starts[row]
        value_at = match.end() - base
        quoted = _QUOTED.match(line, value_at)
        if quoted is not None:
            span = quoted.span(2)
        else:
            bare = _BARE.match(line, value_at)
            if bare is None:  # longer than a password: skip the whole run
                run = _RUN.match(line, value_at)  # matches always (it may be empty)
                skip_until = base + (run.end() if run else value_at)
                continue
            if not bare_allowed or "(" in bare[0] or "[" in bare[0]:
                continue
            span = bare.span()
        skip_until = base + span[1]
        value = line[span[0] : span[1]]
        accepted = judged.get(value)
        if accepted is None:
            if len(value) >= MIN_SECRET:  # a shorter value is refused at once
                joined.work.spend(work.VALUE)
            accepted = judged[value] = generic_secret(value)
        if accepted:
            yield row, span
