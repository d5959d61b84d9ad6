"""Fixtures of the hardening suites.

Every vendor fake bills the calls a test did not script at their real token count (o200k), and
every run must stay within its ``budget_usd`` as priced from what the fakes billed: each action
run is checked when it ends (``ActionRun``), anything else when the test ends, against the
smallest budget of the configs the test wrote (the built-in one when it wrote none).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from reviewbot.config.load import parse_config, prices_for
from reviewbot.errors import ConfigError
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.vendors import VendorFakes
from tests.hardening.harness import REPO

PRICES = prices_for(parse_config(None))


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A fresh fake GitHub for one test."""
    fake = FakeGitHub(REPO)
    yield fake
    fake.close()


def _budget_of(folder: Path) -> Decimal:
    """The smallest ``budget_usd`` of the config files in ``folder``, else the built-in one."""
    budgets = [parse_config(None).budget_usd]
    for path in [*folder.glob("*.yml"), *folder.glob("*.yaml")]:
        try:
            budgets.append(parse_config(path.read_text(encoding="utf-8")).budget_usd)
        except (ConfigError, UnicodeDecodeError):
            continue
    return min(budgets)


@pytest.fixture
def vendor_fakes(vendor_fakes_session: VendorFakes, tmp_path: Path) -> Iterator[VendorFakes]:
    """The vendor fakes, billing real token counts; the test's spend is checked at its end."""
    fakes = vendor_fakes_session
    fakes.reset()
    fakes.billing = "tokens"
    try:
        yield fakes
        spent = fakes.spent_usd(PRICES, since=fakes.checked)
        budget = _budget_of(tmp_path)
        assert spent <= budget, f"the vendors billed ${spent} against a budget of ${budget}"
    finally:
        fakes.billing = "scripted"
        fakes.reset()
