"""``reviewbot eval``: its arguments, and the run from a corpus to the table, eval.json, eval.svg.

Only ``argparse`` is imported at module level: the CLI builds its parser on every start.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewbot.config.schema import Config
    from reviewbot.eval.corpus import Case
    from reviewbot.eval.runner import CaseOutcome, Variant

log = logging.getLogger("reviewbot")

DEFAULT_CONFIG = ".github/reviewbot.yml"
DEFAULT_OUT = "eval-out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``eval`` subcommand's options."""
    parser.add_argument(
        "--corpus",
        metavar="DIR",
        required=True,
        help="folder of cases (each a folder with pr.diff and expected.json); with "
        "--from-history, where the cases are written",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        action="append",
        default=[],
        help=f"a configuration to evaluate; repeat to compare several (default: {DEFAULT_CONFIG}"
        " if it exists, else the built-in defaults)",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also run each configuration's baseline model on every step",
    )
    parser.add_argument(
        "--out",
        metavar="DIR",
        default=DEFAULT_OUT,
        help=f"where to write eval.json and eval.svg (default: {DEFAULT_OUT}, created)",
    )
    parser.add_argument(
        "--runs", type=int, default=1, metavar="N", help="run everything N times (default 1)"
    )
    parser.add_argument(
        "--line-slack",
        type=int,
        default=3,
        metavar="N",
        help="a finding within N lines of a label's lines can match it (default 3)",
    )
    parser.add_argument(
        "--case",
        metavar="GLOB",
        action="append",
        default=[],
        help="only the cases whose id matches GLOB (repeatable)",
    )
    parser.add_argument(
        "--scripted",
        action="store_true",
        help="use scripted fakes even when vendor keys are set (no model is called)",
    )
    parser.add_argument(
        "--script",
        metavar="FILE",
        help="what the scripted fakes answer (YAML; implies --scripted; default: no findings)",
    )
    history = parser.add_argument_group(
        "cases from your own history (written into --corpus; nothing is evaluated)"
    )
    history.add_argument(
        "--from-history",
        action="store_true",
        help="write cases from merged PRs of --repo: fixes reversed, other PRs as clean cases",
    )
    history.add_argument("--repo", metavar="OWNER/NAME", help="the repository (GITHUB_TOKEN)")
    history.add_argument("--since", metavar="DATE", help="PRs merged on or after DATE")
    history.add_argument(
        "--max-fixes", type=int, default=20, metavar="N", help="at most N fixes (default 20)"
    )


def run_eval(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    """Run the evaluation ``args`` describe; returns the exit code."""
    from reviewbot.config.load import load_config
    from reviewbot.credentials import without_github_credentials
    from reviewbot.errors import ConfigError
    from reviewbot.eval.corpus import load_corpus
    from reviewbot.eval.runner import build_variants, evaluate, keyed_providers
    from reviewbot.eval.scripted import SCRIPTED_LABEL, load_script

    if args.from_history or args.repo or args.since:
        return _from_history(args, env)
    if args.runs < 1:
        raise ConfigError(f"--runs {args.runs}: give 1 or more")
    if args.line_slack < 0:
        raise ConfigError(f"--line-slack {args.line_slack}: give 0 or more")
    # Everything that can be wrong is checked before the first review (and its spend).
    cases = load_corpus(args.corpus, args.case)
    configs = _configs(args.config, load_config)
    variants = build_variants(configs, args.baseline)
    scripted = bool(args.scripted or args.script)
    script = load_script(args.script) if scripted else None
    out = _out_dir(args.out)
    model_env = without_github_credentials(env)
    if not scripted:
        with_key, without = keyed_providers(variants, model_env)
        if not with_key:
            scripted, script = True, load_script(None)
            print(
                "reviewbot: no vendor key is set, so the models are scripted fakes that find "
                f"nothing: the figures are {SCRIPTED_LABEL}",
                file=sys.stderr,
            )
        elif without:
            print(
                f"reviewbot: no key for {', '.join(sorted(without))}: steps that need "
                "them fall back along their chains or are skipped, as in a review",
                file=sys.stderr,
            )
    reviews = args.runs * len(cases) * len(variants)
    if not scripted:
        cap = sum(v.config.budget_usd for v in variants) * len(cases) * args.runs
        print(
            f"reviewbot: {reviews} reviews with real vendors; each is capped by its "
            f"configuration's budget_usd (at most ${cap:.2f} in all)",
            file=sys.stderr,
        )

    def progress(done: int, todo: int, outcome: CaseOutcome) -> None:
        line = (
            f"[{done}/{todo}] {outcome.case_id} under {outcome.variant}: "
            f"{len(outcome.findings)} finding{'s' * (len(outcome.findings) != 1)}, "
            f"${outcome.cost_usd:.4f}, {outcome.wall_s:.1f}s"
            + (f" ({outcome.error})" if outcome.error else "")
        )
        if scripted:
            log.info("%s", line)  # -v shows it; a scripted run takes seconds
        else:
            print(f"reviewbot: {line}", file=sys.stderr, flush=True)

    outcomes = evaluate(
        cases, variants, env=model_env, runs=args.runs, script=script, progress=progress
    )
    return _write(args, cases, variants, outcomes, out, scripted)


def _from_history(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    from reviewbot.credentials import clean_credential
    from reviewbot.errors import ConfigError
    from reviewbot.eval.history import HistoryClient, build_history, history_summary, parse_since

    if not args.from_history:
        raise ConfigError("--repo and --since build cases with --from-history; add it")
    if not args.repo or not args.since:
        raise ConfigError("--from-history needs --repo OWNER/NAME and --since DATE")
    if "/" not in args.repo:
        raise ConfigError(f"--repo: {args.repo!r} is not of the form OWNER/NAME")
    if args.max_fixes < 1:
        raise ConfigError(f"--max-fixes {args.max_fixes}: give 1 or more")
    ignored = [flag for flag, value in _EVAL_ONLY.items() if getattr(args, value)]
    if ignored:
        raise ConfigError(
            f"--from-history only writes cases; {', '.join(ignored)} would be ignored: "
            "evaluate the cases afterwards"
        )
    since = parse_since(args.since)
    token = clean_credential(env.get("GITHUB_TOKEN"), "GITHUB_TOKEN") or clean_credential(
        env.get("GH_TOKEN"), "GH_TOKEN"
    )
    if not token:
        raise ConfigError("--from-history needs a token in GITHUB_TOKEN (or GH_TOKEN)")
    out = _out_dir(args.corpus, "--corpus")
    client = HistoryClient(
        token,
        env.get("GITHUB_API_URL") or "https://api.github.com",
        args.repo,
        server_url=env.get("GITHUB_SERVER_URL") or "https://github.com",
    )
    try:
        written, passed = build_history(client, args.repo, since, out, args.max_fixes)
    finally:
        client.close()
    sys.stdout.write(history_summary(written, passed, args.corpus))
    return 0


_EVAL_ONLY = {
    "--config": "config",
    "--baseline": "baseline",
    "--case": "case",
    "--scripted": "scripted",
    "--script": "script",
}


def _configs(
    paths: Sequence[str], loader: Callable[[str | None], Config]
) -> list[tuple[str, str, Config]]:
    """``(name, source, config)`` per ``--config`` (or the default one); names made unique."""
    if not paths:
        if Path(DEFAULT_CONFIG).is_file():
            return [(Path(DEFAULT_CONFIG).stem, DEFAULT_CONFIG, loader(DEFAULT_CONFIG))]
        return [("defaults", "built-in defaults", loader(None))]
    names: list[str] = []
    for path in paths:
        stem = Path(path).stem
        name, n = stem, 2
        while name in names:
            name, n = f"{stem}-{n}", n + 1
        names.append(name)
    return [(name, path, loader(path)) for name, path in zip(names, paths, strict=True)]


def _out_dir(path: str, flag: str = "--out") -> Path:
    from reviewbot.errors import ConfigError

    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{flag} {path}: it is a file; give a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{flag} {path}: cannot create it: {exc.strerror or exc}") from None
    if not os.access(out, os.W_OK):
        raise ConfigError(f"{flag} {path}: the directory is not writable")
    return out


def _write(
    args: argparse.Namespace,
    cases: Sequence[Case],
    variants: Sequence[Variant],
    outcomes: Sequence[CaseOutcome],
    out: Path,
    scripted: bool,
) -> int:
    import json

    from reviewbot.eval.plot import Point, render_svg
    from reviewbot.eval.report import cost_per_case, render_table, report_json, summarise
    from reviewbot.eval.scripted import SCRIPTED_LABEL

    case_list = list(cases)
    summaries = summarise(outcomes, variants, args.runs, args.line_slack)
    table = render_table(
        summaries, case_list, runs=args.runs, slack=args.line_slack, scripted=scripted
    )
    sys.stdout.write(table)
    sys.stdout.flush()
    document = report_json(
        summaries,
        case_list,
        corpus=args.corpus,
        runs=args.runs,
        slack=args.line_slack,
        scripted=scripted,
        script=args.script,
    )
    points = []
    for summary in summaries:
        cost = cost_per_case(summary, len(case_list))
        recall = summary.spread("recall")
        many = args.runs > 1
        points.append(
            Point(
                name=summary.variant.name,
                cost=cost.mean or 0.0,
                recall=recall.mean,
                baseline=summary.variant.is_baseline,
                cost_lo=cost.min if many else None,
                cost_hi=cost.max if many else None,
                recall_lo=recall.min if many else None,
                recall_hi=recall.max if many else None,
            )
        )
    labelled = sum(1 for c in case_list if c.labels)
    subtitle = (
        f"{len(case_list)} cases ({labelled} labelled, {len(case_list) - labelled} clean) from "
        f"{args.corpus}; {args.runs} run{'s' * (args.runs != 1)}; line slack {args.line_slack}"
    )
    svg = render_svg(
        points,
        title="reviewbot eval: recall against cost per PR",
        subtitle=subtitle,
        warning=SCRIPTED_LABEL if scripted else "",
    )
    json_path, svg_path = out / "eval.json", out / "eval.svg"
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    svg_path.write_text(svg, "utf-8")
    print(f"reviewbot: wrote {json_path} and {svg_path}", file=sys.stderr)
    return 0
