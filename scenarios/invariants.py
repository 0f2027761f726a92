"""The invariants of DESIGN.md, checked in every system after every step.

- every active student of c4th is in lgate exactly once, with the right school, grade, class
  and name (IV101–IV106);
- has exactly one Microsoft 365 account, enabled (IV201–IV203);
- is in the drill app once, enabled, in the right school and class; a leaver is disabled or
  gone (IV301–IV304);
- nobody is lost, duplicated or silently moved: held people are never delivered (IV107,
  IV204), leavers stay in lgate (IV108), stale duplicates never leave (IV401) and no target
  holds a student c4th does not know (IV402).

Pure functions over :class:`scenarios.expected.CityExpectation` and
:class:`scenarios.observe.Observed`: unit-testable without any system running.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scenarios.expected import CityExpectation
from scenarios.model import StepFindings
from scenarios.observe import Observed, enabled, pick


def check_invariants(expect: CityExpectation, seen: Observed, out: StepFindings, *,
                     delivered_before: Iterable[str] = (),
                     reported: Mapping[str, str] | None = None) -> dict[str, int]:
    """Check every invariant and add a finding per broken one.

    :param delivered_before: umis the e-portal held after an earlier step (leavers among them
        must still be there: bulk never deletes).
    :param reported: umi → reason for people the pipeline reported and held (holds, initial-link
        mismatches): not checked as active, listed as IV403.
    :returns: counts per system of students checked and invariants broken.
    """
    reported = dict(reported or {})
    exempt = set(expect.held) | set(reported)
    broken_before = out.errors()
    _lgate(expect, seen, out, exempt)
    _m365(expect, seen, out, exempt)
    _drill(expect, seen, out, exempt)
    _nobody_lost(expect, seen, out, set(delivered_before))
    for umi, reason in sorted({**reported, **expect.held}.items()):
        out.add("IV403", system="pipeline", record=umi, name=expect.name_of(umi), reason=reason)
    return {"students": len(expect.people), "held": len(exempt),
            "broken": out.errors() - broken_before}


def _lgate(expect: CityExpectation, seen: Observed, out: StepFindings, exempt: set[str]) -> None:
    by_upn: dict[str, int] = {}
    for users in seen.lgate.values():
        for u in users:
            by_upn[u.upn.lower()] = by_upn.get(u.upn.lower(), 0) + 1
    for umi, p in expect.people.items():
        users = seen.lgate.get(umi, [])
        if umi in exempt:
            if users and expect.held.get(umi):
                out.add("IV107", system="lgate", record=umi, name=expect.name_of(umi),
                        reason=expect.held[umi])
            continue
        if not users:
            out.add("IV101", system="lgate", record=umi, name=expect.name_of(umi))
            continue
        dupes = max(len(users), by_upn.get(p.upn.lower(), 0))
        if dupes > 1:
            out.add("IV102", system="lgate", record=umi, name=expect.name_of(umi), count=dupes)
        u = users[0]
        if u.schools != {p.school_code}:
            out.add("IV103", system="lgate", record=umi, name=expect.name_of(umi),
                    expected=p.school_code, found=",".join(sorted(u.schools)) or "-")
        if u.grades != (p.grade,):
            out.add("IV104", system="lgate", record=umi, name=expect.name_of(umi),
                    expected=p.grade, found=",".join(u.grades) or "-")
        if u.classes != [p.class_title]:
            out.add("IV105", system="lgate", record=umi, name=expect.name_of(umi),
                    expected=p.class_title, found=",".join(u.classes) or "-")
        if (u.family_name, u.given_name) != (p.family_name, p.given_name):
            out.add("IV106", system="lgate", record=umi, expected=p.name,
                    found=f"{u.family_name} {u.given_name}")


def _m365(expect: CityExpectation, seen: Observed, out: StepFindings, exempt: set[str]) -> None:
    for umi, p in expect.people.items():
        accounts = seen.m365.get(p.upn.lower(), [])
        if umi in exempt:
            if accounts and expect.held.get(umi) in ("password", "password conflict"):
                out.add("IV204", system="m365", record=p.upn, upn=p.upn)
            continue
        if not accounts:
            out.add("IV201", system="m365", record=p.upn, upn=p.upn)
        elif len(accounts) > 1:
            out.add("IV202", system="m365", record=p.upn, upn=p.upn, count=len(accounts))
        elif not enabled(accounts[0]):
            out.add("IV203", system="m365", record=p.upn, upn=p.upn)


def _drill(expect: CityExpectation, seen: Observed, out: StepFindings, exempt: set[str]) -> None:
    for umi, p in expect.people.items():
        if umi in exempt:
            continue
        users = seen.drill.get(umi, [])
        if not users:
            out.add("IV301", system="drill", record=umi, name=expect.name_of(umi))
            continue
        if len(users) > 1:
            out.add("IV303", system="drill", record=umi, name=expect.name_of(umi),
                    count=len(users))
        u = users[0]
        if not enabled(u):
            out.add("IV302", system="drill", record=umi, name=expect.name_of(umi),
                    expected="active", found=_status(u))
        found = _placement(u)
        if found and not _placement_matches(found, p.school_code, p.school_name,
                                            p.class_title):
            out.add("IV304", system="drill", record=umi, name=expect.name_of(umi),
                    expected=f"{p.school_code} {p.class_title}", found=" ".join(found))
    for umi, record in expect.departed.items():
        for u in seen.drill.get(umi, []):
            if enabled(u):
                out.add("IV302", system="drill", record=umi, name=umi,
                        expected=f"disabled ({record.get('reason')})", found=_status(u))


def _nobody_lost(expect: CityExpectation, seen: Observed, out: StepFindings,
                 delivered_before: set[str]) -> None:
    for umi in sorted(delivered_before & set(expect.departed)):
        if not seen.lgate.get(umi):
            out.add("IV108", system="lgate", record=umi, name=umi)
    known = set(expect.people) | set(expect.departed)
    for system, umis in (("lgate", seen.lgate), ("drill", seen.drill)):
        for umi in umis:
            if umi in expect.stale:
                out.add("IV401", system=system, record=umi, name=umi)
            elif umi not in known:
                out.add("IV402", system=system, record=umi, name=umi)
    for upn, accounts in seen.m365.items():
        if upn not in expect.known_upns and accounts:
            out.add("IV402", system="m365", record=upn, name=upn)


def _status(u: Mapping[str, Any]) -> str:
    return f"status={u.get('status', '?')} enabledUser={pick(u, 'enabledUser', default='?')}"


def _placement(u: Mapping[str, Any]) -> tuple[str, ...]:
    school = pick(u, "school", "school_code", "schoolCode", default="")
    klass = pick(u, "class", "class_title", "classTitle", default="")
    if isinstance(school, Mapping):
        school = pick(school, "identifier", "school_code", "name", default="")
    if isinstance(klass, Mapping):
        klass = pick(klass, "title", default="")
    return tuple(str(x) for x in (school, klass) if x)


def _placement_matches(found: tuple[str, ...], code: str, name: str, title: str) -> bool:
    # The drill app's state names the school by code or by name; either is right.
    return all(value in (code, name, title) for value in found)
