"""Report formatters: one :class:`Report`, many renderings.

Text, JSON, JUnit XML, HTML and the 1EdTech consumer log. :mod:`harness.report.baseline`
reads and writes baselines (known failures) and puts their XFAIL/XPASS states on a report,
which every formatter shows.

Depends on ``harness.core`` only; kits build a Report and pick a formatter by name. The
formatter modules import :class:`Report` from :mod:`harness.report.model`, never this
package (the per-case layouts in :mod:`harness.report.cases` build on ``html`` and
``log1edtech``); this module imports them all at the top and keeps the one table of formats.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.report import cases, html, jsonfmt, junit, log1edtech, text
from harness.report.model import Report

#: A formatter turns a report into the text of one file.
Formatter = Callable[[Report], str]

#: Every report format by name, in the order ``--format`` lists them.
FORMATTERS: dict[str, Formatter] = {
    "text": text.format_text,
    "json": jsonfmt.format_json,
    "junit": junit.format_junit,
    "html": html.format_html,
    "1edtech-log": log1edtech.format_log,
}

#: Certification reports (``extra['cases']``) replace these formats with a per-case layout;
#: JUnit picks its per-case layout itself (:func:`harness.report.junit.format_junit`).
CASE_FORMATTERS: dict[str, Formatter] = {
    "html": cases.format_html_cases,
    "1edtech-log": cases.format_case_log,
}

FORMATS: tuple[str, ...] = tuple(FORMATTERS)


def render(report: Report, fmt: str) -> str:
    """Render ``report`` in ``fmt`` (one of :data:`FORMATS`)."""
    try:
        return FORMATTERS[fmt](report)
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}") from None


def render_cases(report: Report, fmt: str) -> str:
    """Render a certification report: the per-case layout of ``fmt`` when ``report`` has
    cases and ``fmt`` has one, else :func:`render`."""
    if report.extra.get("cases") and fmt in CASE_FORMATTERS:
        return CASE_FORMATTERS[fmt](report)
    return render(report, fmt)


__all__ = ["CASE_FORMATTERS", "FORMATS", "FORMATTERS", "Formatter", "Report", "render",
           "render_cases"]
