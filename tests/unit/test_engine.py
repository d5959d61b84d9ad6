"""The engine's pure parts: pricing, budget, routing, the fallback chain (in-memory provider)."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from reviewbot.config.load import parse_config, prices_for
from reviewbot.domain import ChangeType, Classification, ErrorKind, ModelRef, Risk, Usage
from reviewbot.engine import pricing
from reviewbot.engine.budget import Budget
from reviewbot.engine.chain import ChainContext, StepCall, run_chain
from reviewbot.engine.routing import route
from reviewbot.errors import OutputError, ProviderError
from reviewbot.vendors.fake import FakeProvider, ok
from reviewbot.vendors.registry import ProviderPool, provider_settings

CONFIG = parse_config(None)
PRICES = prices_for(CONFIG)
SONNET = ModelRef("anthropic", "claude-sonnet-4-6")
GPT = ModelRef("openai", "gpt-5.4")
GEMINI = ModelRef("google", "gemini-2.5-pro")


def _cls(change: ChangeType, risk: Risk) -> Classification:
    return Classification(change, risk, "model", "test")


# ---------------------------------------------------------------- pricing


def test_cost_uses_the_table_with_cached_and_cache_write_rates() -> None:
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        cached_tokens=1_000_000,
        cache_write_tokens=1_000_000,
    )
    # sonnet: 3 input + 15 output + 0.30 cache read + 3.75 cache write
    assert pricing.cost(SONNET, usage, PRICES) == Decimal("22.05")


def test_unknown_model_costs_none_and_never_raises() -> None:
    assert pricing.cost(ModelRef("openai", "gpt-unknown"), Usage(10, 10), PRICES) is None
    assert pricing.worst_case(ModelRef("x", "y"), 10, 10, PRICES) is None


def test_config_prices_merge_over_the_built_in_table() -> None:
    config = parse_config('prices: {"openai:gpt-5.4": {input: 1, output: 2}}')
    assert pricing.cost(GPT, Usage(1_000_000, 0), prices_for(config)) == Decimal(1)
    assert pricing.cost(SONNET, Usage(1_000_000, 0), prices_for(config)) == Decimal(3)


# ---------------------------------------------------------------- budget


def test_budget_refuses_reservations_beyond_the_cap_and_settles_actual_cost() -> None:
    budget = Budget(Decimal("1.00"))
    assert budget.reserve(Decimal("0.60"))
    assert not budget.reserve(Decimal("0.50"))
    budget.settle(Decimal("0.60"), Decimal("0.10"))
    assert budget.spent == Decimal("0.10")
    assert budget.reserve(Decimal("0.50"))


# ---------------------------------------------------------------- routing


def test_docs_change_skips_security_and_quality_but_runs_docs() -> None:
    docs = _cls(ChangeType.DOCS, Risk.LOW)
    assert route("security", docs, CONFIG).skip_reason == "routing: not run for docs changes"
    assert route("quality", docs, CONFIG).skip_reason is not None
    assert route("docs", docs, CONFIG).skip_reason is None


def test_high_risk_uses_the_by_risk_high_chain() -> None:
    plan = route("security", _cls(ChangeType.FEATURE, Risk.HIGH), CONFIG)
    assert plan.chain[0] == ModelRef("anthropic", "claude-opus-4-7")
    plan = route("security", _cls(ChangeType.FEATURE, Risk.MEDIUM), CONFIG)
    assert plan.chain == (SONNET, GPT, GEMINI)


def test_user_models_replace_default_by_risk_chains() -> None:
    config = parse_config("steps: {security: {models: [openai:gpt-5-mini]}}")
    plan = route("security", _cls(ChangeType.FEATURE, Risk.HIGH), config)
    assert plan.chain == (ModelRef("openai", "gpt-5-mini"),)


# ---------------------------------------------------------------- fallback chain

REPLY = '{"summary": "ok", "findings": []}'
CALL = StepCall("security", "system", "prompt " * 50, 1000, {"type": "object"}, "review")


def _ctx(
    providers: dict[str, FakeProvider],
    budget: str = "1.00",
    timeout: float = 5.0,
    keys: dict[str, str] | None = None,
) -> ChainContext:
    env = (
        keys
        if keys is not None
        else {"ANTHROPIC_API_KEY": "a", "OPENAI_API_KEY": "o", "GEMINI_API_KEY": "g"}
    )
    settings = provider_settings(CONFIG, env)
    overrides = {name: p for name, p in providers.items() if settings[name].api_key}
    pool = ProviderPool(settings, overrides)
    return ChainContext(pool, Budget(Decimal(budget)), PRICES, timeout, time.monotonic())


def _run(chain: tuple[ModelRef, ...], ctx: ChainContext):  # type: ignore[no-untyped-def]
    return asyncio.run(run_chain(CALL, chain, lambda text: text, ctx))


def test_first_model_ok_records_one_priced_attempt() -> None:
    anthropic = FakeProvider("anthropic", {SONNET.model: [ok(REPLY, Usage(1000, 100, 500))]})
    outcome = _run((SONNET, GPT), _ctx({"anthropic": anthropic}))
    assert outcome.result.status == "ok" and outcome.result.model == SONNET
    (attempt,) = outcome.result.attempts
    assert attempt.cost_usd == Decimal("0.00465")  # 1000*3 + 100*15 + 500*0.30 per 1M
    assert outcome.value == REPLY


def test_failure_falls_back_to_the_next_vendor_and_keeps_the_failed_attempt() -> None:
    error = ProviderError(ErrorKind.OVERLOADED, "overloaded", status=529, usage=Usage(0, 0))
    anthropic = FakeProvider("anthropic", {SONNET.model: [error]})
    openai = FakeProvider("openai", {GPT.model: [ok(REPLY)]})
    outcome = _run((SONNET, GPT), _ctx({"anthropic": anthropic, "openai": openai}))
    result = outcome.result
    assert result.status == "ok" and result.model == GPT
    assert [(str(a.model), a.status, a.error) for a in result.attempts] == [
        (str(SONNET), "failed", ErrorKind.OVERLOADED),
        (str(GPT), "ok", None),
    ]


def test_invalid_output_is_priced_and_moves_on() -> None:
    bad = OutputError(ErrorKind.INVALID_OUTPUT, "cut off", usage=Usage(2000, 1000))
    anthropic = FakeProvider("anthropic", {SONNET.model: [bad]})
    openai = FakeProvider("openai", {GPT.model: [ok(REPLY)]})
    result = _run((SONNET, GPT), _ctx({"anthropic": anthropic, "openai": openai})).result
    assert result.attempts[0].cost_usd == Decimal("0.021")  # failed attempts are billed too
    assert result.cost_usd == result.attempts[0].cost_usd + result.attempts[1].cost_usd


def test_every_model_failing_gives_failed_with_each_error() -> None:
    err = ProviderError(ErrorKind.SERVER_ERROR, "boom", status=500)
    anthropic = FakeProvider("anthropic", {SONNET.model: [err]})
    openai = FakeProvider("openai", {GPT.model: [ProviderError(ErrorKind.AUTH, "bad key")]})
    result = _run((SONNET, GPT), _ctx({"anthropic": anthropic, "openai": openai})).result
    assert result.status == "failed"
    assert "server_error" in (result.reason or "") and "auth" in (result.reason or "")


def test_missing_key_skips_that_vendor_and_falls_through() -> None:
    openai = FakeProvider("openai", {GPT.model: [ok(REPLY)]})
    ctx = _ctx({"openai": openai}, keys={"OPENAI_API_KEY": "o"})
    result = _run((SONNET, GPT), ctx).result
    assert result.status == "ok" and result.model == GPT
    assert [str(a.model) for a in result.attempts] == [str(GPT)]


def test_no_keys_at_all_skips_the_step_naming_the_variables() -> None:
    result = _run((SONNET, GPT), _ctx({}, keys={})).result
    assert result.status == "skipped"
    assert result.reason == "no ANTHROPIC_API_KEY, no OPENAI_API_KEY"


def test_budget_too_small_means_no_call_is_made() -> None:
    anthropic = FakeProvider("anthropic", {SONNET.model: [ok(REPLY)]})
    result = _run((SONNET,), _ctx({"anthropic": anthropic}, budget="0.0001")).result
    assert result.status == "skipped" and result.reason == "budget"
    assert anthropic.requests == []


def test_budget_passes_over_an_expensive_model_for_a_cheaper_one() -> None:
    opus = ModelRef("anthropic", "claude-opus-4-7")
    mini = ModelRef("openai", "gpt-5-mini")
    anthropic = FakeProvider("anthropic", {opus.model: [ok(REPLY)]})
    openai = FakeProvider("openai", {mini.model: [ok(REPLY)]})
    # worst case: opus 1000 out * $25/M = $0.025+; gpt-5-mini 1000 out * $2/M = $0.002+
    ctx = _ctx({"anthropic": anthropic, "openai": openai}, budget="0.01")
    result = _run((opus, mini), ctx).result
    assert result.status == "ok" and result.model == mini
    assert anthropic.requests == []
    assert ctx.budget.spent <= Decimal("0.01")


def test_a_hanging_model_is_cut_at_the_step_deadline() -> None:
    anthropic = FakeProvider("anthropic", {SONNET.model: [30.0, ok(REPLY)]})
    outcome = _run((SONNET, GPT), _ctx({"anthropic": anthropic}, timeout=0.3))
    assert outcome.result.status == "failed"
    assert outcome.result.attempts[0].error == ErrorKind.TIMEOUT


def test_unknown_price_runs_but_says_the_budget_could_not_be_enforced() -> None:
    odd = ModelRef("openai", "gpt-unpriced")
    openai = FakeProvider("openai", {odd.model: [ok(REPLY)]})
    outcome = _run((odd,), _ctx({"openai": openai}))
    assert outcome.result.status == "ok" and outcome.result.cost_usd is None
    assert any("could not be enforced" in note for note in outcome.notes)


@pytest.mark.parametrize("budget", ["0.0001", "0.003", "0.05"])
def test_concurrent_steps_never_spend_more_than_the_cap(budget: str) -> None:
    usage = Usage(150, 1000)  # the prompt is ~360 bytes: at most ~180 tokens on any tokenizer
    anthropic = FakeProvider("anthropic", {SONNET.model: [0.05, ok(REPLY, usage)]})
    openai = FakeProvider("openai", {GPT.model: [0.05, ok(REPLY, usage)]})
    ctx = _ctx({"anthropic": anthropic, "openai": openai}, budget=budget)

    async def three() -> list:  # type: ignore[type-arg]
        return list(
            await asyncio.gather(*(run_chain(CALL, (SONNET, GPT), str, ctx) for _ in range(3)))
        )

    outcomes = asyncio.run(three())
    spent = sum((o.result.cost_usd or Decimal(0) for o in outcomes), Decimal(0))
    assert spent <= Decimal(budget)
    assert ctx.budget.spent == spent
