"""The run's hard money cap, shared by concurrent steps through reservations."""

from __future__ import annotations

from decimal import Decimal


class Budget:
    """A cap that concurrent steps reserve against before each call.

    A call reserves its worst case first; when it ends the reservation is replaced by
    the actual cost. Because every reservation is an upper bound, the spent total can
    never pass the cap. All methods run on the event loop thread, so no lock is needed.
    """

    def __init__(self, cap: Decimal) -> None:
        self.cap = cap
        self.spent = Decimal(0)
        self.reserved = Decimal(0)

    @property
    def available(self) -> Decimal:
        """What is left for new reservations."""
        return self.cap - self.spent - self.reserved

    def reserve(self, amount: Decimal) -> bool:
        """Reserve ``amount`` if it fits under the cap; False otherwise."""
        if amount > self.available:
            return False
        self.reserved += amount
        return True

    def settle(self, reserved: Decimal, actual: Decimal | None) -> None:
        """Release a reservation and record what the call really cost (None: unknown price)."""
        self.reserved -= reserved
        if actual is not None:
            self.spent += actual
