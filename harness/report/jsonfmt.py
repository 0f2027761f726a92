"""JSON report: one object with profile, findings and summary."""

from __future__ import annotations

import json

from harness.report.model import Report


def format_json(report: Report) -> str:
    doc = {
        "kit": report.kit,
        "subject": report.subject,
        "profile": report.profile,
        "created": report.created.isoformat(timespec="seconds"),
        "findings": [f.as_dict() if report.baseline_file is None
                     else {**f.as_dict(), "state": report.state_of(f)}
                     for f in report.sorted_findings()],
        "summary": {**report.summary, "passed": report.passed, "rules_run": len(report.rules_run)},
    }
    if report.extra:
        doc["extra"] = report.extra
    if report.baseline_file is not None:
        doc["baseline"] = {
            "file": report.baseline_file,
            "xfail": [{"entry": e.key, "reason": e.reason} for e in report.xfails()],
            "xpass": [{"entry": e.key, "reason": e.reason} for e in report.xpasses()]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
