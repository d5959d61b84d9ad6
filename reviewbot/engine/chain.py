"""Walk one step's model chain under its deadline and the run's budget, recording every attempt."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from reviewbot.config.schema import Price
from reviewbot.credentials import mask_secrets
from reviewbot.domain import Attempt, ErrorKind, ModelRef, StepResult, Usage
from reviewbot.engine import pricing
from reviewbot.engine.budget import Budget, input_token_bound
from reviewbot.errors import ProviderError
from reviewbot.vendors.base import CompletionRequest
from reviewbot.vendors.registry import ProviderPool

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StepCall:
    """What one step sends, whichever model of the chain ends up answering."""

    step: str
    system: str
    prompt: str
    max_output_tokens: int
    json_schema: dict[str, Any]
    schema_name: str


@dataclass(frozen=True, slots=True)
class ChainContext:
    """What every chain of the run shares."""

    pool: ProviderPool
    budget: Budget
    prices: Mapping[str, Price]
    timeout_s: float
    run_start: float  # time.monotonic() when the run started


@dataclass(frozen=True, slots=True)
class ChainOutcome(Generic[T]):
    """The step's record, the parsed reply of the attempt that succeeded (if any), and notes."""

    result: StepResult
    value: T | None
    notes: tuple[str, ...] = ()


async def run_chain(
    call: StepCall,
    chain: tuple[ModelRef, ...],
    parse: Callable[[str], T],
    ctx: ChainContext,
) -> ChainOutcome[T]:
    """Try each model of ``chain`` in order until one returns a reply that ``parse`` accepts.

    A model is passed over without a call when its provider has no key or when its worst
    case could break the budget. Transient errors were already retried by the SDK; here
    any ``ProviderError`` (including invalid output) moves on to the next model. The whole
    chain shares one deadline of ``ctx.timeout_s``.
    """
    started = time.monotonic()
    deadline = started + ctx.timeout_s
    attempts: list[Attempt] = []
    passed_over: list[str] = []
    notes: list[str] = []
    # The budget bound must never be below the real count: one token per byte of everything
    # the request carries (the schema too) is a bound for every vendor's tokenizer.
    schema_text = json.dumps(call.json_schema)
    input_bound = input_token_bound(call.system, call.prompt, call.schema_name, schema_text)

    for ref in chain:
        provider = await ctx.pool.aget(ref.provider)
        if provider is None:
            passed_over.append(ctx.pool.unavailable_reason(ref.provider))
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            passed_over.append("step deadline reached")
            break
        bound = pricing.worst_case(ref, input_bound, call.max_output_tokens, ctx.prices)
        if bound is None:
            reserved = Decimal(0)
            notes.append(f"{ref} has no known price: the budget could not be enforced for it")
        elif ctx.budget.reserve(bound):
            reserved = bound
        else:
            passed_over.append("budget")
            log.info("%s: %s passed over, worst case %s exceeds budget left", call.step, ref, bound)
            continue

        request = CompletionRequest(
            model=ref.model,
            system=call.system,
            prompt=call.prompt,
            max_output_tokens=call.max_output_tokens,
            json_schema=call.json_schema,
            schema_name=call.schema_name,
            timeout_s=remaining,
        )
        t0 = time.monotonic()
        usage = Usage()
        try:
            async with asyncio.timeout(remaining):
                completion = await provider.complete(request)
                usage = completion.usage
                value = parse(completion.text)
        except ProviderError as exc:
            usage = exc.usage if exc.usage != Usage() else usage
            message = _short(exc, ctx.pool.secrets())
            attempts.append(_attempt(ref, "failed", exc.kind, message, usage, t0, ctx))
            cost = attempts[-1].cost_usd
            if exc.kind in (ErrorKind.TIMEOUT, ErrorKind.CONNECTION):  # it may still be billed
                cost = _billed(cost, usage, reserved)
            ctx.budget.settle(reserved, cost)
            log.warning("%s: %s failed (%s): %s", call.step, ref, exc.kind.value, message)
            continue
        except TimeoutError:
            message = f"no reply within the step deadline ({ctx.timeout_s:g} s)"
            attempts.append(_attempt(ref, "failed", ErrorKind.TIMEOUT, message, usage, t0, ctx))
            # The vendor may still bill a request we stopped waiting for: keep its worst case.
            ctx.budget.settle(reserved, _billed(attempts[-1].cost_usd, usage, reserved))
            log.warning("%s: %s timed out", call.step, ref)
            break
        except Exception as exc:
            # A reply nothing expected, or one that trips a bug reading, parsing or anchoring
            # it: this model failed and the next one is tried; the run goes on. Only the type
            # is shown: the text of such an error may quote the reply or a request header.
            where = "reading the reply" if usage == Usage() else "parsing the reply"
            message = f"{where} failed ({type(exc).__name__})"
            kind = ErrorKind.INVALID_OUTPUT
            attempts.append(_attempt(ref, "failed", kind, message, usage, t0, ctx))
            ctx.budget.settle(reserved, _billed(attempts[-1].cost_usd, usage, reserved))
            log.warning("%s: %s failed (%s): %s", call.step, ref, kind.value, message)
            log.debug("%s: %s reply could not be used", call.step, ref, exc_info=True)
            continue
        attempts.append(_attempt(ref, "ok", None, None, usage, t0, ctx))
        ctx.budget.settle(reserved, attempts[-1].cost_usd)
        result = StepResult(
            name=call.step,
            status="ok",
            model=ref,
            attempts=tuple(attempts),
            started_s=started - ctx.run_start,
            ended_s=time.monotonic() - ctx.run_start,
        )
        return ChainOutcome(result, value, tuple(notes))

    ended = time.monotonic() - ctx.run_start
    if attempts:
        reason = "; ".join(f"{a.model}: {a.error}" for a in attempts if a.error)
        status = "failed"
    else:
        reason = _skip_reason(passed_over)
        status = "skipped"
    result = StepResult(
        name=call.step,
        status=status,  # type: ignore[arg-type]
        reason=reason,
        attempts=tuple(attempts),
        started_s=started - ctx.run_start,
        ended_s=ended,
    )
    return ChainOutcome(result, None, tuple(notes))


def _attempt(
    ref: ModelRef,
    status: str,
    error: ErrorKind | None,
    message: str | None,
    usage: Usage,
    t0: float,
    ctx: ChainContext,
) -> Attempt:
    return Attempt(
        model=ref,
        status=status,  # type: ignore[arg-type]
        error=error,
        message=message,
        usage=usage,
        cost_usd=pricing.cost(ref, usage, ctx.prices),
        latency_s=time.monotonic() - t0,
        started_s=t0 - ctx.run_start,
    )


def _billed(cost: Decimal | None, usage: Usage, reserved: Decimal) -> Decimal | None:
    """What the budget counts as spent: the vendor's usage, or the reservation when unknown."""
    return cost if usage != Usage() else reserved


def _short(exc: ProviderError, secrets: tuple[str, ...] = ()) -> str:
    """One line of at most 200 characters, with any key a vendor echoed back masked.

    Masking comes first: cutting first could split a key so that the mask no longer matches.
    """
    text = " ".join(mask_secrets(str(exc), secrets).split())
    return text if len(text) <= 200 else text[:199] + "…"


def _skip_reason(passed_over: list[str]) -> str:
    """``budget`` when money stopped every model, else the distinct reasons in order."""
    unique = list(dict.fromkeys(passed_over))
    if unique == ["budget"]:
        return "budget"
    return ", ".join(unique) if unique else "no models"
