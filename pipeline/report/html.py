"""The run report as one self-contained HTML page (no CDN, no external file): Japanese first,
with a button that switches every label and message to English. Rendered through the one HTML
environment (:mod:`harness.report.htmlkit`) with ``pipeline/report/templates/run.html``."""

from __future__ import annotations

from typing import Any

from harness.report.htmlkit import render_page
from pipeline.report.labels import ACTION_JA, STATUS_JA, plan_columns


def render_html(report: dict[str, Any]) -> str:
    cols = plan_columns(report["plan"]["by_action"]) if report.get("plan") else []
    return render_page("pipeline.report/run.html", r=report, cols=cols, action_ja=ACTION_JA,
                       status_ja=STATUS_JA.get(report["run"]["status"], ""))
