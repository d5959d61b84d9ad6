"""Secret handling as a layer of its own: find, mask and report committed credentials.

- :mod:`~reviewbot.secrets.lines` finds secrets in lines (detect-secrets' plugins, the formats
  of :mod:`~reviewbot.secrets.formats`, the context rules of :mod:`~reviewbot.secrets.context`,
  and base64 blobs decoded and scanned again by :mod:`~reviewbot.secrets.encoded`);
- :mod:`~reviewbot.secrets.keys` finds private keys by their body, over several lines;
- :mod:`~reviewbot.secrets.scan` scans a diff: added, context and removed lines, hunk headers
  and file paths;
- :mod:`~reviewbot.secrets.masking` masks them in every text that may leave the machine;
- :mod:`~reviewbot.secrets.report` turns them into findings.
"""

from __future__ import annotations

from reviewbot.secrets.masking import redact_files, redact_path, redact_text
from reviewbot.secrets.report import CATEGORY, STEP, preview, secret_findings
from reviewbot.secrets.scan import SecretHit, mask_for, scan_files, scan_text

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
