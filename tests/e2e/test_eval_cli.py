"""``python -m reviewbot eval`` as a subprocess on the starter corpus: scripted without keys, and
the same command with keys set, against the vendor protocol fakes (the live code path)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewbot.eval.scripted import SCRIPTED_LABEL
from tests.fakeserver.base import Recorded, Reply
from tests.fakeserver.vendors import ROUTES, VendorFakes, success_body, vendor_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "eval" / "corpus"
ROUTED = ROOT / "eval" / "configs" / "routed.yml"
NS = {"svg": "http://www.w3.org/2000/svg"}


def _run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reviewbot", "eval", *args],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **(env or {})},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _points(svg: Path) -> dict[str, ET.Element]:
    root = ET.parse(svg).getroot()
    return {p.get("data-name") or "": p for p in root.findall(".//svg:g[@class='point']", NS)}


def test_the_starter_corpus_runs_end_to_end_without_keys(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = _run(
        tmp_path, "--corpus", str(CORPUS), "--config", str(ROUTED), "--baseline", "--out", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert f"*** {SCRIPTED_LABEL} ***" in proc.stdout
    assert "no vendor key is set" in proc.stderr
    rows = [line.split("  ")[0] for line in proc.stdout.splitlines()]
    assert "routed" in rows and "baseline anthropic:claude-opus-4-7 *" in rows
    report = json.loads((out / "eval.json").read_text())
    assert report["mode"] == "scripted" and report["label"] == SCRIPTED_LABEL
    assert report["corpus"]["cases"] == len(list(CORPUS.rglob("pr.diff")))
    assert report["corpus"]["clean"] >= report["corpus"]["labelled"] >= 9
    routed, baseline = report["configurations"]
    assert (routed["name"], routed["baseline"], baseline["baseline"]) == ("routed", False, True)
    # The routed configuration's prompts cost less than the same prompts on the baseline.
    assert routed["summary"]["cost_usd"]["mean"] < baseline["summary"]["cost_usd"]["mean"]
    points = _points(out / "eval.svg")
    assert set(points) == {"routed", "baseline anthropic:claude-opus-4-7"}
    assert points["baseline anthropic:claude-opus-4-7"].get("data-baseline") == "true"
    assert float(points["routed"].get("data-cost") or 0) == pytest.approx(
        routed["summary"]["cost_usd_per_case"]["mean"], rel=1e-3
    )
    converter = shutil.which("rsvg-convert")
    if converter:  # the plot opens as an image
        subprocess.run([converter, str(out / "eval.svg"), "-o", str(out / "eval.png")], check=True)
        assert (out / "eval.png").read_bytes()[:4] == b"\x89PNG"


def test_every_starter_label_survives_the_pipeline_with_the_answer_key(tmp_path: Path) -> None:
    """The answer key replies with each case's labels: if recall is not 1.0, some label points
    at a line the pipeline cannot anchor a finding to."""
    out = tmp_path / "out"
    script = ROOT / "eval" / "scripts" / "answer-key.yml"
    proc = _run(tmp_path, "--corpus", str(CORPUS), "--script", str(script), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    (config,) = json.loads((out / "eval.json").read_text())["configurations"]
    summary = config["summary"]
    assert summary["recall"]["mean"] == 1.0
    assert summary["precision"]["mean"] == 1.0
    assert summary["false_positive_rate"]["mean"] == 0.0
    assert all(not case["missed"] for case in config["cases"])


# ---------------------------------------------------------------- keys set: the live path

XSS_CASE = "vulnerable/S3_werkzeug_CVE-2016-10516_xss"
XSS_FINDING = {
    "path": "werkzeug/debug/tbtools.py",
    "line": 361,
    "end_line": None,
    "severity": "high",
    "category": "CWE-79 xss",
    "title": "Traceback text rendered without escaping",
    "body": "An exception message reaches the debugger page unescaped.",
    "suggestion": None,
}


def _vendor(vendor: str) -> Any:
    """Answer like a model would: a classification, or a review that flags the XSS."""

    def handle(req: Recorded, match: re.Match[str]) -> Reply:
        text = req.text
        if '"change_type"' in text:
            reply: dict[str, Any] = {"change_type": "feature", "risk": "medium", "rationale": "r"}
        elif "security reviewer" in text and "tbtools.py" in text:
            reply = {"summary": "One XSS.", "findings": [XSS_FINDING]}
        else:
            reply = {"summary": "Nothing.", "findings": []}
        model = match.group("model") if vendor == "google" else (req.json or {}).get("model")
        return Reply(200, success_body(vendor, json.dumps(reply), model=model))

    return handle


@pytest.fixture(scope="module")
def vendors() -> Iterator[VendorFakes]:
    fakes = VendorFakes()
    for vendor, pattern in ROUTES.items():
        fakes.server.route("POST", pattern, _vendor(vendor))
    yield fakes
    fakes.close()


def test_with_keys_the_same_command_calls_the_vendors(tmp_path: Path, vendors: VendorFakes) -> None:
    out = tmp_path / "out"
    args = ["--corpus", str(CORPUS), "--config", str(ROUTED), "--baseline", "--out", str(out)]
    cases = ["--case", XSS_CASE, "--case", "clean/14_docs_only_readme"]
    proc = _run(tmp_path, *args, *cases, env=vendor_env(vendors))
    assert proc.returncode == 0, proc.stderr
    assert "scripted" not in proc.stdout + proc.stderr
    assert "reviews with real vendors" in proc.stderr
    report = json.loads((out / "eval.json").read_text())
    assert (report["mode"], report["label"]) == ("live", None)
    served = {v: len(vendors.requests_for(v)) for v in ROUTES}
    assert served["anthropic"] >= 2  # security: sonnet (routed) and opus (baseline)
    for config in report["configurations"]:
        summary = config["summary"]
        assert summary["recall"]["mean"] == 1.0, config["name"]
        assert summary["precision"]["mean"] == 1.0
        assert summary["false_positive_rate"]["mean"] == 0.0
        assert summary["cost_usd"]["mean"] > 0
        models = config["steps"]["security"]["models"]
        expected = (
            "anthropic:claude-opus-4-7" if config["baseline"] else "anthropic:claude-sonnet-4-6"
        )
        assert models == {expected: 1}
    points = _points(out / "eval.svg")
    assert all(p.get("data-recall") == "1.0000" for p in points.values())
    assert SCRIPTED_LABEL not in (out / "eval.svg").read_text()
