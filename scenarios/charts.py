"""Inline SVG bar charts for the rehearsal report: no script, no CDN, they draw offline."""

from __future__ import annotations

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
