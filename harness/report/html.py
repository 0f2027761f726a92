"""A single self-contained HTML page: summary, then a table of findings worst-first."""

from __future__ import annotations

from html import escape

from harness.report.baseline import baseline_text
from harness.report.model import XFAIL, Report

_STYLE = (
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}"
    ".ERROR{background:#fdd}.WARN{background:#ffd}.INFO{background:#eef}"
    ".XFAIL{background:#eee;color:#555}"
)


def format_html(report: Report) -> str:
    sev = dict(report.summary.get("by_severity", {}))
    rows = []
    for f in report.sorted_findings():
        xfail = report.state_of(f) == XFAIL
        rows.append(
            f'<tr class="{"XFAIL" if xfail else f.severity}">'
            f'<td>{f.severity}{" XFAIL" if xfail else ""}</td><td>{escape(f.rule)}</td>'
            f"<td>{escape(f.location())}</td><td>{escape(f.value or '')}</td>"
            f"<td>{escape(f.message_ja)}<br>{escape(f.message_en)}</td>"
            f"<td>{escape('; '.join(f.spec))}</td></tr>"
        )
    suppressed = "".join(
        f"<li>{escape(rule_id)}: {n} more not shown</li>"
        for rule_id, n in sorted(dict(report.summary.get("suppressed", {})).items())
    )
    verdict = "PASS" if report.passed else "FAIL"
    return (
        '<!doctype html><html lang="ja"><meta charset="utf-8">'
        f"<title>renkei {escape(report.kit)} report</title><style>{_STYLE}</style>"
        f"<h1>renkei {escape(report.kit)}: {verdict}</h1>"
        f"<p>{escape(report.subject)} — profile {escape(report.profile)} — "
        f"{escape(report.created.isoformat(timespec='seconds'))}</p>"
        f"<p>ERROR {sev.get('ERROR', 0)} / WARN {sev.get('WARN', 0)} / INFO {sev.get('INFO', 0)}"
        f" — {len(report.rules_run)} rules checked</p>"
        "<table><tr><th>severity</th><th>rule</th><th>where</th><th>value</th>"
        "<th>message</th><th>spec</th></tr>" + "".join(rows) + "</table>"
        + (f"<ul>{suppressed}</ul>" if suppressed else "")
        + (f"<h2>baseline</h2><pre>{escape(baseline_text(report))}</pre>"
           if report.baseline_file is not None else "")
        + "</html>\n"
    )
