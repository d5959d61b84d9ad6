"""``reviewbot review``: review a local diff (or a PR read from GitHub) and print the result."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping

from reviewbot import report as report_mod
from reviewbot.config import Config
from reviewbot.diff import read_diff
from reviewbot.domain import Review
from reviewbot.errors import ConfigError
from reviewbot.render import render_comment
from reviewbot.runner import exit_code, review

log = logging.getLogger(__name__)


def review_diff_file(
    source: str,
    *,
    config: Config,
    env: Mapping[str, str],
    output_format: str = "markdown",
    report: str | None = None,
    ledger: str | None = None,
) -> int:
    """Review the diff at ``source`` (a path or ``-``) and print the comment or the JSON report."""
    result = review(read_diff(source), config=config, env=env)
    return _emit(result, config, output_format, report, ledger)


def review_pull_request(
    repo: str,
    number: int,
    *,
    config: Config,
    env: Mapping[str, str],
    post: bool = False,
    output_format: str = "markdown",
    report: str | None = None,
    ledger: str | None = None,
) -> int:
    """Review PR ``number`` of ``repo`` read through the GitHub API; post it only if ``post``."""
    from reviewbot.action import post_results
    from reviewbot.actions import Console
    from reviewbot.github import GitHubClient

    token = env.get("GITHUB_TOKEN") or env.get("GH_TOKEN")
    if not token:
        raise ConfigError("--repo needs a token in GITHUB_TOKEN (or GH_TOKEN) to read the PR")
    if "/" not in repo:
        raise ConfigError(f"--repo: {repo!r} is not of the form OWNER/NAME")
    client = GitHubClient(
        token,
        env.get("GITHUB_API_URL") or "https://api.github.com",
        repo,
        server_url=env.get("GITHUB_SERVER_URL") or "https://github.com",
    )
    try:
        info = client.pull_request(number)
        diff = client.diff(number)
        model_env = {k: v for k, v in env.items() if k not in ("GITHUB_TOKEN", "GH_TOKEN")}
        result = review(
            diff.text.encode("utf-8", "surrogateescape"),
            config=config,
            env=model_env,
            pr=info.ref,
            extra_skipped=dict(diff.skipped),
        )
        if post:
            result, url = post_results(Console(sys.stderr), client, config, info.ref, result)
            if url:
                print(f"reviewbot: posted {url}", file=sys.stderr)
    finally:
        client.close()
    return _emit(result, config, output_format, report, ledger)


def _emit(
    result: Review, config: Config, output_format: str, report: str | None, ledger: str | None
) -> int:
    if not result.files:
        print("reviewbot: nothing to review (the diff is empty)", file=sys.stderr)
    model_steps = [s for s in result.steps if s.reason != "heuristic"]
    if model_steps and all((s.reason or "").startswith("no ") for s in model_steps):
        print(
            "reviewbot: no vendor keys set, so only the deterministic checks ran; set "
            "ANTHROPIC_API_KEY, OPENAI_API_KEY and GEMINI_API_KEY to run the model reviews",
            file=sys.stderr,
        )
    text = report_mod.dumps(result) if output_format == "json" else render_comment(result)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if report:
        with open(report, "w", encoding="utf-8") as handle:
            handle.write(report_mod.dumps(result))
    if ledger:
        report_mod.append_ledger(ledger, result)
    return exit_code(result, config)
