"""``python -m bench.chunks``: a pull request at 3x ``max_review_tokens``, reviewed in chunks.

The bench PR adds reviewbot's own modules (fixed list, sorted, so the numbers repeat) until its
diff is three times ``max_review_tokens`` (20,000 here). It is reviewed with ``reviewbot review
--diff`` against the vendor fakes, which bill every call at its real o200k token count and
report a repeated system prompt as cache reads the way each vendor does (``caching``). Run
twice: under a budget that covers every chunk, and under one that does not. The page shows,
per step, the requests, input, cached and output tokens, cost, and the files left out.
Nothing is written unless ``--write`` is given (``bench/CHUNKS.md``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from reviewbot.app.cli import main as reviewbot_main
from reviewbot.diff.parse import parse_diff
from reviewbot.diff.sizing import file_tokens
from tests.fakeserver.vendors import VendorFakes, vendor_env

ROOT = Path(__file__).resolve().parents[1]
MAX_REVIEW_TOKENS = 20_000
BUDGETS = ("5.00", "0.60")
CONFIG = f"""max_review_tokens: {MAX_REVIEW_TOKENS}
steps:
  classify: {{models: [openai:gpt-5-mini]}}
  security: {{models: [anthropic:claude-sonnet-4-6]}}
  quality: {{models: [openai:gpt-5.4]}}
  docs: {{models: [google:gemini-2.5-flash]}}
"""
CLASSIFY = {"change_type": "feature", "risk": "medium", "rationale": "adds modules"}


def bench_diff() -> str:
    """Added files of reviewbot's own source until the diff is 3x ``max_review_tokens``."""
    parts: list[str] = []
    total = 0
    for path in sorted((ROOT / "reviewbot").rglob("*.py")):
        if total >= 3 * MAX_REVIEW_TOKENS:
            break
        rel = path.relative_to(ROOT).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        if not lines:
            continue
        body = "".join(f"+{line}\n" for line in lines)
        part = (
            f"diff --git a/{rel} b/{rel}\nnew file mode 100644\nindex 0000000..1111111\n"
            f"--- /dev/null\n+++ b/{rel}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
        )
        parts.append(part)
        total += sum(file_tokens(f) for f in parse_diff(part))
    return "".join(parts)


def run(budget: str, diff: str) -> dict[str, Any]:
    """One review of ``diff`` under ``budget``; the JSON report."""
    fakes = VendorFakes()
    try:
        fakes.billing = "tokens"
        fakes.caching = True
        fakes.reply_json("openai", CLASSIFY)
        with tempfile.TemporaryDirectory() as tmp:
            diff_path, config, report = Path(tmp, "pr.diff"), Path(tmp, "c.yml"), Path(tmp, "r")
            diff_path.write_text(diff)
            config.write_text(CONFIG + f"budget_usd: {budget}\n")
            args = ["review", "--diff", str(diff_path), "--config", str(config)]
            with contextlib.redirect_stdout(io.StringIO()):
                reviewbot_main([*args, "--report", str(report)], vendor_env(fakes))
            return dict(json.loads(report.read_text()))
    finally:
        fakes.close()


def page(diff: str, reports: dict[str, dict[str, Any]]) -> str:
    """The markdown page."""
    files = parse_diff(diff)
    size = sum(file_tokens(f) for f in files)
    out = [
        "# Large pull requests: chunks, prompt caching and the budget",
        "",
        f"Bench PR: {len(files)} added modules of reviewbot itself, {size:,} estimated diff "
        f"tokens ({size / MAX_REVIEW_TOKENS:.1f}x `max_review_tokens: {MAX_REVIEW_TOKENS}`). "
        "Tokens are as the vendor fakes bill them (o200k), with a repeated system prompt "
        "reported as cache reads; costs use the built-in price table.",
        "",
    ]
    for budget, report in reports.items():
        skipped = sum(f["skipped"] == "budget" for f in report["files"])
        out += [
            f"## budget_usd: {budget}",
            "",
            "| step | model | requests (sent / chunks) | input | cached | output | cost | "
            "files left out |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for s in report["steps"]:
            if s["name"] == "classify":
                continue
            out.append(
                f"| {s['name']} | {s['model'] or '—'} | {len(s['attempts'])} / {s['chunks']} | "
                f"{s['input_tokens']:,} | {s['cached_tokens']:,} | {s['output_tokens']:,} | "
                f"${s['cost_usd']:.4f} | {len(s['not_reviewed'])} |"
            )
        out += [
            "",
            f"Run cost ${report['cost_usd']:.4f} of ${float(budget):.2f}; files no step "
            f"reviewed (`skipped: budget`): {skipped}.",
            "",
        ]
    out.append(
        "A request after the first reads the system prompt from the cache when that prompt is "
        "1,024 tokens or more (security's and quality's rubric are; docs' is shorter, so it is "
        "not cached, as the vendors document). With the money budget short, a step whose "
        "chunks' worst cases do not fit is not run or stops early, and the files it left out "
        "are listed. Regenerate with `python -m bench.chunks --write`."
    )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the bench; print the page, or write it with ``--write``."""
    parser = argparse.ArgumentParser(prog="python -m bench.chunks")
    parser.add_argument("--write", action="store_true", help="write bench/CHUNKS.md")
    args = parser.parse_args(argv)
    diff = bench_diff()
    text = page(diff, {budget: run(budget, diff) for budget in BUDGETS})
    if args.write:
        (ROOT / "bench" / "CHUNKS.md").write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
