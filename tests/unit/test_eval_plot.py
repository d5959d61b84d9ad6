"""The hand-written SVG plot: valid XML, one point per configuration where its figures say."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reviewbot.eval.plot import LEFT, PLOT_H, PLOT_W, TOP, Point, nice_ticks, render_svg

NS = {"svg": "http://www.w3.org/2000/svg"}


def _points(svg: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") and root.get("viewBox")
    return root.findall(".//svg:g[@class='point']", NS)


def _svg(points: list[Point], warning: str = "") -> str:
    return render_svg(points, title="t", subtitle="s", warning=warning)


def test_every_configuration_is_a_point_where_its_figures_put_it() -> None:
    svg = _svg(
        [
            Point("routed", 0.02, 0.8),
            Point("small", 0.005, 0.5),
            Point("baseline anthropic:claude-opus-4-7", 0.06, 0.9, baseline=True),
        ]
    )
    points = {p.get("data-name"): p for p in _points(svg)}
    assert list(points) == ["routed", "small", "baseline anthropic:claude-opus-4-7"]
    xs = {name: float(p.get("data-x") or 0) for name, p in points.items()}
    ys = {name: float(p.get("data-y") or 0) for name, p in points.items()}
    # Cheaper is left, more recall is up (SVG's y grows downwards).
    assert xs["small"] < xs["routed"] < xs["baseline anthropic:claude-opus-4-7"]
    assert ys["baseline anthropic:claude-opus-4-7"] < ys["routed"] < ys["small"]
    for name, point in points.items():
        recall = float(point.get("data-recall") or 0)
        assert ys[name] == pytest.approx(TOP + PLOT_H * (1 - recall), abs=0.01)
        assert LEFT <= xs[name] <= LEFT + PLOT_W
        marker = point.find("svg:circle", NS)
        diamond = point.find("svg:polygon", NS)
        if name.startswith("baseline"):
            assert point.get("data-baseline") == "true" and diamond is not None and marker is None
        else:
            assert point.get("data-baseline") == "false" and marker is not None
            assert float(marker.get("cx") or 0) == pytest.approx(xs[name], abs=0.01)
        label = point.find("svg:text", NS)
        assert label is not None and (label.text or "").startswith(name)


def test_names_are_escaped_and_the_warning_shown() -> None:
    svg = _svg([Point('a & <b> "c"', 0.01, 0.5)], warning="scripted: not a measurement")
    (point,) = _points(svg)
    assert point.get("data-name") == 'a & <b> "c"'
    root = ET.fromstring(svg)
    warning = root.find(".//svg:text[@class='warning']", NS)
    assert warning is not None and warning.text == "scripted: not a measurement"


def test_runs_draw_whiskers_and_degenerate_figures_still_plot() -> None:
    svg = _svg(
        [
            Point("a", 0.0, 0.0, cost_lo=0.0, cost_hi=0.0, recall_lo=0.0, recall_hi=0.0),
            Point("b", 0.0, 1.0, recall_lo=0.5, recall_hi=1.0),
            Point("no labels", 0.1, None),
        ]
    )
    points = _points(svg)
    assert [p.get("data-name") for p in points] == ["a", "b"]  # recall n/a: not plotted
    assert len(points[1].findall("svg:line[@class='whisker']", NS)) == 1
    assert "no labels: recall n/a" in svg


def test_nice_ticks() -> None:
    assert nice_ticks(1.0) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ticks = nice_ticks(0.0432)
    assert ticks[0] == 0 and ticks[-1] >= 0.0432 and len(ticks) <= 7
    assert nice_ticks(0) == nice_ticks(1.0)


def test_the_plot_converts_to_an_image(tmp_path: Path) -> None:
    converter = shutil.which("rsvg-convert")
    if converter is None:
        pytest.skip("rsvg-convert is not installed (apt-get install librsvg2-bin)")
    svg = tmp_path / "eval.svg"
    svg.write_text(_svg([Point("routed", 0.02, 0.8), Point("base", 0.06, 0.9, baseline=True)]))
    subprocess.run([converter, str(svg), "-o", str(tmp_path / "eval.png")], check=True)
    assert (tmp_path / "eval.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
