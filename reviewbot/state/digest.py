"""The config digest: one hash of everything that decides what a review asks (config, prompts).

A run whose digest differs from the last one's reviews the whole PR again: findings from
another config or other prompts are not comparable with this run's.
"""

from __future__ import annotations

import hashlib
import importlib.resources
from importlib.resources.abc import Traversable

from reviewbot.config.schema import Config

# Keys that change what is done with the findings, not what the models are asked.
_NOT_ASKED = frozenset(
    {
        "budget_usd",
        "fail_on",
        "fail_on_step_error",
        "inline_comments",
        "max_inline_comments",
        "review_drafts",
        "review",
        "commands",
    }
)
# The sticky comment's templates and the command replies' (the ask step is not a review step).
_COMMENT_ONLY = frozenset(
    {
        "comment.md.j2",
        "_macros.md.j2",
        "skipped.md.j2",
        "_dismissed.md.j2",
        "answer.md.j2",
        "help.md.j2",
        "steps/ask.system.md.j2",
        "steps/ask.user.md.j2",
    }
)


def _templates(root: Traversable, prefix: str = "") -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for item in sorted(root.iterdir(), key=lambda t: t.name):
        name = f"{prefix}{item.name}"
        if item.is_dir():
            out.extend(_templates(item, name + "/"))
        elif item.name.endswith(".j2") and name not in _COMMENT_ONLY:
            out.append((name, item.read_bytes()))
    return out


def config_digest(config: Config) -> str:
    """A 16-hex digest of ``config`` (defaults and inputs merged) and the prompt templates.

    Keys that only decide what happens to the findings (budget, fail-on, inline comments) and
    the comment's own templates are left out: changing them does not make findings stale.
    """
    fields = set(type(config).model_fields) & _NOT_ASKED
    h = hashlib.sha256(config.model_dump_json(exclude=fields).encode("utf-8"))
    for name, data in _templates(importlib.resources.files("reviewbot.prompts")):
        h.update(b"\x00" + name.encode("utf-8") + b"\x00" + data)
    return h.hexdigest()[:16]
