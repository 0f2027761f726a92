"""The consumer log 1EdTech asks of a CSV consumer under certification.

Columns: Test Identifier, Test Date, Status (Success/Fail), CSV Files Imported, CSV Files
Rejected, explanation. One row for the bundle; ``extra['files_imported']`` and
``extra['files_rejected']`` come from the checker.
"""

from __future__ import annotations

import csv
import io

from harness.core import Severity
from harness.report.model import Report

HEADER = (
    "Test Identifier",
    "Test Date",
    "Status",
    "CSV Files Imported",
    "CSV Files Rejected",
    "Explanation",
)


def format_log(report: Report) -> str:
    errors = [f for f in report.sorted_findings() if f.severity is Severity.ERROR]
    explanation = "; ".join(f"{f.rule} {f.location()}: {f.message_en}" for f in errors[:20])
    if len(errors) > 20:
        explanation += f"; … {len(errors) - 20} more"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerow(
        (
            report.extra.get("test_identifier", report.subject),
            report.created.date().isoformat(),
            "Success" if report.passed else "Fail",
            " ".join(report.extra.get("files_imported", [])),
            " ".join(report.extra.get("files_rejected", [])),
            explanation or "all files imported without error",
        )
    )
    return buf.getvalue()
