"""Run each deterministic check (secret scan, injection patterns, path heuristic) under a deadline.

Every regex these checks run is linear (``tests/hardening/test_redteam_redos.py``), so a
deadline is a second line of defence: a check that is still busy when it passes, or that
raises, is given up on, and the review goes on without its result and says so, instead of
hanging the job until GitHub kills it with nothing posted. The check runs on a daemon thread
that is abandoned on timeout (Python cannot stop it): it ends on its own, and it never keeps
the process alive.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

CHECK_TIMEOUT_S = 60.0  # per check; a 100,000-line diff takes about a second to scan


@dataclass(frozen=True, slots=True)
class CheckOutcome(Generic[T]):
    """A check's value, or why there is none (``failure``: "did not finish within 60 s")."""

    value: T | None
    failure: str | None = None

    @property
    def ok(self) -> bool:
        """True when the check finished and returned its value."""
        return self.failure is None


def run_check(name: str, check: Callable[[], T], timeout_s: float) -> CheckOutcome[T]:
    """Run ``check`` for at most ``timeout_s`` seconds.

    Args:
        name: What the check is, for the log (``secret scan``).
        check: The work; called once, on another thread.
        timeout_s: How long to wait for it.

    Returns:
        Its value, or a ``failure`` that says it timed out or which error it raised (the
        type only: the message of an unexpected error may quote the text being checked).
    """
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["value"] = check()
        except Exception as exc:
            box["error"] = exc

    thread = threading.Thread(target=work, name=f"reviewbot-{name.replace(' ', '-')}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        log.warning("the %s did not finish within %g s; going on without it", name, timeout_s)
        return CheckOutcome(None, f"did not finish within {timeout_s:g} s")
    error = box.get("error")
    if isinstance(error, Exception):
        log.warning("the %s failed (%s); going on without it", name, type(error).__name__)
        log.debug("the %s failed", name, exc_info=error)
        return CheckOutcome(None, f"failed ({type(error).__name__})")
    return CheckOutcome(box["value"])  # type: ignore[arg-type]
