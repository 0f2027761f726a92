"""Findings carry the right place, value and messages; every finding is kept, and the per-rule
cap counts what it leaves out (harness.core's Finding and FindingCollector, fed by a OneRoster
check)."""

from __future__ import annotations

from harness.oneroster import check_bundle
from harness.report import render


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
