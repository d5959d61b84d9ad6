"""Fixtures of the hardening suites."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakeserver.github import FakeGitHub
from tests.hardening.harness import REPO


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A fresh fake GitHub for one test."""
    fake = FakeGitHub(REPO)
    yield fake
    fake.close()
