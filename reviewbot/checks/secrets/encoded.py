"""Base64 blobs, decoded and scanned again: a key in a Kubernetes Secret, a kubeconfig, a JSON.

Work is bounded: only runs of ``MIN_RUN`` characters or more are decoded, at most
``MAX_DECODED`` characters of each, and decoded text is scanned again at most ``MAX_DEPTH``
levels deep (a ``.dockerconfigjson`` holds base64 inside base64). Decoded bytes that are not
text are only checked for a private key's own encoding.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator

from reviewbot.checks.secrets import work
from reviewbot.checks.secrets.joined import Joined
from reviewbot.checks.secrets.keys import PRIVATE_KEY, looks_like_private_key

MIN_RUN = 32
MAX_DECODED = 65536  # base64 characters decoded per blob (a kubeconfig key is about 2,300)
MAX_DEPTH = 2
_RUN = re.compile(rf"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/]{{{MIN_RUN},}}={{0,2}}(?![A-Za-z0-9+/=_-])")
_TEXT_SAMPLE = 256


def _decode(run: str) -> bytes | None:
    head = run[:MAX_DECODED].rstrip("=")
    if len(head) % 4 == 1:  # not base64 of whole bytes (or cut): drop the odd character
        head = head[:-1]
    try:
        return base64.b64decode(head + "=" * (-len(head) % 4))
    except binascii.Error:
        return None


def _as_text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # a cut at MAX_DECODED may split a character: judge what came before it
        try:
            text = data[:-3].decode("utf-8") if len(data) >= MAX_DECODED * 3 // 4 - 3 else ""
        except UnicodeDecodeError:
            return None
    sample = text[:_TEXT_SAMPLE]
    if not sample or not all(ch.isprintable() or ch in "\n\r\t" for ch in sample):
        return None
    return text


def encoded_kind(kind: str) -> str:
    """``GitHub token`` -> ``GitHub token (base64)``."""
    return kind if kind.endswith("(base64)") else f"{kind} (base64)"


def _kind(run: str, depth: int, inner_kind: Callable[[str, int], str | None]) -> str | None:
    data = _decode(run)
    if data is None:
        return None
    if looks_like_private_key(run):
        return PRIVATE_KEY
    if depth < MAX_DEPTH:
        text = _as_text(data)
        if text is not None:
            inner = inner_kind(text, depth + 1)
            return encoded_kind(inner) if inner is not None else None
    return None


def blobs(
    joined: Joined, depth: int, inner_kind: Callable[[str, int], str | None]
) -> Iterator[tuple[int, tuple[int, int], str]]:
    """Base64 runs that are a private key, or text that holds a secret.

    Args:
        joined: the lines to scan.
        depth: how many decodings deep ``joined`` already is.
        inner_kind: scans decoded text (one level deeper) and names its first secret.

    Yields:
        ``(row, (start, end), kind)`` of each such run.
    """
    kinds: dict[str, str | None] = {}  # run -> its kind: a blob repeated is judged once
    for match in _RUN.finditer(joined.text):
        run = match.group(0)
        if run in kinds:
            kind = kinds[run]
        else:
            joined.work.spend(work.MATCH + len(run) // work.BLOB_CHARS)
            kind = kinds[run] = _kind(run, depth, inner_kind)
        if kind is None:
            continue
        row = joined.row_of(match.start())
        base = joined.starts[row]
        yield row, (match.start() - base, match.end() - base), kind
