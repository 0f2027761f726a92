"""Plain-text report for terminals: one line per finding, both languages, then a summary."""

from __future__ import annotations

from harness.report.model import Report


def format_text(report: Report) -> str:
    lines = [f"renkei {report.kit} check: {report.subject} (profile {report.profile})"]
    for f in report.sorted_findings():
        value = "" if f.value is None else f"  [{f.value}]"
        lines.append(f"{f.location()}: {f.rule} {f.severity}: {f.message_en}{value}")
        lines.append(f"    {f.message_ja}")
        if f.spec:
            lines.append(f"    spec: {'; '.join(f.spec)}")
    summary = report.summary
    for rule_id, n in sorted(dict(summary.get("suppressed", {})).items()):
        lines.append(f"{rule_id}: {n} more finding(s) not shown (per-rule cap)")
    sev = dict(summary.get("by_severity", {}))
    verdict = "PASS" if report.passed else "FAIL"
    lines.append(
        f"{verdict}: {sev.get('ERROR', 0)} error(s), {sev.get('WARN', 0)} warning(s), "
        f"{sev.get('INFO', 0)} info; {len(report.rules_run)} rules checked"
    )
    return "\n".join(lines) + "\n"
