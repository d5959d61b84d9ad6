"""The evaluation's plot, written by hand as SVG: cost per PR (x) against recall (y).

One point per configuration (a circle; the baseline a diamond), with whiskers from the lowest
to the highest value over the runs. Up and to the left is better: more found for less money.
Every point is a ``<g class="point">`` whose ``data-*`` attributes carry its figures, so a
test (or a script) can read the plot back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 760, 500
LEFT, RIGHT, TOP, BOTTOM = 80, 220, 78, 62
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
COLOURS = ("#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
BASELINE_COLOUR = "#d62728"
CHAR_W = 7.0  # a generous width of one character at font-size 12
FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


@dataclass(frozen=True, slots=True)
class Point:
    """One configuration on the plot (``*_lo``/``*_hi``: the range over the runs)."""

    name: str
    cost: float
    recall: float | None
    baseline: bool = False
    cost_lo: float | None = None
    cost_hi: float | None = None
    recall_lo: float | None = None
    recall_hi: float | None = None


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (0 to 1 when ``top`` is not positive)."""
    if not top > 0 or not math.isfinite(top):
        top = 1.0
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top - 1e-12:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks


def _money(value: float, step: float) -> str:
    decimals = max(0, min(6, -math.floor(math.log10(step)) + (1 if step * 10 % 10 else 0)))
    return f"${value:.{decimals}f}"


def render_svg(points: Sequence[Point], *, title: str, subtitle: str, warning: str = "") -> str:
    """The plot as an SVG document (UTF-8 text)."""
    plotted = [p for p in points if p.recall is not None]
    top_cost = max((max(p.cost, p.cost_hi or 0.0) for p in plotted), default=0.0)
    xticks = nice_ticks(top_cost * 1.08 if top_cost > 0 else 0.01)
    x_max = xticks[-1]
    step = xticks[1] - xticks[0] if len(xticks) > 1 else x_max

    def x(cost: float) -> float:
        return LEFT + PLOT_W * (cost / x_max if x_max else 0.0)

    def y(recall: float) -> float:
        return TOP + PLOT_H * (1.0 - recall)

    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="title">',
        f'<title id="title">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="28" font-size="17" font-weight="bold" {FONT}>{escape(title)}</text>',
        f'<text x="{LEFT}" y="48" font-size="12" fill="#444444" {FONT}>{escape(subtitle)}</text>',
    ]
    if warning:
        out.append(
            f'<text class="warning" x="{LEFT}" y="66" font-size="13" font-weight="bold" '
            f'fill="{BASELINE_COLOUR}" {FONT}>{escape(warning)}</text>'
        )
    # Grid and axes.
    out.append('<g class="grid" stroke="#e5e5e5" stroke-width="1">')
    for tick in xticks:
        out.append(f'<line x1="{x(tick):.2f}" y1="{TOP}" x2="{x(tick):.2f}" y2="{TOP + PLOT_H}"/>')
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(
            f'<line x1="{LEFT}" y1="{y(tick):.2f}" x2="{LEFT + PLOT_W}" y2="{y(tick):.2f}"/>'
        )
    out.append("</g>")
    out.append(
        f'<g class="axes" stroke="#333333" stroke-width="1.2">'
        f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}"/></g>'
    )
    out.append(f'<g class="ticks" font-size="11" fill="#333333" {FONT}>')
    for tick in xticks:
        out.append(
            f'<text x="{x(tick):.2f}" y="{TOP + PLOT_H + 17}" text-anchor="middle">'
            f"{escape(_money(tick, step))}</text>"
        )
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        out.append(
            f'<text x="{LEFT - 8}" y="{y(tick) + 4:.2f}" text-anchor="end">{tick:.2f}</text>'
        )
    out.append("</g>")
    out.append(
        f'<text x="{LEFT + PLOT_W / 2:.1f}" y="{HEIGHT - 18}" font-size="13" text-anchor="middle" '
        f"{FONT}>cost per PR (USD)</text>"
    )
    out.append(
        f'<text x="22" y="{TOP + PLOT_H / 2:.1f}" font-size="13" text-anchor="middle" '
        f'transform="rotate(-90 22 {TOP + PLOT_H / 2:.1f})" {FONT}>recall (labels found)</text>'
    )
    # Points, whiskers and labels; labels are nudged down so that none overlaps another.
    placed: list[tuple[float, float, float]] = []  # x, y, width of each label
    colour_index = 0
    for point in plotted:
        assert point.recall is not None
        if point.baseline:
            colour = BASELINE_COLOUR
        else:
            colour = COLOURS[colour_index % len(COLOURS)]
            colour_index += 1
        px, py = x(point.cost), y(point.recall)
        attrs = {
            "class": "point",
            "data-name": point.name,
            "data-cost": f"{point.cost:.6f}",
            "data-recall": f"{point.recall:.4f}",
            "data-baseline": "true" if point.baseline else "false",
            "data-x": f"{px:.2f}",
            "data-y": f"{py:.2f}",
        }
        out.append("<g " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + ">")
        out.append(
            f"<title>{escape(point.name)}: recall {point.recall:.2f}, "
            f"{escape(_money(point.cost, step / 100))} per PR</title>"
        )
        if point.recall_lo is not None and point.recall_hi is not None:
            out.append(
                f'<line class="whisker" x1="{px:.2f}" y1="{y(point.recall_lo):.2f}" '
                f'x2="{px:.2f}" y2="{y(point.recall_hi):.2f}" stroke="{colour}"/>'
            )
        if point.cost_lo is not None and point.cost_hi is not None:
            out.append(
                f'<line class="whisker" x1="{x(point.cost_lo):.2f}" y1="{py:.2f}" '
                f'x2="{x(point.cost_hi):.2f}" y2="{py:.2f}" stroke="{colour}"/>'
            )
        if point.baseline:
            r = 8
            out.append(
                f'<polygon class="marker baseline" points="{px:.2f},{py - r:.2f} '
                f'{px + r:.2f},{py:.2f} {px:.2f},{py + r:.2f} {px - r:.2f},{py:.2f}" '
                f'fill="{colour}" stroke="#000000" stroke-width="1"/>'
            )
        else:
            out.append(
                f'<circle class="marker" cx="{px:.2f}" cy="{py:.2f}" r="6" fill="{colour}" '
                f'stroke="#000000" stroke-width="1"/>'
            )
        name = point.name + (
            " (baseline)" if point.baseline and "baseline" not in point.name else ""
        )
        # Above the point in the lower half, below it in the upper half; to its left when the
        # text would run past the plot (into the legend); nudged away from labels placed.
        width = CHAR_W * len(name)
        fits_right = px + 10 + width <= LEFT + PLOT_W
        fits_left = px - 10 - width >= LEFT
        anchor, lx = ("end", px - 10) if fits_left and not fits_right else ("start", px + 10)
        direction = -1 if point.recall < 0.5 else 1
        ly = py - 10 if direction < 0 else py + 20
        left = lx if anchor == "start" else lx - width
        while any(
            abs(ly - oy) < 14 and left < ox + ow and ox < left + width for ox, oy, ow in placed
        ):
            ly += 14 * direction
        placed.append((left, ly, width))
        out.append(
            f'<text class="label" x="{lx:.2f}" y="{ly:.2f}" font-size="12" fill="{colour}" '
            f'text-anchor="{anchor}" {FONT}>{escape(name)}</text>'
        )
        out.append("</g>")
    # Legend.
    lx, ly = LEFT + PLOT_W + 24, TOP + 10
    out.append(f'<g class="legend" font-size="12" {FONT}>')
    out.append(f'<circle cx="{lx}" cy="{ly}" r="6" fill="{COLOURS[0]}" stroke="#000000"/>')
    out.append(f'<text x="{lx + 14}" y="{ly + 4}">configuration</text>')
    out.append(
        f'<polygon points="{lx},{ly + 16} {lx + 8},{ly + 24} {lx},{ly + 32} {lx - 8},{ly + 24}" '
        f'fill="{BASELINE_COLOUR}" stroke="#000000"/>'
    )
    out.append(f'<text x="{lx + 14}" y="{ly + 28}">baseline (one model)</text>')
    out.append(f'<text x="{lx - 8}" y="{ly + 56}" fill="#444444">better: up and left</text>')
    if any(p.recall_lo is not None for p in plotted):
        out.append(f'<text x="{lx - 8}" y="{ly + 74}" fill="#444444">whiskers: min-max</text>')
        out.append(f'<text x="{lx - 8}" y="{ly + 90}" fill="#444444">over the runs</text>')
    missing = [p.name for p in points if p.recall is None]
    if missing:
        out.append(f'<text x="{lx - 8}" y="{ly + 112}" fill="#444444">no labels: recall n/a</text>')
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
