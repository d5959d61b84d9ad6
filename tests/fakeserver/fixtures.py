"""Pytest fixtures for the vendor fakes: one server per session, reset before each test.

Import both names into a conftest (``from tests.fakeserver.fixtures import vendor_fakes,
vendor_fakes_session``) or list this module in ``pytest_plugins``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakeserver.vendors import VendorFakes


@pytest.fixture(scope="session")
def vendor_fakes_session() -> Iterator[VendorFakes]:
    """The session's vendor fake server (not reset: use ``vendor_fakes`` in tests)."""
    fakes = VendorFakes()
    yield fakes
    fakes.close()


@pytest.fixture
def vendor_fakes(vendor_fakes_session: VendorFakes) -> Iterator[VendorFakes]:
    """The vendor fakes with no queued replies, no recorded requests and default answers."""
    vendor_fakes_session.reset()
    yield vendor_fakes_session
    vendor_fakes_session.reset()
