"""The patterns the line scan runs: detect-secrets' plugins, our formats, and context rules.

Each :class:`Rule` is one linear pattern with what turns its match into a secret's span; the
detect-secrets plugins that backtrack on hostile input are left out for the linear equivalents
of :mod:`.formats`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.jwt import JwtTokenDetector

from reviewbot.checks.secrets import context
from reviewbot.checks.secrets.formats import FORMATS
from reviewbot.checks.secrets.heuristics import random_token

URL_PASSWORD = "password in connection string"
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")

# Plugins we do not run: the entropy plugins flag every hash and checksum, a public IP is not a
# credential, Secret Keyword's regexes run away on long lines (context.assignments replaces
# them), private keys are found by their body (keys.py), and the others backtrack on hostile
# lines (``eyJeyJ…``, ``AKCAKC…``, ``//…//``, ``sk-sk-…``): formats.py has linear equivalents;
# the URL password rule of context.py finds what Basic Auth Credentials finds, and more.
_SKIPPED_PLUGINS = frozenset(
    {
        "Base64 High Entropy String",
        "Hex High Entropy String",
        "Public IP (ipv4)",
        "Secret Keyword",
        "Private Key",
        "Telegram Bot Token",
        "JSON Web Token",
        "NPM tokens",
        "Artifactory Credentials",
        "OpenAI Token",
        "Basic Auth Credentials",
    }
)
_KINDS = {
    "AWS Access Key": "AWS access key",
    "Azure Storage Account access key": "Azure storage key",
    "GitHub Token": "GitHub token",
    "GitLab Token": "GitLab token",
    "JSON Web Token": "JSON Web Token",
    "OpenAI Token": "OpenAI API key",
    "Slack Token": "Slack token",
    "Stripe Access Key": "Stripe key",
    "Twilio API Key": "Twilio API key",
}
# Literals without which a detect-secrets pattern cannot match: a text without them skips it.
# A needle in lower case is looked for in the lower-cased text (the pattern ignores case).
_NEEDLES = {
    "AccountKey=": "AccountKey=",
    "-us": "-us",
    "xox": "xox",
    "hooks": "hooks.slack.com",
    "pypi-": "pypi-",
    "SG\\.": "SG.",
    "sq0csp-": "sq0csp-",
    "k_live_": "k_live_",
    "gl": "gl",
    "GR1348941": "GR1348941",
    "aws.": "aws",
    "cloudant": "cloudant",
    "softlayer": "softlayer",
    "SK[": "SK",
}
# detect-secrets' keyword-shaped patterns for IBM, Cloudant and SoftLayer (``cl_key = …``) have
# no literal to look for and cost more than all other patterns together on a large diff; the
# assignments rule (context.py) finds the same ``*_password``/``*_api_key`` assignments.
_KEYWORD_SHAPED = "(?:(?<=\\W)|(?<=^))"
_TWILIO_SID = "AC[a-z0-9]{32}"  # an account SID identifies an account; it is not a secret


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern: the kind it finds and how to turn a match into the secret's span."""

    kind: str
    regex: re.Pattern[str]
    group: int | None  # None: the value group is inferred from the match (detect-secrets)
    priority: int  # 0 exact format, 1 context rule, 2 keyword guess
    extend: frozenset[str] | None  # characters a truncated token match is extended over
    accept: Callable[[str, str], bool] | None = None  # (value, matched text) -> keep?
    needle: str | None = None  # a literal the text must contain for the rule to run
    lower: bool = False  # match against the text with ASCII letters lowered (same offsets)


def _jwt(value: str, line: str) -> bool:
    return JwtTokenDetector.is_formally_valid(value)


def _needle(pattern: str) -> str | None:
    return next((needle for key, needle in _NEEDLES.items() if key in pattern), None)


@cache
def rules() -> tuple[Rule, ...]:
    """Every pattern run on a text, built once from detect-secrets' plugins and our formats."""
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
        for index, plugin_regex in enumerate(plugin.denylist):
            if plugin_regex.pattern == _TWILIO_SID or plugin_regex.pattern.startswith(
                _KEYWORD_SHAPED
            ):
                continue
            # MULTILINE: their ^ and $ mean the start and end of a line, as when run per line
            regex = re.compile(plugin_regex.pattern, plugin_regex.flags | re.MULTILINE)
            this_kind = kind
            extend: frozenset[str] | None = _TOKEN_CHARS
            accept: Callable[[str, str], bool] | None = random_token
            if secret_type == "AWS Access Key" and index > 0:
                this_kind, extend = "AWS secret access key", None
            elif secret_type == "Slack Token" and "hooks" in regex.pattern:
                this_kind = "Slack webhook URL"
            priority = 0
            needle = _needle(regex.pattern)
            built.append(Rule(this_kind, regex, None, priority, extend, accept, needle))
    for fmt in FORMATS:
        extend = None if fmt.group else _TOKEN_CHARS
        accept = _jwt if fmt.kind == "JSON Web Token" else random_token
        built.append(Rule(fmt.kind, fmt.pattern, fmt.group, 0, extend, accept, fmt.needle))
    built.append(Rule(URL_PASSWORD, context.URL_PASSWORD, 1, 1, None, context.url_password, "://"))
    for kind, regex, group, accept, needle in context.PATTERNS:
        built.append(Rule(kind, regex, group, 1, None, accept, needle, lower=True))
    return tuple(built)


def value_span(match: re.Match[str], rule: Rule) -> tuple[int, int]:
    """Where the secret is in ``rule``'s ``match`` (its value group, or the value inferred)."""
    if rule.group is not None:
        return match.span(rule.group)
    # A detect-secrets regex: its last group holds the value when it closes the match
    # (assignment and URL rules); a group at the start is a prefix (ghp_, glpat-).
    start, end = match.span()
    for group in range(len(match.groups()), 0, -1):
        g_start, g_end = match.span(group)
        if g_end > g_start and g_start > start and end - g_end <= 1:
            return g_start, g_end
    text = match.string
    while start < end and text[start] in " \t\n\"'=:":
        start += 1
    while end > start and text[end - 1] in " \t\n\"'":
        end -= 1
    if text.startswith("AccountKey=", start):
        start += len("AccountKey=")
    return start, end
