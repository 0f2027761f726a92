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


# --- in-process mocks and ready-made targets ---------------------------------------------------
PASSWORD = "Init-Pass-1234"
CLIENT_SECRET = "renkei-dev-secret"
BASES = {"lgate": "http://lgate.test", "m365": "http://m365.test",
         "interactive_study": "http://interactive-study.test"}


class MockWorld:
    """lgate, m365 and the drill app in-process (each on its own in-memory database)."""

    def __init__(self) -> None:
        from mocks import create_app
        self.apps = {BASES[name]: create_app(name, {"DATABASE": ":memory:"}) for name in BASES}

    def session(self):
        import requests

        from harness.transport import mount_wsgi
        s = requests.Session()
        mount_wsgi(s, self.apps)
        return s

    def state(self, name: str) -> dict:
        return self.session().get(f"{BASES[name]}/_admin/state").json()

    def requests_log(self, name: str) -> list[dict]:
        return self.session().get(f"{BASES[name]}/_admin/requests").json()["requests"]

    def fault(self, name: str, **fault) -> None:
        self.session().post(f"{BASES[name]}/_admin/faults", json=fault).raise_for_status()

    def clear_faults(self, name: str) -> None:
        self.session().delete(f"{BASES[name]}/_admin/faults").raise_for_status()

    def targets(self, passwords: dict | None = None, *, retries: int = 2,
                m365_secret: str = CLIENT_SECRET):
        from pipeline.apply import Targets
        from pipeline.clients import DrillClient, GraphClient, LgateClient
        from pipeline.http import RetryingHttpClient, RetryPolicy

        def http(target: str) -> RetryingHttpClient:
            return RetryingHttpClient(self.session, target=target,
                                      policy=RetryPolicy(retries=retries), sleep=lambda s: None)
        pw = passwords if passwords is not None else {}
        return Targets(
            source=SOURCE, lgate=LgateClient(http("lgate"), BASES["lgate"]),
            m365=GraphClient(http("m365"), BASES["m365"], tenant="renkei",
                             client_id="renkei-pipeline", client_secret=m365_secret),
            drill=DrillClient(http("drill"), BASES["interactive_study"]),
            passwords=lambda: pw)


def passwords_for(roster: Roster) -> dict:
    from harness.accounts.passwords import PasswordEntry
    return {p.umi: PasswordEntry(p.umi, p.upn, PASSWORD) for p in roster.people.values()}


def make_plan(roster: Roster, plan_id: str, day: str = "2025-05-01", previous=None):
    from pipeline.model import Plan
    return Plan(id=plan_id, export_sha256="0" * 64, created_at=f"{day}T02:00:00+00:00",
                roster=roster, previous=previous)
