"""The rehearsal's HTML report: one self-contained file, Japanese with an English toggle.

Rendered through the one HTML environment (:mod:`harness.report.htmlkit`) from
:meth:`RehearsalResult.to_json` data with ``scenarios/templates/rehearsal.html`` (shipped as
package data); CSS, the toggle and the SVG charts are inline, so it opens offline from
``file://`` and fetches nothing. The pipeline plan's actions are shown in Japanese, and the
held pupils are counted by the board's preparation task (the 準備状況レポート's advice table).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from harness.report.htmlkit import render_page
from pipeline.report.labels import ACTION_JA, plan_columns
from scenarios.preparation.advice import OWNERS, advice_for
from scenarios.preparation.build import TASKS
from scenarios.preparation.people import HELD_SUMMARY

ACTIONS_JA = {"students": "在籍", "created": "新規作成", "promoted": "進級", "moved": "学校移動",
              "graduated": "卒業", "held": "保留"}
ACTIONS_EN = {"students": "students", "created": "created", "promoted": "promoted",
              "moved": "moved school", "graduated": "graduated", "held": "held"}
PHASES_JA = {"generate": "市の生成", "baseline": "現年度の連携", "rollover": "年次更新（c4th）",
             "preview": "事前確認（ドライラン）", "apply": "年次更新の連携",
             "verify": "不変条件の確認", "launches": "LTI 起動", "verify-launches": "起動の検証"}

#: which preparation task (and owner) a hold belongs to: the board's advice table
_TASKS = {key: names for key, names in TASKS.items() if key != "check"}


def render_rehearsal_html(data: dict[str, Any], *, max_findings: int = 500) -> str:
    """The HTML report for :meth:`RehearsalResult.to_json` data."""
    schools = data.get("schools", [])
    keys = ("created", "promoted", "moved", "graduated", "held")
    tools = list(data.get("launches", {}))
    phases = list(data.get("phases", {}))
    findings = sorted(data.get("findings", []),
                      key=lambda f: {"ERROR": 0, "WARN": 1, "INFO": 2}.get(f["severity"], 3))
    return render_page(
        "scenarios/rehearsal.html", d=_Obj(data), actions_ja=ACTIONS_JA, actions_en=ACTIONS_EN,
        keys=("students", *keys), plan_ja=ACTION_JA, plan_of=_plan_of,
        school_labels=[str(s["name"]) for s in schools],
        school_series=[(f"{ACTIONS_JA[k]} {ACTIONS_EN[k]}", [s.get(k, 0) for s in schools])
                       for k in keys],
        tools=tools, launch_series=[(k, [data["launches"][t].get(k, 0) for t in tools])
                                    for k in ("verified", "refused", "failed")],
        phase_labels=[f"{PHASES_JA.get(p, p)} {p}" for p in phases],
        phase_series=[("seconds", [data["phases"][p] for p in phases])],
        task_rows=_task_rows(data.get("holds", [])),
        findings=findings[:max_findings],
        launched=sum(s.get("launched", 0) for s in data.get("launches", {}).values()),
        broken=sum(r.get("broken", 0) for r in data.get("invariants", [])
                   if r.get("severity") == "ERROR"),
    )


def _plan_of(school: dict[str, Any]) -> list[tuple[str, int]]:
    """The plan's actions at one school (``plan:<action>`` keys), in the plan table's order."""
    counts = {k[5:]: int(v) for k, v in school.items() if k.startswith("plan:")}
    return [(a, counts[a]) for a in plan_columns(counts)]


def _task_rows(holds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The holds counted by the board's preparation task and owner (advice table)."""
    people: dict[tuple[str, str], set[str]] = defaultdict(set)
    rules: dict[tuple[str, str], set[str]] = defaultdict(set)
    for h in holds:
        if h["rule"] in HELD_SUMMARY:  # "held, see why" lines: the why is its own hold
            continue
        advice = advice_for(h["rule"])
        key = (advice.task, advice.owner) if advice else ("cleanse", "school")
        people[key].add(h["subject"])
        rules[key].add(h["rule"])
    order = list(_TASKS)
    return [{"ja": _TASKS[task][0], "en": _TASKS[task][1], "owner_ja": OWNERS[owner][0],
             "owner_en": OWNERS[owner][1], "rules": sorted(rules[(task, owner)]),
             "people": len(members)}
            for (task, owner), members in sorted(people.items(),
                                                 key=lambda kv: order.index(kv[0][0]))]


class _Obj(dict):
    """Attribute access for the template (``d.scale``) over the JSON dict."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None
