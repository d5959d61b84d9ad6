"""Summaries of an evaluation: per configuration and per step, as a table and as ``eval.json``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from reviewbot import __version__
from reviewbot.config.load import price_table
from reviewbot.engine.findings import DETERMINISTIC_STEPS
from reviewbot.eval.corpus import Case
from reviewbot.eval.match import match_case
from reviewbot.eval.metrics import FIGURES, Counts, Spread, score_case, spreads, total
from reviewbot.eval.runner import CaseOutcome, Variant
from reviewbot.eval.scripted import SCRIPTED_LABEL
from reviewbot.steps.registry import CLASSIFY

FORMAT = "reviewbot-eval/1"
DEFINITIONS = {
    "recall": "labels matched by a finding / labels, over the cases that have labels",
    "precision": "findings that match a label / findings, over the cases that have labels",
    "false_positive_rate": "clean cases (no labels) with at least one finding / clean cases",
    "match": "same path; lines overlap or lie within line_slack lines; category families agree",
    "cost_usd": "model spend over all cases of a run, at the configuration's prices",
    "tokens": "input (cached and cache writes included) plus output tokens over a run",
    "wall_s": "summed wall time of the reviews of a run (a step's: its chain's time)",
    "spread": "mean, min, max and sample stdev over the runs",
}


@dataclass
class StepSummary:
    """One step of one configuration over every run."""

    runs: list[Counts] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    models: Counter[str] = field(default_factory=Counter)


@dataclass
class VariantSummary:
    """One configuration over every run."""

    variant: Variant
    runs: list[Counts]
    steps: dict[str, StepSummary]
    outcomes: list[CaseOutcome]

    def spread(self, name: str) -> Spread:
        """One figure's spread over the runs."""
        return spreads(self.runs)[name]


def summarise(
    outcomes: Sequence[CaseOutcome], variants: Sequence[Variant], runs: int, slack: int
) -> list[VariantSummary]:
    """Aggregate ``outcomes`` per variant and per run, and per step."""
    result = []
    for variant in variants:
        mine = [o for o in outcomes if o.variant == variant.name]
        per_run = [
            total(
                score_case(
                    o.labels,
                    o.spots,
                    slack,
                    cost_usd=o.cost_usd,
                    input_tokens=o.input_tokens,
                    output_tokens=o.output_tokens,
                    wall_s=o.wall_s,
                    error=o.error is not None,
                    unpriced_calls=o.unpriced_calls,
                )
                for o in mine
                if o.run == run
            )
            for run in range(1, runs + 1)
        ]
        names = list(dict.fromkeys(s.name for o in mine for s in o.steps))
        steps: dict[str, StepSummary] = {}
        for name in names:
            summary = StepSummary()
            for run in range(1, runs + 1):
                counts = Counts()
                for outcome in (o for o in mine if o.run == run):
                    step = next((s for s in outcome.steps if s.name == name), None)
                    if step is None:
                        counts = counts + score_case(outcome.labels, (), slack)
                        continue
                    counts = counts + score_case(
                        outcome.labels,
                        step.spots,
                        slack,
                        cost_usd=step.cost_usd,
                        input_tokens=step.input_tokens,
                        output_tokens=step.output_tokens,
                        wall_s=step.wall_s,
                        unpriced_calls=step.unpriced_calls,
                    )
                    summary.statuses[_status(step.status, step.reason)] += 1
                    if step.model:
                        summary.models[step.model] += 1
                summary.runs.append(counts)
            steps[name] = summary
        result.append(VariantSummary(variant, per_run, steps, mine))
    return result


def _status(status: str, reason: str | None) -> str:
    """``ok``, ``failed``, ``skipped: budget``, ``skipped: no key``, ``skipped: ...``."""
    if status != "skipped":
        return status
    text = reason or ""
    if text == "budget":
        return "skipped: budget"
    if text.startswith("no ") and text.split()[1].isupper():
        return "skipped: no key"
    return "skipped"


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _spread_json(spread: Spread, digits: int) -> dict[str, Any]:
    return {
        "mean": _round(spread.mean, digits),
        "min": _round(spread.min, digits),
        "max": _round(spread.max, digits),
        "stdev": _round(spread.stdev, digits),
    }


_DIGITS = {"recall": 4, "precision": 4, "false_positive_rate": 4, "cost_usd": 6, "tokens": 1}


def _figures_json(runs: Sequence[Counts], cases: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    figures = spreads(runs)
    for name in FIGURES:
        out[name] = _spread_json(figures[name], _DIGITS.get(name, 3))
    for name in ("cost_usd", "tokens", "wall_s"):
        out[f"{name}_per_case"] = {
            key: None if value is None else round(value / max(cases, 1), _DIGITS.get(name, 3) + 2)
            for key, value in out[name].items()
        }
    return out


def _counts_json(counts: Counts) -> dict[str, Any]:
    data = asdict(counts)
    data["cost_usd"] = float(round(counts.cost_usd, 6))
    data["wall_s"] = round(counts.wall_s, 3)
    data["recall"] = _round(counts.recall, 4)
    data["precision"] = _round(counts.precision, 4)
    data["false_positive_rate"] = _round(counts.false_positive_rate, 4)
    return data


def chains(variant: Variant) -> dict[str, Any]:
    """Each enabled step's chain (and risk chains) as the configuration sets them."""
    config = variant.config
    out: dict[str, Any] = {}
    for name in config.steps.names():
        step = config.steps.get(name)
        if not step.enabled:
            out[name] = "disabled"
            continue
        entry: dict[str, Any] = {"models": list(step.models)}
        if step.by_risk:
            entry["by_risk"] = {risk.value: list(c) for risk, c in step.by_risk.items()}
        out[name] = entry
    return out


def _case_json(outcome: CaseOutcome, slack: int) -> dict[str, Any]:
    result = match_case(outcome.labels, outcome.spots, slack)
    return {
        "case": outcome.case_id,
        "run": outcome.run,
        "labels": len(outcome.labels),
        "found": result.found,
        "missed": [
            {"path": label.path, "lines": [label.start, label.end], "category": label.category}
            for label, hit in zip(outcome.labels, result.labels_found, strict=True)
            if not hit
        ],
        "findings": [
            {**finding, "matches_label": hit}
            for finding, hit in zip(outcome.findings, result.findings_matched, strict=True)
        ],
        "steps": {
            s.name: {"status": s.status, "model": s.model, "findings": len(s.spots)}
            for s in outcome.steps
        },
        "cost_usd": float(round(outcome.cost_usd, 6)),
        "tokens": outcome.input_tokens + outcome.output_tokens,
        "wall_s": round(outcome.wall_s, 3),
        "error": outcome.error,
    }


def report_json(
    summaries: Sequence[VariantSummary],
    cases: Sequence[Case],
    *,
    corpus: str,
    runs: int,
    slack: int,
    scripted: bool,
    script: str | None,
) -> dict[str, Any]:
    """The whole evaluation as the JSON document ``eval.json`` holds."""
    labelled = [c for c in cases if not c.clean]
    return {
        "format": FORMAT,
        "reviewbot": __version__,
        "mode": "scripted" if scripted else "live",
        "label": SCRIPTED_LABEL if scripted else None,
        "script": script,
        "corpus": {
            "path": corpus,
            "cases": len(cases),
            "labelled": len(labelled),
            "clean": len(cases) - len(labelled),
            "labels": sum(len(c.labels) for c in cases),
        },
        "line_slack": slack,
        "runs": runs,
        "prices_as_of": price_table()[0],
        "definitions": DEFINITIONS,
        "configurations": [
            {
                "name": s.variant.name,
                "source": s.variant.source,
                "baseline": s.variant.is_baseline,
                "baseline_of": list(s.variant.baseline_of),
                "baseline_model": s.variant.config.baseline,
                "budget_usd": float(s.variant.config.budget_usd),
                "chains": chains(s.variant),
                "summary": _figures_json(s.runs, len(cases)),
                "per_run": [_counts_json(c) for c in s.runs],
                "steps": {
                    name: {
                        "summary": _figures_json(step.runs, len(cases)),
                        "per_run": [_counts_json(c) for c in step.runs],
                        "statuses": dict(step.statuses),
                        "models": dict(step.models),
                    }
                    for name, step in s.steps.items()
                },
                "cases": [_case_json(o, slack) for o in s.outcomes],
            }
            for s in summaries
        ],
    }


# ---------------------------------------------------------------- the table


def _ratio(spread: Spread) -> str:
    if spread.mean is None:
        return "n/a"
    text = f"{spread.mean:.2f}"
    if spread.runs > 1 and spread.min != spread.max:
        text += f" [{spread.min:.2f}-{spread.max:.2f}]"
    return text


def _per_case(spread: Spread, cases: int, unit: str) -> str:
    if spread.mean is None:
        return "n/a"
    n = max(cases, 1)

    def fmt(value: float) -> str:
        value /= n
        if unit == "$":
            return f"${value:.4f}"
        if unit == "s":
            return f"{value:.2f}s"
        return f"{value:,.0f}"

    text = fmt(spread.mean)
    if spread.runs > 1 and spread.min != spread.max:
        assert spread.min is not None and spread.max is not None
        text += f" [{fmt(spread.min)}-{fmt(spread.max)}]"
    return text


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines


def render_table(
    summaries: Sequence[VariantSummary],
    cases: Sequence[Case],
    *,
    runs: int,
    slack: int,
    scripted: bool,
) -> str:
    """The evaluation as text: one row per configuration, then one per configuration and step."""
    labelled = [c for c in cases if not c.clean]
    labels = sum(len(c.labels) for c in cases)
    head = [
        f"reviewbot eval: {len(cases)} cases ({len(labelled)} with {labels} labels, "
        f"{len(cases) - len(labelled)} clean), {runs} run{'s' * (runs != 1)}, "
        f"line slack {slack}"
    ]
    if scripted:
        head.append(f"*** {SCRIPTED_LABEL} ***")
    if runs > 1:
        head.append("figures: mean over the runs [min-max]")
    n = len(cases)
    rows = [["configuration", "recall", "precision", "FP rate", "cost/PR", "tokens/PR", "wall/PR"]]
    for s in summaries:
        figures = spreads(s.runs)
        rows.append(
            [
                s.variant.name + (" *" if s.variant.is_baseline else ""),
                _ratio(figures["recall"]),
                _ratio(figures["precision"]),
                _ratio(figures["false_positive_rate"]),
                _per_case(figures["cost_usd"], n, "$"),
                _per_case(figures["tokens"], n, ""),
                _per_case(figures["wall_s"], n, "s"),
            ]
        )
    step_rows = [
        [
            "configuration",
            "step",
            "recall",
            "precision",
            "FP rate",
            "cost/PR",
            "tokens/PR",
            "status (reviews)",
            "answered by",
        ]
    ]
    quiet_checks = False
    for s in summaries:
        for name, step in s.steps.items():
            if name in DETERMINISTIC_STEPS and not any(
                c.labelled_findings or c.clean_findings for c in step.runs
            ):
                quiet_checks = True  # a fixed check that found nothing: one note, not a row
                continue
            figures = spreads(step.runs)
            finds = name != CLASSIFY  # classify routes; it reports no findings
            statuses = ", ".join(f"{k} {v}" for k, v in sorted(step.statuses.items()))
            models = ", ".join(f"{m} {c}" for m, c in step.models.most_common())
            step_rows.append(
                [
                    s.variant.name,
                    name,
                    _ratio(figures["recall"]) if finds else "-",
                    _ratio(figures["precision"]) if finds else "-",
                    _ratio(figures["false_positive_rate"]) if finds else "-",
                    _per_case(figures["cost_usd"], n, "$"),
                    _per_case(figures["tokens"], n, ""),
                    statuses or "-",
                    models or "-",
                ]
            )
    notes = []
    if any(s.variant.is_baseline for s in summaries):
        notes.append("* baseline: the configuration's baseline model runs every step")
    if quiet_checks:
        notes.append(
            "a fixed check (secret scan, prompt-injection patterns) has a row only where it "
            "found something"
        )
    errors = sum(c.errors for s in summaries for c in s.runs)
    if errors:
        notes.append(f"{errors} review(s) broke: only their fixed checks' findings were scored")
    unpriced = sum(c.unpriced_calls for s in summaries for c in s.runs)
    if unpriced:
        notes.append(f"{unpriced} model call(s) have no known price: their cost is not counted")
    budget = sum(
        st.statuses.get("skipped: budget", 0) for s in summaries for st in s.steps.values()
    )
    if budget:
        notes.append(
            f"{budget} step run(s) were skipped by the budget: raise budget_usd to compare "
            "without it"
        )
    return (
        "\n".join(
            [*head, "", *_table(rows), "", *_table(step_rows), *(["", *notes] if notes else [])]
        )
        + "\n"
    )


def cost_per_case(summary: VariantSummary, cases: int) -> Spread:
    """The cost per case of ``summary`` (mean, min and max over the runs)."""
    s = summary.spread("cost_usd")
    n = max(cases, 1)
    return Spread(
        None if s.mean is None else s.mean / n,
        None if s.min is None else s.min / n,
        None if s.max is None else s.max / n,
        None if s.stdev is None else s.stdev / n,
        s.runs,
    )
