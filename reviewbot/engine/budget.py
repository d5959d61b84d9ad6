"""The run's hard money cap, shared by concurrent steps through reservations."""

from __future__ import annotations

from decimal import Decimal

# What vendors add around the content of a request: a few tokens per message and the reply's
# priming, and the instructions each writes for a structured reply from our JSON schema.
FRAMING_TOKENS = 1000


def input_token_bound(*parts: str) -> int:
    """An upper bound on the input tokens of a request whose content is ``parts``.

    Every vendor tokenizer makes each token out of at least one byte of UTF-8 (byte-level BPE
    for OpenAI and Anthropic, SentencePiece with byte fallback for Gemini), so the byte count
    of everything sent bounds the token count whatever the text is. An estimate from typical
    text does not: digit tables, rare CJK, base64 and emoji run at up to one o200k token per
    byte, twice what "at least 2 bytes per token" assumed.

    Args:
        parts: Everything the request carries as text: system prompt, user prompt, the JSON
            schema of the reply (serialised) and its name.

    Returns:
        Total UTF-8 bytes plus :data:`FRAMING_TOKENS`.
    """
    return sum(len(part.encode("utf-8", "surrogatepass")) for part in parts) + FRAMING_TOKENS


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
