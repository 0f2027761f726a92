"""Findings carry the right place, value and messages; reports render every format."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from harness.oneroster import check_bundle
from harness.report import FORMATS, render


def _blank_username(b):
    b.tables["users"][1]["username"] = ""


def test_finding_location_value_and_messages(make_bundle):
    def edit(b):
        b.tables["users"][2]["metadata.jp.kanaGivenName"] = "いちろう"

    result = check_bundle(make_bundle(edit))
    (f,) = result.findings
    assert (f.rule, f.file, f.line, f.column, f.value) == (
        "OR520", "users.csv", 4, 23, "いちろう")
    assert "metadata.jp.kanaGivenName" in f.message_en and "全角カタカナ" in f.message_ja
    assert f.spec


def test_all_findings_are_reported_not_just_the_first(make_bundle):
    def edit(b):
        for u in b.tables["users"]:
            u["username"] = ""

    result = check_bundle(make_bundle(edit))
    assert [(f.rule, f.line) for f in result.findings] == [("OR301", n) for n in (2, 3, 4, 5)]


def test_per_rule_cap_counts_the_rest(make_bundle):
    def edit(b):
        for u in b.tables["users"]:
            u["username"] = ""

    result = check_bundle(make_bundle(edit), cap_per_rule=1)
    assert len(result.findings) == 1
    assert result.report.summary["suppressed"] == {"OR301": 3}
    assert result.report.summary["by_rule"] == {"OR301": 4}
    assert "3 more finding(s)" in render(result.report, "text")


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
    assert "<script>" not in html and "&lt;script&gt;" in html


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
