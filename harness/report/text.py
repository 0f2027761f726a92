"""Plain-text report for terminals: one line per finding, both languages, then a summary."""

from __future__ import annotations

from harness.report.baseline import baseline_text
from harness.report.model import XFAIL, Report


def format_text(report: Report) -> str:
    lines = [f"renkei {report.kit} check: {report.subject} (profile {report.profile})"]
    for f in report.sorted_findings():
        value = "" if f.value is None else f"  [{f.value}]"
        state = " (XFAIL)" if report.state_of(f) == XFAIL else ""
        lines.append(f"{f.location()}: {f.rule} {f.severity}{state}: {f.message_en}{value}")
        lines.append(f"    {f.message_ja}")
        if f.spec:
            lines.append(f"    spec: {'; '.join(f.spec)}")
    summary = report.summary
    for rule_id, n in sorted(dict(summary.get("suppressed", {})).items()):
        lines.append(f"{rule_id}: {n} more finding(s) not shown (per-rule cap)")
    sev = dict(summary.get("by_severity", {}))
    verdict = "PASS" if report.passed else "FAIL"
    baseline = baseline_text(report)
    if baseline:
        lines.append(baseline.rstrip("\n"))
    lines.append(
        f"{verdict}: {sev.get('ERROR', 0)} error(s), {sev.get('WARN', 0)} warning(s), "
        f"{sev.get('INFO', 0)} info; {len(report.rules_run)} rules checked"
        + (f"; {len(report.xfails())} expected failure(s), {len(report.xpasses())} "
           "unexpected pass(es)" if report.baseline_file is not None else "")
    )
    return "\n".join(lines) + "\n"
