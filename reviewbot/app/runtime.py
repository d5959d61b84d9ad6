"""The GitHub Actions runtime: event payload, inputs, workflow commands, outputs and job summary."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

from reviewbot.config.schema import MAX_USD
from reviewbot.credentials import clean_credential, escape_forms, mask_secrets
from reviewbot.errors import ConfigError
from reviewbot.vendors.specs import key_inputs, key_variables

REVIEW_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})
PR_EVENTS = frozenset({"pull_request", "pull_request_target"})
FAIL_ON = ("none", "info", "low", "medium", "high", "critical")
DEFAULT_CONFIG_PATH = ".github/reviewbot.yml"


@dataclass(frozen=True, slots=True)
class Event:
    """What the triggering event asks for: a PR number to review, or why there is nothing to do."""

    name: str
    action: str | None
    pr_number: int | None
    pull_request: Mapping[str, Any] | None  # the payload's PR object, when the event has one
    reason: str | None = None  # set when pr_number is None: why nothing is reviewed


@dataclass(frozen=True, slots=True)
class Inputs:
    """The action inputs, validated; None means "empty, keep the config's value"."""

    github_token: str
    api_keys: Mapping[str, str]  # env name (ANTHROPIC_API_KEY ...) -> key, empty keys left out
    config_path: str
    pr_number: int | None
    budget_usd: Decimal | None
    fail_on: str | None
    inline_comments: bool | None
    dry_run: bool
    full_review: bool = False  # review the whole PR even when an incremental review would do


# ---------------------------------------------------------------- inputs


def read_input(env: Mapping[str, str], name: str) -> str:
    """The stripped value of input ``name`` (kebab-case), as a Docker action sees it.

    GitHub passes ``INPUT_<NAME>`` upper-cased with hyphens kept (``INPUT_GITHUB-TOKEN``);
    the underscore spelling is accepted too for hand-run containers whose shell cannot export
    a name with a hyphen.
    """
    upper = name.upper()
    value = env.get(f"INPUT_{upper}")
    if value is None:
        value = env.get(f"INPUT_{upper.replace('-', '_')}", "")
    return value.strip()


def _bool(name: str, text: str) -> bool | None:
    if not text:
        return None
    lowered = text.lower()
    if lowered in ("true", "yes", "1", "on"):
        return True
    if lowered in ("false", "no", "0", "off"):
        return False
    raise ConfigError(f"input {name}: {text!r} is not a boolean (allowed: true, false)")


def parse_inputs(env: Mapping[str, str]) -> Inputs:
    """Read and validate every input; raise ``ConfigError`` listing each invalid or missing one.

    Args:
        env: The process environment.

    Returns:
        The validated inputs. An empty input stays None so that it never overrides the config.
    """
    problems: list[str] = []
    token = _credential(env, "github-token", problems)
    if not token and not read_input(env, "github-token"):
        token = _env_credential(env, "GITHUB_TOKEN", problems)
    if not token and not problems:
        problems.append(
            "input github-token is empty: pass `github-token: ${{ github.token }}` "
            "(the token needs pull-requests: write and contents: read)"
        )
    pr_text = read_input(env, "pr-number")
    pr_number: int | None = None
    if pr_text:
        pr_number = _positive_int(pr_text)
        if pr_number is None:
            problems.append(f"input pr-number: {pr_text!r} is not a pull request number")
    budget: Decimal | None = None
    budget_text = read_input(env, "budget-usd")
    if budget_text:
        try:
            budget = Decimal(budget_text.removeprefix("$"))
        except InvalidOperation:
            budget = None
        if budget is None or not budget.is_finite() or not 0 <= budget <= MAX_USD:
            problems.append(
                f"input budget-usd: {budget_text!r} is not allowed "
                f"(allowed: a number of US dollars from 0 to {MAX_USD})"
            )
            budget = None
    fail_on = read_input(env, "fail-on").lower() or None
    if fail_on is not None and fail_on not in FAIL_ON:
        problems.append(
            f"input fail-on: {fail_on!r} is not allowed (allowed: {', '.join(FAIL_ON)})"
        )
    flags: dict[str, bool | None] = {}
    for name in ("inline-comments", "dry-run", "full-review"):
        try:
            flags[name] = _bool(name, read_input(env, name))
        except ConfigError as exc:
            problems.append(str(exc))
    keys = {var: _credential(env, name, problems) for name, var in key_inputs().items()}
    if problems:
        raise ConfigError("; ".join(problems))
    return Inputs(
        github_token=token or "",
        api_keys={var: key for var, key in keys.items() if key},
        config_path=read_input(env, "config") or DEFAULT_CONFIG_PATH,
        pr_number=pr_number,
        budget_usd=budget,
        fail_on=fail_on,
        inline_comments=flags["inline-comments"],
        dry_run=bool(flags["dry-run"]),
        full_review=bool(flags["full-review"]),
    )


def _credential(env: Mapping[str, str], name: str, problems: list[str]) -> str | None:
    """Input ``name`` as a key or token: stripped, None when empty, a problem when malformed."""
    upper = name.upper()
    raw = env.get(f"INPUT_{upper}")
    if raw is None:
        raw = env.get(f"INPUT_{upper.replace('-', '_')}")
    try:
        return clean_credential(raw, f"input {name}")
    except ConfigError as exc:
        problems.append(str(exc))
        return None


def _env_credential(env: Mapping[str, str], name: str, problems: list[str]) -> str | None:
    try:
        return clean_credential(env.get(name), name)
    except ConfigError as exc:
        problems.append(str(exc))
        return None


def _positive_int(text: str) -> int | None:
    text = text.strip().removeprefix("#")
    return int(text) if text.isdigit() and int(text) > 0 else None


def secret_values(env: Mapping[str, str]) -> list[str]:
    """Every secret the run can see (tokens and vendor keys), for ``::add-mask::``.

    Each value as it is set, whitespace included (a malformed key is masked before it is
    rejected); ``Console.mask`` registers the stripped value and its other forms.
    """
    names = [f"INPUT_{n.upper()}" for n in ("github-token", *key_inputs())]
    names += [n.replace("-", "_") for n in names] + ["GITHUB_TOKEN", *key_variables()]
    values = (env.get(name, "") for name in names)
    return list(dict.fromkeys(v for v in values if v.strip()))


# ---------------------------------------------------------------- event


def load_payload(env: Mapping[str, str]) -> dict[str, Any]:
    """The payload at ``GITHUB_EVENT_PATH`` ({} when unset); ``ConfigError`` when unreadable."""
    path = env.get("GITHUB_EVENT_PATH", "")
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"GITHUB_EVENT_PATH: cannot read the event payload {path}: {exc}"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"GITHUB_EVENT_PATH: {path} is not a JSON object")
    return data


def parse_event(name: str, payload: Mapping[str, Any], pr_input: int | None = None) -> Event:
    """Decide what the event asks for.

    Args:
        name: ``GITHUB_EVENT_NAME``.
        payload: The event payload.
        pr_input: The ``pr-number`` input, if set (it wins over the event's PR).

    Returns:
        An ``Event`` whose ``pr_number`` is set when a PR should be reviewed, else ``reason``.
    """
    action = payload.get("action") if isinstance(payload.get("action"), str) else None
    if name == "workflow_dispatch":
        number = pr_input or _dispatch_number(payload)
        if number is None:
            return Event(name, action, None, None, "workflow_dispatch needs the pr-number input")
        return Event(name, action, number, None)
    if name in PR_EVENTS:
        pr = payload.get("pull_request")
        if action not in REVIEW_ACTIONS:
            return Event(name, action, None, None, f"{name}.{action} does not trigger a review")
        if not isinstance(pr, Mapping) or not isinstance(pr.get("number"), int):
            return Event(name, action, None, None, f"the {name} payload has no pull_request")
        if pr_input is not None and pr_input != pr["number"]:
            return Event(name, action, pr_input, None)
        return Event(name, action, pr["number"], pr)
    what = f"{name}.{action}" if action else name or "(no event)"
    return Event(name, action, None, None, f"{what} does not trigger a review")


def _dispatch_number(payload: Mapping[str, Any]) -> int | None:
    inputs = payload.get("inputs")
    if not isinstance(inputs, Mapping):
        return None
    for key in ("pr-number", "pr_number"):
        value = inputs.get(key)
        if isinstance(value, int) and value > 0:
            return value
        if isinstance(value, str) and value.strip():
            return _positive_int(value)
    return None


def is_fork(pull_request: Mapping[str, Any]) -> bool:
    """True when the PR's head lives in another repository (or its fork was deleted)."""
    head_repo = (pull_request.get("head") or {}).get("repo")
    base_repo = (pull_request.get("base") or {}).get("repo") or {}
    if not isinstance(head_repo, Mapping):
        return True
    # Not ``head.repo.fork``: that says the head repository is a fork of something, which is
    # also true for a same-repository PR inside a forked project.
    return bool(head_repo.get("full_name") != base_repo.get("full_name"))


# ---------------------------------------------------------------- workflow commands


def escape_data(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str = "", **properties: str | int | None) -> str:
    """One workflow command line, e.g. ``::warning file=a.py,line=3::text``."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


class Console:
    """Writes workflow commands and log lines to the job log (stdout)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._secrets: list[str] = []

    def line(self, text: str) -> None:
        """A plain log line, with every masked value (in any form) replaced by ``***``."""
        self._write(mask_secrets(text, self._secrets))

    def _write(self, text: str) -> None:
        self._stream.write(text + "\n")
        self._stream.flush()

    def mask(self, value: str) -> None:
        """Hide ``value`` from the rest of the log, in every form a library may print it in.

        ``::add-mask::`` is the one line that carries the value: the stripped value, each of
        its lines, and its escaped, JSON, URL-encoded and base64 forms. Later lines written
        through this console are masked by reviewbot too, before the runner sees them.
        """
        stripped = value.strip()
        if not stripped:
            return
        self._secrets.append(value)
        parts = [stripped, *value.splitlines(), *escape_forms([value])]
        for part in dict.fromkeys(p.strip() for p in parts):
            if part:
                self._write(command("add-mask", part))

    def notice(self, message: str, title: str | None = None) -> None:
        """A ``::notice::`` annotation."""
        self.line(command("notice", message, title=title))

    def warning(self, message: str, **properties: str | int | None) -> None:
        """A ``::warning::`` annotation (``file``, ``line``, ``endLine``, ``title``)."""
        self.line(command("warning", message, **properties))

    def error(self, message: str, title: str | None = None) -> None:
        """A ``::error::`` annotation."""
        self.line(command("error", message, title=title))

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """Fold the lines written inside into one collapsible group."""
        self.line(command("group", title))
        try:
            yield
        finally:
            self.line("::endgroup::")


# ---------------------------------------------------------------- files


def format_outputs(outputs: Mapping[str, str]) -> str:
    """``GITHUB_OUTPUT`` text: one heredoc per output, with a random delimiter."""
    chunks = []
    for key, value in outputs.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        while delimiter in value:  # pragma: no cover - 128 random bits
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        chunks.append(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(chunks)


def write_outputs(env: Mapping[str, str], outputs: Mapping[str, str]) -> bool:
    """Append ``outputs`` to ``GITHUB_OUTPUT``; False when it is unset (not in Actions)."""
    return _append(env.get("GITHUB_OUTPUT", ""), format_outputs(outputs))


def write_summary(env: Mapping[str, str], markdown: str) -> bool:
    """Append ``markdown`` to the job summary (``GITHUB_STEP_SUMMARY``)."""
    return _append(env.get("GITHUB_STEP_SUMMARY", ""), markdown.rstrip("\n") + "\n\n")


def _append(path: str, text: str) -> bool:
    """Append ``text`` to ``path``; False (never an exception) when it is unset or unwritable."""
    if not path:
        return False
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        print(f"::warning::reviewbot: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return False
    return True
