"""Steps as data: a step added in the config runs like a built-in one; a built-in can be off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewbot.app.cli import main
from reviewbot.domain import Usage
from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.vendors import EMPTY_REVIEW, VendorFakes, success_body, vendor_env

INSTRUCTIONS = (
    "Look for N+1 queries, unbounded loops over user input, and sync I/O in async handlers."
)
CONFIG = f"""\
steps:
  performance:
    instructions: "{INSTRUCTIONS}"
    files: ["src/**/*.py"]
    models: [openai:gpt-5-mini, google:gemini-2.5-flash]
    by_risk: {{high: [anthropic:claude-sonnet-4-6]}}
    skip_for: [docs, tests, deps]
    max_output_tokens: 2048
  docs:
    enabled: false
"""
PERF_REPLY = {
    "summary": "One N+1 query.",
    "findings": [
        {
            "path": "src/orders.py",
            "line": 4,
            "end_line": None,
            "severity": "medium",
            "category": "n-plus-one",
            "title": "A query per order inside the loop",
            "body": "Each iteration runs its own query; fetch the items in one query.",
            "suggestion": None,
        }
    ],
}


def _diff() -> str:
    def added(path: str, lines: list[str]) -> str:
        body = "".join(f"+{line}\n" for line in lines)
        return (
            f"diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n"
            f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{body}"
        )

    return (
        added(
            "src/orders.py",
            [
                "def totals(db, orders):",
                "    out = []",
                "    for order in orders:",
                "        items = db.query('SELECT * FROM items WHERE order_id = %s', order.id)",
                "        out.append(sum(i.price for i in items))",
                "    return out",
            ],
        )
        + added("lib/helpers.py", ["def helper_outside_the_glob():", "    return 1"])
        + added("docs/guide.md", ["# Guide", "", "How to total orders."])
    )


def _system(request: Recorded) -> str:
    return str(request.json["messages"][0]["content"])


def _user(request: Recorded) -> str:
    return str(request.json["messages"][1]["content"])


def _run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fakes: VendorFakes, config: str
) -> tuple[int, dict[str, Any], str]:
    (tmp_path / "pr.diff").write_text(_diff())
    (tmp_path / "reviewbot.yml").write_text(config)
    report = tmp_path / "report.json"
    args = [
        "review",
        "--diff",
        str(tmp_path / "pr.diff"),
        "--config",
        str(tmp_path / "reviewbot.yml"),
    ]
    code = main([*args, "--report", str(report)], vendor_env(fakes, vendors=("openai",)))
    return code, json.loads(report.read_text()), capsys.readouterr().out


@pytest.fixture
def own_fakes() -> Iterator[VendorFakes]:
    """Vendor fakes of this test alone (a route added to the session's fakes would stay)."""
    fakes = VendorFakes()
    yield fakes
    fakes.close()


def test_a_step_added_in_the_config_runs_on_its_files_with_its_instructions(
    own_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    vendor_fakes = own_fakes

    def reply(request: Recorded, match: Any) -> Any:
        body = PERF_REPLY if INSTRUCTIONS in _system(request) else EMPTY_REVIEW
        usage = Usage(input_tokens=900, output_tokens=120)
        return Reply(
            200, success_body("openai", json.dumps(body), model=request.json["model"], usage=usage)
        )

    vendor_fakes.server.route("POST", r"/v1/chat/completions$", reply)

    code, report, comment = _run(tmp_path, capsys, vendor_fakes, CONFIG)

    assert code == 0
    requests = vendor_fakes.requests_for("openai")
    performance = [r for r in requests if INSTRUCTIONS in _system(r)]
    assert len(performance) == 1, "exactly one request to the new step's model"
    (sent,) = performance
    assert sent.json["model"] == "gpt-5-mini"
    assert "src/orders.py" in _user(sent)
    assert "lib/helpers.py" not in _user(sent) and "docs/guide.md" not in _user(sent)
    # The instructions sit after the shared rubric and the untrusted-data rules.
    system = _system(sent)
    assert system.index("## Untrusted input") < system.index(INSTRUCTIONS)

    step = next(s for s in report["steps"] if s["name"] == "performance")
    assert step["status"] == "ok" and step["model"] == "openai:gpt-5-mini"
    assert step["input_tokens"] == 900 and step["output_tokens"] == 120
    assert step["cost_usd"] > 0
    assert any(
        f["step"] == "performance" and f["path"] == "src/orders.py" for f in report["findings"]
    )
    row = next(line for line in comment.splitlines() if line.startswith("| performance |"))
    assert "gpt-5-mini" in row and "900" in row and "$" in row


def test_a_built_in_step_switched_off_makes_no_request(
    vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report, _ = _run(tmp_path, capsys, vendor_fakes, CONFIG)

    assert code == 0
    docs = next(s for s in report["steps"] if s["name"] == "docs")
    assert docs["status"] == "skipped" and docs["reason"] == "disabled in the config"
    systems = [_system(r) for r in vendor_fakes.requests_for("openai")]
    assert systems and not any("documentation reviewer" in s for s in systems)


def test_with_docs_on_the_same_diff_a_docs_request_is_made(
    vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _run(tmp_path, capsys, vendor_fakes, CONFIG.replace("enabled: false", "enabled: true"))

    systems = [_system(r) for r in vendor_fakes.requests_for("openai")]
    assert any("documentation reviewer" in s for s in systems)


def test_built_in_steps_take_instructions_too(
    vendor_fakes: VendorFakes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = "steps:\n  quality:\n    instructions: 'Our services never use print(); flag it.'\n"
    _run(tmp_path, capsys, vendor_fakes, config)

    quality = [
        r for r in vendor_fakes.requests_for("openai") if "code-quality reviewer" in _system(r)
    ]
    assert len(quality) == 1
    assert _system(quality[0]).rstrip().endswith("Our services never use print(); flag it.")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("steps:\n  Perf: {models: [openai:gpt-5-mini]}\n", "step name 'Perf'"),
        ("steps:\n  perf: {instructions: hi}\n", "needs a model chain (steps.perf.models)"),
        ("steps:\n  classify: {enabled: false}\n", "classify cannot be switched off"),
        ("steps:\n  perf: {models: [openai:gpt-5-mini], colour: red}\n", "steps.perf.colour"),
    ],
)
def test_a_bad_step_is_a_config_error_naming_it(
    config: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pr.diff").write_text(_diff())
    (tmp_path / "reviewbot.yml").write_text(config)
    args = [
        "review",
        "--diff",
        str(tmp_path / "pr.diff"),
        "--config",
        str(tmp_path / "reviewbot.yml"),
    ]

    assert main(args, {}) == 2
    assert message in capsys.readouterr().err
