"""Reports render every format: JSON shape, JUnit cases, the 1EdTech log, escaped HTML, and no
password in any of them."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from harness.oneroster import check_bundle
from harness.report import FORMATS, render


def _blank_username(b):
    b.tables["users"][1]["username"] = ""


def test_json_report_shape(make_bundle):
    doc = json.loads(render(check_bundle(make_bundle(_blank_username)).report, "json"))
    assert doc["profile"] == "jp-eportal-v4"
    (finding,) = doc["findings"]
    assert set(finding) == {"rule", "severity", "file", "line", "column", "value", "message_ja",
                            "message_en", "spec"}
    assert doc["summary"]["by_severity"] == {"ERROR": 1, "WARN": 0, "INFO": 0}


def test_junit_has_one_case_per_rule_and_fails_the_broken_one(make_bundle):
    result = check_bundle(make_bundle(_blank_username))
    suite = ET.fromstring(render(result.report, "junit"))
    cases = suite.findall("testcase")
    assert len(cases) == len(result.report.rules_run)
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["OR301 required value blank"]
    assert suite.get("failures") == "1"


def test_1edtech_log_columns(make_bundle):
    text = render(check_bundle(make_bundle(_blank_username)).report, "1edtech-log")
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == ["Test Identifier", "Test Date", "Status", "CSV Files Imported",
                      "CSV Files Rejected", "Explanation"]
    assert row[2] == "Fail" and row[4] == "users.csv" and "OR301" in row[5]
    assert "users.csv" not in row[3].split()


def test_html_escapes_values(make_bundle):
    def edit(b):
        b.tables["classes"][0]["classType"] = "<script>"

    html = render(check_bundle(make_bundle(edit)).report, "html")
    # the one <script> is the page's own language toggle (harness/report/templates/base.html)
    assert html.count("<script>") == 1 and "&lt;script&gt;" in html


def test_every_format_renders(make_bundle):
    report = check_bundle(make_bundle(_blank_username)).report
    for fmt in FORMATS:
        assert render(report, fmt).strip()


def test_password_column_value_never_echoed_by_a_rule_that_passes(make_bundle):
    def edit(b):
        b.tables["users"][0]["password"] = "Init-Pass-1234ｱ\ue000"

    result = check_bundle(make_bundle(edit))
    for fmt in FORMATS:
        assert "Init-Pass" not in render(result.report, fmt)
