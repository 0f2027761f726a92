"""The 準備状況レポート's content, as data: one builder from the pipeline's own plan.

:func:`build_preparation` takes what :func:`pipeline.plan.plan_export` made of the board's
export (on a copy of its state) and the board's config, and sorts every item into the model
schedule's preparation tasks (one module each in :mod:`scenarios.preparation.tasks`), each with
a status (済 / 要対応 / 確認できず), a deadline and its items: who fixes what, where, by when,
and what April does if nobody does (the people: :mod:`scenarios.preparation.people`). The HTML
page, the JSON file, the per-school CSV files and the history all read this one dict.

Nothing here holds a password (the board's file is read by the plan path, which keeps only
whether a row exists); names appear only where a fix needs one (docs/preparation.md).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core import RuleRegistry
from pipeline.config import Config
from pipeline.forecast import Forecast
from pipeline.model import Decision
from pipeline.plan import Planning
from scenarios.preparation.people import PERSON_HOLD, gather_people, school_names
from scenarios.preparation.schedule import Schedule
from scenarios.preparation.tasks.check import check_task
from scenarios.preparation.tasks.cleanse import cleanse_task
from scenarios.preparation.tasks.giga import giga_task
from scenarios.preparation.tasks.items import is_rollover
from scenarios.preparation.tasks.migration import migration_task
from scenarios.preparation.tasks.promotion import promotion_task
from scenarios.preparation.tasks.settings import settings_task

SCHEMA = "renkei-preparation/1"

#: task id → (Japanese, English), in the model schedule's order (§2-3, §2-4)
TASKS: dict[str, tuple[str, str]] = {
    "check": ("事前データチェック", "Data check"),
    "cleanse": ("データクレンジング・修正", "Data cleansing and fixes"),
    "settings": ("アカウント連携の設定", "Account linkage settings"),
    "migration": ("データ移行（在校生分）", "Data migration (current pupils)"),
    "giga": ("GIGA アカウント発行の事務フロー", "GIGA account issuing flow"),
    "promotion": ("進級時のアカウント更新", "Account update at the rollover"),
}
STATUS = {"done": ("済", "done"), "todo": ("要対応", "to do"),
          "unknown": ("確認できず", "cannot tell")}


@dataclass
class Inputs:
    """What the builder reads. ``planning`` is the pipeline's plan path on the export;
    ``probe`` the systems' answers (None without ``--probe``)."""

    planning: Planning
    config: Config
    schedule: Schedule
    export: Path
    export_sha256: str
    registry: RuleRegistry
    probe: dict[str, Any] | None = None
    generated_at: str = ""
    #: the rollover night foreseen (None when the export is the rollover, or not planned)
    forecast: Forecast | None = None


def build_preparation(inp: Inputs) -> dict[str, Any]:
    """The report as one JSON-able dict (schema: docs/preparation.schema.json)."""
    planning, config = inp.planning, inp.config
    outcome, work = planning.outcome, planning.work
    plan = outcome.plan if outcome is not None else None
    decisions: list[Decision] = list(planning.notes) + (list(plan.decisions) if plan else [])
    schools = school_names(work, plan)
    people = gather_people(work, decisions, plan, schools, inp.registry) if work is not None else []
    tasks = {
        "check": check_task(planning, inp.registry),
        "cleanse": cleanse_task(people, planning),
        "settings": settings_task(config, work, outcome.guard if outcome else None,
                                  plan is not None and is_rollover(decisions), inp.forecast),
        "migration": migration_task(decisions, planning, inp.probe),
        "giga": giga_task(config, people, decisions, schools, planning),
        "promotion": promotion_task(config, decisions, plan, people, schools, inp.schedule,
                                    outcome.absent if outcome else {}),
    }
    for key, task in tasks.items():
        deadline = inp.schedule.deadline(key)
        task.update(id=key, ja=TASKS[key][0], en=TASKS[key][1],
                    status_ja=STATUS[task["status"]][0], status_en=STATUS[task["status"]][1],
                    deadline=deadline.isoformat(),
                    overdue=task["status"] == "todo" and deadline < inp.schedule.today)
    held = [p for p in people if p["held"]]
    held_schools = sorted({p["school_code"] for p in held})
    refused = bool(plan and plan.refused)
    quarantined = outcome is None
    exit_code = 2 if quarantined or refused else 1 if held else 0
    return {
        "schema": SCHEMA,
        "generated_at": inp.generated_at,
        "municipality": {"name": config.name, "board_code": config.board_code},
        "export": {"file": inp.export.name, "sha256": inp.export_sha256,
                   "school_year": work.school_year if work else None},
        "exit_code": exit_code,
        "headline": _headline(len(held), len(held_schools), quarantined, refused, planning),
        "summary": {"people_to_fix": len(held), "schools_to_fix": len(held_schools),
                    "dropped": sum(p["dropped"] for p in people),
                    "quarantined": quarantined, "refused": refused,
                    "holds_by_rule": dict(sorted(Counter(
                        r["rule"] for p in held for r in p["reasons"]
                        if r["kind"] == PERSON_HOLD).items()))},
        "timeline": inp.schedule.to_json(),
        "tasks": [tasks[k] for k in TASKS],
        "people": people,
        "schools": _schools_summary(schools, people, tasks["promotion"]),
        "probe": inp.probe,
    }


def _headline(people: int, schools: int, quarantined: bool, refused: bool,
              planning: Planning) -> dict[str, str]:
    if quarantined:
        rules = ", ".join(sorted(planning.validation.errors)) or "OR100"
        return {"status": "blocked",
                "ja": f"このエクスポートは取り込めません（{rules}）／ 一括反映はできません",
                "en": f"This export cannot be taken in ({rules}) / the rollover cannot run"}
    need_ja = (f"4月までに対応が必要: {people} 名（{schools} 校）" if people
               else "4月までに対応が必要な児童生徒はいません")
    need_en = (f"To fix before April: {people} pupils ({schools} schools)" if people
               else "No pupil needs a fix before April")
    if refused:
        return {"status": "refused", "ja": f"{need_ja} ／ 一括反映は安全装置で止まります",
                "en": f"{need_en} / the mass-change guard would refuse the run"}
    return {"status": "holds" if people else "ok", "ja": f"{need_ja} ／ 一括反映は可能",
            "en": f"{need_en} / the run can go ahead"}


def _schools_summary(schools: Mapping[str, str], people: list[dict[str, Any]],
                     promotion: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per school: how many people to fix and how many missing (the fix lists' index)."""
    held: Counter[str] = Counter(p["school_code"] for p in people if p["held"])
    missing: Counter[str] = Counter(m["school_code"] for m in promotion.get("missing", []))
    codes = sorted(set(held) | set(missing))
    return [{"school_code": c, "school_name": schools.get(c, ""), "to_fix": held[c],
             "missing": missing[c]} for c in codes]
