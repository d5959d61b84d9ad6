"""Find secrets in lines of text: detect-secrets' plugins, our formats, and context rules.

Lines are joined into one text so that every pattern runs once over all of them, in C. Every
pattern is linear: the detect-secrets patterns that backtrack on hostile input (JWT, npm,
Artifactory, legacy OpenAI keys) are replaced by equivalent ones of ours, the others are
bounded, and each accepted value is judged on a bounded slice; so a 10 MB minified line costs
what ten thousand ordinary lines cost.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector
from detect_secrets.plugins.jwt import JwtTokenDetector

from reviewbot.checks.secrets import context, encoded
from reviewbot.checks.secrets.formats import FORMATS
from reviewbot.checks.secrets.heuristics import random_token
from reviewbot.checks.secrets.joined import Joined
from reviewbot.checks.secrets.keys import MARKER_NEEDLES, PRIVATE_KEY, find_blocks
from reviewbot.checks.secrets.work import MATCH, ScanStopped, Work

GENERIC = "hardcoded secret"
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


class Span(NamedTuple):
    """A secret found in one line: ``line[start:end]``; lower ``priority`` wins an overlap.

    A named tuple, not a dataclass: one is made per secret found, and a text may hold tens
    of thousands of them (a tuple is made in C, a frozen dataclass sets each field in turn).
    """

    kind: str
    start: int
    end: int
    priority: int


Found = dict[int, list[Span]]  # row -> spans (rows without a secret are absent)


class LineScan(NamedTuple):
    """What :func:`scan_lines` found: spans per row, and rows a private key may grow from.

    A named tuple: a diff of thirty thousand files makes one per file name.
    """

    spans: Found
    hints: set[int]
    complete: bool = True  # False: the work bound stopped the scan before the end
    work: Work | None = None  # what is left of it (private keys spend it too)


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
    text = match.string
    while start < end and text[start] in " \t\n\"'=:":
        start += 1
    while end > start and text[end - 1] in " \t\n\"'":
        end -= 1
    if text.startswith("AccountKey=", start):
        start += len("AccountKey=")
    return start, end


def _run_rule(rule: Rule, joined: Joined, found: Found, retry: set[int]) -> None:
    text = joined.text
    needle = rule.needle
    if needle is not None and needle not in (joined.lower if needle.islower() else text):
        return
    covered = 0  # matches inside an extended token were already judged (keeps this linear)
    for match in rule.regex.finditer(joined.lower if rule.lower else text):
        if match.start() < covered:
            continue
        start, end = _value_span(match, rule)
        if end <= start:
            continue
        row = joined.row_of(start)
        line_end = joined.end_of(row)
        if end > line_end or match.start() < joined.starts[row] - 1:
            retry.add(row)  # the match crossed a line break: judge that line on its own
            continue
        if rule.extend is not None:
            while end < line_end and text[end] in rule.extend:
                end += 1
            covered = end
        base = joined.starts[row]
        joined.work.spend(MATCH)
        if rule.accept is not None and not rule.accept(text[start:end], match.group(0)):
            continue
        found.setdefault(row, []).append(Span(rule.kind, start - base, end - base, rule.priority))


def _scan_joined(joined: Joined, path: str, depth: int, found: Found) -> None:
    retry: set[int] = set()
    for rule in rules():
        _run_rule(rule, joined, found, retry)
        if retry and len(joined.lines) > 1:
            for row in sorted(retry):
                single: Found = {}
                _run_rule(rule, Joined([joined.lines[row]], joined.work), single, set())
                found.setdefault(row, []).extend(single.get(0, []))
            retry.clear()
    work = joined.work
    for row, span in context.assignments(joined, path):
        work.spend(MATCH)
        found.setdefault(row, []).append(Span(GENERIC, span[0], span[1], 2))
    for row, span, kind in context.paired(joined):
        work.spend(MATCH)
        found.setdefault(row, []).append(Span(kind, span[0], span[1], 1))
    for row, span, kind in encoded.blobs(joined, depth, inner_kind):
        work.spend(MATCH)
        found.setdefault(row, []).append(Span(kind, span[0], span[1], 0))


def scan_lines(lines: Sequence[str], path: str = "", depth: int = 0) -> LineScan:
    """Single-line secrets of each line, before overlaps are resolved.

    The scan stops when it has spent its work bound (:mod:`~reviewbot.checks.secrets.work`):
    the spans found until then are returned, and ``complete`` is False.

    Args:
        lines: the lines, without newlines.
        path: the file they belong to (some rules depend on its type).
        depth: how many base64 decodings deep ``lines`` already are.

    Returns:
        The spans found per line, the lines a private key may grow from, and whether the scan
        reached the end.
    """
    joined = Joined(lines)
    found: Found = {}
    complete = True
    try:
        _scan_joined(joined, path, depth, found)
    except ScanStopped:
        complete = False
    hints = {row for needle in MARKER_NEEDLES for row in joined.rows_with(needle)}
    hints.update(row for row, spans in found.items() if any(s.kind == PRIVATE_KEY for s in spans))
    return LineScan(found, hints, complete, joined.work)


def select(found: Sequence[Span]) -> list[Span]:
    """Resolve overlaps: the most specific (lowest priority), then the longest, span wins."""
    if len(found) < 2:
        return list(found)
    starts: list[int] = []  # kept spans are disjoint; sorted by start, so are their ends
    kept: list[Span] = []
    for span in sorted(found, key=lambda s: (s.priority, s.start - s.end, s.start)):
        at = bisect_left(starts, span.start)
        if at > 0 and kept[at - 1].end > span.start:
            continue  # overlaps the span that starts before it
        if at < len(kept) and kept[at].start < span.end:
            continue  # overlaps the span that starts at or after it
        starts.insert(at, span.start)
        kept.insert(at, span)
    return kept


def find_all(lines: Sequence[str], path: str = "", depth: int = 0) -> list[list[Span]]:
    """Every secret in consecutive lines (a text), private keys over several lines included.

    Args:
        lines: consecutive lines of one text.
        path: the file they belong to.
        depth: how many base64 decodings deep ``lines`` already are.

    Returns:
        For each line, its non-overlapping spans in order.
    """
    scan = scan_lines(lines, path, depth)
    found = scan.spans
    try:
        blocks = find_blocks(lines, scan.hints, scan.work)
    except ScanStopped:  # a path or a decoded blob: short texts, judged on what was found
        blocks = []
    for block in blocks:
        for row, start, end in block.parts:
            found.setdefault(row, []).append(Span(PRIVATE_KEY, start, end, -1))
    return [select(found.get(row, [])) for row in range(len(lines))]


def inner_kind(text: str, depth: int) -> str | None:
    """The kind of the first secret in decoded text, or None (used for base64 blobs)."""
    lines = text.splitlines()
    for spans in find_all(lines, "", depth):
        if spans:
            return spans[0].kind
    return None
