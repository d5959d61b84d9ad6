"""Classification + config -> whether a step runs, and which model chain it uses."""

from __future__ import annotations

from dataclasses import dataclass

from reviewbot.config import Config
from reviewbot.domain import Classification, ModelRef


@dataclass(frozen=True, slots=True)
class Route:
    """One step's plan: its chain (primary first), or why it does not run."""

    step: str
    chain: tuple[ModelRef, ...]
    skip_reason: str | None = None


def route(step: str, classification: Classification, config: Config) -> Route:
    """Decide ``step``: ``skip_for`` by change type, ``by_risk`` chain by risk, else ``models``."""
    step_config = config.steps.get(step)
    if classification.change_type in step_config.skip_for:
        reason = f"routing: not run for {classification.change_type.value} changes"
        return Route(step, (), reason)
    chain = step_config.chain(classification.risk)
    if not chain:
        return Route(step, (), "routing: no models configured")
    return Route(step, chain)
