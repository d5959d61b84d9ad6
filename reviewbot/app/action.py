"""``reviewbot action``: one GitHub Actions run, from the event to the posted review and outputs."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TextIO

from reviewbot.app.commands import COMMAND_EVENTS, Hooks, run_command
from reviewbot.app.incremental import RunPlan, plan_run
from reviewbot.app.runtime import (
    Console,
    Inputs,
    load_payload,
    parse_event,
    parse_inputs,
    secret_values,
    write_outputs,
    write_summary,
)
from reviewbot.config.load import override, parse_config
from reviewbot.config.schema import Config
from reviewbot.credentials import environment_secrets, mask_secrets, without_github_credentials
from reviewbot.diff.patches import changes_path
from reviewbot.domain import PullRequestRef, Review
from reviewbot.engine import run as runner
from reviewbot.errors import EXIT_GITHUB, EXIT_OK, GitHubError, ReviewbotError, ReviewCrashed
from reviewbot.github.client import GitHubClient
from reviewbot.github.conversation import Conversation, conversation
from reviewbot.github.publish import post_results
from reviewbot.github.results import PullDiff, PullRequestInfo
from reviewbot.github.sources import repo_inputs
from reviewbot.output.render import render_comment, render_skipped
from reviewbot.output.report import report_json
from reviewbot.output.sanitize import clean_plain
from reviewbot.output.sarif import sarif_text
from reviewbot.state.block import decode, encode
from reviewbot.state.conclude import conclude
from reviewbot.vendors.registry import provider_settings
from reviewbot.vendors.specs import credential_variables, key_inputs

REPORT_NAME = "reviewbot-report.json"
SARIF_NAME = "reviewbot.sarif"


def run_action(env: Mapping[str, str], *, stdout: TextIO | None = None) -> int:
    """Run reviewbot as a GitHub Action.

    Args:
        env: The process environment (the Actions runtime variables and ``INPUT_*``).
        stdout: Where workflow commands go (the job log); default ``sys.stdout``.

    Returns:
        The exit code: 0 done, 1 findings at or above ``fail-on``, 2 usage or configuration
        error, 3 could not read the PR or post the result.
    """
    console = Console(stdout)
    for value in secret_values(env):
        console.mask(value)
    debug = env.get("RUNNER_DEBUG") == "1" or env.get("ACTIONS_STEP_DEBUG", "").lower() == "true"
    try:
        return _run(env, console)
    except ReviewbotError as exc:
        return _fail(env, console, str(exc), exc.exit_code)
    except Exception as exc:
        if debug:
            raise
        message = (
            f"internal error: {type(exc).__name__}: {exc} (re-run with debug logging for details)"
        )
        return _fail(env, console, message, EXIT_GITHUB)


def _fail(env: Mapping[str, str], console: Console, message: str, code: int) -> int:
    # The job summary is not masked by the runner, and an error may quote any credential.
    message = mask_secrets(message, [*secret_values(env), *environment_secrets(env)])
    console.error(message, title="reviewbot failed")
    hint = (
        ""
        if message.startswith("internal error")
        else {
            2: "Fix the action inputs or the config file named above.",
            3: "Check the github-token permissions (pull-requests: write, contents: read) "
            "and the pull request number.",
        }.get(code, "")
    )
    write_summary(env, f"### reviewbot failed (exit {code})\n\n```\n{message}\n```\n\n{hint}")
    return code


def _run(env: Mapping[str, str], console: Console) -> int:
    inputs = parse_inputs(env)
    payload = load_payload(env)
    name = env.get("GITHUB_EVENT_NAME", "")
    if name in COMMAND_EVENTS:  # a comment on a PR: maybe a command (app/commands.py)
        return run_command(name, payload, console, _hooks(env, console, inputs, payload))
    event = parse_event(name, payload, inputs.pr_number)
    if event.pr_number is None:
        console.notice(f"reviewbot: nothing to do: {event.reason}")
        return EXIT_OK
    client = _client(env, inputs, payload)
    try:
        return review_pull_request(
            env, console, inputs, client, event.pr_number, event.pull_request
        )
    finally:
        client.close()


def _client(env: Mapping[str, str], inputs: Inputs, payload: Mapping[str, Any]) -> GitHubClient:
    repo = env.get("GITHUB_REPOSITORY") or (payload.get("repository") or {}).get("full_name")
    if not repo:
        raise GitHubError("GITHUB_REPOSITORY is not set: cannot tell which repository to read")
    return GitHubClient(
        inputs.github_token,
        env.get("GITHUB_API_URL") or "https://api.github.com",
        repo,
        server_url=env.get("GITHUB_SERVER_URL") or "https://github.com",
    )


def _hooks(
    env: Mapping[str, str], console: Console, inputs: Inputs, payload: Mapping[str, Any]
) -> Hooks:
    """What a comment command needs from the action: the same review entry, config and keys."""

    def model_env(config: Config) -> Mapping[str, str]:
        run_env = _model_env(env, inputs)
        _check_credentials(console, config, run_env)
        return run_env

    return Hooks(
        open_client=lambda: _client(env, inputs, payload),
        load_config=lambda client, info: _load_config(client, inputs, info),
        review=lambda client, number, reason: review_pull_request(
            env, console, inputs, client, number, None, full_reason=reason
        ),
        model_env=model_env,
    )


def _load_config(client: GitHubClient, inputs: Inputs, info: PullRequestInfo) -> Config:
    """The config at the PR's base commit (never its head), with the inputs laid over it."""
    base = info.ref.base_sha
    config_text = client.config_text(inputs.config_path, base)
    return _apply_inputs(
        parse_config(config_text, source=f"{inputs.config_path}@{base[:7]}"), inputs
    )


def review_pull_request(
    env: Mapping[str, str],
    console: Console,
    inputs: Inputs,
    client: GitHubClient,
    number: int,
    pr_payload: Mapping[str, Any] | None,
    *,
    full_reason: str | None = None,
) -> int:
    """Review PR ``number`` and publish it: the one entry of a PR event and of a command.

    ``full_reason`` is why ``/reviewbot full-review`` asks for a full review; None (a PR
    event, or ``/reviewbot review``, like a ``synchronize``) leaves it to the ``full-review``
    input and the saved state: incremental when they allow.
    """
    info = client.pull_request(number, pr_payload)
    config = _load_config(client, inputs, info)
    if info.draft and not config.review_drafts:
        console.notice(
            f"reviewbot: #{number} is a draft; skipped (set review_drafts: true in "
            f"{inputs.config_path} to review drafts)"
        )
        return EXIT_OK
    label = next((name for name in info.labels if name in config.review.skip_labels), None)
    if label is not None:
        return _skip(console, client, inputs, info, label)
    run_env = _model_env(env, inputs)
    _check_credentials(console, config, run_env)
    diff = client.diff(number)
    plan = plan_run(
        client,
        config,
        info,
        full_review=full_reason or inputs.full_review,
        pr_diff=diff.text,
        prior=_prior_summary(client, number),
    )
    notes = [*_notes(inputs, info, diff, run_env), *plan.notes]
    base = info.ref.base_sha
    repo, repo_notes = repo_inputs(client, config.guidelines, base, info.ref.head_sha)
    notes += repo_notes
    talk = _conversation(console, client, number, config)
    crashed: ReviewCrashed | None = None
    with console.group(f"reviewbot: reviewing {info.ref.repo}#{number}"):
        reason = plan.basis.full_reason
        console.line(f"reviewbot: {'full review: ' + reason if reason else 'incremental review'}")
        for note in notes:
            console.line(f"note: {note}")
        try:
            review = runner.review(
                plan.diff.encode("utf-8", "surrogateescape"),
                config=config,
                env=run_env,
                pr=info.ref,
                extra_skipped=dict(diff.skipped),
                notes=notes,
                repo=repo,
            )
            review = _conclude(review, plan, info, talk)
        except ReviewCrashed as exc:  # the fixed checks' findings are still published
            crashed, review = exc, exc.review
    try:
        if inputs.dry_run:
            console.notice(
                "reviewbot: dry run, nothing was posted (the comment is in the job summary)"
            )
            comment_url = None
        else:
            review, comment_url = post_results(console, client, config, info.ref, review, talk)
        _publish(env, console, review, comment_url)
    except Exception as exc:
        # Rendering, posting or writing the results broke: publish what no model wrote.
        stage = f"{type(exc).__name__} while publishing the review"
        _publish_fixed_only(env, console, client, inputs, info.ref, review, stage)
        message = str(exc) if isinstance(exc, ReviewbotError) else f"internal error: {stage}"
        return _fail(env, console, message, EXIT_GITHUB)
    if crashed is not None:
        return _fail(env, console, str(crashed), crashed.exit_code)
    return runner.exit_code(review, config)


def _prior_summary(client: GitHubClient, number: int) -> str | Exception | None:
    """Our sticky comment's body from the last run, None when there is none, or what broke.

    Reading it must not sink the review: what broke means a full review, and posting lists the
    comments again later, where a failure is handled like any other publishing failure.
    """
    try:
        return client.summary_body(number)
    except Exception as exc:
        return exc


def _conversation(
    console: Console, client: GitHubClient, number: int, config: Config
) -> Conversation | None:
    """The PR's inline threads (dismissals, feedback, posted keys), read before concluding.

    Dismissed findings must leave the saved state too, so they are read before the state is
    written. If they cannot be read here, publishing reads them again (and fails as publishing
    fails); the state then keeps them until a run that can read them.
    """
    try:
        return conversation(client, number, config)
    except GitHubError as exc:
        console.line(f"reviewbot: could not read the review threads yet: {exc}")
        return None


def _conclude(
    review: Review, plan: RunPlan, info: PullRequestInfo, talk: Conversation | None
) -> Review:
    """The review with its findings' life across runs, and why no model ran when none did.

    Findings dismissed in the threads are neither open nor resolved, and not carried forward.
    """
    incremental = plan.basis.full_reason is None
    if incremental and not plan.notes and not any(s.attempts for s in review.steps):
        since = (plan.basis.from_sha or "")[:7]
        note = (
            f"nothing reviewable changed since `{since}` (only files the filters skip, "
            "such as lockfiles): no model was called"
        )
        review = dataclasses.replace(review, notes=(*review.notes, note))
    dismissed = frozenset(d.fingerprint for d in talk.dismissed) if talk is not None else ()
    return conclude(
        review,
        plan.basis,
        base_ref=info.base_ref,
        config_digest=plan.digest,
        dismissed=dismissed,
    )


def _skip(
    console: Console, client: GitHubClient, inputs: Inputs, info: PullRequestInfo, label: str
) -> int:
    """A PR with a skip label: a one-line comment update (the saved state kept), no model call."""
    number = info.ref.number
    console.notice(f"reviewbot: #{number} has the label {label!r}; not reviewed")
    if inputs.dry_run:
        return EXIT_OK
    prior = _prior_summary(client, number)
    read = decode(None if isinstance(prior, Exception) else prior, info.ref.repo, number)
    block = encode(read.state) if read.state is not None else ""
    result = client.upsert_comment(number, render_skipped(label, block))
    console.line(f"reviewbot: summary comment {result.status.value}")
    return EXIT_OK


def _publish_fixed_only(
    env: Mapping[str, str],
    console: Console,
    client: GitHubClient,
    inputs: Inputs,
    pr: PullRequestRef,
    review: Review,
    what: str,
) -> None:
    """After a crash: the fixed checks' findings as the comment, annotations and job summary.

    Each channel is tried on its own, so that one that fails (the comment, when GitHub or the
    renderer is what broke) does not take the others with it.
    """
    safe = runner.fixed_only(review, runner.crash_note(what))
    _annotate(console, safe)
    try:
        body = render_comment(safe)
    except Exception:
        console.line(f"reviewbot: the fallback comment could not be rendered either ({what})")
        return
    write_summary(env, body)
    if inputs.dry_run:
        return
    try:
        result = client.upsert_comment(pr.number, body)
        console.line(f"reviewbot: summary comment (fixed checks only) {result.status.value}")
    except Exception as exc:
        console.line(f"reviewbot: the fallback comment could not be posted ({type(exc).__name__})")


_INPUT_NAMES = {
    "budget_usd": "input budget-usd",
    "fail_on": "input fail-on",
    "inline_comments": "input inline-comments",
}


def _apply_inputs(config: Config, inputs: Inputs) -> Config:
    """The config with the non-empty inputs laid over it (an empty input never overrides).

    Validated like the config file, so an input cannot set what the file could not.
    """
    update: dict[str, Any] = {}
    if inputs.budget_usd is not None:
        update["budget_usd"] = inputs.budget_usd
    if inputs.fail_on is not None:
        update["fail_on"] = inputs.fail_on
    if inputs.inline_comments is not None:
        update["inline_comments"] = inputs.inline_comments
    return override(config, update, _INPUT_NAMES) if update else config


def _check_credentials(console: Console, config: Config, run_env: Mapping[str, str]) -> None:
    """Mask the keys the config names, then validate every key and base URL (exit 2 if bad).

    Done before any model work so that a malformed key or an http:// endpoint stops the run
    with an error naming the variable, instead of reaching an HTTP header or the network.
    """
    for extra in config.providers.values():
        value = run_env.get(extra.api_key_env, "")
        if value.strip():
            console.mask(value)
    provider_settings(config, run_env)


def _model_env(env: Mapping[str, str], inputs: Inputs) -> dict[str, str]:
    """The environment the model steps see: vendor keys from the inputs, no GitHub token."""
    run_env = without_github_credentials(env)
    for name in key_inputs().values():
        if name in inputs.api_keys:
            run_env[name] = inputs.api_keys[name]
    return run_env


def _notes(
    inputs: Inputs, info: PullRequestInfo, diff: PullDiff, run_env: Mapping[str, str]
) -> list[str]:
    notes: list[str] = []
    if changes_path(diff.text, inputs.config_path):
        notes.append(
            f"this PR changes {inputs.config_path}; the review used the base branch's config"
        )
    if diff.source == "files":
        note = (
            "the PR is larger than GitHub's diff limit (300 files or 20,000 lines), so the diff "
            "was rebuilt from the files API"
        )
        if diff.truncated:
            note += "; GitHub lists at most 3,000 files, so later files were not reviewed"
        notes.append(note)
    if not any(run_env.get(name) for name in credential_variables()):
        if info.fork:
            notes.append("no model keys available (fork PR?) — only deterministic checks ran")
        else:
            notes.append(
                "no model keys given (anthropic-api-key, openai-api-key, gemini-api-key) — "
                "only deterministic checks ran"
            )
    return notes


def _publish(
    env: Mapping[str, str], console: Console, review: Review, comment_url: str | None
) -> None:
    """Annotations, job summary, JSON report, SARIF log and step outputs."""
    _annotate(console, review)
    write_summary(env, render_comment(review))
    # Written into the workspace, the one folder a Docker action shares with later steps; the
    # output is relative to it because the container sees it at another absolute path.
    workspace = env.get("GITHUB_WORKSPACE") or "."
    report_path = REPORT_NAME
    try:
        with open(os.path.join(workspace, REPORT_NAME), "w", encoding="utf-8") as handle:
            json.dump(report_json(review), handle, indent=2, ensure_ascii=False)
            handle.write("\n")
    except OSError as exc:  # e.g. a self-hosted runner whose workspace uid differs
        console.warning(f"reviewbot: cannot write the JSON report to {workspace}: {exc.strerror}")
        report_path = ""
    sarif_path = SARIF_NAME  # the findings for code scanning (github/codeql-action/upload-sarif)
    try:
        with open(os.path.join(workspace, SARIF_NAME), "w", encoding="utf-8") as handle:
            handle.write(sarif_text(review))
    except OSError as exc:
        console.warning(f"reviewbot: cannot write the SARIF log to {workspace}: {exc.strerror}")
        sarif_path = ""
    worst = runner.max_severity(review)
    outputs = {
        "cost-usd": str(review.cost_usd.quantize(Decimal("0.000001"))),
        "findings-count": str(len(review.findings)),
        "max-severity": worst.value if worst is not None else "none",
        "comment-url": comment_url or "",
        "report-path": report_path,
        "sarif-path": sarif_path,
    }
    if not write_outputs(env, outputs):
        print(json.dumps(outputs), file=sys.stderr)


def _annotate(console: Console, review: Review) -> None:
    """One ``::warning`` annotation per finding (they show even where nothing can be posted)."""
    for finding in review.findings:  # model text: no control character, no mention
        console.warning(
            clean_plain(finding.body, 2000) or clean_plain(finding.title, 2000),
            file=finding.path,
            line=finding.line,
            endLine=finding.end_line,
            title=clean_plain(f"{finding.severity.value}: {finding.title}", 200),
        )
