"""The scenario data: every step names a real action and real expectations, every scenario
traces to the pilot report, and the catalogue is complete."""

from __future__ import annotations

import re

import pytest

from scenarios.actions import ACTIONS, EXPECTATIONS
from scenarios.rules import REGISTRY
from scenarios.suites import SCENARIOS, get

BUSINESS = {"enrolment": "新入生登録", "transfer-in": "市外からの転入", "transfer": "市内転出入",
            "transfer-out": "市外転出", "graduation": "卒業", "rollover": "年次更新",
            "initial-link": "初回連携"}


def test_every_business_scenario_and_failure_story_is_there():
    assert {n: SCENARIOS[n].title_ja for n in BUSINESS} == BUSINESS
    failures = {n for n, s in SCENARIOS.items() if s.failure_story}
    assert failures == {"truncated-export", "outage", "holds", "rejecting-tool",
                        "password-conflicts"}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_step_uses_known_actions_and_expectations(name):
    scenario = SCENARIOS[name]
    ids = [s.id for s in scenario.steps]
    assert len(ids) == len(set(ids)), "step ids are unique within a scenario"
    for step in scenario.steps:
        assert step.action in ACTIONS, step.action
        assert set(step.expect) <= set(EXPECTATIONS), step.expect
        assert step.title_ja and step.title_en and step.outcome_ja and step.outcome_en
    assert any(s.action == "run" for s in scenario.steps), "every scenario runs the pipeline"


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_scenario_traces_to_a_source(name):
    assert re.search(r"§\d|DESIGN\.md rule \d+", SCENARIOS[name].source)


def test_rule_catalogue_ids_are_grouped_and_messages_share_fields():
    for rule in REGISTRY:
        assert re.fullmatch(r"(SC|IV)\d{3}", rule.id)
        assert rule.message_ja and rule.message_en and rule.spec


def test_unknown_scenario_names_every_known_one():
    with pytest.raises(KeyError, match="enrolment"):
        get("nope")
