"""The 準備状況レポート's content, as data: one builder from the pipeline's own plan.

:func:`build_preparation` takes what :func:`pipeline.plan.plan_export` made of the board's
export (on a copy of its state) and the board's config, and sorts every item into the model
schedule's preparation tasks, each with a status (済 / 要対応 / 確認できず), a deadline and its
items: who fixes what, where, by when, and what April does if nobody does. The HTML page, the
JSON file, the per-school CSV files and the history all read this one dict.

Nothing here holds a password (the board's file is read by the plan path, which keeps only
whether a row exists); names appear only where a fix needs one (docs/preparation.md).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core import Finding, RuleRegistry, Severity
from harness.oneroster.disability import named_in
from pipeline.config import Config
from pipeline.forecast import Forecast
from pipeline.model import Decision, PersonRecord
from pipeline.plan import Planning
from pipeline.preprocess.work import PersonDraft, Work
from scenarios.preparation.advice import (
    APRIL,
    ONEROSTER,
    OWNERS,
    PIPELINE,
    advice_for,
    fill,
    owner_of_file,
)
from scenarios.preparation.schedule import Schedule

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

#: rules naming a person that list them in the fix lists (holds; drops and renames inform)
PERSON_HOLD = "hold"
#: the rules that say what April does with a held person (reconcile's summary lines)
HELD_SUMMARY = {"PL310": "held_kept", "PL311": "held_new"}
#: people-level rules that need the kana name in a school's fix list: several records share
#: one id, and the row must say which record it means
NAME_NEEDED = frozenset({"PL208", "PL212"})


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
    schools = _school_names(work, plan)
    people = _people(work, decisions, plan, schools, inp.registry) if work is not None else []
    tasks = {
        "check": _check_task(planning, inp.registry),
        "cleanse": _cleanse_task(people, planning),
        "settings": _settings_task(config, work, decisions, outcome.guard if outcome else None,
                                   plan is not None and _rollover(decisions), planning,
                                   inp.forecast),
        "migration": _migration_task(decisions, planning, inp.probe),
        "giga": _giga_task(config, people, decisions, schools, planning),
        "promotion": _promotion_task(config, decisions, plan, people, schools, inp.schedule,
                                     outcome.absent if outcome else {}, planning),
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


# -- the headline ---------------------------------------------------------------------------

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


# -- people ---------------------------------------------------------------------------------

def _school_names(work: Work | None, plan: Any) -> dict[str, str]:
    names: dict[str, str] = {}
    if plan is not None and plan.previous is not None:
        names.update({c: s.name for c, s in plan.previous.schools.items()})
    if work is not None:
        names.update({c: s.name for c, s in work.schools.items()})
    return names


def _reason(d: Decision, registry: RuleRegistry, kind: str) -> dict[str, Any]:
    fields = dict(d.fields)
    ja = en = d.rule
    if d.rule in registry:
        ja, en = registry[d.rule].render(fields)
    advice = advice_for(d.rule)
    out: dict[str, Any] = {"rule": d.rule, "kind": kind, "ja": ja, "en": en,
                           "task": advice.task if advice else "cleanse",
                           "owner": advice.owner if advice else "school",
                           "field": fields.get("field", "")}
    out["owner_ja"], out["owner_en"] = OWNERS[out["owner"]]
    if advice is not None:
        out.update(problem_ja=fill(advice.problem_ja, fields),
                   problem_en=fill(advice.problem_en, fields),
                   where_ja=fill(advice.where_ja, fields), where_en=fill(advice.where_en, fields),
                   fix_ja=advice.fix_ja, fix_en=advice.fix_en)
    else:
        out.update(problem_ja=ja, problem_en=en, where_ja="C4th", where_en="C4th", fix_ja=ja,
                   fix_en=en)
    return out


def _people(work: Work, decisions: Iterable[Decision], plan: Any, schools: Mapping[str, str],
            registry: RuleRegistry) -> list[dict[str, Any]]:
    """Every person held, dropped or renamed: once each, with every reason."""
    drafts: dict[str, PersonDraft] = {}
    for p in work.people:
        drafts.setdefault(p.umi, p)
    reasons: dict[str, list[dict[str, Any]]] = defaultdict(list)
    april: dict[str, str] = {}
    dropped: dict[str, dict[str, str]] = {}
    seen: set[tuple[str, str, str]] = set()
    for d in [*work.decisions, *decisions]:
        if d.rule in HELD_SUMMARY:
            april[d.subject] = HELD_SUMMARY[d.rule]
            continue
        kind = {"hold": PERSON_HOLD, "drop": "drop", "rename": "rename"}.get(d.action)
        if kind is None or (kind == PERSON_HOLD and d.subject not in drafts):
            continue
        key = (d.subject, d.rule, d.fields.get("field", ""))
        if key in seen:  # work's decisions are the plan's too
            continue
        seen.add(key)
        reasons[d.subject].append(_reason(d, registry, kind))
        if kind == "drop":
            dropped[d.subject] = dict(d.fields)
    previous = plan.previous.people if plan is not None and plan.previous is not None else {}
    out = []
    for umi, rs in reasons.items():
        draft = drafts.get(umi)
        before: PersonRecord | None = previous.get(umi)
        held = any(r["kind"] == PERSON_HOLD for r in rs)
        if draft is not None:
            cls = work.classes.get(draft.class_id)
            code, klass = draft.school_code, cls.source_title if cls else ""
            number, grade = draft.attendance_number, draft.grade
        elif umi in dropped:
            code, klass = dropped[umi].get("school_code", ""), dropped[umi].get("class_title", "")
            number, grade = None, ""
        else:
            code, klass, number, grade = "", "", None, ""
        if not code and before is not None:
            code, number, grade = before.school_code, before.attendance_number, before.grade
        outcome = (april.get(umi, "held_kept" if before else "held_new") if held
                   else "dropped" if umi in dropped else "renamed")
        rules = {r["rule"] for r in rs}
        kana = ""
        if rules & NAME_NEEDED and draft is not None:
            kana = f"{draft.family_kana} {draft.given_kana}".strip()
        out.append({
            "umi": umi, "school_code": code, "school_name": schools.get(code, ""),
            "class": klass, "attendance_number": number, "grade": grade,
            "held": held, "dropped": umi in dropped and not held, "april": outcome,
            "april_ja": APRIL[outcome][0], "april_en": APRIL[outcome][1],
            "name_kana": kana, "reasons": rs,
            "gaiji_fields": sorted({r["field"] for r in rs if r["rule"] in
                                    ("PL241", "PL242", "PL243") and r["field"]}),
        })
    out.sort(key=lambda p: (p["school_code"], p["class"], p["attendance_number"] or 0, p["umi"]))
    return out


# -- the tasks ------------------------------------------------------------------------------

def item(kind: str, message: tuple[str, str], fix: tuple[str, str], *, school_code: str = "",
         count: int | None = None, umi: str | None = None, **extra: Any) -> dict[str, Any]:
    """One entry of a task's ``items``: its kind (a rule id, or a named kind such as
    ``promoted``), the school, a count or the person's key (userMasterIdentifier), and the
    message and fix in Japanese and English (schema: ``$defs/item``)."""
    out: dict[str, Any] = {"kind": kind, "school_code": school_code}
    if count is not None:
        out["count"] = count
    if umi is not None:
        out["umi"] = umi
    out.update(message_ja=message[0], message_en=message[1], fix_ja=fix[0], fix_en=fix[1],
               **extra)
    return out


def _advice_item(rule: str, *, target: str = "", **where: Any) -> dict[str, Any]:
    """An item told in the words of the rule's advice (:data:`advice.PIPELINE`)."""
    a = PIPELINE[rule]
    suffix_ja, suffix_en = (f"（{target}）", f" ({target})") if target else ("", "")
    return item(rule, (a.problem_ja + suffix_ja, a.problem_en + suffix_en), (a.fix_ja, a.fix_en),
                **({"target": target} if target else {}), **where)


def _status(todo: bool, unknown: bool = False) -> str:
    return "unknown" if unknown else "todo" if todo else "done"


def _unknown(why_ja: str, why_en: str) -> dict[str, Any]:
    return {"status": "unknown", "why_ja": why_ja, "why_en": why_en, "items": []}


_NOT_PLANNED = ("エクスポートを取り込めないため、計画を作れません（事前データチェックを参照）",
                "the export cannot be taken in, so there is no plan (see the data check)")


def _check_task(planning: Planning, registry: RuleRegistry) -> dict[str, Any]:
    """The export's OneRoster findings, grouped by rule, with what they mean and who fixes."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in planning.validation.findings:
        groups[f.rule].append(f)
    items = []
    for rule_id, found in sorted(groups.items(), key=lambda kv: (-kv[1][0].severity.value,
                                                                 kv[0])):
        rule = registry[rule_id] if rule_id in registry else None  # noqa: SIM401 (no .get)
        sev = found[0].severity
        blocking = sev is Severity.ERROR and rule_id in planning.validation.errors
        owner, fix_ja, fix_en = ONEROSTER.get(
            rule_id, (owner_of_file(found[0].file), *_check_fix(sev, blocking)))
        items.append(item(
            rule_id, (found[0].message_ja, found[0].message_en), (fix_ja, fix_en),
            count=len(found), rule=rule_id, severity=sev.name, blocking=blocking,
            title=rule.title if rule else rule_id,
            meaning_en=f"{rule.what} {rule.why}".strip() if rule else "",
            owner=owner, owner_ja=OWNERS[owner][0], owner_en=OWNERS[owner][1],
            files=sorted({f.file or "" for f in found}), spec=rule.spec if rule else ""))
    todo = any(i["severity"] != "INFO" for i in items)
    return {"status": _status(todo), "items": items,
            "errors": sum(planning.validation.errors.values()),
            "tolerated": sum(planning.validation.tolerated.values())}


def _check_fix(sev: Severity, blocking: bool) -> tuple[str, str]:
    if blocking:
        return ("このままではエクスポート全体が取り込まれません。C4th のデータか出力設定を直す",
                "the whole export is refused as it is: fix the data or C4th's export settings")
    if sev is Severity.ERROR:
        return ("該当者だけが保留されます（データクレンジング・修正を参照）",
                "only the people concerned are held (see data cleansing)")
    if sev is Severity.WARN:
        return ("取り込みは止まりませんが、直すことを勧めます",
                "does not stop the run; fixing it is recommended")
    return ("情報のみ", "for information")


def _cleanse_task(people: list[dict[str, Any]], planning: Planning) -> dict[str, Any]:
    if planning.outcome is None:
        return _unknown(*_NOT_PLANNED)
    items = []
    for p in people:
        kind = "hold" if p["held"] else "drop" if p["dropped"] else "rename"
        rs = [r for r in p["reasons"] if r["kind"] == kind] or p["reasons"]
        items.append(item(
            kind, (" ／ ".join(f"{r['problem_ja']}（{r['rule']}）" for r in rs),
                   " / ".join(f"{r['problem_en']} ({r['rule']})" for r in rs)),
            (" ／ ".join(dict.fromkeys(r["fix_ja"] for r in rs)),
             " / ".join(dict.fromkeys(r["fix_en"] for r in rs))),
            umi=p["umi"], school_code=p["school_code"], rules=sorted({r["rule"] for r in rs}),
            april=p["april"]))
    return {"status": _status(any(p["held"] for p in people)), "items": items,
            "held": sum(p["held"] for p in people),
            "dropped": sum(p["dropped"] for p in people),
            "renamed": sum(p["april"] == "renamed" for p in people)}


def _settings_task(config: Config, work: Work | None, decisions: list[Decision],
                   guard: Mapping[str, Any] | None, rollover: bool, planning: Planning,
                   forecast: Forecast | None) -> dict[str, Any]:
    if work is None or guard is None:
        return _unknown(*_NOT_PLANNED)
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
            items.append(_advice_item("PL222", school_code=cls.school_code, count=pupils[sid],
                                      title=cls.source_title, term=term or ""))
    display = sum(1 for d in work.decisions if d.rule == "PL231")
    guard_item = {**_guard_item(config, guard), "rollover_plan": rollover}
    ahead = _forecast_item(config, forecast) if forecast is not None else None
    if guard_item["tripped"]:  # this export's own plan (exact)
        items.append(_advice_item("PL321", count=guard_item["count"],
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
    return {"status": _status(todo), "items": items,
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


def _rollover(decisions: Iterable[Decision]) -> bool:
    return any(d.rule == "PL315" for d in decisions)


def _migration_task(decisions: list[Decision], planning: Planning,
                    probe: Mapping[str, Any] | None) -> dict[str, Any]:
    """The initial link (名寄せ) per system: adopted, created, held, left over."""
    if planning.outcome is None:
        return _unknown(*_NOT_PLANNED)
    if planning.outcome.plan.previous is not None:
        return {"status": "done", "items": [], "first_run": False,
                "why_ja": "前回の連携の記録があるため、初回連携（名寄せ）は済んでいます",
                "why_en": "the state holds a previous run: the initial link is done"}
    if probe is None or not probe.get("accounts_read"):
        why = ("学習eポータルと学習アプリの既存アカウントを読まないと、名寄せで引き継ぐ"
               "アカウント・新しく作るアカウント・残るアカウントはわかりません。"
               "--probe を付けて実行してください"
               if probe is None else "既存アカウントを読めませんでした（接続確認を参照）")
        return {**_unknown(why, "the initial link needs the e-portal's and the drill app's "
                           "accounts: run with --probe" if probe is None else
                           "the existing accounts could not be read (see the probe)"),
                "first_run": True}
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for d in decisions:
        target = d.fields.get("target", "")
        if d.rule == "PL401":
            per[target]["adopted"] += 1
        elif d.rule == "PL402":
            per[target]["left_over"] += 1
        elif d.rule in ("PL403", "PL404"):
            per[target]["held"] += 1
    created = sum(1 for d in decisions if d.rule == "PL301")
    rules: dict[str, Counter[str]] = defaultdict(Counter)
    for d in decisions:
        if d.rule in ("PL402", "PL403", "PL404"):
            rules[d.fields.get("target", "")][d.rule] += 1
    targets, items = [], []
    for target in probe.get("accounts_read", []):
        c = per.get(target, Counter())
        targets.append({"target": target, "adopted": c["adopted"],
                        "created": max(created - c["adopted"], 0), "held": c["held"],
                        "left_over": c["left_over"]})
        items += [_advice_item(rule, target=target, count=n)
                  for rule, n in sorted(rules.get(target, Counter()).items())]
    todo = any(i["held"] or i["left_over"] for i in targets)
    return {"status": _status(todo), "items": items, "targets": targets, "first_run": True}


def _giga_task(config: Config, people: list[dict[str, Any]], decisions: list[Decision],
               schools: Mapping[str, str], planning: Planning) -> dict[str, Any]:
    if planning.outcome is None:
        return _unknown(*_NOT_PLANNED)
    def with_rule(*rules: str) -> list[str]:
        return [p["umi"] for p in people if any(r["rule"] in rules for r in p["reasons"])]
    no_password = with_rule("PL252")
    disagree = with_rule("PL253")
    no_giga = with_rule("PL206")
    file_problems = [d.fields for d in decisions if d.rule in ("PL254", "PL255")]
    created: Counter[str] = Counter(d.fields.get("school_code", "") for d in decisions
                                    if d.rule == "PL301")
    # new pupils held now (no row, wrong GIGA id, a name …): April creates their accounts too
    # once they are fixed
    pending: Counter[str] = Counter(p["school_code"] for p in people
                                    if p["held"] and p["april"] == "held_new")
    m365 = [{"school_code": code, "school_name": schools.get(code, ""),
             "accounts": created[code], "once_fixed": pending[code]}
            for code in sorted(set(created) | set(pending))] if config.m365 is not None else []
    no_file = config.password_file is None and bool(created)
    todo = bool(no_password or disagree or no_giga or file_problems or no_file)
    items = [_advice_item(r["rule"], umi=p["umi"], school_code=p["school_code"])
             for p in people for r in p["reasons"] if r["rule"] in ("PL252", "PL253", "PL206")]
    items += [_advice_item(d.rule, count=1, reason=d.fields.get("reason", ""),
                           line=d.fields.get("line", ""))
              for d in decisions if d.rule in ("PL254", "PL255")]
    if no_file:
        items.append(_advice_item("PL254", count=sum(created.values())))
        items[-1].update(message_ja="ID・初期パスワードファイルが設定されていません",
                         message_en="no ID・初期パスワード file is configured")
    items += [item("m365_create", (f"4月に作られる Microsoft 365 アカウント {m['accounts']} 件"
                                   f"（直れば {m['once_fixed']} 件）",
                                   f"{m['accounts']} Microsoft 365 accounts created in April "
                                   f"({m['once_fixed']} more once fixed)"),
                   OWNERS["none"], school_code=m["school_code"], count=m["accounts"],
                   once_fixed=m["once_fixed"]) for m in m365]
    return {"status": _status(todo), "items": items,
            "no_password": no_password, "giga_disagree": disagree, "no_giga_id": no_giga,
            "password_file": "configured" if config.password_file else "not configured",
            "file_problems": [dict(f) for f in file_problems],
            "m365_enabled": config.m365 is not None,
            "m365_creates": m365, "m365_total": sum(m["accounts"] for m in m365),
            "m365_once_fixed": sum(m["once_fixed"] for m in m365)}


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


def _promotion_task(config: Config, decisions: list[Decision], plan: Any,
                    people: list[dict[str, Any]], schools: Mapping[str, str],
                    schedule: Schedule, absent: Mapping[str, Mapping[str, Any]],
                    planning: Planning) -> dict[str, Any]:
    """What April does per school: promoted, moved, graduated, entering; classes; missing."""
    if plan is None:
        return _unknown(*_NOT_PLANNED)
    if plan.previous is None:
        return _unknown("前回の連携の記録がない（初回連携の前）ため、進級で何が変わるかは"
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
    return {"status": _status(todo), "items": items, "missing": missing,
            "rollover_plan": _rollover(decisions),
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


def _schools_summary(schools: Mapping[str, str], people: list[dict[str, Any]],
                     promotion: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per school: how many people to fix and how many missing (the fix lists' index)."""
    held: Counter[str] = Counter(p["school_code"] for p in people if p["held"])
    missing: Counter[str] = Counter(m["school_code"] for m in promotion.get("missing", []))
    codes = sorted(set(held) | set(missing))
    return [{"school_code": c, "school_name": schools.get(c, ""), "to_fix": held[c],
             "missing": missing[c]} for c in codes]
