"""Reconcile: the new roster against the previous one, as a :class:`~pipeline.model.Plan`.

Every difference becomes a decision with a ``PL3xx`` rule: creates, updates, school and class
moves, renames, promotions, people missing from the export (reported, never deleted), the
optional grace policy (disable after N days missing), and the mass-change guard that refuses a
plan moving, disabling or dropping too many users (a truncated export must never cost accounts).

Held people keep their previous record in the new roster (nothing is applied for them); a held
person never delivered is left out. Stable ids: the key map's, else the initial link's, else
``stable_uuid4(salt, kind, key)`` — the installation salt keeps two municipalities apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from harness.oneroster.ids import stable_uuid4
from pipeline.link import LinkResult
from pipeline.model import (
    ClassRecord,
    Decision,
    PersonRecord,
    Plan,
    Roster,
    SchoolRecord,
    record_json,
)
from pipeline.preprocess.work import Work

#: Fields whose change is an ``update`` (PL302); school, class, grade and names have their own.
UPDATE_FIELDS = ("upn", "family_kana", "given_kana", "attendance_number", "enabled", "role")


@dataclass
class Keys:
    """The key map as loaded from the state, plus the salt for ids of new keys."""

    salt: str
    people: Mapping[str, str] = field(default_factory=dict)
    schools: Mapping[str, str] = field(default_factory=dict)
    classes: Mapping[str, str] = field(default_factory=dict)
    #: target → umi → that target's own id (adopted by an earlier initial link)
    targets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def person(self, umi: str, link: LinkResult | None) -> tuple[str, str]:
        kept = self.people.get(umi)  # one lookup in a city-sized map, not two
        if kept is not None:
            return kept, "kept"
        if link is not None and umi in link.ids:
            return link.ids[umi], "adopted"
        return stable_uuid4(self.salt, "person", umi), "derived"

    def school(self, code: str) -> str:
        return self.schools.get(code) or stable_uuid4(self.salt, "school", code)

    def klass(self, key: str) -> str:
        return self.classes.get(key) or stable_uuid4(self.salt, "class", key)


@dataclass
class Policy:
    """The grace policy and the guard (from the config)."""

    grace_days: int | None = None
    max_share: float = 0.05
    min_users: int = 50


@dataclass
class Outcome:
    """The plan and what the state should hold once it is applied."""

    plan: Plan
    absent: dict[str, dict[str, Any]]
    holds: dict[str, tuple[list[str], list[dict[str, str]]]]
    key_rows: list[tuple[str, str, str, str, str]]
    guard: dict[str, Any]


def build_roster(work: Work, keys: Keys, link: LinkResult | None
                 ) -> tuple[Roster, list[tuple[str, str, str, str, str]]]:
    """The roster of everyone not held, with stable ids; and the key map rows it adds."""
    roster = Roster(school_year=work.school_year)
    rows: list[tuple[str, str, str, str, str]] = []
    for s in work.schools.values():
        if not s.held:
            sid = keys.school(s.school_code)
            roster.schools[s.school_code] = SchoolRecord(s.school_code, sid, s.name,
                                                         tuple(s.grades))
            if s.school_code not in keys.schools:
                rows.append(("school", s.school_code, "", sid, "derived"))
    for c in work.classes.values():
        if not c.held and c.school_code in roster.schools:
            sid = keys.klass(c.key)
            roster.classes[c.key] = ClassRecord(c.key, sid, c.school_code, c.school_year, c.title,
                                                c.source_title, tuple(c.grades), c.special_needs)
            if c.key not in keys.classes:
                rows.append(("class", c.key, "", sid, "derived"))
    for p in work.people:
        if p.held:
            continue
        sid, origin = keys.person(p.umi, link)
        roster.people[p.umi] = p.to_record(sid, work.classes[p.class_id].key)
        if origin != "kept":  # only new keys go to the key map
            rows.append(("person", p.umi, "", sid, origin))
    if link is not None:
        for target, ids in link.target_ids.items():
            rows += [("person", umi, target, sid, "adopted") for umi, sid in ids.items()
                     if umi in roster.people]
    return roster, rows


def _d(rule: str, action: str, subject: str, target: str = "all", **fields: object) -> Decision:
    return Decision(rule, action, subject, target,
                    {k: "" if v is None else str(v) for k, v in fields.items()})


def reconcile(work: Work, previous: Roster | None, keys: Keys, *, link: LinkResult | None,
              absent: Mapping[str, Mapping[str, Any]], policy: Policy, plan_id: str,
              export_sha256: str, now: dt.datetime) -> Outcome:
    """Compare and decide. ``absent``: the state's people missing from earlier exports."""
    roster, key_rows = build_roster(work, keys, link)
    prev = previous or Roster(school_year=work.school_year)
    decisions = list(work.decisions)
    held = _keep_held(work, prev, roster, decisions)
    rollover = previous is not None and roster.school_year > prev.school_year
    if rollover:
        decisions.append(_d("PL315", "report", str(roster.school_year),
                            from_year=prev.school_year, to_year=roster.school_year))
    _diff_frame(prev, roster, decisions)
    counts = {"school_moves": 0, "class_moves": 0, "missing": 0, "disable": 0, "drop": 0}
    found = _diff_present(prev, roster, absent, decisions, counts, rollover)
    new_absent = _absent(prev, roster, absent, policy, now, decisions, counts, rollover,
                         every_one_present=found == len(prev.people))
    counts["drop"] = sum(1 for d in work.decisions if d.rule == "PL211")
    plan = Plan(id=plan_id, export_sha256=export_sha256, created_at=now.isoformat(),
                roster=roster, previous=previous, decisions=decisions)
    sources = link.target_ids if link is not None else keys.targets
    people, gone = roster.people, roster.absent  # looked up, not copied into one set
    plan.target_ids = {t: {u: i for u, i in ids.items() if u in people or u in gone}
                       for t, ids in sources.items()}
    plan.target_ids = {t: ids for t, ids in plan.target_ids.items() if ids}
    guard = _guard(plan, prev, counts, policy)
    return Outcome(plan, new_absent, held, key_rows, guard)


def _diff_present(prev: Roster, roster: Roster, absent: Mapping[str, Mapping[str, Any]],
                  decisions: list[Decision], counts: dict[str, int], rollover: bool) -> int:
    """Decide for everyone in the export: create, enable (back after being absent) or the
    changes since the previous roster. Returns how many of them the previous roster has."""
    found = 0
    for umi, person in roster.people.items():
        before = prev.people.get(umi)
        if before is not None:
            found += 1
        gone = absent.get(umi)
        if before is None and gone is not None:
            decisions.append(_d("PL309", "enable", umi, umi=umi, since=gone["since"]))
            before = PersonRecord(**gone["record"])
        if before is None:
            school = roster.schools[person.school_code]
            decisions.append(_d("PL301", "create", umi, umi=umi, school_code=school.school_code,
                                class_title=roster.classes[person.class_key].title,
                                grade=person.grade))
            continue
        if before != person:  # the usual night: most records are equal, compared in one go
            _diff_person(before, person, prev, roster, decisions, counts, rollover)
    return found


def _absent(prev: Roster, roster: Roster, absent: Mapping[str, Mapping[str, Any]],
            policy: Policy, now: dt.datetime, decisions: list[Decision],
            counts: dict[str, int], rollover: bool, *, every_one_present: bool = False
            ) -> dict[str, dict[str, Any]]:
    """Everyone missing from the export: newly missing (or graduated) people, and the grace
    policy for those missing longer. Puts them in ``roster.absent``; returns the state's
    new absent table.

    :param every_one_present: the new roster holds every person of the previous one (the
        usual night: a city's people are not looked up a second time to find none missing).
    """
    today = now.date().isoformat()
    new_absent: dict[str, dict[str, Any]] = {}
    for umi, before in () if every_one_present else prev.people.items():
        if umi in roster.people:
            continue
        graduated = rollover and before.grade == "J3"
        rule, action = ("PL316", "graduate") if graduated else ("PL307", "missing")
        decisions.append(_d(rule, action, umi, umi=umi, school_code=before.school_code,
                            grade=before.grade))
        counts["missing"] += 0 if graduated else 1
        new_absent[umi] = {"since": today, "record": record_json(before), "disabled_at": None,
                           "reason": "graduated" if graduated else "missing"}
    for umi, gone in absent.items():
        if umi in roster.people or umi in new_absent:
            continue
        entry = dict(gone)
        if policy.grace_days is not None and not entry.get("disabled_at"):
            since = dt.date.fromisoformat(entry["since"][:10])
            if (now.date() - since).days >= policy.grace_days:
                entry["disabled_at"] = today
                decisions.append(_d("PL308", "disable", umi, umi=umi, since=entry["since"],
                                    days=policy.grace_days))
                decisions.append(_d("PL308", "delete", umi, target="drill", umi=umi,
                                    since=entry["since"], days=policy.grace_days))
                counts["disable"] += 1
        new_absent[umi] = entry
    for umi, entry in new_absent.items():
        record = PersonRecord(**entry["record"])
        roster.absent[umi] = replace(record, enabled=False) if entry.get("disabled_at") \
            else record
    return new_absent


def _keep_held(work: Work, prev: Roster, roster: Roster, decisions: list[Decision]
               ) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """Held people keep their previous record (with its class and school); report them."""
    holds: dict[str, tuple[list[str], list[dict[str, str]]]] = {}
    reasons: dict[str, list[Decision]] = {}
    for d in work.decisions:
        if d.action == "hold":
            reasons.setdefault(d.subject, []).append(d)
    for p in work.people:
        if not p.held or p.umi in roster.people:
            continue
        rules = sorted(set(p.held))
        holds[p.umi] = (rules, [dict(d.fields) for d in reasons.get(p.umi, [])])
        before = prev.people.get(p.umi)
        if before is None:
            decisions.append(_d("PL311", "hold", p.umi, umi=p.umi, reasons=", ".join(rules)))
            continue
        roster.people[p.umi] = before
        if before.class_key not in roster.classes and before.class_key in prev.classes:
            roster.classes[before.class_key] = prev.classes[before.class_key]
        if before.school_code not in roster.schools and before.school_code in prev.schools:
            roster.schools[before.school_code] = prev.schools[before.school_code]
        decisions.append(_d("PL310", "hold", p.umi, umi=p.umi, reasons=", ".join(rules)))
    return holds


def _diff_frame(prev: Roster, roster: Roster, decisions: list[Decision]) -> None:
    for code, s in roster.schools.items():
        old = prev.schools.get(code)
        if old is None:
            decisions.append(_d("PL312", "create", code, school_code=code, name=s.name,
                                change="create"))
        elif (old.name, old.grades) != (s.name, s.grades):
            decisions.append(_d("PL312", "update", code, school_code=code, name=s.name,
                                change="update"))
    for key, c in roster.classes.items():
        was = prev.classes.get(key)
        if was is None:
            decisions.append(_d("PL313", "create", key, title=c.title, school_code=c.school_code,
                                change="create"))
        elif (was.title, was.grades, was.special_needs) != (c.title, c.grades, c.special_needs):
            decisions.append(_d("PL313", "update", key, title=c.title, school_code=c.school_code,
                                change="update"))
    for key, c in prev.classes.items():
        if key not in roster.classes:
            decisions.append(_d("PL314", "report", key, title=c.title, school_code=c.school_code,
                                school_year=c.school_year))


def _diff_person(before: PersonRecord, after: PersonRecord, prev: Roster, roster: Roster,
                 decisions: list[Decision], counts: dict[str, int], rollover: bool) -> None:
    umi = after.umi
    if before.school_code != after.school_code:
        decisions.append(_d("PL303", "move", umi, umi=umi, from_school=before.school_code,
                            to_school=after.school_code))
        # At a rollover P6 pupils go on to junior high (進学): expected, not a mass change.
        going_up = rollover and before.grade == "P6" and after.grade == "J1"
        counts["school_moves"] += 0 if going_up else 1
    elif before.class_key != after.class_key:
        old = prev.classes.get(before.class_key)
        decisions.append(_d("PL304", "move", umi, umi=umi,
                            from_class=old.title if old else before.class_key,
                            to_class=roster.classes[after.class_key].title))
        counts["class_moves"] += 0 if rollover else 1
    if before.grade != after.grade:
        decisions.append(_d("PL306", "promote", umi, umi=umi, from_grade=before.grade,
                            to_grade=after.grade))
    if (before.family_name, before.given_name) != (after.family_name, after.given_name):
        decisions.append(_d("PL305", "rename", umi, umi=umi))
    changed = [f for f in UPDATE_FIELDS if getattr(before, f) != getattr(after, f)]
    if changed:
        decisions.append(_d("PL302", "update", umi, umi=umi, fields_changed=", ".join(changed)))


def _guard(plan: Plan, prev: Roster, counts: dict[str, int], policy: Policy) -> dict[str, Any]:
    """Refuse the plan when it moves, disables or drops more than the allowed share."""
    total = len(prev.people)
    count = sum(counts.values())
    base = max(total, policy.min_users)
    share = count / base if base else 0.0
    info = {**counts, "count": count, "total": total, "share": round(share, 4),
            "limit": policy.max_share, "tripped": False}
    if total and share > policy.max_share:
        plan.refused = True
        info["tripped"] = True
        plan.decisions.append(_d("PL321", "refuse", "plan", count=count, total=total,
                                 share=f"{share:.1%}", limit=f"{policy.max_share:.1%}"))
    return info
