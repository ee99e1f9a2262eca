"""Charts drawn on the server as inline SVG: they need no script, no CDN and no inline
style (the page's Content-Security-Policy forbids both), and read as tables to a screen
reader through their title, description and the data table printed beside each.

Every chart has axes with ticks, the unit in the axis title and a legend; colours come
from a palette that stays apart for the common kinds of colour blindness."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7a7a00")
WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 58


@dataclass(frozen=True)
class Series:
    """One named row of values, one per category (None: no value there)."""

    name: str
    values: Sequence[float | None]


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top``."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(math.ceil(top / step - 1e-9) + 1)]


def _number(value: float) -> str:
    return f"{value:g}" if value == int(value) or abs(value) >= 10 else f"{value:.2g}"


def _frame(title: str, description: str, y_title: str, ticks: list[float],
           categories: Sequence[str], x_title: str) -> tuple[list[str], float, float]:
    """The SVG opening, the grid and both axes; returns parts, plot width and height."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    key = hashlib.sha1(title.encode()).hexdigest()[:8]  # ids unique on a page of charts
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="t-{key} d-{key}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="t-{key}">{escape(title)}</title>',
        f'<desc id="d-{key}">{escape(description)}</desc>',
    ]
    top = ticks[-1]
    for tick in ticks:
        y = TOP + plot_h - plot_h * tick / top
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     'stroke="#d8d8d8" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11" fill="#333">{_number(tick)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" '
                 'stroke="#333"/>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" '
                 f'y2="{TOP + plot_h}" stroke="#333"/>')
    parts.append(f'<text transform="translate(12 {TOP + plot_h / 2:.0f}) rotate(-90)" '
                 f'text-anchor="middle" font-size="11" fill="#333">{escape(y_title)}</text>')
    step = max(1, math.ceil(len(categories) / 12))
    band = plot_w / max(1, len(categories))
    for index, category in enumerate(categories):
        if index % step:
            continue
        x = LEFT + band * (index + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="middle" '
                     f'font-size="10" fill="#333">{escape(category)}</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{TOP + plot_h + 30}" '
                 f'text-anchor="middle" font-size="11" fill="#333">{escape(x_title)}</text>')
    return parts, plot_w, plot_h


def _describe(categories: Sequence[str], series: Sequence[Series]) -> str:
    """The chart's data in words, for its <desc> (what a screen reader reads)."""
    return "; ".join(
        f"{s.name}: " + ", ".join(f"{c} {'none' if v is None else _number(v)}" for c, v in zip(
            categories, s.values, strict=True)) for s in series)


def _legend(series: Sequence[Series], marker: str) -> list[str]:
    parts, x = [], LEFT
    y = HEIGHT - 12
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        if marker == "line":
            parts.append(f'<line x1="{x}" x2="{x + 16}" y1="{y - 4}" y2="{y - 4}" '
                         f'stroke="{colour}" stroke-width="3"/>')
        else:
            parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" '
                         f'fill="{colour}"/>')
        parts.append(f'<text x="{x + 20}" y="{y}" font-size="11" fill="#222">'
                     f'{escape(one.name)}</text>')
        x += 30 + 7 * len(one.name)
    return parts


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series], *,
              y_title: str, x_title: str = "month", stacked: bool = False) -> Markup:
    """Grouped (or stacked) vertical bars, one group per category."""
    totals = [sum((s.values[i] or 0) for s in series) if stacked
              else max([(s.values[i] or 0) for s in series], default=0)
              for i in range(len(categories))]
    ticks = nice_ticks(max(totals, default=0))
    description = _describe(categories, series)
    parts, plot_w, plot_h = _frame(title, description, y_title, ticks, categories, x_title)
    band = plot_w / max(1, len(categories))
    scale = plot_h / ticks[-1]
    width = band * 0.7 if stacked else band * 0.7 / max(1, len(series))
    for i, category in enumerate(categories):
        base = TOP + plot_h
        for j, one in enumerate(series):
            value = one.values[i] or 0
            colour = PALETTE[j % len(PALETTE)]
            height = value * scale
            if stacked:
                x, y = LEFT + band * i + band * 0.15, base - height
                base -= height
            else:
                x, y = LEFT + band * i + band * 0.15 + width * j, TOP + plot_h - height
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                         f'height="{height:.1f}" fill="{colour}"><title>'
                         f'{escape(category)} {escape(one.name)}: {_number(value)}</title></rect>')
    parts += _legend(series, "bar")
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(title: str, categories: Sequence[str], series: Sequence[Series], *,
               y_title: str, x_title: str = "month", top: float | None = None) -> Markup:
    """Lines over the categories; a missing value breaks its line."""
    values = [v for s in series for v in s.values if v is not None]
    ticks = nice_ticks(top if top is not None else max(values, default=0))
    description = _describe(categories, series)
    parts, plot_w, plot_h = _frame(title, description, y_title, ticks, categories, x_title)
    band = plot_w / max(1, len(categories))
    scale = plot_h / ticks[-1]
    for j, one in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        runs: list[list[str]] = [[]]
        for i, value in enumerate(one.values):
            if value is None:
                runs.append([])
                continue
            x, y = LEFT + band * (i + 0.5), TOP + plot_h - value * scale
            runs[-1].append(f"{x:.1f},{y:.1f}")
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                         f'{escape(categories[i])} {escape(one.name)}: {_number(value)}'
                         '</title></circle>')
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" '
                             f'stroke="{colour}" stroke-width="2"/>')
    parts += _legend(series, "line")
    parts.append("</svg>")
    return Markup("".join(parts))


def meter(label: str, value: float | None, bound: float | None, unit: str) -> Markup:
    """One horizontal bar: ``value`` of ``bound`` (e.g. active mentees of capacity)."""
    value, bound = value or 0, bound or 0
    share = 0.0 if bound <= 0 else min(1.0, value / bound)
    text = f"{_number(value)} of {_number(bound)} {unit}"
    return Markup(
        f'<svg class="meter" viewBox="0 0 200 14" role="img" aria-label="{escape(label)}: '
        f'{escape(text)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}: '
        f'{escape(text)}</title><rect x="0" y="0" width="200" height="14" fill="#e6e6e6"/>'
        f'<rect x="0" y="0" width="{200 * share:.1f}" height="14" '
        f'fill="{PALETTE[2] if share < 0.9 else PALETTE[5]}"/></svg>')
