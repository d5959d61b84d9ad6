"""``reviewbot review``: review a local diff (or a PR read from GitHub) and print the result."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping, Sequence

from reviewbot.config.schema import Config
from reviewbot.credentials import clean_credential, without_github_credentials
from reviewbot.diff.parse import read_diff
from reviewbot.domain import Review
from reviewbot.engine.run import exit_code, review
from reviewbot.errors import ConfigError, ReviewCrashed
from reviewbot.output import report as report_mod
from reviewbot.output.render import render_comment
from reviewbot.output.sarif import sarif_text
from reviewbot.vendors.specs import VENDORS

log = logging.getLogger(__name__)

# A step skipped for lack of a key says so as ``no OPENAI_API_KEY`` (one per model it could use).
_NO_KEY = re.compile(r"\bno ([A-Z][A-Z0-9_]*)\b")


def review_diff_file(
    source: str,
    *,
    config: Config,
    env: Mapping[str, str],
    output_format: str = "markdown",
    report: str | None = None,
    ledger: str | None = None,
    sarif: str | None = None,
) -> int:
    """Review the diff at ``source`` (a path or ``-``) and print the comment or the JSON report."""
    try:
        result = review(read_diff(source), config=config, env=env)
    except ReviewCrashed as crash:
        # the fixed checks' findings
        _emit(crash.review, config, output_format, report, ledger, sarif)
        raise
    hint = context_hint(result, config)
    if hint:
        print(hint, file=sys.stderr)
    return _emit(result, config, output_format, report, ledger, sarif)


def context_hint(result: Review, config: Config) -> str | None:
    """What to say when a step that reads beyond the hunk reviewed a local diff, else None."""
    ran = [
        s.name
        for s in result.steps
        if s.attempts and s.name in config.steps.root and config.steps.get(s.name).context != "hunk"
    ]
    if not ran:
        return None
    return (
        f"reviewbot: {_join(ran, 'and')} read{'s' * (len(ran) == 1)} the enclosing function or "
        "file in a pull request; a local diff comes without its repository, so they saw the "
        "hunks only"
    )


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
    sarif: str | None = None,
) -> int:
    """Review PR ``number`` of ``repo`` read through the GitHub API; post it only if ``post``."""
    from reviewbot.app.runtime import Console
    from reviewbot.github.client import GitHubClient
    from reviewbot.github.publish import post_results
    from reviewbot.github.sources import repo_inputs

    token = clean_credential(env.get("GITHUB_TOKEN"), "GITHUB_TOKEN") or clean_credential(
        env.get("GH_TOKEN"), "GH_TOKEN"
    )
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
        model_env = without_github_credentials(env)
        repo_files, notes = repo_inputs(
            client, config.guidelines, info.ref.base_sha, info.ref.head_sha
        )
        try:
            result = review(
                diff.text.encode("utf-8", "surrogateescape"),
                config=config,
                env=model_env,
                pr=info.ref,
                extra_skipped=dict(diff.skipped),
                notes=notes,
                repo=repo_files,
            )
        except ReviewCrashed as crash:
            _emit(crash.review, config, output_format, report, ledger, sarif)
            raise
        if post:
            result, url = post_results(Console(sys.stderr), client, config, info.ref, result)
            if url:
                print(f"reviewbot: posted {url}", file=sys.stderr)
    finally:
        client.close()
    return _emit(result, config, output_format, report, ledger, sarif)


def _emit(
    result: Review,
    config: Config,
    output_format: str,
    report: str | None,
    ledger: str | None,
    sarif: str | None = None,
) -> int:
    if not result.files:
        print("reviewbot: nothing to review (the diff is empty)", file=sys.stderr)
    hint = key_hint(result)
    if hint:
        print(hint, file=sys.stderr)
    text = report_mod.dumps(result) if output_format == "json" else render_comment(result)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()  # the review is out before a late write error
    problems = []
    if report:
        try:
            with open(report, "w", encoding="utf-8") as handle:
                handle.write(report_mod.dumps(result))
        except OSError as exc:
            problems.append(f"--report: cannot write {report}: {exc.strerror or exc}")
    if ledger:
        try:
            report_mod.append_ledger(ledger, result)
        except OSError as exc:
            problems.append(f"--ledger: cannot write {ledger}: {exc.strerror or exc}")
    if sarif:
        try:
            with open(sarif, "w", encoding="utf-8") as handle:
                handle.write(sarif_text(result))
        except OSError as exc:
            problems.append(f"--sarif: cannot write {sarif}: {exc.strerror or exc}")
    if problems:
        raise ConfigError("; ".join(problems) + " (the review itself was printed on stdout)")
    return exit_code(result, config)


def key_hint(result: Review) -> str | None:
    """What to export when a model step was skipped for lack of a key, else None."""
    keyless = [s for s in result.steps if s.status == "skipped" and _NO_KEY.search(s.reason or "")]
    if not keyless:
        return None
    found = {key for s in keyless for key in _NO_KEY.findall(s.reason or "")}
    order = [spec.key_var for spec in VENDORS.values()]
    keys = [k for k in order if k in found] + sorted(found.difference(order))
    ran = any(s.attempts for s in result.steps)
    outcome = "only the deterministic checks ran" if not ran else "the other steps ran"
    if len(keyless) == 1:
        step = keyless[0]
        chain_order = list(dict.fromkeys(_NO_KEY.findall(step.reason or "")))
        return (
            f"reviewbot: the {step.name} step was skipped ({step.reason}), so {outcome}; "
            f"set {_join(chain_order, 'or')} to run it"
        )
    names = _join([s.name for s in keyless], "and")
    if len(keyless) == len(result.steps):
        why = f"no vendor keys set: {names} were skipped"
    else:
        why = f"{names} were skipped for lack of an API key"
    return f"reviewbot: {why}, so {outcome}; set {_join(keys, 'and')} to run them"


def _join(items: Sequence[str], last: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"
