"""Read a validated C4th export (a :class:`~harness.oneroster.model.Bundle`) into drafts.

The bundle has passed the checker (no ERROR left but the per-person name findings), so this
step trusts the shape and looks only at what the pipeline needs: the current 年度, the orgs,
the homeroom classes of that 年度, and each person's one homeroom enrolment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from harness.oneroster.model import Bundle, format_value, split_list
from pipeline.preprocess.work import ClassDraft, PersonDraft, Work

#: {Office365:name@domain} in users.userIds: the GIGA (Microsoft 365) account id.
OFFICE365 = re.compile(r"\{\s*Office365\s*:\s*([^}\s]+)\s*\}", re.IGNORECASE)
SCHOOL_CODE = re.compile(r"[A-H][0-9]\d{11}")


def _text(row: Mapping[str, object], key: str, default: str = "") -> str:
    """A cell as the CSV text it stands for: rows read from a file hold strings already; a
    bundle built in memory may hold lists, booleans or numbers (harness.oneroster.model)."""
    value = row.get(key)
    if value is None:
        return default
    return value if type(value) is str else format_value(value)


def giga_id(user_ids: str) -> str:
    """The Office365 account id from a userIds value, lower-cased (UPNs are case-insensitive)."""
    m = OFFICE365.search(user_ids or "")
    return m.group(1).lower() if m else ""


def school_year_of(bundle: Bundle) -> int | None:
    """The export's 年度: the latest ``schoolYear`` of its academicSessions."""
    years = [int(_text(r, "schoolYear")) for r in bundle.rows("academicSessions")
             if _text(r, "schoolYear").isdigit()]
    return max(years) if years else None


def read_work(bundle: Bundle, *, school_year: int, teachers: bool = False) -> Work:
    """Drafts of every school org, current-year homeroom class and person of ``bundle``.

    Orgs are kept by sourcedId here; :func:`pipeline.preprocess.merge.merge_schools` keys
    them by 学校コード. People keep their org and class sourcedIds until then.
    """
    work = Work(school_year=school_year)
    work.raw_orgs = {_text(r, "sourcedId"): r for r in bundle.rows("orgs")
                     if r.get("type") == "school"}
    work.classes = homeroom_classes(bundle, school_year)
    # the primary role of every user who is not a student (a user's last primary role row
    # decides); a user not in it is a student: pupils are most of a city, this map is small
    role_of: dict[str, str] = {}
    for r in bundle.rows("roles"):
        if r.get("roleType", "primary") == "primary":
            role = _text(r, "role")
            if role == "student":
                role_of.pop(_text(r, "userSourcedId"), None)
            else:
                role_of[_text(r, "userSourcedId")] = role
    users = bundle.rows("users")
    enrolments = _enrolments(bundle, work.classes, [_text(u, "sourcedId") for u in users])
    for u, enrolled in zip(users, enrolments, strict=True):
        values = _texts(u, USER_COLUMNS)
        role = role_of.get(values[0], "student")
        if role != "student" and not (teachers and role == "teacher"):
            if role == "teacher":
                work.teachers_skipped += 1
            continue
        work.people.append(_person(values, role, enrolled))
    return work


#: The users.csv columns a draft is made of, in :func:`_person`'s order.
USER_COLUMNS = ("sourcedId", "userMasterIdentifier", "userIds", "preferredFamilyName",
                "preferredGivenName", "metadata.jp.kanaFamilyName", "metadata.jp.kanaGivenName",
                "grades", "primaryOrgSourcedId", "metadata.jp.homeClass", "enabledUser",
                "familyName", "givenName")


def _texts(row: Mapping[str, object], keys: tuple[str, ...]) -> list[str]:
    """:func:`_text` of each of ``keys`` (blank for a missing one), in one pass."""
    return [v if type(v) is str else ("" if v is None else format_value(v))
            for v in map(row.get, keys)]


def homeroom_classes(bundle: Bundle, school_year: int) -> dict[str, ClassDraft]:
    """The homeroom classes of ``school_year`` (年度), by sourcedId; a class without a term of
    a known year counts as this year's."""
    session_year = {_text(r, "sourcedId"): int(_text(r, "schoolYear"))
                    for r in bundle.rows("academicSessions")
                    if _text(r, "schoolYear").isdigit()}
    classes: dict[str, ClassDraft] = {}
    for row in bundle.rows("classes"):
        if row.get("classType", "homeroom") != "homeroom":
            continue
        years = [session_year[t] for t in split_list(_text(row, "termSourcedIds"))
                 if t in session_year]
        year = max(years) if years else school_year
        if year != school_year:
            continue  # a past 年度's class: C4th may keep it for 指導要録; never delivered
        sid = _text(row, "sourcedId")
        title = _text(row, "title").strip()
        classes[sid] = ClassDraft(
            sourced_id=sid, key="", school_code=_text(row, "schoolSourcedId"),
            school_year=year, source_title=title, title=title,
            grades=split_list(_text(row, "grades")),
            special_needs=_text(row, "metadata.jp.specialNeeds").lower() == "true")
    return classes


def _enrolments(bundle: Bundle, classes: Mapping[str, ClassDraft], user_ids: Sequence[str]
                ) -> list[Sequence[tuple[str, str]]]:
    """Each user's enrolments in one of ``classes`` ((class sourcedId, 出席番号), in
    enrollments.csv's order), for ``user_ids`` (users.csv's sourcedIds, in its order).

    C4th lists each user's enrolments together, in users.csv's order, so the two files are
    walked side by side with no map: at a prefecture's size a map of every pupil is the
    plan's costliest kind of step (a lookup past the cache; bench/hash_cliff.py). Any other
    order falls back to a map; both give the same answer when sourcedIds are unique, which
    the checker makes sure of (OR401 quarantines the bundle).
    """
    pairs: list[tuple[str, tuple[str, str]]] = []
    for e in bundle.rows("enrollments"):
        cid = _text(e, "classSourcedId")
        if cid in classes:
            pairs.append((_text(e, "userSourcedId"), (cid, _text(e, "metadata.jp.ShussekiNo"))))
    out: list[Sequence[tuple[str, str]]] = []
    at, end = 0, len(pairs)
    for sid in user_ids:
        if at < end and pairs[at][0] == sid:
            stop = at + 1
            while stop < end and pairs[stop][0] == sid:
                stop += 1
            out.append((pairs[at][1],) if stop == at + 1 else [p[1] for p in pairs[at:stop]])
            at = stop
        else:
            out.append(())
    if at == end:
        return out
    by_user: dict[str, list[tuple[str, str]]] = {}
    for uid, enrolment in pairs:
        by_user.setdefault(uid, []).append(enrolment)
    return [by_user.get(sid, ()) for sid in user_ids]


def _person(values: list[str], role: str, enrolled: Sequence[tuple[str, str]]
            ) -> PersonDraft:
    """The draft of a user row (its :data:`USER_COLUMNS` ``values``), placed in the homeroom
    its enrolments name."""
    (sid, umi, user_ids, family, given, family_kana, given_kana, grades_text, org, home,
     enabled, display_family, display_given) = values
    # The homeroom is the enrolment homeClass names; without homeClass, the one enrolment
    # of this 年度. Several and no homeClass: none is chosen and the person is held.
    chosen = [x for x in enrolled if x[0] == home] or (enrolled if len(enrolled) == 1 else [])
    if not chosen and role == "teacher" and enrolled:
        chosen = enrolled[:1]  # a teacher may teach several classes; the first is theirs
    class_id, number = chosen[0] if chosen else ("", "")
    grades = split_list(grades_text)
    return PersonDraft(
        sourced_id=sid, umi=umi.strip().lower(), upn=giga_id(user_ids), role=role,
        family_name=family, given_name=given, family_kana=family_kana, given_kana=given_kana,
        grade=grades[0] if grades else "",
        school_code="", primary_org=org,
        class_id=class_id,
        attendance_number=int(number) if number.isdigit() else None,
        enabled=enabled.lower() != "false",  # blank (missing) is enabled, as OneRoster says
        display_family=display_family, display_given=display_given)
