"""A bound on the secret scan's work per text, so that no text keeps it busy for long.

Finding a secret costs a pass of each pattern over the text (linear, in C) and then, per
candidate, Python work: judging a value, recording a span, masking it. A text can be written
to hold one candidate every dozen characters (``pwd='K9#00001zQ'`` on every line), so the scan
counts that work and stops at ``MAX_WORK`` units. What it found until then is reported; the
text it could not finish is withheld from every model (see
:func:`~reviewbot.checks.secrets.masking.redact_text` and
:func:`~reviewbot.checks.secrets.masking.redact_files`), never sent half-masked.
"""

from __future__ import annotations

# A unit is about 3 µs of Python work on a 2-core runner; the bound keeps a stopped scan
# under half a second, and no real text comes near it: the real diffs under tests/data spend
# tens of units (a 285 KB lockfile diff: 33), the whole secrets corpus about 4,000.
MAX_WORK = 120_000
CANDIDATE = 1  # a secret-sounding name before a separator, or a new name to judge
VALUE = 6  # a value of a secret's length judged by its looks (heuristics.generic_secret)
MATCH = 4  # a pattern's match judged (its accept function), or a secret recorded
BLOB_CHARS = 64  # a base64 blob decoded and scanned again: MATCH, and a unit per this many
KEY = 16  # a private key grown over its lines, recorded and masked
FILE = 16  # a file of a diff with a secret: its hits made, its hunks masked again


class ScanStopped(Exception):
    """The scan of a text spent its ``MAX_WORK`` units before it reached the end."""


class Work:
    """The units a scan may still spend; :meth:`spend` raises :class:`ScanStopped` past them."""

    __slots__ = ("left",)

    def __init__(self, units: int = MAX_WORK) -> None:
        self.left = units

    def spend(self, units: int = 1) -> None:
        """Count ``units`` of work; raises :class:`ScanStopped` when none are left."""
        self.left -= units
        if self.left < 0:
            raise ScanStopped
