"""Scripted providers for ``reviewbot eval`` without keys: replies from a script, not a model.

Every provider the configuration names is replaced by a ``ScriptedProvider`` for the run of
one case; the rest of the pipeline is the real one (diff parsing, filters, the secret and
injection checks, routing, chains, budget, pricing, anchoring, merging). What a scripted model
answers comes from a *script* (YAML), never from the code under review:

.. code-block:: yaml

    classification: {change_type: feature, risk: medium}   # what classify answers
    rules:                        # every rule that matches a call adds to its reply
      - step: security            # globs; each defaults to "*" ("classify" is a step too)
        model: "anthropic:*"      # provider:model
        config: "*"               # the configuration's name in the report
        case: "*"                 # the case id
        labels: true              # reply with the case's labels (its answer key)
        findings:                 # and/or these findings
          - {path: README.md, line: 3, category: style}
        error: overloaded         # or fail the call (an ErrorKind): the chain falls back

With no script every review step answers "no findings": the run then measures the
deterministic checks, the routing and the token cost of the prompts, and nothing about any
model. Usage is billed as the bench bills it: input = every byte sent (system prompt, prompt
and reply schema) / 4, output = 400 tokens for a review step and 60 for classify, at the
configuration's list prices.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reviewbot.config.schema import Config
from reviewbot.domain import ChangeType, Classification, ErrorKind, Risk, Severity, Usage
from reviewbot.errors import ConfigError, ProviderError
from reviewbot.eval.match import Label
from reviewbot.output.render import render_prompt
from reviewbot.vendors.base import Completion, CompletionRequest
from reviewbot.vendors.specs import VENDORS

SCRIPTED_LABEL = "scripted: not a measurement of any model"
BYTES_PER_TOKEN = 4
REVIEW_OUTPUT_TOKENS = 400
CLASSIFY_OUTPUT_TOKENS = 60


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScriptFinding(_Strict):
    """A finding a rule adds to a reply."""

    path: str
    line: int | None = None
    end_line: int | None = None
    category: str
    severity: Severity = Severity.MEDIUM
    title: str = "scripted finding"


class ScriptRule(_Strict):
    """Which calls a rule answers (globs) and what it adds to their reply."""

    step: str = "*"
    model: str = "*"
    config: str = "*"
    case: str = "*"
    labels: bool = False
    findings: list[ScriptFinding] = Field(default_factory=list)
    error: ErrorKind | None = None


class ScriptClassification(_Strict):
    """What the classify step answers."""

    change_type: ChangeType = ChangeType.FEATURE
    risk: Risk = Risk.MEDIUM


class Script(_Strict):
    """A whole script; the empty script answers "no findings" everywhere."""

    classification: ScriptClassification = Field(default_factory=ScriptClassification)
    rules: list[ScriptRule] = Field(default_factory=list)


def load_script(path: str | None) -> Script:
    """The script at ``path`` (None: the empty script).

    Raises:
        ConfigError: the file is missing, not YAML, or not a script; the message says where.
    """
    if path is None:
        return Script()
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--script {path}: file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"--script {path}: cannot read it: {exc}") from None
    try:
        return Script.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "script"
        raise ConfigError(f"--script {path}: {where}: {first['msg']}") from None


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a scripted provider knows about the run it answers in."""

    config: str
    case: str
    labels: tuple[Label, ...]
    steps: Mapping[str, str]  # system prompt -> step name


@dataclass
class ScriptedProvider:
    """A ``Provider`` whose replies come from a ``Script``; it records the calls it answered."""

    name: str
    script: Script
    context: CallContext
    calls: list[tuple[str, str]] = field(default_factory=list)  # (step, provider:model)

    async def complete(self, req: CompletionRequest) -> Completion:
        """Answer ``req`` from the script (or raise the scripted error)."""
        ref = f"{self.name}:{req.model}"
        step = self.context.steps.get(req.system, "?")
        self.calls.append((step, ref))
        usage = Usage(
            input_tokens=max(1, _sent_bytes(req) // BYTES_PER_TOKEN),
            output_tokens=min(
                req.max_output_tokens,
                CLASSIFY_OUTPUT_TOKENS if step == "classify" else REVIEW_OUTPUT_TOKENS,
            ),
        )
        # Every rule that matches adds to the reply (for classify only an ``error`` counts).
        rules = [rule for rule in self.script.rules if self._applies(rule, step, ref)]
        error = next((rule.error for rule in rules if rule.error is not None), None)
        if error is not None:
            raise ProviderError(
                error, f"scripted {error.value}", provider=self.name, model=req.model
            )
        if step == "classify":
            reply: dict[str, Any] = {
                "change_type": self.script.classification.change_type.value,
                "risk": self.script.classification.risk.value,
                "rationale": SCRIPTED_LABEL,
            }
        else:
            reply = {"summary": SCRIPTED_LABEL, "findings": self._findings(rules)}
        return Completion(json.dumps(reply), usage, req.model, "stop", "scripted")

    async def aclose(self) -> None:
        """Nothing to release."""

    def _applies(self, rule: ScriptRule, step: str, ref: str) -> bool:
        return (
            _glob(step, rule.step)
            and _glob(ref, rule.model)
            and _glob(self.context.config, rule.config)
            and _glob(self.context.case, rule.case)
        )

    def _findings(self, rules: Sequence[ScriptRule]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for rule in rules:
            if rule.labels:
                found += [
                    _reply_finding(
                        label.path,
                        label.start,
                        label.end if label.end > label.start else None,
                        label.category,
                        Severity.HIGH,
                        f"scripted from the answer key: {label.category}",
                    )
                    for label in self.context.labels
                ]
            found += [
                _reply_finding(f.path, f.line, f.end_line, f.category, f.severity, f.title)
                for f in rule.findings
            ]
        return found


def _reply_finding(
    path: str,
    line: int | None,
    end_line: int | None,
    category: str,
    severity: Severity,
    title: str,
) -> dict[str, Any]:
    return {
        "path": path,
        "line": line,
        "end_line": end_line,
        "severity": severity.value,
        "category": category,
        "title": title,
        "body": f"{SCRIPTED_LABEL}: this finding was written by the eval script.",
        "suggestion": None,
    }


def _glob(value: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern)


def _sent_bytes(req: CompletionRequest) -> int:
    schema = json.dumps(req.json_schema)
    return sum(len(s.encode("utf-8", "replace")) for s in (req.system, req.prompt, schema))


def step_prompts(config: Config) -> dict[str, str]:
    """Each step's system prompt (identical on every call of the step) -> the step's name."""
    classification = Classification(ChangeType.FEATURE, Risk.MEDIUM, "default", "")
    prompts: dict[str, str] = {}
    for name in config.steps.names():
        step = config.steps.get(name)
        system, _ = render_prompt(
            name,
            files=(),
            pr=None,
            classification=classification,
            instructions=step.instructions,
            globs=step.files,
        )
        prompts.setdefault(system, name)
    return prompts


def scripted_providers(
    config: Config, script: Script, context: CallContext
) -> dict[str, ScriptedProvider]:
    """A scripted provider for every provider ``config`` can name (built-in and its own)."""
    names = [*VENDORS, *config.providers]
    return {name: ScriptedProvider(name, script, context) for name in names}
