"""``reviewbot eval`` on hand-made cases, scripted: matching through the real pipeline, the
aggregation over cases, steps and runs, the baselines, and the command's table and eval.json."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from reviewbot.app.cli import main
from reviewbot.config.load import parse_config
from reviewbot.eval.corpus import Case, load_corpus
from reviewbot.eval.match import Label, Spot
from reviewbot.eval.metrics import Counts, Spread, score_case, spreads, total
from reviewbot.eval.report import render_table, summarise
from reviewbot.eval.runner import (
    CaseOutcome,
    StepOutcome,
    Variant,
    baseline_config,
    build_variants,
    evaluate,
)
from reviewbot.eval.scripted import SCRIPTED_LABEL, Script

SLACK = 3
VULN_DIFF = "".join(
    [
        "diff --git a/app/db.py b/app/db.py\nnew file mode 100644\nindex 0000000..1111111\n",
        "--- /dev/null\n+++ b/app/db.py\n@@ -0,0 +1,20 @@\n",
        *(f"+line_{n} = {n}\n" for n in range(1, 10)),
        "+rows = db.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n",  # line 10
        *(f"+line_{n} = {n}\n" for n in range(11, 21)),
        "diff --git a/app/util.py b/app/util.py\nnew file mode 100644\nindex 0000000..2222222\n",
        "--- /dev/null\n+++ b/app/util.py\n@@ -0,0 +1,5 @@\n",
        *(f"+def helper_{n}(): return {n}\n" for n in range(1, 6)),
    ]
)
CLEAN_DIFF = (
    "diff --git a/lib/maths.py b/lib/maths.py\nindex 3333333..4444444 100644\n"
    "--- a/lib/maths.py\n+++ b/lib/maths.py\n@@ -1,3 +1,4 @@\n def add(a, b):\n"
    "-    return a+b\n+    total = a + b\n+    return total\n \n \n"
)
LABEL = {"path": "app/db.py", "lines": [10, 10], "category": "CWE-89"}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for name, diff, labels in (("vuln", VULN_DIFF, [LABEL]), ("clean", CLEAN_DIFF, [])):
        (root / name).mkdir(parents=True)
        (root / name / "pr.diff").write_text(diff)
        (root / name / "expected.json").write_text(json.dumps(labels))
    return root


def _finding(path: str, line: int | None, category: str) -> dict[str, Any]:
    return {"path": path, "line": line, "category": category}


def _score(corpus: Path, rules: list[dict[str, Any]], config: str = "") -> Counts:
    cases = load_corpus(corpus)
    variants = build_variants([("cfg", "test", parse_config(config or None))], baseline=False)
    script = Script.model_validate({"rules": rules})
    outcomes = evaluate(cases, variants, env={}, script=script)
    (summary,) = summarise(outcomes, variants, 1, SLACK)
    (counts,) = summary.runs
    return counts


def _security(case: str, *findings: dict[str, Any]) -> dict[str, Any]:
    return {"step": "security", "case": case, "findings": list(findings)}


# ---------------------------------------------------------------- matching, end to end


def test_a_finding_on_the_exact_line_is_found(corpus: Path) -> None:
    counts = _score(corpus, [_security("vuln", _finding("app/db.py", 10, "CWE-89 sql-injection"))])
    assert (counts.recall, counts.precision, counts.false_positive_rate) == (1.0, 1.0, 0.0)


def test_the_answer_key_scores_one(corpus: Path) -> None:
    counts = _score(corpus, [{"step": "security", "labels": True}])
    assert (counts.recall, counts.precision, counts.false_positive_rate) == (1.0, 1.0, 0.0)


def test_a_finding_two_lines_off_is_found(corpus: Path) -> None:
    counts = _score(corpus, [_security("vuln", _finding("app/db.py", 12, "sql-injection"))])
    assert (counts.recall, counts.precision) == (1.0, 1.0)


def test_a_finding_beyond_the_slack_is_not(corpus: Path) -> None:
    counts = _score(corpus, [_security("vuln", _finding("app/db.py", 15, "sql-injection"))])
    assert (counts.recall, counts.precision) == (0.0, 0.0)


def test_a_finding_in_the_wrong_file_is_not_found(corpus: Path) -> None:
    counts = _score(corpus, [_security("vuln", _finding("app/util.py", 3, "CWE-89"))])
    assert (counts.recall, counts.precision, counts.labelled_findings) == (0.0, 0.0, 1)


def test_a_finding_of_the_wrong_family_is_not_found(corpus: Path) -> None:
    counts = _score(corpus, [_security("vuln", _finding("app/db.py", 10, "CWE-79 xss"))])
    assert (counts.recall, counts.precision) == (0.0, 0.0)


def test_finding_nothing_scores_zero_and_has_no_precision(corpus: Path) -> None:
    counts = _score(corpus, [])
    assert (counts.recall, counts.precision, counts.false_positive_rate) == (0.0, None, 0.0)
    assert counts.cases == 2 and counts.cost_usd > 0  # the prompts were still sent and priced


def test_a_finding_on_a_clean_case_is_a_false_positive(corpus: Path) -> None:
    rules = [
        {"step": "security", "labels": True},
        _security("clean", _finding("lib/maths.py", 2, "style")),
    ]
    counts = _score(corpus, rules)
    assert (counts.recall, counts.precision, counts.false_positive_rate) == (1.0, 1.0, 1.0)
    assert (counts.clean_cases, counts.clean_flagged, counts.clean_findings) == (1, 1, 1)


def test_an_extra_finding_lowers_precision_not_recall(corpus: Path) -> None:
    rules = [
        {"step": "security", "labels": True},
        _security("vuln", _finding("app/util.py", 2, "CWE-89")),
    ]
    counts = _score(corpus, rules)
    assert (counts.recall, counts.precision) == (1.0, 0.5)


def test_a_scripted_failure_falls_back_along_the_chain(corpus: Path) -> None:
    config = "steps: {security: {models: [anthropic:claude-sonnet-4-6, openai:gpt-5.4]}}"
    rules = [
        {"model": "anthropic:*", "error": "overloaded"},
        {"step": "security", "model": "openai:*", "labels": True},
    ]
    cases = load_corpus(corpus)
    variants = build_variants([("cfg", "test", parse_config(config))], baseline=False)
    outcomes = evaluate(cases, variants, env={}, script=Script.model_validate({"rules": rules}))
    (summary,) = summarise(outcomes, variants, 1, SLACK)
    assert summary.runs[0].recall == 1.0
    assert dict(summary.steps["security"].models) == {"openai:gpt-5.4": 2}


def test_a_scripted_classify_failure_falls_back_too(corpus: Path) -> None:
    rules = [{"step": "classify", "model": "openai:*", "error": "rate_limited"}]
    cases = load_corpus(corpus)
    variants = build_variants([("cfg", "test", parse_config(None))], baseline=False)
    outcomes = evaluate(cases, variants, env={}, script=Script.model_validate({"rules": rules}))
    (summary,) = summarise(outcomes, variants, 1, SLACK)
    classify = summary.steps["classify"]
    assert set(classify.models) == {"google:gemini-2.5-flash"}
    assert classify.statuses["ok"] >= 1


# ---------------------------------------------------------------- aggregation


def _outcome(run: int, labels: list[Label], spots: list[Spot], cost: str = "0.01") -> CaseOutcome:
    step = StepOutcome(
        "security", "ok", None, "anthropic:m", tuple(spots), Decimal(cost), 100, 10, 1.5
    )
    return CaseOutcome(
        case_id=f"c{len(labels)}",
        variant="v",
        run=run,
        labels=tuple(labels),
        spots=tuple(spots),
        findings=tuple({"path": s.path} for s in spots),
        steps=(step,),
        cost_usd=Decimal(cost),
        input_tokens=100,
        output_tokens=10,
        wall_s=2.0,
    )


def test_counts_add_up_over_cases() -> None:
    a, b = Label("x.py", 1, 1, "CWE-89"), Label("x.py", 50, 50, "CWE-89")
    hit, miss = Spot("x.py", 2, None, "sqli"), Spot("x.py", 30, None, "sqli")
    counts = total(
        [
            score_case([a, b], [hit, miss], SLACK, cost_usd=Decimal("0.5"), wall_s=1.0),
            score_case([a], [], SLACK, cost_usd=Decimal("0.25"), input_tokens=7),
            score_case([], [miss], SLACK),
            score_case([], [], SLACK, error=True),
        ]
    )
    assert (counts.cases, counts.labels, counts.found) == (4, 3, 1)
    assert (counts.labelled_findings, counts.true_positives) == (2, 1)
    assert (counts.clean_cases, counts.clean_flagged, counts.clean_findings) == (2, 1, 1)
    assert counts.recall == pytest.approx(1 / 3)
    assert counts.precision == 0.5
    assert counts.false_positive_rate == 0.5
    assert counts.cost_usd == Decimal("0.75") and counts.tokens == 7 and counts.errors == 1


def test_figures_without_a_denominator_are_none() -> None:
    assert Counts().recall is None
    assert Counts().precision is None
    assert Counts().false_positive_rate is None
    assert Spread.of([None, None]) == Spread(None, None, None, None, 0)


def test_the_spread_over_runs() -> None:
    a, b = Label("x.py", 1, 1, "CWE-89"), Label("x.py", 50, 50, "CWE-89")
    hit_a, hit_b = Spot("x.py", 1, None, "sqli"), Spot("x.py", 50, None, "sqli")
    outcomes = [
        _outcome(1, [a, b], [hit_a], cost="0.01"),
        _outcome(2, [a, b], [hit_a, hit_b], cost="0.03"),
        _outcome(3, [a, b], [hit_a, hit_b], cost="0.02"),
    ]
    variant = Variant("v", parse_config(None), "test")
    (summary,) = summarise(outcomes, [variant], 3, SLACK)
    recall = summary.spread("recall")
    assert (recall.mean, recall.min, recall.max, recall.runs) == (pytest.approx(5 / 6), 0.5, 1, 3)
    assert recall.stdev == pytest.approx(0.288675, abs=1e-6)
    cost = summary.spread("cost_usd")
    assert (cost.mean, cost.min, cost.max) == (pytest.approx(0.02), 0.01, 0.03)
    step = spreads(summary.steps["security"].runs)
    assert step["recall"].mean == pytest.approx(5 / 6)
    assert summary.steps["security"].models["anthropic:m"] == 3
    table = render_table([summary], [Case("c2", b"", (a, b))], runs=3, slack=SLACK, scripted=False)
    assert "0.83 [0.50-1.00]" in table
    assert "$0.0200 [$0.0100-$0.0300]" in table
    assert SCRIPTED_LABEL not in table


# ---------------------------------------------------------------- variants and baselines


def test_the_baseline_runs_one_model_on_every_step_and_changes_nothing_else() -> None:
    config = parse_config("baseline: openai:gpt-5.4\nbudget_usd: 0.5")
    base = baseline_config(config)
    for name in base.steps.names():
        step, original = base.steps.get(name), config.steps.get(name)
        assert step.models == ["openai:gpt-5.4"] and step.by_risk == {}
        assert (step.skip_for, step.max_output_tokens) == (
            original.skip_for,
            original.max_output_tokens,
        )
    assert base.budget_usd == config.budget_usd and base.baseline == config.baseline


def test_configurations_sharing_a_baseline_share_its_run() -> None:
    routed, small = (
        parse_config(None),
        parse_config("steps: {security: {models: [openai:gpt-5-mini]}}"),
    )
    other = parse_config("baseline: openai:gpt-5.4")
    variants = build_variants(
        [("routed", "a.yml", routed), ("small", "b.yml", small)], baseline=True
    )
    assert [v.name for v in variants] == ["routed", "small", "baseline anthropic:claude-opus-4-7"]
    assert variants[-1].baseline_of == ("routed", "small") and variants[-1].is_baseline
    variants = build_variants([("routed", "a.yml", routed), ("other", "c.yml", other)], True)
    assert [v.name for v in variants][2:] == [
        "baseline anthropic:claude-opus-4-7",
        "baseline openai:gpt-5.4",
    ]
    budget = parse_config("budget_usd: 0.25")
    variants = build_variants([("routed", "a.yml", routed), ("cheap", "d.yml", budget)], True)
    assert [v.name for v in variants][2:] == [
        "baseline anthropic:claude-opus-4-7 (routed)",
        "baseline anthropic:claude-opus-4-7 (cheap)",
    ]


# ---------------------------------------------------------------- the command


def _eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["eval", *args], {})
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_without_keys_the_command_says_it_is_scripted_everywhere(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = _eval(capsys, "--corpus", str(corpus), "--baseline", "--out", str(out))
    assert code == 0
    assert "no vendor key is set" in stderr and SCRIPTED_LABEL in stderr
    assert SCRIPTED_LABEL in stdout
    assert "baseline anthropic:claude-opus-4-7 *" in stdout
    report = json.loads((out / "eval.json").read_text())
    assert (report["mode"], report["label"]) == ("scripted", SCRIPTED_LABEL)
    assert SCRIPTED_LABEL in (out / "eval.svg").read_text()
    names = [c["name"] for c in report["configurations"]]
    assert names == ["defaults", "baseline anthropic:claude-opus-4-7"]
    routed, baseline = report["configurations"]
    # The honest default: the scripted models find nothing; the costs are the prompts' own.
    assert routed["summary"]["recall"]["mean"] == 0.0
    assert routed["summary"]["precision"]["mean"] is None
    assert all(not case["findings"] for case in routed["cases"])
    assert 0 < routed["summary"]["cost_usd"]["mean"] < baseline["summary"]["cost_usd"]["mean"]
    assert baseline["baseline"] and baseline["baseline_of"] == ["defaults"]
    assert baseline["chains"]["security"] == {"models": ["anthropic:claude-opus-4-7"]}


def test_the_report_details_every_case(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.yml"
    script.write_text(
        yaml.safe_dump(
            {
                "rules": [
                    {
                        "step": "security",
                        "case": "vuln",
                        "findings": [
                            _finding("app/db.py", 11, "sql-injection"),
                            _finding("app/util.py", 1, "style"),
                        ],
                    },
                ]
            }
        )
    )
    out = tmp_path / "out"
    code, stdout, _ = _eval(
        capsys, "--corpus", str(corpus), "--script", str(script), "--out", str(out), "--runs", "2"
    )
    assert code == 0 and "2 runs" in stdout
    report = json.loads((out / "eval.json").read_text())
    assert report["runs"] == 2 and report["script"] == str(script)
    assert report["corpus"] == {
        "path": str(corpus),
        "cases": 2,
        "labelled": 1,
        "clean": 1,
        "labels": 1,
    }
    (config,) = report["configurations"]
    assert config["summary"]["recall"] == {"mean": 1.0, "min": 1.0, "max": 1.0, "stdev": 0.0}
    assert config["summary"]["precision"]["mean"] == 0.5
    assert [c["run"] for c in config["cases"]] == [1, 1, 2, 2]
    vuln = next(c for c in config["cases"] if c["case"] == "vuln")
    assert (vuln["labels"], vuln["found"], vuln["missed"]) == (1, 1, [])
    assert [(f["path"], f["matches_label"]) for f in vuln["findings"]] == [
        ("app/db.py", True),
        ("app/util.py", False),
    ]
    assert config["steps"]["security"]["summary"]["recall"]["mean"] == 1.0
    assert len(config["per_run"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--runs", "0"], "--runs 0"),
        (["--line-slack", "-1"], "--line-slack -1"),
        (["--case", "nothing*"], "no case matching"),
        (["--config", "missing.yml"], "config file not found"),
        (["--script", "missing.yml"], "--script missing.yml: file not found"),
    ],
)
def test_bad_arguments_are_refused_before_any_review(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, stdout, stderr = _eval(
        capsys, "--corpus", str(corpus), "--out", str(tmp_path / "o"), *args
    )
    assert code == 2 and message in stderr and stdout == ""
    assert not (tmp_path / "o" / "eval.json").exists()


def test_the_corpus_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["eval"], {})
    assert exit_.value.code == 2
    assert "--corpus" in capsys.readouterr().err
