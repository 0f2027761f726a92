"""JUnit XML: one test case per rule that ran; a rule with ERROR findings fails, WARN/INFO pass
with the findings in system-out, so CI dashboards show every rule.

A certification report (``renkei certify``, with ``extra['cases']``) gets one test case per
certification case instead: see :func:`harness.report.cases.format_junit_cases`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from harness.core import Finding, Severity
from harness.report.cases import baseline_out, expected_failure, format_junit_cases, report_cases
from harness.report.model import Report


def format_junit(report: Report) -> str:
    if report_cases(report):
        return format_junit_cases(report)
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_rule[f.rule].append(f)
    suppressed = dict(report.summary.get("suppressed", {}))
    suite = ET.Element(
        "testsuite",
        name=f"renkei.{report.kit}.{report.profile}",
        tests=str(len(report.rules_run)),
        timestamp=report.created.isoformat(timespec="seconds"),
    )
    failures = 0
    for rule_id in report.rules_run:
        rule = report.registry[rule_id]
        case = ET.SubElement(
            suite, "testcase",
            classname=f"{report.kit}.{rule.family}", name=f"{rule_id} {rule.title}",
        )
        found = by_rule.get(rule_id, [])
        if not found:
            continue
        body = "\n".join(
            f"{f.location()}: {f.message_en} / {f.message_ja}" for f in found
        )
        if rule_id in suppressed:
            body += f"\n… and {suppressed[rule_id]} more"
        accepted = [report.expected_for(f) for f in found]
        if all(accepted):
            expected_failure(case, [e for e in accepted if e], body)
            continue
        if rule.severity is Severity.ERROR:
            failures += 1
            fail = ET.SubElement(
                case, "failure", message=f"{len(found)} finding(s)", type=str(rule.severity)
            )
            fail.text = body
        else:
            ET.SubElement(case, "system-out").text = body
    baseline_out(suite, report)
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
