"""A scenario run as a Report: every format renders it; JUnit has one test case per step."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from harness.report import FORMATS, render
from scenarios import SCENARIOS, build_report
from scenarios.model import ScenarioResult, StepFindings, StepResult


def _result() -> ScenarioResult:
    scenario = SCENARIOS["holds"]
    result = ScenarioResult(scenario)
    ok = StepFindings("holds", "seed")
    ok.add("SC100", system="harness", record="seed", step="seed", detail="students=435")
    bad = StepFindings("holds", "passwords")
    bad.add("IV101", system="lgate", record="u-1", name="山田 花子 (u-1)")
    for step, found in ((scenario.steps[0], ok), (scenario.steps[1], bad)):
        result.steps.append(StepResult("holds", step, found.findings, dict(found.counts),
                                       {}, 0.1, {}))
    return result


def test_junit_has_one_case_per_step_and_fails_the_broken_and_unrun_ones():
    suite = ET.fromstring(render(build_report([_result()], subject="holds"), "junit"))
    cases = {c.get("name").split()[0]: c for c in suite.iter("testcase")}
    assert cases["holds/seed"].find("failure") is None
    assert "IV101" in cases["holds/passwords"].find("failure").text
    assert "not run" in cases["holds/first-run"].find("failure").text
    assert cases["IV101"].find("failure") is not None


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_a_scenario_report(fmt):
    text = render(build_report([_result()], subject="holds"), fmt)
    assert "IV101" in text or fmt == "1edtech-log"
    if fmt == "json":
        assert json.loads(text)
