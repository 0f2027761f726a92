"""The run report: JSON validates against docs/pipeline-report.schema.json; text and HTML show
every decision with its rule id; nothing secret; the HTML is self-contained and escaped."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from pipeline.apply.context import TargetResult
from pipeline.model import Decision
from pipeline.report import build_report, render_report
from tests.pipeline.applykit import make_plan, roster_from_city, small_city

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "pipeline-report.schema.json")
                    .read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report():
    roster = roster_from_city(small_city())
    people = list(roster.people.values())
    evil = replace(people[0], family_name="<script>alert(1)</script>")
    roster.people[evil.umi] = evil
    plan = make_plan(roster, "p1")
    plan.decisions = [
        Decision("PL301", "create", people[1].umi, fields={"grade": "P1"}),
        Decision("PL303", "move", evil.umi, fields={"before": "A", "after": "B"}),
        Decision("PL212", "hold", people[2].umi, fields={"upn": people[2].upn, "count": "2"}),
        Decision("PL211", "drop", people[3].umi, fields={"upn": people[3].upn}),
        Decision("PL221", "rename", next(iter(roster.classes)), fields={}),
    ]
    delivery = {"lgate": TargetResult("lgate", "done", {"users_created": 1}).to_json(),
                "m365": TargetResult("m365", "failed", message="m365: gave up",
                                     problems=[{"subject": people[4].umi,
                                                "reason": "lookup HTTP 503"}]).to_json(),
                "drill": TargetResult("drill", "unchanged").to_json()}
    return build_report(municipality="さくら市", board_code="089901", status="interrupted",
                        plan=plan, delivery=delivery,
                        export={"file": "RO_20250501_089901.zip", "sha256": "a" * 64},
                        message="interrupted: m365 failed; safe to re-run")


def test_json_validates_against_the_schema(report):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(json.loads(render_report(report, "json")), SCHEMA)
    assert report["run"]["exit_code"] == 3
    assert report["summary"]["holds"] == 1 and report["summary"]["drops"] == 1


def test_schema_rejects_what_it_must():
    bad = {"$schema": SCHEMA["$id"], "municipality": "x", "board_code": "1", "run": {},
           "plan": None, "schools": {}, "summary": {}, "decisions": [], "delivery": {}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


def test_every_decision_has_rule_reason_in_both_languages(report):
    by_rule = {d["rule"]: d for d in report["decisions"]}
    assert set(by_rule) == {"PL301", "PL303", "PL212", "PL211", "PL221"}
    for d in report["decisions"]:
        assert d["message_ja"] and d["message_en"] and "?" not in d["rule"]
    assert by_rule["PL212"]["severity"] == "WARN"
    assert by_rule["PL303"]["school"]  # grouped by school in the plan table


def test_text_has_the_plan_table_and_every_rule(report):
    text = render_report(report, "text")
    for rule in ("PL301", "PL303", "PL212", "PL211", "PL221"):
        assert rule in text
    assert "by school and change type" in text and "interrupted" in text
    assert "lookup HTTP 503" in text  # delivery problems are listed


def test_html_is_self_contained_japanese_with_english_toggle_and_escaped(report):
    html = render_report(report, "html")
    assert html.startswith("<!doctype html>") and '<html lang="ja" data-lang="ja">' in html
    assert '<span class="en">' in html and 'id="lang-toggle"' in html
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)  # no CDN, nothing external
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "連携処理レポート" in html and "中断しました" in html


def test_unknown_status_and_format_are_clear_errors(report):
    with pytest.raises(ValueError, match="unknown run status"):
        build_report(municipality="x", board_code="1", status="fine", plan=None)
    with pytest.raises(ValueError, match="unknown report format"):
        render_report(report, "pdf")


def test_brief_text_counts_routine_decisions_and_lists_those_needing_attention(report):
    brief = render_report(report, "text", brief=True)
    full = render_report(report, "text")
    routine = [d for d in report["decisions"] if d["severity"] == "INFO"]
    attention = [d for d in report["decisions"] if d["severity"] != "INFO"]
    assert routine and attention
    assert f"routine decisions / 通常の判断 ({len(routine)};" in brief
    assert f"needing attention / 要確認 ({len(attention)})" in brief
    for d in report["decisions"]:  # every rule still shows, routine ones once with a count
        assert d["rule"] in brief
    assert "decisions / 判断 (" in full and "routine decisions" not in full
