"""Secret detectors: detect-secrets' plugins, plus the formats it misses, as located spans."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.filters.heuristic import (
    is_not_alphanumeric_string,
    is_prefixed_with_dollar_sign,
    is_sequential_string,
    is_templated_secret,
)
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.keyword import (
    QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
    REGEX_BY_FILETYPE,
)
from detect_secrets.util.filetype import determine_file_type

PRIVATE_KEY = "private key"
GENERIC = "hardcoded secret"
URL_PASSWORD = "password in connection string"

# Plugins we do not run: the standalone entropy plugins flag every quoted hash, commit id and
# lockfile checksum, and a public IP address is not a credential. Secret Keyword is run through
# its per-file-type regexes below, with our placeholder and entropy checks on the value.
_SKIPPED_PLUGINS = frozenset(
    {"Base64 High Entropy String", "Hex High Entropy String", "Public IP (ipv4)", "Secret Keyword"}
)
_KINDS = {
    "AWS Access Key": "AWS access key",
    "Azure Storage Account access key": "Azure storage key",
    "Basic Auth Credentials": URL_PASSWORD,
    "GitHub Token": "GitHub token",
    "GitLab Token": "GitLab token",
    "JSON Web Token": "JSON Web Token",
    "OpenAI Token": "OpenAI API key",
    "Private Key": PRIVATE_KEY,
    "Slack Token": "Slack token",
    "Stripe Access Key": "Stripe key",
}

# Literals without which a detect-secrets rule cannot match; they also spare us its quadratic
# backtracking on long lines ("sk-" runs for OpenAI, "//" runs for npm).
_NEEDLES = {"NPM tokens": "_authToken", "OpenAI Token": "T3BlbkFJ"}
# Long lines (minified code) are scanned in overlapping windows, which bounds the cost of any
# backtracking regex; a token longer than the overlap is extended past the window's end.
_WINDOW = 4096
_OVERLAP = 1024

# A line can only hold a secret if it has a long token-like run, a URL with credentials or a
# secret-sounding word; every pattern below needs one of these, so other lines are skipped fast.
_GATE = re.compile(
    r"[\w+/=-]{16}|://|key|pass|pwd|secret|token|contrase|private|putty|xox|auth|cred", re.I
)
_KEYWORD_GATE = re.compile(r"key|pass|pwd|secret|contrase", re.I)
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_JWT_CHARS = _TOKEN_CHARS | frozenset(".+/=")

# Formats detect-secrets 1.5 misses (each is proved by a test in tests/unit/test_redact.py).
_OWN_PATTERNS: tuple[tuple[str, str, int], ...] = (
    # fine-grained GitHub PATs; detect-secrets knows only ghp_/gho_/ghu_/ghs_/ghr_
    ("GitHub token", r"github_pat_[A-Za-z0-9_]{22,}", 0),
    # project/service-account keys; detect-secrets only knows the legacy T3BlbkFJ shape
    ("OpenAI API key", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}", 0),
    ("Anthropic API key", r"sk-ant-[a-z]{2,8}\d{2}-[A-Za-z0-9_-]{20,}", 0),
    ("Google API key", r"AIza[0-9A-Za-z_-]{35}", 0),
    # detect-secrets needs quotes around the value and "aws" within 20 characters
    (
        "AWS secret access key",
        r"(?i)secret_?access_?key[\"']?\s*[:=]+\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        1,
    ),
)
# detect-secrets' URL rule needs a user name before the colon (redis://:pass@host has none) and
# rejects passwords with sub-delimiters (!$&()*+,;=), which RFC 3986 allows in the user info
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]{0,30}://[^\s:/@'\"]*:([^\s:/@'\"]+)@", re.I)
# .env / shell style, unquoted values included: API_TOKEN=..., export DB_PASSWORD=...
_ENV_LINE = re.compile(
    r"^\s*(?:export\s+)?[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|PWD|PASS|CREDENTIALS?|"
    r"(?:API|ACCESS|PRIVATE|AUTH|CLIENT|SIGNING|ENCRYPTION|MASTER|ACCOUNT)_?KEY)[A-Z0-9_]*"
    r"=([\"']?)([^\s\"'#]+)\1(?=\s|#|$)"
)
PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
PUTTY_END = "Private-MAC:"
_BASE64 = re.compile(r"[A-Za-z0-9+/=]")
_KEY_FIELD = r"(?:Proc-Type|DEK-Info|Comment|Version|Encryption|Public-Lines|Private-Lines): .*"
_KEY_QUOTES = r"[\s\"'`]*"
_KEY_TAIL = r"(?:\\n)?[\s\"'`,+;]*$"
_KEY_FIRST_LINE = re.compile(rf"{_KEY_QUOTES}(?:[A-Za-z0-9+/=]{{16,}}|{_KEY_FIELD}){_KEY_TAIL}")
_KEY_LINE = re.compile(rf"{_KEY_QUOTES}(?:[A-Za-z0-9+/=]+|{_KEY_FIELD})?{_KEY_TAIL}")

_PLACEHOLDER_PARTS = (
    "xxx", "***", "...", "…", "changeme", "change_me", "change-me", "changeit", "your_",
    "your-", "yourkey", "<", ">", "${", "{{", "}}", "%(", "$(", "placeholder", "dummy",
    "redacted", "example", "sample", "replace", "insert", "fixme", "todo", "environ",
    "getenv", "process.env", "env[", "env(", "secrets.", "vault", "passw", "secret", "://",
    "test", "fake", "mock",
)  # fmt: skip
_CODE_REFERENCE = re.compile(r"^[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)+(?:\(.*\)|\[.*\])?$|\($|\)$")
_REPEATED = re.compile(r"(.)\1{7,}")
_LOWER_WORDS = re.compile(r"[a-z]+(?:[_.-][a-z]+)+|[a-z]+(?:[A-Z][a-z]+)+")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_DEV_PASSWORDS = frozenset(
    {"password", "pass", "secret", "postgres", "mysql", "root", "admin", "user", "guest", "test"}
)


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern: the kind it finds and how to turn a match into the secret's span."""

    kind: str
    regex: re.Pattern[str]
    group: int | None  # None: the value group is inferred from the match (detect-secrets)
    priority: int  # 0 exact format, 1 URL password, 2 keyword guess; lower wins on overlap
    extend: frozenset[str] | None  # characters a truncated token match is extended over
    accept: Callable[[str, str], bool] | None = None  # (value, line) -> keep?
    needle: str | None = None  # a literal the line must contain for the rule to run


@dataclass(frozen=True, slots=True)
class Span:
    """A secret found in one line of text."""

    kind: str
    start: int
    end: int
    priority: int
    opens_block: bool = False  # a private key header whose body follows on the next lines


def entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    counts = {ch: value.count(ch) for ch in set(value)}
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def is_placeholder(value: str) -> bool:
    """True for values that stand in for a secret: ``changeme``, ``<key>``, ``${VAR}``, ..."""
    low = value.lower()
    return (
        not value
        or is_templated_secret(value)
        or is_prefixed_with_dollar_sign(value)
        or is_sequential_string(value)
        or is_not_alphanumeric_string(value)
        or any(part in low for part in _PLACEHOLDER_PARTS)
        or bool(_CODE_REFERENCE.search(value) or _ENV_NAME.match(value))
        or bool(_LOWER_WORDS.fullmatch(value))
        or len(set(low)) <= 2
    )


def _generic_secret(value: str, line: str) -> bool:
    # a value with blanks is prose ("secret_type = 'JSON Web Token'"), not a credential
    return (
        len(value) >= 8
        and not any(ch.isspace() for ch in value)
        and entropy(value) >= 3.0
        and not is_placeholder(value)
    )


def _url_password(value: str, line: str) -> bool:
    user = re.search(r"://([^:/@\s]*):" + re.escape(value) + "@", line)
    return (
        value.lower() not in _DEV_PASSWORDS
        and not (user and user.group(1) == value)
        and not is_placeholder(value)
    )


def _jwt(value: str, line: str) -> bool:
    return JwtTokenDetector.is_formally_valid(value)


def _token(value: str, line: str) -> bool:
    # Real tokens are random: "ghp_xxxx...", "ACxxxx..." and snake_case identifiers that happen
    # to have a token's length are placeholders or code, not credentials.
    return (
        len(set(value)) >= 8 and not _REPEATED.search(value) and not _LOWER_WORDS.fullmatch(value)
    )


@cache
def rules() -> tuple[Rule, ...]:
    """Every pattern we run on a line, built once from detect-secrets' plugins and our own."""
    built: list[Rule] = []
    # detect-secrets annotates this with an unbound TypeVar; it maps names to plugin classes
    mapping: Mapping[str, type[BasePlugin]] = get_mapping_from_secret_type_to_class()
    for secret_type in sorted(mapping):
        if secret_type in _SKIPPED_PLUGINS:
            continue
        plugin = mapping[secret_type]()
        if not isinstance(plugin, RegexBasedDetector):
            continue
        kind = _KINDS.get(secret_type, secret_type)
        for index, regex in enumerate(plugin.denylist):
            this_kind = kind
            extend: frozenset[str] | None = _TOKEN_CHARS
            accept: Callable[[str, str], bool] | None = _token
            if secret_type == "AWS Access Key" and index > 0:
                this_kind, extend = "AWS secret access key", None
            elif secret_type == "Slack Token" and "hooks" in regex.pattern:
                this_kind = "Slack webhook URL"
            elif secret_type == "JSON Web Token":
                extend, accept = _JWT_CHARS, _jwt
            elif secret_type in ("Basic Auth Credentials", "Private Key"):
                extend = None
                accept = _url_password if kind == URL_PASSWORD else None
            priority = 1 if this_kind == URL_PASSWORD else 0
            needle = _NEEDLES.get(secret_type)
            built.append(Rule(this_kind, regex, None, priority, extend, accept, needle))
    for kind, pattern, group in _OWN_PATTERNS:
        extend = None if group else _TOKEN_CHARS
        built.append(Rule(kind, re.compile(pattern), group, 0, extend, _token))
    built.append(Rule(URL_PASSWORD, _URL_PASSWORD, 1, 1, None, _url_password))
    built.append(Rule(GENERIC, _ENV_LINE, 2, 2, None, _generic_secret))
    return tuple(built)


@cache
def keyword_rules(path: str) -> tuple[Rule, ...]:
    """detect-secrets' Secret Keyword regexes for this file type (``password = "..."``)."""
    by_type = REGEX_BY_FILETYPE.get(
        determine_file_type(path), QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP
    )
    return tuple(
        Rule(GENERIC, rx, group, 2, None, _generic_secret) for rx, group in by_type.items()
    )


def _value_span(match: re.Match[str], rule: Rule) -> tuple[int, int]:
    if rule.group is not None:
        return match.span(rule.group)
    # A detect-secrets regex: its last group holds the value when it closes the match
    # (assignment and URL rules); a group at the start is a prefix (ghp_, glpat-).
    start, end = match.span()
    for group in range(len(match.groups()), 0, -1):
        g_start, g_end = match.span(group)
        if g_end > g_start and g_start > start and end - g_end <= 1:
            return g_start, g_end
    text = match.group(0)
    while start < end and text[start - match.start()] in " \t\"'=:":
        start += 1
    while end > start and text[end - 1 - match.start()] in " \t\"'":
        end -= 1
    if text.startswith("AccountKey="):
        start = match.start() + len("AccountKey=")
    return start, end


def _find(line: str, rule: Rule) -> Iterator[Span]:
    covered = 0  # matches inside an extended token were already judged (keeps this linear)
    for match in rule.regex.finditer(line):
        if match.start() < covered:
            continue
        start, end = _value_span(match, rule)
        if rule.extend is not None:
            while end < len(line) and line[end] in rule.extend:
                end += 1
            covered = end
        if rule.kind == PRIVATE_KEY:
            yield from _private_key(line, match)
            continue
        value = line[start:end]
        if end <= start or (rule.accept is not None and not rule.accept(value, line)):
            continue
        yield Span(rule.kind, start, end, rule.priority)


def _private_key(line: str, match: re.Match[str]) -> Iterator[Span]:
    start, end = match.span()
    if not match.group(0).startswith("PuTTY"):
        # "-----BEGIN RSA PRIVATE KEY-----" itself, not prose or code that names the header
        if not line[:start].endswith("-----") or line[end : end + 5] != "-----":
            return
        start, end = start - 5, end + 5
        closing = PEM_END.search(line, end)
        if closing:  # the whole key on one line, e.g. a JSON service-account file
            if len(_BASE64.findall(line, end, closing.start())) < 16:
                return
            yield Span(PRIVATE_KEY, start, closing.end(), 0)
            return
    yield Span(PRIVATE_KEY, start, len(line.rstrip()), 0, opens_block=True)


def is_key_material(text: str, first: bool) -> bool:
    """True for a line of a private key's body (base64, or a PEM/PuTTY header field).

    Args:
        text: the line.
        first: True for the line right after the BEGIN line, which must carry real material.
    """
    return bool((_KEY_FIRST_LINE if first else _KEY_LINE).match(text))


def ends_key_block(text: str) -> bool:
    """True for the line that closes a private key (PEM END marker, PuTTY MAC)."""
    return bool(PEM_END.search(text)) or text.lstrip().startswith(PUTTY_END)


def scan_line(path: str, line: str) -> list[Span]:
    """Find the secrets in one line; overlapping finds keep the most specific kind.

    Args:
        path: the file the line belongs to (picks the keyword rules for its file type).
        line: the line's text, without the diff marker.

    Returns:
        Non-overlapping spans, ordered by position.
    """
    if len(line) <= _WINDOW:
        return _select(_scan_window(path, line))
    found: list[Span] = []
    for offset in range(0, len(line) - _OVERLAP, _WINDOW - _OVERLAP):
        for span in _scan_window(path, line[offset : offset + _WINDOW]):
            end = offset + span.end
            if span.end == _WINDOW:  # cut by the window: extend over the rest of the token
                while end < len(line) and line[end] in _JWT_CHARS:
                    end += 1
            found.append(replace(span, start=offset + span.start, end=end))
    return _select(found)


def _scan_window(path: str, line: str) -> list[Span]:
    if not _GATE.search(line):
        return []
    found = [
        span
        for rule in rules()
        if rule.needle is None or rule.needle in line
        for span in _find(line, rule)
    ]
    if _KEYWORD_GATE.search(line):
        found += [span for rule in keyword_rules(path) for span in _find_keyword(line, rule)]
    return found


def _select(found: list[Span]) -> list[Span]:
    kept: list[Span] = []
    for span in sorted(found, key=lambda s: (s.priority, s.start - s.end, s.start)):
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def _find_keyword(line: str, rule: Rule) -> Iterator[Span]:
    # detect-secrets searches each keyword regex once per line; so do we
    match = rule.regex.search(line)
    if match is None or rule.group is None:
        return
    start, end = match.span(rule.group)
    quoted = start > 0 and line[start - 1] in "\"'`"
    if not quoted:  # an unquoted value ends at the first blank
        blank = re.search(r"\s", line[start:end])
        end = start + blank.start() if blank else end
    value = line[start:end]
    if rule.accept is None or rule.accept(value, line):
        yield Span(rule.kind, start, end, rule.priority)
