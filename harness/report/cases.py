"""Per-case layouts for certification reports (``renkei certify``): one JUnit test case and
one 1EdTech log row per certification case, read from ``report.extra['cases']``.

Each case is a dict with at least ``case`` (id), ``title`` and ``ok``; optional ``verdict``
(``pass``, ``note``, ``fail`` or ``not reached``), ``group``, ``expected``, ``observed``,
``detail``; for the log ``log_status``, ``files_imported``, ``files_rejected`` and
``explanation``.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from harness.report.baseline import baseline_text
from harness.report.html import format_html
from harness.report.log1edtech import HEADER
from harness.report.model import XFAIL, XPASS, Expected, Report


def report_cases(report: Report) -> list[Mapping[str, Any]]:
    """The certification cases of ``report`` (empty for a plain check report)."""
    cases = report.extra.get("cases")
    if not isinstance(cases, list):
        return []
    return [c for c in cases if isinstance(c, Mapping) and "case" in c]


def verdict(case: Mapping[str, Any]) -> str:
    if case.get("verdict"):
        return str(case["verdict"])
    return "pass" if case.get("ok") else "fail"


def expected_failure(tc: ET.Element, entries: list[Expected], body: str) -> None:
    """Mark a JUnit test case as an expected failure: ``skipped`` with the baseline's reason
    (CI counts it neither as a failure nor as a pass)."""
    reason = "; ".join(dict.fromkeys(e.reason for e in entries))
    ET.SubElement(tc, "skipped", type="xfail",
                  message=f"expected failure (baseline): {reason}"[:200]).text = body


def baseline_out(suite: ET.Element, report: Report) -> None:
    """The baseline's XFAIL and XPASS lines as the suite's system-out (XPASS prompts an
    update of the baseline)."""
    text = baseline_text(report)
    if text:
        ET.SubElement(suite, "system-out").text = text


def _line(case: Mapping[str, Any]) -> str:
    parts = [f"expected {case.get('expected', '?')}, observed {case.get('observed', '?')}"]
    if case.get("detail"):
        parts.append(str(case["detail"]))
    return ": ".join(parts)


def format_junit_cases(report: Report) -> str:
    """JUnit XML with one test case per certification case.

    A wrong case is a ``failure``; a case whose exchange never reached the system under test
    (``not reached``) is an ``error`` (nothing was tested); a ``note`` passes with its text in
    system-out; a case that was ``not run`` (it needs what the run lacked) is ``skipped``.
    Findings that belong to no case (e.g. the tool's JWKS) follow as one test
    case per rule, as in a check report.
    """
    cases = report_cases(report)
    suite = ET.Element("testsuite", name=f"renkei.{report.kit}.certify.{report.profile}",
                       timestamp=report.created.isoformat(timespec="seconds"))
    failures = errors = 0
    case_ids = {str(c["case"]) for c in cases}
    for c in cases:
        group = c.get("group") or ("guide" if c.get("guide") else "cases")
        tc = ET.SubElement(suite, "testcase", classname=f"{report.kit}.certify.{group}",
                           name=f"{c['case']} {c.get('title', '')}".strip())
        v = verdict(c)
        if v == "fail":
            failures += 1
            ET.SubElement(tc, "failure", message=_line(c)[:200], type="wrong").text = _line(c)
        elif v == "not reached":
            errors += 1
            ET.SubElement(tc, "error", message=_line(c)[:200],
                          type="not reached").text = _line(c)
        elif v == "note":
            ET.SubElement(tc, "system-out").text = _line(c)
        elif v == "not run":
            ET.SubElement(tc, "skipped", message=_line(c)[:200]).text = _line(c)
        elif v == XFAIL:
            entry = Expected(str(c.get("baseline_reason", "")), case=str(c["case"]))
            expected_failure(tc, [entry], _line(c))
        elif v == XPASS:
            ET.SubElement(tc, "system-out").text = (
                f"XPASS: listed in the baseline ({c.get('baseline_reason', '')}) but passes "
                "now; update the baseline")
    rest = [f for f in report.findings if f.file not in case_ids]
    for rule_id in sorted({f.rule for f in rest}):
        rule = report.registry[rule_id]
        found = [f for f in rest if f.rule == rule_id]
        tc = ET.SubElement(suite, "testcase", classname=f"{report.kit}.{rule.family}",
                           name=f"{rule_id} {rule.title}")
        body = "\n".join(f"{f.location()}: {f.message_en} / {f.message_ja}" for f in found)
        accepted = [report.expected_for(f) for f in found]
        if all(accepted):
            expected_failure(tc, [e for e in accepted if e], body)
        elif rule.severity.name == "ERROR":
            failures += 1
            ET.SubElement(tc, "failure", message=f"{len(found)} finding(s)",
                          type=str(rule.severity)).text = body
        else:
            ET.SubElement(tc, "system-out").text = body
    baseline_out(suite, report)
    suite.set("tests", str(len([e for e in suite if e.tag == "testcase"])))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    # not run, and expected failures (XFAIL), are both <skipped> with their reason
    suite.set("skipped", str(sum(1 for tc in suite.iter("testcase")
                                 if tc.find("skipped") is not None)))
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") \
        + "\n"


def format_case_log(report: Report) -> str:
    """The 1EdTech consumer log with one row per case (columns of
    :data:`harness.report.log1edtech.HEADER`).

    Status is the system's own outcome as 1EdTech asks a consumer to log it (``Success`` when
    it imported the bundle, ``Fail`` when it refused it); the explanation says what was
    expected and whether that outcome is right.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    date = report.created.date().isoformat()
    for c in report_cases(report):
        status = c.get("log_status") or ("Success" if c.get("ok") else "Fail")
        writer.writerow((c["case"], date, status, " ".join(c.get("files_imported", [])),
                         " ".join(c.get("files_rejected", [])),
                         c.get("explanation") or _line(c)))
    return buf.getvalue()


def format_html_cases(report: Report) -> str:
    """The HTML report with a table of the certification cases before the findings."""
    rows = [{"verdict": verdict(c), "case": str(c["case"]), "title": str(c.get("title", "")),
             "expected": str(c.get("expected", "")), "observed": str(c.get("observed", "")),
             "detail": str(c.get("detail", "")), "baseline": str(c.get("baseline_reason", ""))}
            for c in report_cases(report)]
    return format_html(report, cases=rows)
