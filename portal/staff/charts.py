"""Server-rendered SVG charts for the console: geometry here, markup in ``staff/chart_macros.html``.

No JavaScript and no build step: a chart is a few polylines or bars computed from numbers the
page already has. Each series differs by line style and marker shape as well as colour, every
bar carries its value as text, and the page shows the same numbers as a table, so no chart
depends on colour or on sight alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 44
MAX_X_LABELS = 8
STEPS = 4  # grid lines above zero, about
# Each series: a stroke colour (also told apart without colour by dash and marker).
STYLES = (
    {"colour": "#5b21b6", "dash": "", "marker": "circle"},
    {"colour": "#b45309", "dash": "6 4", "marker": "square"},
    {"colour": "#0f766e", "dash": "2 3", "marker": "triangle"},
)


def nice_ceiling(value: float) -> int:
    """The smallest whole 1, 2 or 5 × 10ⁿ at or above ``value`` (an axis step that reads well)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


@dataclass
class Line:
    name: str
    values: list[float]
    points: str = ""
    markers: list[tuple[float, float, float]] = field(default_factory=list)  # (x, y, value)
    colour: str = ""
    dash: str = ""
    marker: str = ""


@dataclass
class LineChart:
    lines: list[Line]
    labels: list[str]
    ticks: list[tuple[float, float]]  # (y, value)
    x_labels: list[tuple[float, str]]
    zero_y: float
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def line_chart(labels: list[str], series: list[tuple[str, list[float]]]) -> LineChart:
    """Lines over the same x labels; the y axis spans 0 (or the lowest negative value) to a nice maximum."""
    values = [v for _, vs in series for v in vs] or [0]
    # Four whole-number steps of a round size above and (if any value is negative) below zero.
    step_up = nice_ceiling(max(max(values), 1) / STEPS)
    step_down = nice_ceiling(-min(values) / STEPS) if min(values) < 0 else 0
    step = max(step_up, step_down)
    high = step * math.ceil(max(max(values), 1) / step)
    low = -step * math.ceil(-min(values) / step) if min(values) < 0 else 0
    plot_w, plot_h = WIDTH - RIGHT - LEFT, HEIGHT - BOTTOM - TOP
    count = max(len(labels), 1)

    def x(i: int) -> float:
        return round(LEFT + (plot_w * (i + 0.5) / count), 1)

    def y(v: float) -> float:
        return round(TOP + plot_h * (high - v) / (high - low), 1)

    lines = []
    for n, (name, vs) in enumerate(series):
        style = STYLES[n % len(STYLES)]
        coords = [(x(i), y(v), v) for i, v in enumerate(vs)]
        lines.append(Line(name, list(vs), " ".join(f"{cx},{cy}" for cx, cy, _ in coords),
                          coords if len(coords) <= 62 else [], style["colour"], style["dash"], style["marker"]))
    ticks = [(y(value), value) for value in range(int(low), int(high) + 1, int(step))]
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    x_labels = [(x(i), label) for i, label in enumerate(labels) if i % every == 0]
    return LineChart(lines, labels, ticks, x_labels, y(0))


@dataclass
class Bar:
    label: str
    value: int
    y: float
    width: float
    pattern: int


@dataclass
class BarChart:
    bars: list[Bar]
    height: int
    bar_height: int = 24
    label_width: int = 150
    width: int = WIDTH


def bar_chart(items: list[tuple[str, int]]) -> BarChart:
    """Horizontal bars, one per item, each with its label at the left and its value at its end."""
    top = max([value for _, value in items] or [0]) or 1
    room = WIDTH - 150 - 80
    bars = [
        Bar(label, value, 8 + n * 34, round(room * max(value, 0) / top, 1), n % 4)
        for n, (label, value) in enumerate(items)
    ]
    return BarChart(bars, 16 + 34 * len(items))
