"""Red team, budget: the "hard" cap holds when the text is dense and tokens are counted for real.

The red team broke the cap by 30%: the worst-case bound assumed at least 2 bytes per token,
but digit tables, rare CJK, base64 and emoji run at up to one o200k token per byte, and the
reply schema and the system prompt were not in the estimate at all. Here the vendor fakes bill
every call at its real token count (``tests/fakeserver/o200k``, tiktoken's algorithm on its
own o200k_base data) and every action run is checked against its ``budget_usd`` by the
harness (``ActionRun.assert_within_budget``), as in the whole hardening suite.

The class: for each dense kind, a PR is reviewed once with room to spare, to learn what its
security call really costs; then with a budget 10% below that. The call must not be made: the
step is ``skipped: budget`` and nothing was billed beyond the cap. A budget that covers the
bound (one token per byte of everything sent, plus framing) lets the same call through.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest

from reviewbot.config.load import parse_config, prices_for
from reviewbot.domain import ModelRef
from reviewbot.engine import pricing
from reviewbot.engine.budget import FRAMING_TOKENS, input_token_bound
from reviewbot.steps import schema
from tests.fakeserver.github import FakeGitHub
from tests.fakeserver.o200k import count_tokens
from tests.fakeserver.vendors import VendorFakes, request_parts, request_tokens
from tests.hardening.harness import FAST, ActionRun, action_run

MODEL = ModelRef("openai", "gpt-5.4")
MAX_OUTPUT = 64
PRICES = prices_for(parse_config(None))
LINES = 500


def _digits(rng: random.Random) -> str:
    return "|" + "|".join(rng.choice("0123456789") for _ in range(30)) + "|"


def _cjk(rng: random.Random) -> str:  # CJK Extension A: about one token per byte
    return "".join(chr(rng.randint(0x3400, 0x4DBF)) for _ in range(20))


def _base64(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(45)).decode()


def _emoji(rng: random.Random) -> str:  # symbols of Unicode 12-15: rare, so several tokens each
    return "".join(chr(rng.randint(0x1FA70, 0x1FAFF)) for _ in range(15))


DENSE: dict[str, Callable[[random.Random], str]] = {
    "digit-table": _digits,
    "cjk": _cjk,
    "base64": _base64,
    "emoji": _emoji,
}


def dense_diff(kind: str) -> str:
    """A new code file of ``LINES`` lines of dense text (a fixture table, say)."""
    rng = random.Random(kind)
    lines = [f'    "{DENSE[kind](rng)}",' for _ in range(LINES)]
    body = "".join(f"+{line}\n" for line in ["TABLE = [", *lines, "]"])
    path = "app/fixtures_table.py"
    return (
        f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{LINES + 2} @@\n{body}"
    )


def config(budget: Decimal) -> str:
    """Only the security step, on one model with a small output limit."""
    return (
        FAST
        + f"budget_usd: {budget}\n"
        + "steps:\n"
        + "  classify: {models: []}\n"
        + f"  security: {{models: ['{MODEL}'], max_output_tokens: {MAX_OUTPUT}}}\n"
        + "  quality: {models: []}\n"
        + "  docs: {models: []}\n"
    )


def _run(
    github: FakeGitHub,
    fakes: VendorFakes,
    folder: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    budget: Decimal,
) -> ActionRun:
    folder.mkdir()
    run = action_run(github, fakes, folder, realdata)
    run.serve(dense_diff(kind))
    run.base_config(config(budget))
    assert run.run(capsys) == 0, run.stdout + run.stderr  # also checks spend <= budget
    return run


@pytest.mark.parametrize("kind", sorted(DENSE))
def test_a_call_whose_real_tokens_would_break_the_cap_is_not_made(
    kind: str,
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 1. with room to spare: what the security call really costs, billed by real tokens
    probe = _run(github, vendor_fakes, tmp_path / "probe", realdata, capsys, kind, Decimal(100))
    assert probe.step("security")["status"] == "ok"
    (request,) = vendor_fakes.requests_for("openai")
    texts, _, _, _ = request_parts("openai", request.json)
    sent_bytes = sum(len(t.encode()) for t in texts)
    billed = request_tokens("openai", request.json)
    assert billed > sent_bytes / 2  # denser than "2 bytes per token": the old bound was below it
    cost = probe.spent_usd()
    assert cost > 0

    # 2. a budget 10% below that cost: the call must not be made at all
    budget = (cost * Decimal("0.9")).quantize(Decimal("0.000001"), rounding=ROUND_DOWN)
    since = len(vendor_fakes.ledger)
    capped = _run(github, vendor_fakes, tmp_path / "capped", realdata, capsys, kind, budget)
    assert capped.spent_usd(since) <= budget
    security = capped.step("security")
    assert (security["status"], security["reason"]) == ("skipped", "budget")
    assert "budget" in capped.comment()


def test_a_budget_that_covers_the_bound_lets_the_call_through(
    github: FakeGitHub,
    vendor_fakes: VendorFakes,
    tmp_path: Path,
    realdata: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    probe = _run(github, vendor_fakes, tmp_path / "probe", realdata, capsys, "cjk", Decimal(100))
    (request,) = vendor_fakes.requests_for("openai")
    body = request.json
    system, prompt = (m["content"] for m in body["messages"])
    bound = input_token_bound(system, prompt, "review", json.dumps(schema.review_json_schema()))
    worst = pricing.worst_case(MODEL, bound, MAX_OUTPUT, PRICES)
    assert worst is not None
    budget = worst.quantize(Decimal("0.000001"), rounding="ROUND_UP")
    since = len(vendor_fakes.ledger)
    run = _run(github, vendor_fakes, tmp_path / "covered", realdata, capsys, "cjk", budget)
    assert run.step("security")["status"] == "ok"
    assert run.spent_usd(since) <= budget
    assert probe.step("security")["status"] == "ok"


@pytest.mark.parametrize("kind", sorted(DENSE))
def test_the_bound_is_above_the_real_count_of_everything_sent(kind: str) -> None:
    rng = random.Random(kind)
    system = "You review code.\n" * 50
    prompt = "\n".join(DENSE[kind](rng) for _ in range(LINES))
    schema_text = json.dumps(schema.review_json_schema())
    body = {
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": prompt}],
        "response_format": {"type": "json_schema", "json_schema": schema.review_json_schema()},
    }
    real = request_tokens("openai", body)
    bound = input_token_bound(system, prompt, "review", schema_text)
    assert real <= bound
    assert count_tokens(prompt) > len(prompt.encode()) / 2  # the old estimate was below it
    assert bound - FRAMING_TOKENS == sum(len(t.encode()) for t in (system, prompt, schema_text)) + 6
