"""Baselines (harness.report.baseline): known failures become XFAIL, listed passes XPASS, any
other failure still fails; every format shows the three states; bad files are clear errors."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from harness.core import Finding, RuleRegistry, Severity
from harness.report import render, render_cases
from harness.report.baseline import (
    BaselineError,
    apply_baseline,
    baseline_from,
    load_baseline,
)
from harness.report.model import Report

REG = RuleRegistry("t")
REG.declare("TT100", Severity.ERROR, "t", "broken", "壊れています", "broken", ("spec",),
            "what", "why")
REG.declare("TT200", Severity.WARN, "t", "odd", "変です", "odd", ("spec",), "what", "why")
CASES = ("c-ok", "c-bad", "c-worse")


def finding(rule: str, file: str) -> Finding:
    r = REG[rule]
    return Finding(r.id, r.severity, file, 1, 1, None, r.message_ja, r.message_en, r.spec)


def report(*, cases: bool = True) -> Report:
    rows = [{"case": "c-ok", "title": "ok", "ok": True, "verdict": "pass"},
            {"case": "c-bad", "title": "bad", "ok": False, "verdict": "fail",
             "expected": "reject", "observed": "accept"},
            {"case": "c-worse", "title": "worse", "ok": False, "verdict": "fail",
             "expected": "reject", "observed": "accept"}] if cases else []
    findings = ([finding("TT100", "c-bad"), finding("TT100", "c-worse")] if cases else []) + [
        finding("TT100", "users.csv"), finding("TT200", "orgs.csv")]
    return Report(kit="t", subject="s", profile="p", registry=REG, findings=findings,
                  summary={"by_severity": {"ERROR": 3, "WARN": 1}}, rules_run=["TT100", "TT200"],
                  extra={"cases": rows} if cases else {})


def write(tmp_path, text: str):
    path = tmp_path / "known.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(path, command: str = "certify x"):
    return load_baseline(path, command=command, known_cases=CASES, known_rules={"TT100",
                                                                                 "TT200"})


BASELINE = '''command = "certify x"
[[expected]]
case = "c-bad"
reason = "fixed in 4.2"

[[expected]]
case = "c-ok"
reason = "was broken"

[[expected]]
rule = "TT100"
file = "users.csv"
reason = "legacy ids"
'''


def test_listed_failures_are_xfail_listed_passes_xpass_others_still_fail(tmp_path):
    r = apply_baseline(report(), load(write(tmp_path, BASELINE)), source="known.toml")
    verdicts = {c["case"]: c["verdict"] for c in r.case_rows()}
    assert verdicts == {"c-ok": "xpass", "c-bad": "xfail", "c-worse": "fail"}
    assert [e.key for e in r.xfails()] == ["case c-bad", "TT100 in users.csv"]
    assert [e.key for e in r.xpasses()] == ["case c-ok"]
    assert not r.passed  # c-worse is not listed
    listed = BASELINE + '[[expected]]\ncase = "c-worse"\nreason = "known"\n'
    assert apply_baseline(report(), load(write(tmp_path, listed)), source="k").passed


def test_text_html_junit_and_json_show_all_three_states(tmp_path):
    r = apply_baseline(report(), load(write(tmp_path, BASELINE)), source="known.toml")
    text = render_cases(r, "text")
    assert "XFAIL case c-bad: fixed in 4.2" in text and "XPASS case c-ok" in text
    assert "update the baseline" in text and "(XFAIL)" in text
    html = render_cases(r, "html")
    assert all(s in html for s in ('class="xfail"', 'class="xpass"', 'class="fail"',
                                   "fixed in 4.2", "XPASS case c-ok"))
    suite = ET.fromstring(render_cases(r, "junit"))
    skipped = {tc.get("name").split()[0]: tc.find("skipped") for tc in suite.iter("testcase")
               if tc.find("skipped") is not None}
    assert set(skipped) == {"c-bad", "TT100"}  # the case; TT100 outside the cases, listed
    assert "fixed in 4.2" in skipped["c-bad"].get("message")
    failed = [tc.get("name") for tc in suite.iter("testcase") if tc.find("failure") is not None]
    assert failed == ["c-worse worse"]
    assert '"state": "xfail"' in render(r, "json") and '"xpass"' in render(r, "json")


def test_a_rule_with_an_unlisted_finding_still_fails_in_a_check_report(tmp_path):
    text = 'command = "check x"\n[[expected]]\nrule = "TT200"\nreason = "practice"\n'
    r = apply_baseline(report(cases=False), load(write(tmp_path, text), "check x"), source="k")
    assert [e.key for e in r.xfails()] == ["TT200"] and not r.passed
    suite = ET.fromstring(render(r, "junit"))
    by_name = {tc.get("name").split()[0]: tc for tc in suite.iter("testcase")}
    assert by_name["TT200"].find("skipped") is not None
    assert by_name["TT100"].find("failure") is not None


def test_a_written_baseline_reads_back_and_accepts_every_failure(tmp_path):
    text = baseline_from(report(), command="certify x")
    r = apply_baseline(report(), load(write(tmp_path, text)), source="k")
    assert r.passed and not r.xpasses()
    assert {e.key for e in r.xfails()} == {"case c-bad", "case c-worse", "TT100 in users.csv",
                                           "TT200 in orgs.csv"}
    assert all(e.reason for e in r.baseline)


@pytest.mark.parametrize("text, message", [
    ("expected = [1", "not valid TOML"),
    ('command = "check x"\n', "this baseline is for 'renkei check x'"),
    ("colour = 1\n", "unknown key 'colour'"),
    ('[[expected]]\ncase = "c-bad"\n', ":1: 'reason' is required"),
    ('[[expected]]\ncase = "nope"\nreason = "r"\n', "unknown case 'nope'; known: c-bad"),
    ('[[expected]]\nrule = "XX1"\nreason = "r"\n', "unknown rule 'XX1'"),
    ('[[expected]]\ncase = "c-bad"\nrule = "TT100"\nreason = "r"\n', "either a case or a rule"),
    ('[[expected]]\ncase = "c-bad"\nfile = "u.csv"\nreason = "r"\n', "'file' goes with a rule"),
    ('[[expected]]\ncase = "c-bad"\nreason = ""\n', "'reason' must be a non-empty string"),
    ('\n[[expected]]\ncase = "c-bad"\nreason = "r"\n[[expected]]\ncase = "c-bad"\nreason = "s"\n',
     ":5: case c-bad is listed twice (first on line 2)"),
])
def test_a_bad_baseline_is_a_located_error(tmp_path, text, message):
    with pytest.raises(BaselineError) as err:
        load(write(tmp_path, text))
    assert message in str(err.value), str(err.value)


def test_the_readmes_worked_baselines_are_valid(tmp_path):
    import re
    from pathlib import Path

    from harness.oneroster import REGISTRY as OR
    from harness.oneroster.consumer_rules import REGISTRY as OC
    from harness.oneroster.testset import cases_for

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```toml\n(.*?)```", readme, re.S) if "[[expected]]" in b]
    known = {"certify oneroster-consumer": ({c.id for c in cases_for("jp-eportal-v4")},
                                            {r.id for r in OC}),
             "check oneroster": ((), {r.id for r in OR})}
    assert len(blocks) == 2
    for block in blocks:
        command = re.search(r'command = "(.*)"', block).group(1)
        cases, rules = known[command]
        path = write(tmp_path, block)
        assert load_baseline(path, command=command, known_cases=cases, known_rules=rules)
