"""Test support for the delivery half (helper G): a cleaned roster straight from a city.

Stands in for preprocessing in unit tests of delivery, so they do not depend on it: the same
stable keys (umi, 学校コード, school + 年度 + title) and stable UUID v4 ids.
"""

from __future__ import annotations

from fixtures import City, generate_city, load_profile
from harness.oneroster.ids import stable_uuid4
from pipeline.apply.bundles import Source
from pipeline.model import ClassRecord, PersonRecord, Roster, SchoolRecord

SALT = "test-installation"
SOURCE = Source(board_name="つくば市教育委員会", board_code="082201")


def small_city(seed: int = 1) -> City:
    return generate_city(load_profile("small"), seed)


def roster_from_city(city: City) -> Roster:
    year = city.school_year
    roster = Roster(school_year=year)
    for school in city.schools.values():
        roster.schools[school.school_code] = SchoolRecord(
            school.school_code, stable_uuid4(SALT, "school", school.school_code), school.name,
            tuple(school.grades))
    code_of = {s.key: s.school_code for s in city.schools.values()}
    for room in city.homerooms.values():
        if room.year != year:
            continue
        code = code_of[room.school]
        key = f"{code}/{year}/{room.title}"
        roster.classes[room.key] = ClassRecord(
            key, stable_uuid4(SALT, "class", key), code, year, room.title, room.title,
            tuple(room.grades), room.special_needs)
    for s in city.students.values():
        roster.people[s.umi] = PersonRecord(
            umi=s.umi, sourced_id=stable_uuid4(SALT, "user", s.umi), upn=s.upn,
            family_name=s.family_kanji, given_name=s.given_kanji, family_kana=s.family_kana,
            given_kana=s.given_kana, grade=s.grade, school_code=code_of[s.school],
            class_key=s.homeroom, attendance_number=s.attendance_number)
    # class_key in the model is the class's key; re-key classes to match people
    roster.classes = {c.key: c for c in roster.classes.values()}
    by_room = {room_key: f"{code_of[r.school]}/{year}/{r.title}"
               for room_key, r in city.homerooms.items() if r.year == year}
    roster.people = {u: _with_class(p, by_room[p.class_key]) for u, p in roster.people.items()}
    return roster


def _with_class(p: PersonRecord, key: str) -> PersonRecord:
    from dataclasses import replace
    return replace(p, class_key=key)
