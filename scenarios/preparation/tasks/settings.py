"""アカウント連携の設定: special-needs class titles, display grades, the mass-change guard on
this export's plan and, foreseen, on the rollover night; the targets and the grace policy."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import Any

from harness.oneroster.disability import named_in
from pipeline.config import Config
from pipeline.forecast import Forecast
from pipeline.preprocess.work import Work
from scenarios.preparation.tasks.items import NOT_PLANNED, advice_item, item, status, unknown


def settings_task(config: Config, work: Work | None, guard: Mapping[str, Any] | None,
                  rollover: bool, forecast: Forecast | None) -> dict[str, Any]:
    """What the config must say before April: the special-needs titles it maps, display
    grades, the guard on this export's plan (``guard``) and on the rollover night foreseen
    (``forecast``), the targets and the grace policy."""
    if work is None or guard is None:
        return unknown(*NOT_PLANNED)
    renamed = {d.fields.get("from_title", ""): d.fields.get("to_title", "")
               for d in work.decisions if d.rule == "PL221"}
    unmapped = {d.fields.get("title", ""): d.fields.get("term", "")
                for d in work.decisions if d.rule == "PL222" and d.action == "hold"
                and "/" in d.subject}
    titles = []
    items = []
    pupils: Counter[str] = Counter(p.class_id for p in work.people)
    for sid, cls in sorted(work.classes.items(),
                           key=lambda kv: (kv[1].school_code, kv[1].source_title)):
        term = named_in(cls.source_title)
        if not cls.special_needs and term is None:
            continue
        covered = "PL222" not in cls.held
        titles.append({"school_code": cls.school_code, "title": cls.source_title,
                       "delivered": cls.title if covered else "", "covered": covered,
                       "term": term or ""})
        if not covered:
            items.append(advice_item("PL222", school_code=cls.school_code, count=pupils[sid],
                                     title=cls.source_title, term=term or ""))
    display = sum(1 for d in work.decisions if d.rule == "PL231")
    guard_item = {**_guard_item(config, guard), "rollover_plan": rollover}
    ahead = _forecast_item(config, forecast) if forecast is not None else None
    if guard_item["tripped"]:  # this export's own plan (exact)
        items.append(advice_item("PL321", count=guard_item["count"],
                                 let_through=guard_item["let_through"]))
        items[-1].update(fix_ja=f"その夜だけ: {guard_item['let_through']}",
                         fix_en=f"that night only: {guard_item['let_through']}")
    if ahead is not None and ahead["tripped"]:  # the rollover night, predicted
        items.append(item("rollover_guard", (ahead["say_ja"], ahead["say_en"]),
                          (f"年次更新の夜だけ: {ahead['let_through']}",
                           f"the rollover night only: {ahead['let_through']}"),
                          count=ahead["count"], let_through=ahead["let_through"],
                          predicted=True))
    targets = [{"name": name, "enabled": target is not None,
                "url": (getattr(target, "url", "") or getattr(target, "graph_url", ""))
                if target is not None else ""}
               for name, target in (("lgate", config.lgate), ("m365", config.m365),
                                    ("drill", config.drill))]
    grace = {"enabled": config.grace_days is not None, "days": config.grace_days}
    todo = bool(unmapped) or guard_item["tripped"] or bool(ahead and ahead["tripped"])
    return {"status": status(todo), "items": items,
            "special_needs": {"titles": titles, "covered": sum(t["covered"] for t in titles),
                              "uncovered": sum(not t["covered"] for t in titles),
                              "renamed": renamed},
            "display_grades": {"enabled": config.display_grades, "classes": display},
            "guard": guard_item, "rollover_forecast": ahead, "grace": grace,
            "targets": targets}


def _guard_item(config: Config, guard: Mapping[str, Any]) -> dict[str, Any]:
    """The guard's verdict on a plan, and the one-night command when it trips.

    The command's share is the plan's share rounded up to the next whole percent above it
    (the guard refuses a share *above* its limit, and keeps the share to four places), which
    also leaves a predicted night room for the people nobody can foresee.
    """
    share = float(guard.get("share", 0.0))
    total = int(guard.get("total", 0))
    count = int(guard.get("count", 0))
    tripped = bool(guard.get("tripped"))
    need = min((math.floor(share * 100 + 1e-9) + 1) / 100, 1.0) if tripped else None
    limit = math.floor(config.guard_max_share * max(total, config.guard_min_users) + 1e-9)
    return {"max_share": config.guard_max_share, "min_users": config.guard_min_users,
            "count": count, "total": total, "share": share, "tripped": tripped,
            "limit_people": limit, "room": limit - count,
            "counts": {k: int(guard.get(k, 0)) for k in GUARD_KINDS},
            "let_through_share": need,
            "let_through": (f"renkei pipeline run --config {config.path.name} "
                            f"--guard-max-share {need:.2f}") if need is not None else ""}


#: what the guard counts, by kind (:func:`pipeline.reconcile.reconcile`'s counts)
GUARD_KINDS = ("school_moves", "class_moves", "missing", "disable", "drop")

#: what the rollover forecast assumes (docs/preparation.md, pipeline/forecast.py)
FORECAST_ASSUMES: tuple[tuple[str, str], ...] = (
    ("このエクスポートがそのまま 4 月まで毎晩連携される（誰も直さず、誰も増えない）",
     "this export, as it is, is what every night delivers until April (nothing fixed, nobody "
     "new)"),
    ("中3は全員卒業し、ほかの児童生徒は全員 1 学年上がって市内に残る（小6は市内の中学校へ。"
     "小6→中1 の学校移動は安全装置が数えない）",
     "every J3 pupil graduates; everyone else stays in the city one grade up (P6 to a city "
     "junior high: the guard does not count P6 → J1 school moves)"),
    ("3月の転出や市外の中学校への進学はわからないため数えない（一人ごとに 1 名増える）",
     "pupils leaving in March or for a junior high outside the city cannot be known and are "
     "not counted (each adds one)"),
    ("新年度のエクスポートには旧所属のレコード（PL211）がない",
     "the new 年度's export holds no old affiliation (PL211)"),
    ("新入生（小1・市外からの中1）はまだエクスポートになく、安全装置も数えない",
     "new entrants (P1, J1 from outside) are not in this export yet; the guard does not count "
     "them"),
    ("猶予期間による無効化は、期限の来た夜に一人ずつ行われる（年次更新の夜に数えるのはその夜に"
     "期限の来る人だけ）",
     "the grace policy disables each pupil on the night their grace ends (the rollover night "
     "counts only those whose grace ends that night)"),
)


def _forecast_item(config: Config, forecast: Forecast) -> dict[str, Any]:
    """The rollover night foreseen from a non-rollover export: the guard's predicted verdict,
    the one-night command if it would refuse, and what the prediction assumes."""
    item = _guard_item(config, forecast.guard)
    night = forecast.night.isoformat()
    pct = f"{item['share'] * 100:.1f}%"
    limit = f"{config.guard_max_share * 100:.1f}%"
    if item["tripped"]:
        say_ja = (f"予測: {night} の年次更新の夜、安全装置が止めます（{item['count']} 名、{pct}、"
                  f"上限 {limit}）。その夜だけ通すには、設定ファイルは変えずに "
                  f"{item['let_through']} を実行します")
        say_en = (f"Predicted: the guard refuses the rollover night of {night} ({item['count']} "
                  f"people, {pct}, limit {limit}). To let that night only through, leave the "
                  f"file as it is and run {item['let_through']}")
    else:
        say_ja = (f"予測: {night} の年次更新の夜、安全装置では止まりません（{item['count']} 名、"
                  f"{pct}、上限 {limit}。あと {item['room']} 名まで）")
        say_en = (f"Predicted: the guard lets the rollover night of {night} through "
                  f"({item['count']} people, {pct}, limit {limit}; room for {item['room']} "
                  f"more)")
    return {**item, "predicted": True, "night": night, "say_ja": say_ja, "say_en": say_en,
            "eve_disabled": forecast.eve_disabled, "graduating": forecast.graduating,
            "going_up": forecast.going_up, "promoted": forecast.promoted,
            "held": forecast.held,
            "assumes_ja": [a[0] for a in FORECAST_ASSUMES],
            "assumes_en": [a[1] for a in FORECAST_ASSUMES]}
