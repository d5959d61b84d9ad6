"""Classification + config -> whether a step runs, and which model chain it uses."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from reviewbot.config.schema import Config
from reviewbot.diff.kinds import FileKind
from reviewbot.domain import Classification, ModelRef, Risk

# The floor: kinds of reviewed files that keep a step running whatever a model says the change
# is. A model's classification comes from text the pull request wrote (its title and
# description are in the classifier's prompt), so it may choose a step's chain, never switch
# the step off while the change touches what the step exists for. Security: code, config, CI
# and dependency manifests (its view). Quality: code, where the bugs it looks for live; a change
# that only touches tests, docs or config may still skip it.
FLOOR: dict[str, frozenset[FileKind]] = {
    "security": frozenset({"code", "config", "ci", "deps"}),
    "quality": frozenset({"code"}),
}


@dataclass(frozen=True, slots=True)
class Route:
    """One step's plan: its chain (primary first), or why it does not run.

    ``floor`` names the kinds of files that kept the step running although the change type
    would have skipped it (empty when the classification and the files agree).
    """

    step: str
    chain: tuple[ModelRef, ...]
    skip_reason: str | None = None
    floor: tuple[FileKind, ...] = ()


def route(
    step: str,
    classification: Classification,
    config: Config,
    kinds: Collection[FileKind] = (),
    floor_risk: Risk = Risk.MEDIUM,
) -> Route:
    """Decide ``step``: ``skip_for`` by change type, ``by_risk`` chain by risk, else ``models``.

    Args:
        step: The step's name.
        classification: The change's classification.
        config: The run's config.
        kinds: The kinds of the reviewed files (see :mod:`reviewbot.diff.kinds`).
        floor_risk: When :data:`FLOOR` keeps a step a model's type would skip, the type is
            plainly wrong, so its risk is not trusted below this one for choosing the chain.

    Returns:
        The plan. A heuristic classification (decided from the paths themselves) skips as
        configured; a model's (or the default) never skips a step whose floor ``kinds`` meet.
    """
    step_config = config.steps.get(step)
    risk = classification.risk
    floor: tuple[FileKind, ...] = ()
    if classification.change_type in step_config.skip_for:
        floor = tuple(sorted(FLOOR.get(step, frozenset()).intersection(kinds)))
        if classification.source == "heuristic" or not floor:
            reason = f"routing: not run for {classification.change_type.value} changes"
            return Route(step, (), reason)
        risk = max(risk, floor_risk, key=_RISK_ORDER.index)
    chain = step_config.chain(risk)
    if not chain:
        return Route(step, (), "routing: no models configured")
    return Route(step, chain, floor=floor)


_RISK_ORDER = (Risk.LOW, Risk.MEDIUM, Risk.HIGH)
