"""The results as a target table and markdown (bench/RESULTS.md)."""

from __future__ import annotations

from typing import Any

from bench.incremental import markdown_lines as incremental_lines

COMMAND = "python -m bench --write"


def _row(name: str, target: str, value: str, met: bool | None) -> dict[str, Any]:
    return {"figure": name, "target": target, "value": value, "met": met}


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target: figure, target, measured value, met."""
    par, cold = r["parallel"], r["parallel"]["cold"]
    small, big = r["action_1k"], r["action_100k"]
    gh300, rerun = r["github_300"], r["github_300_rerun"]
    cs, first = r["cold_start"], r["first_request"]
    cost = r["cost"]
    tokens = {t["name"].split(" (")[0]: t for t in r["tokens"]}
    amp = ", ".join(
        f"{k} {t['amplification']:.2f}x (no views {t['amplification_without_views']:.2f}x, "
        f"naive {t['amplification_naive']:.2f}x)"
        for k, t in tokens.items()
    )
    return [
        _row(
            f"Parallel efficiency, review calls {par['latency_s']:g} s (warm, median of "
            f"{par['runs']})",
            "<= 1.15",
            f"{par['ratio_median']:.3f} (max {par['ratio_max']:.3f})",
            par["ratio_median"] <= 1.15,
        ),
        _row(
            "Parallel efficiency, fresh process (SDK imports inside the run)",
            "<= 1.15",
            f"{cold['ratio']:.3f} by step windows; the review phase, counted from the instant "
            f"classify answered, is {cold['review_wall_s']:.2f} s = "
            f"{cold['review_wall_s'] / par['latency_s']:.2f}x the call latency because the "
            "vendor SDKs finish importing first (the fake classify answers at once; a real one "
            "takes longer than the imports); step starts "
            + ", ".join(f"{k} {v:.2f} s" for k, v in cold["starts_s"].items()),
            cold["ratio"] <= 1.15,
        ),
        _row(
            "Overhead, 1,000-line PR (action path, vendor latency 0)",
            "<= 0.3 s",
            f"{small['wall_s']:.3f} s",
            small["wall_s"] <= 0.3,
        ),
        _row(
            "Overhead, 100,000-line PR (action path, vendor latency 0)",
            "<= 3 s",
            f"{big['wall_s']:.2f} s",
            big["wall_s"] <= 3,
        ),
        _row(
            "Peak RSS, 100,000-line PR",
            "<= 300 MB",
            f"{big['maxrss_mb']:.0f} MB",
            big["maxrss_mb"] <= 300,
        ),
        _row(
            f"Cold start `reviewbot --version` (median of {cs['runs']})",
            "<= 0.35 s",
            f"{cs['median_s']:.3f} s (bare python {cs['python_bare_median_s']:.3f} s); "
            f"vendor SDKs imported: {', '.join(cs['vendor_sdks_imported']) or 'none'}",
            cs["median_s"] <= 0.35 and not cs["vendor_sdks_imported"],
        ),
        _row(
            "Process start to first vendor request (`reviewbot review`)",
            "(report)",
            f"{first['first_request_median_s']:.3f} s",
            None,
        ),
        _row(
            "GitHub API requests, 300-file PR (first run / re-run)",
            "<= 6",
            f"{gh300['github_total']} / {rerun['github_total']}",
            max(gh300["github_total"], rerun["github_total"]) <= 6,
        ),
        _row("Token amplification (prompt tokens / diff tokens)", "(report)", amp, None),
        _row(
            "Cost saving vs baseline over the example mix",
            ">= 60%",
            f"{cost['saving_pct']}% (${cost['cost_usd']:.4f} vs ${cost['baseline_usd']:.4f})",
            cost["saving_pct"] is not None and cost["saving_pct"] >= 60,
        ),
        *_incremental_rows(r),
    ]


def _incremental_rows(r: dict[str, Any]) -> list[dict[str, Any]]:
    if "incremental" not in r:
        return []
    inc = r["incremental"]
    a, b = inc["incremental"], inc["full"]
    return [
        _row(
            f"Incremental review, 2,000-line PR pushed {inc['pushes']} times: cost of the pushes "
            "vs full-review on each",
            "<= 20%",
            f"{inc['push_cost_ratio']:.1%} (${a['pushes_cost_usd']:.4f} vs "
            f"${b['pushes_cost_usd']:.4f}); GitHub requests {a['github_requests']} vs "
            f"{b['github_requests']} over all {inc['pushes'] + 1} runs",
            inc["push_cost_ratio"] <= 0.2,
        )
    ]


def _met(value: bool | None) -> str:
    return "n/a" if value is None else "met" if value else "**missed**"


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def markdown(r: dict[str, Any]) -> str:
    """The whole results page."""
    m = r["machine"]
    lines = [
        "# reviewbot benchmark results",
        "",
        f"Machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']} ({m['platform']}). "
        f"Runs per median: {r['runs']}. Bench wall time: {r['bench_wall_s']:.0f} s.",
        "",
        f"Reproduce: `{COMMAND}` (add `--quick` for a short run; `--runs N`, `--latency S`).",
        "Vendors and GitHub are the local fakes of `tests/fakeserver`; every vendor call is",
        "billed input = request body bytes / 4, output = 400 tokens (review) or 60 (classify).",
        "",
        "## Targets",
        "",
    ]
    lines += _table(
        ["figure", "target", "measured", ""],
        [[t["figure"], t["target"], t["value"], _met(t["met"])] for t in r["targets"]],
    )
    big, small = r["action_100k"], r["action_1k"]
    lines += ["", "## Overhead by stage (timed directly, seconds)", ""]
    stages = list(small["stages_s"])
    lines += _table(
        ["PR", *stages, "whole action run", "peak RSS"],
        [
            [
                name,
                *(f"{run['stages_s'][s]:.3f}" for s in stages),
                f"{run['wall_s']:.3f}",
                f"{run['maxrss_mb']:.0f} MB",
            ]
            for name, run in (("1,000 lines, 10 files", small), ("100,000 lines, 250 files", big))
        ],
    )
    lines += [
        "",
        "The whole action run is `run_action` in a fresh process after a warm-up run on a",
        "small PR (so imports are not counted; they are under cold start), vendor latency 0,",
        "against the fake GitHub (the 100,000-line PR is over GitHub's diff limit, so its diff",
        "is rebuilt from the files API).",
        "",
        "## GitHub API requests by endpoint",
        "",
    ]
    runs = {
        "1,000-line PR": small,
        "100,000-line PR (files API)": big,
        "300-file PR": r["github_300"],
        "300-file PR, re-run": r["github_300_rerun"],
    }
    endpoints = sorted({e for run in runs.values() for e in run["github_calls"]})
    lines += _table(
        ["endpoint", *runs],
        [[f"`{e}`", *(run["github_calls"].get(e, 0) for run in runs.values())] for e in endpoints]
        + [["**total**", *(run["github_total"] for run in runs.values())]],
    )
    lines += ["", "## Tokens", ""]
    lines += _table(
        ["PR", "diff tokens", "prompt tokens by step", "amplification", "without views", "naive"],
        [
            [
                t["name"],
                t["diff_tokens"],
                ", ".join(f"{k} {v}" for k, v in t["steps"].items()),
                f"{t['amplification']:.2f}x",
                f"{t['amplification_without_views']:.2f}x",
                f"{t['amplification_naive']:.2f}x",
            ]
            for t in r["tokens"]
        ],
    )
    lines += [
        "",
        "Diff tokens: the PR's diff bytes / 4. *Without views*: the same steps, each sent every",
        "reviewed file. *Naive*: all three review steps sent the whole diff, no classify step.",
        "",
        "## Cost of the bundled examples (default config, built-in prices)",
        "",
    ]
    cost = r["cost"]
    lines += _table(
        ["example", "classification", "models", "cost", "baseline", "saving"],
        [
            [
                e["example"],
                e["classification"],
                "; ".join(f"{k}: {v}" for k, v in e["steps"].items()),
                f"${e['cost_usd']:.4f}",
                f"${e['baseline_usd']:.4f}",
                f"{e['saving_pct']}%",
            ]
            for e in cost["examples"]
        ]
        + [
            [
                "**mix**",
                "",
                "",
                f"${cost['cost_usd']:.4f}",
                f"${cost['baseline_usd']:.4f}",
                f"**{cost['saving_pct']}%**",
            ]
        ],
    )
    lines += [
        "",
        "Baseline: `anthropic:claude-opus-4-7` running security, quality and docs, each on the",
        "whole reviewed diff (same prompts, 400 output tokens each). Model classifications are",
        "what the fake classifier was told to answer (bench/engine.py EXAMPLE_CLASSES).",
        "",
        "## Review time by PR size (in process, vendor latency 0)",
        "",
    ]
    sz = r["sizes"]
    rows = [
        [
            g["name"],
            g["diff_kb"],
            f"{g['reviewed']}/{g['files']}",
            g["class"],
            ", ".join(g["steps_run"]) or "-",
            ", ".join(f"{k}: {v}" for k, v in g["steps_skipped"].items() if k != "classify") or "-",
            g["prompt_tokens"],
            f"${g['cost_usd']:.4f}",
            f"{g['wall_median_s']:.3f}",
        ]
        for g in sz["generated"] + sz["real"]
    ]
    lines += _table(
        [
            "diff",
            "KB",
            "reviewed/files",
            "class",
            "steps run",
            "skipped",
            "prompt tokens",
            "cost",
            "wall s",
        ],
        rows,
    )
    if sz["real_skipped"]:
        lines += ["", "(tests/data/realdata/diffs not found: real diffs skipped.)"]
    if "incremental" in r:
        lines += incremental_lines(r["incremental"])
    cs = r["cold_start"]
    lines += [
        "",
        "## Cold start: largest imports of `reviewbot --version`",
        "",
        ", ".join(f"`{n}` {ms} ms" for n, ms in cs["top_imports_ms"]),
        "",
    ]
    return "\n".join(lines) + "\n"
