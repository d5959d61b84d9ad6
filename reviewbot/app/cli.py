"""Command line: arguments and environment -> a run; errors -> exit codes. The only env reader."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from reviewbot import __version__
from reviewbot.errors import EXIT_GITHUB, EXIT_USAGE, ConfigError, ReviewbotError

log = logging.getLogger("reviewbot")

_DEFAULT_CONFIG = ".github/reviewbot.yml"


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Options that work before and after the subcommand (``-v review`` and ``review -v``).

    A subcommand's copy defaults to SUPPRESS so that it never resets what was given before it.
    """
    default: object = False if top else argparse.SUPPRESS
    parser.add_argument("--version", action="version", version=f"reviewbot {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log progress to stderr"
    )
    parser.add_argument(
        "--debug", action="store_true", default=default, help="show tracebacks and debug logs"
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reviewbot",
        description="Review a pull request or a diff with several LLM vendors at once.",
    )
    _global_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    review = sub.add_parser("review", help="review a diff file, stdin, or a GitHub pull request")
    _global_options(review, top=False)
    source = review.add_mutually_exclusive_group(required=True)
    source.add_argument("--diff", metavar="PATH|-", help="unified diff file, or - for stdin")
    source.add_argument("--repo", metavar="OWNER/NAME", help="GitHub repository (with --pr)")
    review.add_argument("--pr", type=int, metavar="N", help="pull request number (with --repo)")
    review.add_argument(
        "--post", action="store_true", help="post the comment and review to the PR (with --repo)"
    )
    review.add_argument(
        "--config",
        metavar="FILE",
        help=f"config file (default: {_DEFAULT_CONFIG} if it exists, else built-in defaults)",
    )
    review.add_argument("--format", choices=("markdown", "json"), default="markdown")
    review.add_argument("--report", metavar="FILE", help="also write the JSON report to FILE")
    review.add_argument("--ledger", metavar="FILE", help="append one JSON line per run to FILE")
    review.add_argument(
        "--sarif", metavar="FILE", help="also write the findings as SARIF 2.1.0 to FILE"
    )
    review.add_argument(
        "--budget-usd",
        metavar="USD",
        help="hard cap on model spend for this run (overrides config)",
    )

    action = sub.add_parser("action", help="run as a GitHub Action (reads the Actions environment)")
    _global_options(action, top=False)

    from reviewbot.eval.command import add_arguments as add_eval_arguments

    evaluate = sub.add_parser(
        "eval", help="measure what configurations find, and cost, on a corpus of labelled PRs"
    )
    _global_options(evaluate, top=False)
    add_eval_arguments(evaluate)
    return parser


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Run reviewbot; returns the process exit code."""
    environ = dict(os.environ if env is None else env)
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING,
        format="reviewbot: %(levelname)s: %(message)s"
        if not args.debug
        else "%(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "action":
            from reviewbot.app.action import run_action

            return run_action(environ)
        if args.command == "eval":
            from reviewbot.eval.command import run_eval

            return run_eval(args, environ)
        return _review(args, environ, parser)
    except ReviewbotError as exc:
        print(f"reviewbot: error: {_masked(exc, environ)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"reviewbot: internal error: {type(exc).__name__}: {_masked(exc, environ)} "
            "(run with --debug for details and please report it)",
            file=sys.stderr,
        )
        return EXIT_GITHUB


def _masked(exc: BaseException, env: Mapping[str, str]) -> str:
    """The error's text with every key or token of the environment masked, in any form."""
    from reviewbot.credentials import environment_secrets, mask_secrets

    return mask_secrets(str(exc), environment_secrets(env))


def _review(args: argparse.Namespace, env: dict[str, str], parser: argparse.ArgumentParser) -> int:
    from reviewbot.config.load import load_config

    if args.repo and args.pr is None:
        parser.error("--repo needs --pr N")
    if args.pr is not None and not args.repo:
        parser.error("--pr needs --repo OWNER/NAME")
    if args.pr is not None and args.pr <= 0:
        parser.error(f"argument --pr: {args.pr} is not a pull request number (allowed: 1 or more)")
    if args.post and not args.repo:
        parser.error("--post needs --repo OWNER/NAME --pr N: a local --diff has no PR to post to")
    # Before anything runs (or spends money): a result that could not be saved is lost.
    outputs: dict[str, str | None] = {
        "--report": args.report,
        "--ledger": args.ledger,
        "--sarif": args.sarif,
    }
    for flag, path in outputs.items():
        if path is not None:
            _check_writable(flag, path)
    named = [(flag, path) for flag, path in outputs.items() if path]
    for i, (flag, path) in enumerate(named):
        for other_flag, other in named[i + 1 :]:
            if _same_file(path, other):
                parser.error(f"{flag} and {other_flag} name the same file; give each its own")
    for flag, path in outputs.items():
        if path and args.diff not in (None, "-") and _same_file(path, args.diff):
            parser.error(f"{flag} {path} would overwrite the --diff being reviewed")
    config_path = args.config
    if config_path is None and Path(_DEFAULT_CONFIG).is_file():
        config_path = _DEFAULT_CONFIG
        log.info("using %s", config_path)
    config = load_config(config_path)
    if args.budget_usd is not None:
        from reviewbot.config.load import override

        budget = args.budget_usd.strip().removeprefix("$")
        config = override(config, {"budget_usd": budget}, {"budget_usd": "--budget-usd"})

    if args.repo:
        from reviewbot.app.review import review_pull_request

        return review_pull_request(
            args.repo,
            args.pr,
            config=config,
            env=env,
            post=args.post,
            output_format=args.format,
            report=args.report,
            ledger=args.ledger,
            sarif=args.sarif,
        )
    from reviewbot.app.review import review_diff_file

    return review_diff_file(
        args.diff,
        config=config,
        env=env,
        output_format=args.format,
        report=args.report,
        ledger=args.ledger,
        sarif=args.sarif,
    )


def _check_writable(flag: str, path: str) -> None:
    """Raise ``ConfigError`` naming ``flag`` when ``path`` cannot be created or written."""
    target = Path(path)
    if target.is_dir():
        raise ConfigError(f"{flag}: cannot write {path}: it is a directory; give a file path")
    folder = target.parent
    if not folder.is_dir():
        raise ConfigError(f"{flag}: cannot write {path}: the directory {folder} does not exist")
    exists = target.exists()
    if not os.access(target if exists else folder, os.W_OK):
        where = path if exists else f"the directory {folder}"
        raise ConfigError(f"{flag}: cannot write {path}: {where} is not writable")


def _same_file(one: str, other: str) -> bool:
    return os.path.realpath(one) == os.path.realpath(other)
