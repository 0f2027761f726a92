"""People: placement (PL205–PL208) and stale duplicates by GIGA id (PL211, PL212).

After an in-city transfer C4th keeps the pupil's old affiliation for 指導要録 as a second
record: its own userMasterIdentifier, the old school and class, the pupil's GIGA account id
(pilot §3.3.3). How the current record is told from the stale one (docs/pipeline.md):

1. A record is *current-looking* when it is enabled, enrolled in a homeroom class of the
   export's 年度, and its primaryOrg is the school of that class.
2. A userMasterIdentifier stays with a person for life; the stale record is the copy C4th
   made. So when the pipeline already knows which userMasterIdentifier owns the GIGA id — its
   previous roster first, then (on the first run) an account a target already holds — that
   record is the current one, provided it is current-looking.
3. Without such knowledge (two new records share a GIGA id nobody owned before), the rows of
   the board's ID・初期パスワード file decide, every well-formed row counted (rows set aside as
   a conflict too): when rows point at records of the group, they must all point at one
   current-looking record, which is kept. When none does, a group with exactly one
   current-looking record keeps it.
4. Anything else (none or several current-looking, the known record not current-looking,
   several known, rows pointing at two records or at one that is not current-looking, a row
   pointing at a record other than the known owner) is ambiguous: every record of the group
   is held. Never a guess, never line order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping

from pipeline.preprocess.work import PersonDraft, Work

#: GIGA ids (lower-case) → the userMasterIdentifier known to own each, for the GIGA ids asked
OwnersOf = Callable[[Collection[str]], Mapping[str, str]]
#: GIGA ids (lower-case) → every userMasterIdentifier (lower-case) a row of the board's password
#: file pairs each with, for the GIGA ids asked
ClaimsOf = Callable[[Collection[str]], Mapping[str, Collection[str]]]


def place_people(work: Work) -> None:
    """Hold people who cannot be placed: no homeroom this 年度, no GIGA id, a repeated key."""
    # the few repeated keys, looked up in a small set (not each person in a city-sized dict);
    # counted only when there are any (one set of the keys tells)
    umis = [p.umi for p in work.people]
    repeated: set[str] = set() if len(set(umis)) == len(umis) else {
        umi for umi, n in Counter(umis).items() if n > 1}
    for p in work.people:
        if not p.umi or p.umi in repeated:
            work.hold(p, "PL208", umi=p.umi or p.sourced_id)
            continue
        cls = work.classes.get(p.class_id)
        if cls is None:
            work.hold(p, "PL205", umi=p.umi)
            continue
        if not p.upn:
            work.hold(p, "PL206", umi=p.umi)
        if not p.grade and cls.grades and len(cls.grades) == 1:
            p.grade = cls.grades[0]  # a pupil without grades takes their class's only grade


def _current_looking(p: PersonDraft, work: Work) -> bool:
    return (p.enabled and p.class_id in work.classes
            and bool(p.school_code) and p.primary_org == p.school_code)


def drop_stale_duplicates(work: Work, owners: OwnersOf, claims: ClaimsOf | None = None
                          ) -> None:
    """Keep one record per GIGA id, drop the stale ones, hold ambiguous groups.

    :param owners: asked once, for the GIGA ids on several records (the few a city has):
        the userMasterIdentifier already known to own each.
    :param claims: asked once, for the same GIGA ids: the userMasterIdentifiers the board's
        password file pairs each with.
    """
    people = work.people
    # GIGA id → where its first record is; a group only for an id on several records (at a
    # city's scale a list per person was most of the work), in the order of the first record
    first: dict[str, int] = {}
    shared: dict[str, list[PersonDraft]] = {}
    for i, p in enumerate(people):
        if p.upn and p.umi:
            at = first.setdefault(p.upn, i)
            if at != i:
                shared.setdefault(p.upn, [people[at]]).append(p)
    dropped: set[int] = set()
    upns = shared.keys()
    known = owners(upns) if shared else {}
    pointers = claims(upns) if shared and claims is not None else {}
    for upn, group in sorted(shared.items(), key=lambda item: first[item[0]]):
        current = [p for p in group if _current_looking(p, work)]
        owner = known.get(upn)
        owned = [p for p in group if owner and p.umi == owner]
        pointed = [p for p in group if p.umi.lower() in pointers.get(upn, ())]
        if owned:
            keep = owned[0] if owned[0] in current else None
        elif pointed:
            keep = pointed[0] if len(pointed) == 1 and pointed[0] in current else None
        else:
            keep = current[0] if len(current) == 1 else None
        if keep is not None and any(p is not keep for p in pointed):
            keep = None
        if keep is None:
            for p in group:
                work.hold(p, "PL212", umi=p.umi, upn=upn, count=len(group))
            continue
        for p in group:
            if p is keep:
                continue
            cls = work.classes.get(p.class_id)
            work.decide("PL211", "drop", p.umi, upn=upn, school_code=p.school_code or "?",
                        class_title=cls.source_title if cls else "?", kept_umi=keep.umi)
            dropped.add(id(p))
    if dropped:
        work.people = [p for p in work.people if id(p) not in dropped]
