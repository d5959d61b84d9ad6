"""``python -m bench.checks``: how long the deterministic checks take on hostile input of 1 MB.

The target (issue 11): no input of up to 1 MB keeps any deterministic check busy for more
than 1 s. Each check is fed its own input of at most 1 MB: a diff whose one added file holds
the text, or the text as the PR description, or as a model's reply (the sanitiser):

- the generic 1 MB lines of ``bench.hostile`` (one letter, blanks, base64, printable noise,
  code, markdown);
- the hostile shapes of every regex reviewbot holds (``bench.hostile.families``), screened at
  2 KB through the check itself, the slowest ``TOP`` of them then at 1 MB.

- the shapes of :func:`shapes` (runs of ``@``, ``<``, ``&``, backticks, deep markdown, PEM
  lines, ``key=value`` lines, a blank line per line...), always at 1 MB, unscreened;

Each of those inputs also runs as 1 MB of 4 KB lines (the secret scan reads lines in groups).
The checks that read a diff also get the 1 MB diffs of :func:`diffs` (ten thousand files,
thousands of one-line hunks, a file just under the parser's line bound).

Times are CPU seconds of this process (best of ``--runs``), so that other work on a shared
machine does not count. The page printed is the slowest input per check; a check over
``TARGET_S`` (1 s) prints a FAIL line and the command exits 1. Nothing is written unless
``--write`` is given (``bench/CHECKS.md``).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from hashlib import sha1
from pathlib import Path
from typing import Any

from bench.hostile import Family, families, megabyte_lines
from reviewbot.checks.injection import injection_findings
from reviewbot.checks.secrets import redact_files, redact_text, scan_files
from reviewbot.config.load import parse_config
from reviewbot.diff.parse import MAX_PARSED_LINES
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
MARGIN_S = 0.6  # what this machine should keep to, so that a slower runner still passes
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


def _fill(unit: Callable[[int], str], head: str = "", size: int = SIZE) -> str:
    """``head`` and then ``unit(0)``, ``unit(1)``... for as long as it stays within ``size``."""
    out, length, i = [head], len(head), 0
    while length + len(piece := unit(i)) <= size:
        out.append(piece)
        length += len(piece)
        i += 1
    return "".join(out)


def shapes(size: int = SIZE) -> dict[str, str]:
    """Hostile text the regex families miss: what costs per character, line or token."""

    def times(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    pem = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I\n"
    )
    return {
        "@ run": times("@"),
        "@a run": times("@a"),
        "-@a run": times("-@a"),
        "< run": times("<"),
        "<b> run": times("<b>"),
        "& run": times("&"),
        "&#64; run": times("&#64;"),
        "backtick run": times("`"),
        "`a` spans": times("`a` "),
        "`a`| table spans": times("`a`|"),
        "deep quote": times("> "),
        "deep list": times("- "),
        "nested brackets": times("[") + times("]")[: size // 2],
        "links": times("[a](b) "),
        "emphasis": times("*_"),
        "fence lines": times("```\n"),
        "blank lines": times("\n"),
        "PEM lines": times(pem),
        "BEGIN lines": times("-----BEGIN RSA PRIVATE KEY-----\n"),
        "key=value lines": times("password=hunter2x\n"),
        "api_key lines": times('api_key = "Zm9vYmFyYmF6cXV4"\n'),
        "key: run": times("key:"),
        "distinct quoted passwords": _fill(lambda i: f"pwd='K9#{i:07x}zQ'\n", size=size),
        "distinct refused passwords": _fill(lambda i: f"pwd='K9#{i:07x}test'\n", size=size),
        "distinct bare passwords": _fill(lambda i: f"pat=K9#{i:05x}Q ", size=size),
        "distinct secret names": _fill(lambda i: f"a{i:x}_token=1 ", size=size),
        "xkey names": _fill(lambda i: f"xkey{i}:", size=size),
        "base64 blobs": times("QUtJQUlPU0ZPRE5ON0VYQU1QTEU6c2VjcmV0LXZhbHVlLTEyMzQ1Njc4OTA=\n"),
        "reveal runs": times("reveal your "),
    }


def diffs(size: int = SIZE) -> dict[str, str]:
    """Whole diffs of ``size`` characters whose cost is in their files and hunks, not lines."""
    files = _fill(
        lambda i: (
            f"diff --git a/s/f{i}.py b/s/f{i}.py\n--- a/s/f{i}.py\n+++ b/s/f{i}.py\n"
            "@@ -1 +1 @@\n-a\n+b\n"
        ),
        size=size,
    )
    docs = _fill(
        lambda i: (
            f"diff --git a/d/f{i}.md b/d/f{i}.md\nnew file mode 100644\n--- /dev/null\n"
            f"+++ b/d/f{i}.md\n@@ -0,0 +1 @@\n+@generated\n"
        ),
        size=size,
    )
    bare = _fill(lambda i: f"diff --git a/f{i} b/f{i}\n", size=size)  # files with no change
    secrets = _fill(
        lambda i: (
            f"diff --git a/s/f{i}.py b/s/f{i}.py\n--- a/s/f{i}.py\n+++ b/s/f{i}.py\n"
            f"@@ -1 +1 @@\n-a\n+pwd = 'K9#{sha1(str(i).encode()).hexdigest()[:9]}zQ'\n"
        ),
        size=size,
    )  # a different password in each file: each one is looked for in every other file
    header = "diff --git a/app/t.py b/app/t.py\n--- a/app/t.py\n+++ b/app/t.py\n"
    hunks = _fill(lambda i: f"@@ -{3 * i + 1} +{3 * i + 1} @@\n-a\n+b\n", header, size)
    few_hunks = _fill(
        lambda i: f"@@ -{3 * i + 1} +{3 * i + 1} @@\n-a\n+b\n", header, size // 6
    )  # under the line bound: every hunk is parsed
    return {
        "ten thousand small files": files,
        "ten thousand generated docs": docs,
        "thirty thousand bare file headers": bare,
        "nine thousand files with a password each": secrets,
        "one-line hunks": hunks,
        "one-line hunks, all parsed": few_hunks,
        "just under the line bound": diff_of("\n".join(["x = 1"] * (MAX_PARSED_LINES - 10))),
    }


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
        started = time.process_time()
        check(given)
        best = min(best, time.process_time() - started)
    return best


def _diff_inputs(name: str, diff: str) -> Inputs:
    return Inputs(name, diff, prepare_files(diff, CONFIG), PR)


# The checks that read the diff, and how each is run on a whole diff.
DIFF_CHECKS: dict[str, Callable[[Inputs], object]] = {
    "parse, filters, size budget (diff)": lambda given: prepare_files(given.text, CONFIG),
    "secret scan and masking (diff)": _secret_scan,
    "prompt-injection patterns (diff)": lambda given: injection_findings(given.files, None),
    "path heuristic (diff)": lambda given: classify_heuristic(given.files),
}


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
    families = _shapes() if top > 0 else []
    say(f"{len(families)} hostile shapes; screening them at {SCREEN} characters")
    generic = list(megabyte_lines(SIZE).items()) + list(shapes(SIZE).items())
    whole = {name: _diff_inputs(name, diff) for name, diff in diffs(SIZE).items()}
    results: dict[str, Any] = {}
    for check_name, check in CHECKS.items():
        screened = (
            sorted(families, key=lambda f: -_seconds(check, prepare("", f.at(SCREEN)), 1))[:top]
            if top > 0
            else []
        )
        candidates = [(f"1 MB {name}", text) for name, text in generic]
        candidates += [(f.describe(), f.at(SIZE)[:SIZE]) for f in screened]
        rows = []
        for name, text in candidates:
            for label, laid_out in _layouts(name, text):
                given = prepare(label, laid_out)
                rows.append((round(_seconds(check, given, runs), 3), label))
        if check_name in DIFF_CHECKS:
            for name, given in whole.items():
                seconds = _seconds(DIFF_CHECKS[check_name], given, runs)
                rows.append((round(seconds, 3), f"1 MB diff: {name}"))
        worst = max(rows)
        results[check_name] = {"worst_s": worst[0], "worst": worst[1], "inputs": len(rows)}
        say(f"{check_name}: worst {worst[0]:.3f} s ({worst[1]}) of {len(rows)} inputs")
    return results


def markdown(results: dict[str, Any], machine: str) -> str:
    """The results page."""
    lines = [
        "# Deterministic checks on hostile input",
        "",
        f"`python -m bench.checks` on {machine}. Target: no input of up to 1 MB keeps a check "
        f"busy for more than {TARGET_S:g} s (CPU seconds; {MARGIN_S:g} s on this machine, to "
        "leave a margin for slower runners). Each row is the slowest input found for the check "
        "(best of the runs), out of the generic 1 MB lines, the hostile shapes of "
        "`bench.checks.shapes` and of every regex, each as one line and as 4 KB lines, and for "
        "the checks that read a diff the 1 MB diffs of `bench.checks.diffs`.",
        "",
        "| check | slowest input | inputs | seconds | within 1 s |",
        "|---|---|---|---|---|",
    ]
    for name, row in results.items():
        ok = "yes" if row["worst_s"] <= TARGET_S else "**no**"
        lines.append(f"| {name} | {row['worst']} | {row['inputs']} | {row['worst_s']:.3f} | {ok} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Measure, print the page; with ``--write`` also save it as ``bench/CHECKS.md``."""
    parser = argparse.ArgumentParser(prog="python -m bench.checks", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per input (best is kept)")
    parser.add_argument(
        "--top", type=int, default=TOP, help="screened shapes taken to 1 MB (0: no screening)"
    )
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
    over = {name: row for name, row in results.items() if row["worst_s"] > TARGET_S}
    for name, row in over.items():
        print(
            f"bench: FAIL {name}: {row['worst_s']:.3f} s > {TARGET_S:g} s ({row['worst']})",
            file=sys.stderr,
        )
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
