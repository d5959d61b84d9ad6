"""Comment commands: read an ``issue_comment`` or ``pull_request_review_comment`` event, check
who wrote it, and run ``review``, ``full-review``, ``ask``, ``ignore`` or ``help``.

Who may spend money: a command runs only for an author whose ``author_association`` is in
``commands.allowed``; anyone else gets no reply, no reaction and no model call, only a
``::notice`` in the log. Comments by bots (this one included) are never commands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reviewbot.app.runtime import Console
from reviewbot.config.schema import Config
from reviewbot.engine.ask import ThreadContext, answer_question
from reviewbot.engine.commands import Command, looks_like_command, parse_command
from reviewbot.engine.dismissals import ThreadComment, find_dismissals, head_line
from reviewbot.errors import EXIT_OK, ReviewbotError
from reviewbot.github import conversation
from reviewbot.github.client import GitHubClient
from reviewbot.github.results import PullRequestInfo
from reviewbot.github.threads import resolve_threads
from reviewbot.output.replies import render_answer, render_help, render_note, render_unknown

COMMAND_EVENTS = frozenset({"issue_comment", "pull_request_review_comment"})


@dataclass(frozen=True, slots=True)
class CommentEvent:
    """A comment that may be a command, on pull request ``number``."""

    kind: conversation.CommentKind  # "issue" (PR conversation) or "review" (inline thread)
    number: int
    comment: ThreadComment
    pull_request: Mapping[str, Any] | None  # the payload's PR (review comments only)


@dataclass(frozen=True, slots=True)
class Hooks:
    """What the action gives the commands: its review entry, config and model environment."""

    open_client: Callable[[], GitHubClient]
    load_config: Callable[[GitHubClient, PullRequestInfo], Config]
    # (client, number, full_reason) -> exit; full_reason None: incremental when possible
    review: Callable[[GitHubClient, int, str | None], int]
    model_env: Callable[[Config], Mapping[str, str]]  # masks and checks the keys first


def read_event(name: str, payload: Mapping[str, Any]) -> CommentEvent | str:
    """The comment of an ``issue_comment``/``pull_request_review_comment`` event, or why not.

    Pure: nothing is fetched, so a comment that is no command costs no request.
    """
    action = payload.get("action")
    if action != "created":
        return f"{name}.{action} is not a new comment"
    comment = payload.get("comment")
    if not isinstance(comment, Mapping):
        return f"the {name} payload has no comment"
    if name == "issue_comment":
        issue = payload.get("issue") or {}
        if not issue.get("pull_request"):  # a comment on a plain issue
            return "the comment is on an issue, not on a pull request"
        number, pull_request = issue.get("number"), None
    else:
        pull_request = payload.get("pull_request")
        number = (pull_request or {}).get("number")
    if not isinstance(number, int):
        return f"the {name} payload names no pull request"
    parsed = conversation.thread_comment(comment)
    if not looks_like_command(parsed.body):
        return "the comment is not a command"
    if parsed.user_type == "Bot":
        return f"the comment is by a bot ({parsed.login}); bots' comments are never commands"
    kind: conversation.CommentKind = "issue" if name == "issue_comment" else "review"
    return CommentEvent(kind, number, parsed, pull_request)


def run_command(name: str, payload: Mapping[str, Any], console: Console, hooks: Hooks) -> int:
    """Handle one comment event; exit 0 unless the command's review itself fails."""
    event = read_event(name, payload)
    if isinstance(event, str):
        console.line(f"reviewbot: nothing to do: {event}")
        return EXIT_OK
    client = hooks.open_client()
    try:
        return _handle(event, console, client, hooks)
    finally:
        client.close()


def _handle(event: CommentEvent, console: Console, client: GitHubClient, hooks: Hooks) -> int:
    info = client.pull_request(event.number, event.pull_request)
    config = hooks.load_config(client, info)  # from the base commit, never the PR's head
    if not config.commands.enabled:
        console.line("reviewbot: comment commands are off (commands.enabled: false)")
        return EXIT_OK
    command = parse_command(event.comment.body, config.commands.handle)
    if command is None:
        console.line("reviewbot: nothing to do: the comment is not a command")
        return EXIT_OK
    author = event.comment
    if author.association not in config.commands.allowed:
        console.notice(
            f"reviewbot: {author.login} ({author.association}) may not run commands on this "
            f"repository (commands.allowed: {', '.join(config.commands.allowed)}); ignored"
        )
        return EXIT_OK
    me = client.identity()
    if me is not None and me.login.casefold() == author.login.casefold():
        console.line("reviewbot: nothing to do: the comment is reviewbot's own")
        return EXIT_OK
    console.line(f"reviewbot: {author.login} asked for `{command.name}` on #{event.number}")
    conversation.react(client, event.kind, author.id, "eyes")
    try:
        done = _dispatch(command, event, console, client, hooks, info, config)
    except ReviewbotError as exc:
        conversation.react(client, event.kind, author.id, "confused")
        _reply(client, event, info, render_note(_failure(command, exc)))
        raise
    conversation.react(client, event.kind, author.id, "+1" if done.ok else "confused")
    return done.code


@dataclass(frozen=True, slots=True)
class _Done:
    ok: bool
    code: int = EXIT_OK


def _failure(command: Command, exc: ReviewbotError) -> str:
    # The error's own text stays in the job log: it may quote what only maintainers should see.
    return (
        f"`{command.name}` failed ({type(exc).__name__}, exit {exc.exit_code}); the workflow "
        "run's log says why."
    )


def _dispatch(
    command: Command,
    event: CommentEvent,
    console: Console,
    client: GitHubClient,
    hooks: Hooks,
    info: PullRequestInfo,
    config: Config,
) -> _Done:
    if command.name in ("review", "full-review"):
        reason = (
            f"requested by /reviewbot full-review (by @{event.comment.login})"
            if command.name == "full-review"
            else None
        )
        code = hooks.review(client, event.number, reason)
        return _Done(True, code)
    if command.name == "help":
        _reply(client, event, info, render_help())
        return _Done(True)
    if command.name == "ask":
        return _ask(command, event, console, client, hooks, info, config)
    if command.name == "ignore":
        return _ignore(command, event, console, client, info)
    _reply(client, event, info, render_unknown(command.name))  # no model call
    return _Done(False)


def _reply(
    client: GitHubClient, event: CommentEvent, info: PullRequestInfo, body: str
) -> str | None:
    thread = event.comment if event.kind == "review" else None
    head = info.ref.head_sha
    return conversation.reply(client, event.number, body, thread=thread, commit_id=head)


def _ask(
    command: Command,
    event: CommentEvent,
    console: Console,
    client: GitHubClient,
    hooks: Hooks,
    info: PullRequestInfo,
    config: Config,
) -> _Done:
    if not command.args.strip():
        _reply(
            client, event, info, render_note("`ask` needs a question: `/reviewbot ask <question>`.")
        )
        return _Done(False)
    comments = conversation.review_comments(client, event.number)
    ours = conversation.ours_test(client, comments)
    dismissed = {
        d.fingerprint
        for d in find_dismissals(
            comments, ours=ours, allowed=config.commands.allowed, handle=config.commands.handle
        )
    }
    roots = [c for c in comments if c.in_reply_to is None and c.key and ours(c)]
    findings = [
        f"{c.path}:{c.line or '-'} {head_line(c.body)}" for c in roots if c.key not in dismissed
    ]
    thread = None
    if event.kind == "review":
        root_id = event.comment.in_reply_to or event.comment.id
        root = next((c for c in comments if c.id == root_id), event.comment)
        finding = root.body if ours(root) else ""
        thread = ThreadContext(finding, event.comment.path, event.comment.diff_hunk)
    model_env = hooks.model_env(config)
    diff = client.diff(event.number)
    answer = answer_question(
        command.args,
        diff.text.encode("utf-8", "surrogateescape"),
        config=config,
        env=model_env,
        pr=info.ref,
        findings=findings,
        thread=thread,
    )
    for note in answer.notes:
        console.line(f"note: {note}")
    who = str(answer.step.model) if answer.step.model else "no model"
    console.line(f"reviewbot: ask: {answer.step.status} ({who}), ${answer.cost_usd:.6f}")
    url = _reply(client, event, info, render_answer(command.args, event.comment.login, answer))
    console.line(f"reviewbot: answer posted: {url}")
    return _Done(answer.text is not None)


def _ignore(
    command: Command,
    event: CommentEvent,
    console: Console,
    client: GitHubClient,
    info: PullRequestInfo,
) -> _Done:
    root = None
    if event.kind == "review" and event.comment.in_reply_to is not None:
        comments = conversation.review_comments(client, event.number)
        ours = conversation.ours_test(client, comments)
        root = next(
            (c for c in comments if c.id == event.comment.in_reply_to and c.key and ours(c)), None
        )
    if root is None:
        _reply(
            client,
            event,
            info,
            render_note(
                "`ignore` works as a reply in the thread of one of reviewbot's inline comments: "
                "it dismisses that comment's finding for this pull request."
            ),
        )
        return _Done(False)
    outcome = resolve_threads(client, event.number, (), dismissed=[root.key or ""])
    # A thread that cannot be resolved is a note, never a failure: the dismissal is the reply.
    closed = (
        "its thread is resolved"
        if outcome.resolved
        else "its thread could not be resolved (the workflow run's log says why), but the "
        "dismissal holds"
    )
    for why in outcome.failed:
        console.line(f"reviewbot: ignore: the thread was not resolved: {why}")
    _reply(
        client,
        event,
        info,
        render_note(
            f"Dismissed: this finding (`{root.key}`) will not be reported again on this pull "
            f"request; {closed}. The summary lists it under **Dismissed** from the next review."
        ),
    )
    return _Done(True)
