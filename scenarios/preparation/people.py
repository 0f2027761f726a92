"""The people the preparation report names: every person held, dropped or renamed, once each,
with every reason (rule, problem, where, fix, owner) and what April does with them.

Names appear only where a fix needs one (:data:`NAME_NEEDED`; docs/preparation.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from harness.core import RuleRegistry
from pipeline.model import Decision, PersonRecord
from pipeline.preprocess.work import PersonDraft, Work
from scenarios.preparation.advice import APRIL, OWNERS, advice_for, fill

#: rules naming a person that list them in the fix lists (holds; drops and renames inform)
PERSON_HOLD = "hold"
#: the rules that say what April does with a held person (reconcile's summary lines)
HELD_SUMMARY = {"PL310": "held_kept", "PL311": "held_new"}
#: people-level rules that need the kana name in a school's fix list: several records share
#: one id, and the row must say which record it means
NAME_NEEDED = frozenset({"PL208", "PL212"})


def school_names(work: Work | None, plan: Any) -> dict[str, str]:
    """Every school's name by code: last year's (the state), then this export's."""
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


def gather_people(work: Work, decisions: Iterable[Decision], plan: Any,
                  schools: Mapping[str, str], registry: RuleRegistry) -> list[dict[str, Any]]:
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
