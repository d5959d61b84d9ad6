"""Find committed secrets in a diff, mask them before any text leaves the machine, report them.

The implementation lives in :mod:`reviewbot.secrets`; this module keeps the names other
modules import.
"""

from __future__ import annotations

from reviewbot.secrets import (
    CATEGORY,
    STEP,
    SecretHit,
    mask_for,
    preview,
    redact_files,
    redact_path,
    redact_text,
    scan_files,
    scan_text,
    secret_findings,
)

__all__ = [
    "CATEGORY",
    "STEP",
    "SecretHit",
    "mask_for",
    "preview",
    "redact_files",
    "redact_path",
    "redact_text",
    "scan_files",
    "scan_text",
    "secret_findings",
]
