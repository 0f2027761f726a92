"""A single self-contained HTML page: summary, then a table of findings worst-first.

Rendered through the one HTML environment (:mod:`harness.report.htmlkit`) with
``templates/check.html``: Japanese first with the shared English toggle; a certification
report's cases come first when :func:`harness.report.cases.format_html_cases` passes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.report.baseline import baseline_text
from harness.report.htmlkit import render_page
from harness.report.model import XFAIL, Report


def format_html(report: Report, *, cases: Sequence[Mapping[str, Any]] = ()) -> str:
    """The page for ``report``; ``cases``: rows of the certification cases table (verdict,
    case, title, expected, observed, detail), shown before the findings."""
    suppressed = sorted(dict(report.summary.get("suppressed", {})).items())
    findings = [(f, report.state_of(f) == XFAIL) for f in report.sorted_findings()]
    return render_page("check.html", r=report, sev=dict(report.summary.get("by_severity", {})),
                       findings=findings, suppressed=suppressed, cases=list(cases),
                       baseline=baseline_text(report)) + "\n"
