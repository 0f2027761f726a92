"""Findings carry the right place, value and messages; every finding is kept, and the per-rule
cap counts what it leaves out (harness.core's Finding and FindingCollector, fed by a OneRoster
check)."""

from __future__ import annotations

from harness.core import FindingCollector, Rule, RuleRegistry, Severity
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


def _registry(message_en: str) -> RuleRegistry:
    return RuleRegistry("test", [Rule("TS101", Severity.WARN, "test", "t", "値 {value} ({file})",
                                      message_en, (), "w", "y")])


def test_a_repeated_plain_finding_is_rendered_once_and_the_same_as_before():
    registry = _registry("value {value} in {file}")
    first, second = FindingCollector(registry), FindingCollector(registry)
    first.add("TS101", file="a.csv", line=2, value="x")
    second.add("TS101", file="a.csv", line=2, value="x")
    second.add("TS101", file="a.csv", line=True, value="x")  # True == 1, not the same finding
    second.add("TS101", file="a.csv", line=1, value="x")
    second.add("TS101", file="a.csv", line=2, value="x", extra="y")  # rendered with extra
    assert second.findings[0] is first.findings[0]
    f = first.findings[0]
    assert (f.rule, f.file, f.line, f.value, f.message_ja, f.message_en) == (
        "TS101", "a.csv", 2, "x", "値 x (a.csv)", "value x in a.csv")
    assert [g.line for g in second.findings] == [2, True, 1, 2]
    assert type(second.findings[1].line) is bool and type(second.findings[2].line) is int
    assert second.counts["TS101"] == 4


def test_a_shared_finding_is_another_registrys_own():
    FindingCollector(_registry("one {value} {file}")).add("TS101", file="f", value="v")
    out = FindingCollector(_registry("two {value} {file}"))
    out.add("TS101", file="f", value="v")
    assert out.findings[0].message_en == "two v f"
