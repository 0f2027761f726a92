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
        "findings": [f.as_dict() for f in report.sorted_findings()],
        "summary": {**report.summary, "passed": report.passed, "rules_run": len(report.rules_run)},
    }
    if report.extra:
        doc["extra"] = report.extra
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
