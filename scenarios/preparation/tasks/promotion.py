"""進級時のアカウント更新: what April does per school (promoted, moved, graduated, entering,
classes) and the pupils missing from the export, with what the grace policy does to them."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from pipeline.config import Config
from pipeline.model import Decision, PersonRecord
from scenarios.preparation.advice import OWNERS, PIPELINE
from scenarios.preparation.schedule import Schedule
from scenarios.preparation.tasks.items import NOT_PLANNED, is_rollover, item, status, unknown

#: the promotion task's kinds, per school: key, Japanese, English (the page's columns too)
PROMOTION_KINDS = (("promoted", "進級", "promoted"), ("moved", "転校", "moved school"),
                   ("class_changed", "学級替え", "new class"), ("graduated", "卒業", "graduated"),
                   ("entering", "入学・転入", "entering"), ("missing", "不在", "missing"),
                   ("disabled", "無効化", "disabled"), ("held", "保留", "held"),
                   ("classes_created", "新しい学級", "new classes"),
                   ("classes_updated", "名称等の変わる学級", "classes renamed"),
                   ("classes_gone", "なくなる学級", "classes gone"))
_INFO = OWNERS["none"]
PROMOTION_FIX: dict[str, tuple[str, str]] = {
    **{k: _INFO for k, _, _ in PROMOTION_KINDS},
    "missing": (PIPELINE["PL307"].fix_ja, PIPELINE["PL307"].fix_en),
    "disabled": (PIPELINE["PL308"].fix_ja, PIPELINE["PL308"].fix_en),
    "held": ("データクレンジング・修正の一覧で直す", "fix them in the data cleansing list"),
}

_PROMO_RULES = {"PL306": "promoted", "PL303": "moved", "PL304": "class_changed",
                "PL316": "graduated", "PL301": "entering", "PL307": "missing",
                "PL308": "disabled"}


def promotion_task(config: Config, decisions: list[Decision], plan: Any,
                   people: list[dict[str, Any]], schools: Mapping[str, str],
                   schedule: Schedule, absent: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """What April does per school: promoted, moved, graduated, entering; classes; missing."""
    if plan is None:
        return unknown(*NOT_PLANNED)
    if plan.previous is None:
        return unknown("前回の連携の記録がない（初回連携の前）ため、進級で何が変わるかは"
                       "比べられません。初回連携の後のプレビューで表示されます",
                       "no previous run in the state (before the initial link): nothing to "
                       "compare the export with yet")
    roster, prev = plan.roster, plan.previous
    per: dict[str, Counter[str]] = defaultdict(Counter)
    missing = []
    for d in decisions:
        kind = _PROMO_RULES.get(d.rule)
        if kind is None or d.target not in ("all", "lgate"):
            continue
        umi = d.fields.get("umi", d.subject)
        code = (d.fields.get("to_school") or d.fields.get("school_code")
                or _school_of(umi, roster, prev))
        per[code][kind] += 1
        if kind == "missing":
            before = prev.people.get(umi)
            since = str(absent.get(umi, {}).get("since", schedule.today.isoformat()))[:10]
            missing.append({"umi": umi, "school_code": code, "grade": d.fields.get("grade", ""),
                            "class": _class_title(before, prev),
                            "attendance_number": before.attendance_number if before else None,
                            **_grace_effect(config, since, schedule)})
    for d in decisions:
        if d.rule == "PL313":
            per[d.fields.get("school_code", "")][f"classes_{d.action}d"] += 1
        elif d.rule == "PL314":
            per[d.fields.get("school_code", "")]["classes_gone"] += 1
    for p in people:
        if p["held"]:
            per[p["school_code"]]["held"] += 1
    items = [item(kind, (f"{ja} {c[kind]}", f"{en} {c[kind]}"), PROMOTION_FIX[kind],
                  school_code=code, count=c[kind], school_name=schools.get(code, ""))
             for code, c in sorted(per.items()) if code
             for kind, ja, en in PROMOTION_KINDS if c[kind]]
    a = PIPELINE["PL307"]
    items += [item("PL307", (f"{a.problem_ja}: {m['grace_ja']}",
                             f"{a.problem_en}: {m['grace_en']}"),
                   (a.fix_ja, a.fix_en), umi=m["umi"], school_code=m["school_code"])
              for m in missing]
    todo = bool(missing) or any(p["held"] and p["april"] == "held_kept" for p in people)
    return {"status": status(todo), "items": items, "missing": missing,
            "rollover_plan": is_rollover(decisions),
            "grace": {"enabled": config.grace_days is not None, "days": config.grace_days}}


def _grace_effect(config: Config, since: str, schedule: Schedule) -> dict[str, str]:
    if config.grace_days is None:
        return {"grace_ja": "猶予の設定なし: アカウントは残り、毎晩報告されます",
                "grace_en": "no grace policy: the accounts stay, reported every night",
                "disable_on": ""}
    on = dt.date.fromisoformat(since) + dt.timedelta(days=config.grace_days)
    when = "年次更新の前" if on <= schedule.rollover else "年次更新の後"
    return {"grace_ja": f"{on.isoformat()} に無効化されます（猶予 {config.grace_days} 日、{when}）",
            "grace_en": f"disabled on {on.isoformat()} (grace {config.grace_days} days)",
            "disable_on": on.isoformat()}


def _school_of(umi: str, roster: Any, prev: Any) -> str:
    for r in (roster.people, roster.absent, prev.people):
        if umi in r:
            return str(r[umi].school_code)
    return ""


def _class_title(before: PersonRecord | None, prev: Any) -> str:
    if before is None:
        return ""
    cls = prev.classes.get(before.class_key)
    return str(cls.title) if cls else ""
