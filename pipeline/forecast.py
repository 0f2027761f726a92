"""The rollover night, foreseen: will the mass-change guard refuse the April plan?

A board previews its export every week from the autumn (the 準備状況レポート); the rollover
(年次更新) export does not exist yet. :func:`forecast_rollover` simulates it on this export's own
data and runs the pipeline's own :func:`pipeline.reconcile.reconcile` — guard included — on the
simulated plan, so the prediction counts exactly what the guard counts, never a second formula:

1. the nightly runs until the eve of the rollover: this export applied again on the eve, so
   the grace policy disables everyone whose grace ends before that night (each on their own
   night, not on the rollover night); without a grace policy those nights change nothing and
   the eve is this plan's roster;
2. the rollover night: :func:`next_year` of this export against the eve's roster.

What it assumes (the report states it): this export, as it is, is what the nights until April
deliver (nobody fixed, nobody new); every J3 pupil graduates; every other pupil stays in the
city one grade up (P6 to a junior high: the guard does not count P6 → J1 school moves, whichever
school); nobody leaves in March (年度末の転出), and no P6 pupil leaves for a junior high outside
the city — each of those adds one to the count, which is why the report also gives the room
left under the limit; the new 年度's export keeps no old affiliation (PL211), as C4th lists
only the new 年度's enrolments; new entrants (P1, J1 from outside) are not in this export and
the guard does not count them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.core.gcpause import no_cyclic_gc
from pipeline.model import Roster
from pipeline.preprocess.schools import GRADE_ORDER, class_key
from pipeline.preprocess.work import ClassDraft, PersonDraft, Work
from pipeline.reconcile import Keys, Outcome, Policy, reconcile

#: The top grade: J3 pupils graduate at the rollover (the guard does not count them).
GRADUATING = "J3"
#: P1 … J2 → the next grade (P6 → J1: on to junior high).
NEXT_GRADE: Mapping[str, str] = dict(zip(GRADE_ORDER[:GRADE_ORDER.index(GRADUATING)],
                                         GRADE_ORDER[1:GRADE_ORDER.index(GRADUATING) + 1],
                                         strict=True))


@dataclass
class Forecast:
    """The simulated rollover night.

    :param night: the rollover date (the config's ``[schedule] rollover``).
    :param guard: the simulated rollover plan's guard (the shape of
        :attr:`pipeline.reconcile.Outcome.guard`: ``count``, ``total``, ``share``, ``tripped``
        and the counts by kind).
    :param eve_disabled: people the grace policy disables on the nights before (not counted
        on the rollover night).
    :param graduating: J3 pupils leaving; ``going_up``: P6 pupils going on to junior high;
        ``promoted``: every other pupil one grade up; ``held``: people still held.
    """

    night: dt.date
    guard: dict[str, Any]
    eve_disabled: int
    graduating: int
    going_up: int
    promoted: int
    held: int


def next_year(work: Work) -> Work:
    """This export one 年度 on, as the pipeline would see the rollover export: J3 pupils left
    out (graduated), every other pupil one grade up, each class carried into the next 年度
    under its title (a new class key: every class changes at a rollover, which the guard does
    not count), holds kept (nothing fixed), old affiliations (PL211) gone."""
    year = work.school_year + 1
    staying = [p for p in work.people if p.grade != GRADUATING]
    used = {p.class_id for p in staying}
    classes: dict[str, ClassDraft] = {}
    for sid, c in work.classes.items():
        if sid not in used:
            continue
        grades = sorted({NEXT_GRADE.get(g, g) for g in c.grades if g != GRADUATING},
                        key=GRADE_ORDER.index)
        classes[sid] = dataclasses.replace(c, key=class_key(c.school_code, year, c.source_title),
                                           school_year=year, grades=grades, held=list(c.held))
    people: list[PersonDraft] = [dataclasses.replace(p, grade=NEXT_GRADE.get(p.grade, p.grade))
                                 for p in staying]  # (a draft's held rules are a tuple)
    return Work(school_year=year, schools=work.schools, org_code=work.org_code,
                classes=classes, people=people,
                decisions=[d for d in work.decisions if d.rule != "PL211"],
                teachers_skipped=work.teachers_skipped, raw_orgs=work.raw_orgs)


def roster_keys(roster: Roster, salt: str) -> Keys:
    """The key map once ``roster`` is applied (its people, schools and classes keep their
    ids); ``salt`` derives the ids of keys it does not hold."""
    return Keys(salt=salt, people={u: p.sourced_id for u, p in roster.people.items()},
                schools={c: s.sourced_id for c, s in roster.schools.items()},
                classes={k: c.sourced_id for k, c in roster.classes.items()})


def forecast_rollover(work: Work, outcome: Outcome, policy: Policy, *, salt: str,
                      night: dt.date, today: dt.date) -> Forecast:
    """Simulate the rollover night for this export (``work``, planned as ``outcome``).

    :param policy: the config's guard and grace policy (:func:`pipeline.plan.policy_for`).
    :param salt: the installation salt (ids of the simulated new classes; they never leave).
    :param night: the rollover date; ``today``: the preview's date.
    """
    with no_cyclic_gc():
        return _forecast(work, outcome, policy, salt=salt, night=night, today=today)


def _forecast(work: Work, outcome: Outcome, policy: Policy, *, salt: str, night: dt.date,
              today: dt.date) -> Forecast:
    eve_roster, eve_absent, eve_disabled = outcome.plan.roster, outcome.absent, 0
    if policy.grace_days is not None:
        # the nights until the eve: the same export again, so the grace policy runs its
        # course (without one, those nights change nothing: the eve is this plan's roster)
        eve = max(night - dt.timedelta(days=1), today)
        before = reconcile(work, eve_roster, roster_keys(eve_roster, salt), link=None,
                           absent=eve_absent, policy=policy, plan_id="forecast-eve",
                           export_sha256="", now=_at(eve))
        eve_roster, eve_absent = before.plan.roster, before.absent
        eve_disabled = sum(1 for d in before.plan.decisions
                           if d.rule == "PL308" and d.target == "all")
    after = reconcile(next_year(work), eve_roster, roster_keys(eve_roster, salt), link=None,
                      absent=eve_absent, policy=policy, plan_id="forecast-rollover",
                      export_sha256="", now=_at(night))
    pupils = [p for p in work.people if not p.held]
    return Forecast(
        night=night, guard=after.guard, eve_disabled=eve_disabled,
        graduating=sum(1 for p in pupils if p.grade == GRADUATING),
        going_up=sum(1 for p in pupils if p.grade == "P6"),
        promoted=sum(1 for p in pupils if p.grade in NEXT_GRADE and p.grade != "P6"),
        held=len({p.umi for p in work.people if p.held}))


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
