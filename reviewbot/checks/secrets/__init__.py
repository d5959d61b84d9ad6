"""Secret handling as a layer of its own: find, mask and report committed credentials.

- :mod:`.lines` finds secrets in lines with the patterns of :mod:`.rules`
  (detect-secrets' plugins, the formats of :mod:`.formats`, the context rules
  of :mod:`.context`), and base64 blobs decoded and scanned again by :mod:`.encoded`;
- :mod:`.keys` finds private keys by their body, over several lines;
- :mod:`.scan` scans a diff: added, context and removed lines, hunk headers
  and file paths (laid out as rows by :mod:`.rows`);
- :mod:`.masking` masks them in every text that may leave the machine, and
  :mod:`.moved` every other place their values occur;
- :mod:`.work` bounds the work per text: a text the scan did not finish is withheld;
- :mod:`.report` turns them into findings.
"""

from __future__ import annotations

from reviewbot.checks.secrets.masking import redact_files, redact_path, redact_text
from reviewbot.checks.secrets.report import (
    CATEGORY,
    STEP,
    preview,
    secret_findings,
    withheld_finding,
)
from reviewbot.checks.secrets.scan import (
    DiffScan,
    SecretHit,
    mask_for,
    scan_diff,
    scan_files,
    scan_text,
)

__all__ = [
    "CATEGORY",
    "STEP",
    "DiffScan",
    "SecretHit",
    "mask_for",
    "preview",
    "redact_files",
    "redact_path",
    "redact_text",
    "scan_diff",
    "scan_files",
    "scan_text",
    "secret_findings",
    "withheld_finding",
]
