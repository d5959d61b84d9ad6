"""``python -m bench.checks``: how long the deterministic checks take on hostile input of 1 MB.

The target (issue 11): no input of up to 1 MB keeps any deterministic check busy for more
than 1 s. Each check is fed its own input of at most 1 MB: a diff whose one added file holds
the text, or the text as the PR description, or as a model's reply (the sanitiser):

- the generic 1 MB lines of ``bench.hostile`` (one letter, blanks, base64, printable noise,
  code, markdown);
- the hostile shapes of every regex reviewbot holds (``bench.hostile.families``), screened at
  2 KB through the check itself, the slowest ``TOP`` of them then at 1 MB.

Each of those inputs also runs as 1 MB of 4 KB lines (the secret scan reads lines in groups).
The page printed is the slowest input per check, in seconds (best of ``--runs``). Nothing is
written unless ``--write`` is given (``bench/CHECKS.md``).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.hostile import Family, families, megabyte_lines
from reviewbot.checks.injection import injection_findings
from reviewbot.checks.secrets import redact_files, redact_text, scan_files
from reviewbot.config.load import parse_config
from reviewbot.domain import FileDiff, PullRequestRef
from reviewbot.engine.run import prepare_files
from reviewbot.output.sanitize import clean
from reviewbot.steps.classify import classify_heuristic

HERE = Path(__file__).resolve().parent
SIZE = 1 << 20
SCREEN = 2048
TOP = 3
LINE = 4096  # the second layout: SIZE characters as lines of this length
TARGET_S = 1.0
# No prompt-size budget: a 1 MB file stays "reviewed", so the checks that read only reviewed
# files (the injection patterns, the path heuristic) see it too.
CONFIG = parse_config("max_review_tokens: 100000000")
PR = PullRequestRef("o/r", 1, "a" * 40, "b" * 40, "Add a table")


@dataclass(frozen=True, slots=True)
class Inputs:
    """One hostile text, prepared once: the diff's files and the PR that carries it."""

    name: str
    text: str
    files: tuple[FileDiff, ...]
    pr: PullRequestRef


def diff_of(text: str) -> str:
    """A diff that adds ``app/table.py`` whose lines are ``text``'s lines."""
    lines = text.split("\n")
    body = "".join(f"+{line}\n" for line in lines)
    return (
        "diff --git a/app/table.py b/app/table.py\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/app/table.py\n@@ -0,0 +1,{len(lines)} @@\n{body}"
    )


def fit(text: str, size: int = SIZE) -> str:
    """``text`` cut so that the diff carrying it is at most ``size`` characters."""
    while (length := len(diff_of(text))) > size:
        text = text[: min(len(text) - 1, len(text) * size // length)]
    return text


def prepare(name: str, text: str) -> Inputs:
    """``text`` as the added line(s) of a reviewed code file and as the PR description."""
    return Inputs(name, text, prepare_files(diff_of(text), CONFIG), replace(PR, body=text))


def _secret_scan(given: Inputs) -> object:
    return redact_files(given.files, scan_files(given.files))


CHECKS: dict[str, Callable[[Inputs], object]] = {
    "parse, filters, size budget (diff)": lambda given: prepare_files(diff_of(given.text), CONFIG),
    "secret scan and masking (diff)": _secret_scan,
    "secret masking (PR description)": lambda given: redact_text(given.pr.body),
    "prompt-injection patterns (diff)": lambda given: injection_findings(given.files, None),
    "prompt-injection patterns (PR description)": lambda given: injection_findings((), given.pr),
    "path heuristic (diff)": lambda given: classify_heuristic(given.files),
    "sanitiser (a model's reply)": lambda given: clean(given.text, 65536),
}


def _seconds(check: Callable[[Inputs], object], given: Inputs, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        check(given)
        best = min(best, time.perf_counter() - started)
    return best


def _shapes() -> list[Family]:
    """Every distinct hostile shape of every regex reviewbot holds."""
    from tests.hardening.redos import discover

    seen: dict[tuple[str, str, str], Family] = {}
    for pattern in discover().values():
        for family in families(pattern.pattern):
            seen.setdefault((family.prefix, family.unit, family.suffix), family)
    return list(seen.values())


def _layouts(name: str, text: str) -> list[tuple[str, str]]:
    lines = "\n".join(text[i : i + LINE] for i in range(0, len(text), LINE))
    return [(f"{name}, one line", fit(text)), (f"{name}, {LINE // 1024} KB lines", fit(lines))]


def measure(runs: int, top: int, say: Callable[[str], None]) -> dict[str, Any]:
    """The slowest input found for each check, with its time."""
    shapes = _shapes()
    say(f"{len(shapes)} hostile shapes; screening them at {SCREEN} characters")
    generic = list(megabyte_lines(SIZE).items())
    results: dict[str, Any] = {}
    for check_name, check in CHECKS.items():
        screened = sorted(
            shapes,
            key=lambda f: -_seconds(check, prepare("", f.at(SCREEN)), 1),
        )[:top]
        candidates = [(f"1 MB {name}", text) for name, text in generic]
        candidates += [(f.describe(), f.at(SIZE)[:SIZE]) for f in screened]
        rows = []
        for name, text in candidates:
            for label, laid_out in _layouts(name, text):
                given = prepare(label, laid_out)
                rows.append((round(_seconds(check, given, runs), 3), label))
        worst = max(rows)
        results[check_name] = {"worst_s": worst[0], "worst": worst[1], "inputs": len(rows)}
        say(f"{check_name}: worst {worst[0]:.3f} s ({worst[1]})")
    return results


def markdown(results: dict[str, Any], machine: str) -> str:
    """The results page."""
    lines = [
        "# Deterministic checks on hostile input",
        "",
        f"`python -m bench.checks` on {machine}. Target: no input of up to 1 MB keeps a check "
        f"busy for more than {TARGET_S:g} s. Each row is the slowest input found for the check "
        "(best of the runs), out of the generic 1 MB lines and the hostile shapes of every "
        "regex, each as one line and as 4 KB lines.",
        "",
        "| check | slowest input | seconds | within 1 s |",
        "|---|---|---|---|",
    ]
    for name, row in results.items():
        ok = "yes" if row["worst_s"] <= TARGET_S else "**no**"
        lines.append(f"| {name} | {row['worst']} | {row['worst_s']:.3f} | {ok} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure, print the page; with ``--write`` also save it as ``bench/CHECKS.md``."""
    parser = argparse.ArgumentParser(prog="python -m bench.checks", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per input (best is kept)")
    parser.add_argument("--top", type=int, default=TOP, help="screened shapes taken to 1 MB")
    parser.add_argument("--write", action="store_true", help="also write bench/CHECKS.md")
    args = parser.parse_args(argv)
    results = measure(args.runs, args.top, lambda text: print(f"bench: {text}", file=sys.stderr))
    machine = f"Python {platform.python_version()}, {platform.machine()}"
    page = markdown(results, machine)
    print(page)
    if args.write:
        (HERE / "CHECKS.md").write_text(page)
    worst = max(row["worst_s"] for row in results.values())
    print(f"bench: slowest check on any input: {worst:.3f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
