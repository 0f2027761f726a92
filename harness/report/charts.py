"""Inline SVG charts for every HTML page (bar and line): no script, no CDN, they draw offline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

PALETTE = ("#2f6db5", "#3a9a5b", "#d08a2e", "#8a5cc2", "#c2453d", "#6b7785")


def bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
              title: str, width: int = 760, bar_height: int = 14, label_width: int = 220,
              chart_id: str = "") -> str:
    """A horizontal grouped-by-row stacked bar chart.

    :param labels: one per row (a school, a tool, a phase).
    :param series: (legend text, one value per row) — stacked left to right.
    """
    rows = len(labels)
    legend_h = 22
    height = legend_h + rows * (bar_height + 6) + 10
    totals = [sum(values[i] for _, values in series) for i in range(rows)]
    top = max(totals, default=0) or 1
    scale = (width - label_width - 60) / top
    parts = [f'<svg class="chart" id="{escape(chart_id)}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    x = label_width
    for k, (name, _) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        parts.append(f'<rect class="legend" x="{x}" y="4" width="12" height="12" '
                     f'fill="{color}"/><text x="{x + 16}" y="14" font-size="11">'
                     f'{escape(name)}</text>')
        x += 16 + 8 * len(name) + 18
    for i, label in enumerate(labels):
        y = legend_h + i * (bar_height + 6)
        parts.append(f'<text x="{label_width - 6}" y="{y + bar_height - 3}" font-size="11" '
                     f'text-anchor="end">{escape(label)}</text>')
        offset = float(label_width)
        for k, (name, values) in enumerate(series):
            w = values[i] * scale
            if w <= 0:
                continue
            parts.append(f'<rect class="bar" x="{offset:.1f}" y="{y}" width="{w:.1f}" '
                         f'height="{bar_height}" fill="{PALETTE[k % len(PALETTE)]}">'
                         f'<title>{escape(label)} {escape(name)}: {values[i]:g}</title></rect>')
            offset += w
        parts.append(f'<text x="{offset + 4:.1f}" y="{y + bar_height - 3}" font-size="10" '
                     f'fill="#444">{totals[i]:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(xs: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *,
               title: str, width: int = 760, height: int = 220, chart_id: str = "") -> str:
    """A line chart over time: one line per series, one point per x (e.g. holds by kind
    at each preview). A single point draws as dots."""
    left, right, top_pad, bottom = 44, 150, 14, 36
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((v for _, values in series for v in values), default=0) or 1
    n = len(xs)

    def x_at(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top_pad + plot_h - plot_h * v / top

    parts = [f'<svg class="chart line" id="{escape(chart_id)}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" '
             f'y2="{top_pad + plot_h}" stroke="#999"/>',
             f'<text x="{left - 6}" y="{top_pad + 4}" font-size="10" text-anchor="end">'
             f'{top:g}</text><text x="{left - 6}" y="{top_pad + plot_h}" font-size="10" '
             f'text-anchor="end">0</text>']
    for i, label in enumerate(xs):
        parts.append(f'<text x="{x_at(i):.1f}" y="{height - bottom + 16}" font-size="10" '
                     f'text-anchor="middle">{escape(label)}</text>')
    for k, (name, values) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in enumerate(values))
        if n > 1:
            parts.append(f'<polyline class="series" fill="none" stroke="{color}" '
                         f'stroke-width="2" points="{points}"><title>{escape(name)}</title>'
                         f'</polyline>')
        for i, v in enumerate(values):
            parts.append(f'<circle cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="3" fill="{color}">'
                         f'<title>{escape(name)} {escape(xs[i])}: {v:g}</title></circle>')
        ly = top_pad + 14 * k
        parts.append(f'<rect class="legend" x="{width - right + 10}" y="{ly}" width="10" '
                     f'height="10" fill="{color}"/><text x="{width - right + 24}" y="{ly + 9}" '
                     f'font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def timeline_chart(start: str, end: str, marks: Sequence[tuple[str, str, bool]], *,
                   title: str, width: int = 760, chart_id: str = "") -> str:
    """A time line from ``start`` to ``end`` (ISO dates) with one marker per mark
    ``(iso date, label, passed)``; a passed mark is grey. Marks outside the span sit at its
    ends. Labels take turns on four rows, two above and two below the line, so that near
    neighbours do not overlap."""
    left, right, height, mid = 20, 20, 150, 75
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    span = max((b - a).days, 1)

    def x_at(day: str) -> float:
        d = (dt.date.fromisoformat(day) - a).days
        return left + (width - left - right) * min(max(d, 0), span) / span

    parts = [f'<svg class="chart timeline" id="{escape(chart_id)}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<line x1="{left}" y1="{mid}" x2="{width - right}" y2="{mid}" stroke="#555" '
             f'stroke-width="2"/>']
    for i, (day, label, passed) in enumerate(marks):
        x = x_at(day)
        color = "#999" if passed else PALETTE[0]
        y = mid + (-14, 24, -32, 42)[i % 4]
        anchor = "start" if x < width / 3 else "end" if x > 2 * width / 3 else "middle"
        parts.append(f'<circle class="mark" cx="{x:.1f}" cy="{mid}" r="5" fill="{color}">'
                     f'<title>{escape(day)} {escape(label)}</title></circle>'
                     f'<text x="{x:.1f}" y="{y}" font-size="11" text-anchor="{anchor}" '
                     f'fill="{color}">{escape(day[5:])} {escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
