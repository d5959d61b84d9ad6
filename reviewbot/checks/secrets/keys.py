"""Private keys found by their body: behind any prefix, with or without a visible BEGIN line.

A key is a run of lines whose only content is one base64 run (``# ``, ``// ``, `` * ``, ``> ``,
``  - ``, quotes, ``\\n`` escapes and indentation around it are decoration). It is anchored by
a ``BEGIN … PRIVATE KEY`` line (read forward), an ``END`` line whose BEGIN is out of view (read
backward), a PuTTY header, or a first body line whose bytes are a private key's own encoding
(PKCS#1, SEC1, DSA, PKCS#8, encrypted PKCS#8, PKCS#12, OpenSSH, an OpenPGP secret-key packet).
Certificates and public keys have other encodings and other markers, and are left alone.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reviewbot.checks.secrets.work import CANDIDATE, KEY, Work

PRIVATE_KEY = "private key"

MARKER_NEEDLES = ("PRIVATE KEY", "PuTTY-User-Key-File-")
_MARKER = re.compile(r"-{4,5} ?(BEGIN|END) (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)? ?-{4,5}")
_PUTTY = re.compile(r"PuTTY-User-Key-File-\d+: ")
_PUTTY_END = "Private-MAC:"
_RUN = re.compile(r"[A-Za-z0-9+/=]{3,}")
_FIELD = re.compile(
    r"[\s#/*>;'\"`-]*(?:Proc-Type|DEK-Info|Comment|Version|Hash|Charset|MessageID|Encryption|"
    r"Public-Lines|Private-Lines|Key-Derivation|Argon2-[A-Za-z]+|Private-Hash): "
)
_MATERIAL = 16  # a body run at least this long is key material, not a placeholder
_MAX_LINES = 400  # a PGP key with many subkeys; longer runs of base64 are not one key
_MAX_GAP = 2  # decoration-only lines (blank, a lone quote) a body may contain in a row
# pbeWithSHA1… (PKCS#5, 1.2.840.113549.1.5) and pkcs-12PbeIds (1.2.840.113549.1.12.1)
_ENCRYPTION_OIDS = (bytes.fromhex("2a864886f70d0105"), bytes.fromhex("2a864886f70d010c01"))
_PGP_ALGORITHMS = frozenset({1, 2, 3, 16, 17, 18, 19, 20, 22, 25, 27, 28, 29})


@dataclass(frozen=True, slots=True)
class KeyBlock:
    """One private key over several lines: ``(row, start, end)`` of each part to mask."""

    parts: tuple[tuple[int, int, int], ...]

    @property
    def rows(self) -> tuple[int, ...]:
        """The rows the key spans (first to last part)."""
        return tuple(row for row, _, _ in self.parts)


def has_marker(text: str) -> bool:
    """True when a line holds a private key's BEGIN/END line or a PuTTY header."""
    return bool(_MARKER.search(text) or _PUTTY.search(text))


def _der_length(data: bytes, at: int) -> int | None:
    """Where the contents of the DER element whose length byte is at ``at`` start."""
    if at >= len(data):
        return None
    first = data[at]
    if first < 0x80:
        return at + 1
    count = first - 0x80
    return at + 1 + count if 1 <= count <= 3 else None


def _is_private_der(data: bytes) -> bool:
    if data[:1] != b"\x30":
        return False
    at = _der_length(data, 1)
    if at is None:
        return False
    body = data[at:]
    # SEQUENCE { INTEGER version 0|1|3, ...}: PKCS#1 RSA, SEC1 EC, DSA, PKCS#8 v1/v2, PKCS#12
    if body[:3] in (b"\x02\x01\x00", b"\x02\x01\x01", b"\x02\x01\x03"):
        return body[3:4] in (b"\x02", b"\x30", b"\x04")
    # EncryptedPrivateKeyInfo: SEQUENCE { SEQUENCE { OID pbes2 or a PKCS#12 PBE, ...}, ...}
    if body[:1] == b"\x30":
        inner = _der_length(body, 1)
        if inner is not None and body[inner : inner + 1] == b"\x06":
            oid = body[inner + 2 : inner + 2 + body[inner + 1]] if inner + 1 < len(body) else b""
            return oid.startswith(_ENCRYPTION_OIDS)
    return False


def _is_pgp_secret_key(data: bytes) -> bool:
    if len(data) < 12 or not data[0] & 0x80:
        return False
    if data[0] & 0x40:  # new packet format
        tag, size = data[0] & 0x3F, data[1]
        at = 2 if size < 192 else 3 if size < 224 else 6
    else:
        tag, at = (data[0] >> 2) & 0x0F, (2, 3, 5, 1)[data[0] & 0x03]
    if tag not in (5, 7) or at + 6 > len(data):
        return False
    version = data[at]
    algorithm = data[at + 7] if version == 3 else data[at + 5]
    return version in (3, 4, 5, 6) and algorithm in _PGP_ALGORITHMS


def looks_like_private_key(run: str) -> bool:
    """True when base64 ``run`` starts with a private key's own encoding.

    Args:
        run: base64 text, at least 16 characters (only its first 64 are read).
    """
    head = run[:64]
    head = head[: len(head) // 4 * 4]
    if len(head) < 16:
        return False
    try:
        data = base64.b64decode(head)
    except binascii.Error:
        return False
    return (
        data.startswith(b"openssh-key-v1\x00") or _is_private_der(data) or _is_pgp_secret_key(data)
    )


def body_run(text: str) -> tuple[int, int] | None:
    """The one base64 run of a key body line, or None when the line is not one.

    Decoration around the run (comment markers, quotes, list dashes, ``\\n`` escapes) holds no
    other run of three or more base64 characters.
    """
    found: tuple[int, int] | None = None
    for match in _RUN.finditer(text):
        if found is not None:
            return None
        found = match.span()
    return found


def _decoration(text: str) -> bool:
    return _RUN.search(text) is None


def find_blocks(
    lines: Sequence[str], hints: Iterable[int], work: Work | None = None
) -> list[KeyBlock]:
    """Private keys in consecutive ``lines``, grown from the rows in ``hints``.

    Args:
        lines: the lines of one side of a hunk (or of a text), in order.
        hints: rows that hold a marker (:func:`has_marker`) or a base64 run for which
            :func:`looks_like_private_key` is true.
        work: the scan's work bound, spent on each hint and each key (it raises
            :class:`~reviewbot.checks.secrets.work.ScanStopped` when it runs out).

    Returns:
        The keys found, each at most once, in row order.
    """
    used: set[int] = set()
    blocks: list[KeyBlock] = []
    for row in sorted(set(hints)):
        if row in used or row >= len(lines):
            continue
        if work is not None:
            work.spend(CANDIDATE)
        block = _grow(lines, row, used)
        if block is not None:
            if work is not None:
                work.spend(KEY)
            used.update(block.rows)
            blocks.append(block)
    return blocks


def _grow(lines: Sequence[str], row: int, used: set[int]) -> KeyBlock | None:
    text = lines[row]
    markers = list(_MARKER.finditer(text)) if "PRIVATE KEY" in text else []
    begin = next((m for m in markers if m.group(1) == "BEGIN"), None)
    if begin is not None:
        close = next((m for m in markers if m.group(1) == "END" and m.start() > begin.end()), None)
        if close is not None:  # the whole key on one line ("…KEY-----\nMIIE…\n-----END…")
            inside = _RUN.findall(text, begin.end(), close.start())
            if max(map(len, inside), default=0) >= _MATERIAL:
                return KeyBlock(((row, begin.start(), close.end()),))
            return None
        return _forward(lines, row, (begin.start(), len(text.rstrip())), used, material=False)
    if markers:  # an END line whose BEGIN is above the hunk
        return _backward(lines, row, markers[0].span(), used)
    putty = _PUTTY.search(text)
    if putty is not None:
        return _forward(lines, row, (putty.start(), len(text.rstrip())), used, material=False)
    run = body_run(text)
    if run is None:
        return None
    return _forward(lines, row, run, used, material=True)


def _closing(text: str) -> tuple[int, int] | None:
    if "PRIVATE KEY" in text:
        for match in _MARKER.finditer(text):
            if match.group(1) == "END":
                return match.span()
    at = text.find(_PUTTY_END)
    return (at, len(text.rstrip())) if at != -1 else None


def _forward(
    lines: Sequence[str], row: int, first: tuple[int, int], used: set[int], *, material: bool
) -> KeyBlock | None:
    parts = [(row, *first)]
    gap = 0
    for at in range(row + 1, min(len(lines), row + _MAX_LINES)):
        if at in used:
            break
        text = lines[at]
        closing = _closing(text)
        if closing is not None:
            parts.append((at, *closing))
            break
        if _FIELD.match(text):  # Proc-Type, DEK-Info, Comment, PuTTY's counts: no secret
            continue
        run = body_run(text)
        if run is not None:
            parts.append((at, *run))
            material = material or run[1] - run[0] >= _MATERIAL
            gap = 0
        elif _decoration(text):
            gap += 1
            if gap > _MAX_GAP:
                break
        else:
            break
    return KeyBlock(tuple(parts)) if material else None


def _backward(
    lines: Sequence[str], row: int, end: tuple[int, int], used: set[int]
) -> KeyBlock | None:
    parts = [(row, *end)]
    material = False
    for at in range(row - 1, max(-1, row - _MAX_LINES), -1):
        if at in used:
            break
        run = body_run(lines[at])
        if run is None or _FIELD.match(lines[at]):
            break
        parts.append((at, *run))
        material = material or run[1] - run[0] >= _MATERIAL
    return KeyBlock(tuple(reversed(parts))) if material else None
