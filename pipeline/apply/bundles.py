"""The OneRoster bundles the pipeline sends: the bulk to lgate and the delta to the drill app.

Both are built from the cleaned :class:`~pipeline.model.Roster` with the stable sourcedIds it
carries (DESIGN.md rule 4); the records the roster does not key (the district, the 年度
session, courses, roles, enrollments) get ids derived with :func:`stable_uuid4` from the keyed
ids they hang on, so they too are UUID v4 and never change while the roster does not.

Every bundle is written with :func:`harness.oneroster.write_bundle` and checked with
:func:`harness.oneroster.check_bundle` (profile jp-eportal-v4) before it leaves the pipeline;
a bundle with ERROR findings is never sent (:class:`BundleRejected`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from harness.core import Finding, Severity
from harness.core.gcpause import no_cyclic_gc
from harness.oneroster import Bundle, check_bundle, write_bundle
from harness.oneroster.ids import stable_uuid4
from harness.oneroster.model import Row
from pipeline.model import PersonRecord, Roster

PROFILE = "jp-eportal-v4"
#: Checker rules the drill delta may break: OR515 (jp-eportal: enabledUser must be true) exists
#: because the e-portal standard cannot disable an account; the drill app's delta is exactly
#: the way to (pilot §4, DESIGN.md rule 13), and the drill app waives it too.
DELTA_WAIVED = frozenset({"OR515"})


@dataclass(frozen=True)
class Source:
    """Who the bundle comes from: the board of education (教育委員会) and its code.

    :param board_code: 教育委員会コード (6 digits) or a 13-character code; names the zip.
    """

    board_name: str
    board_code: str
    system_name: str = "renkei pipeline"


class BundleRejected(Exception):
    """A bundle the pipeline built has ERROR findings; it is not sent."""

    def __init__(self, kind: str, findings: list[Finding]) -> None:
        self.kind = kind
        self.findings = findings
        first = "; ".join(f"{f.rule} {f.message_en}" for f in findings[:3])
        super().__init__(f"the {kind} bundle fails the checker ({len(findings)} errors): {first}")


@dataclass
class BuiltBundle:
    """A written and checked bundle: its bytes, its file name and what it holds."""

    content: bytes
    filename: str
    counts: dict[str, int] = field(default_factory=dict)


def bundle_filename(source: Source, day: str) -> str:
    """``RO_YYYYMMDD_<board code>.zip`` (``day`` as ``YYYY-MM-DD``)."""
    return f"RO_{day.replace('-', '')}_{source.board_code}.zip"


def frame(roster: Roster, source: Source, *, status: str = "", stamp: str = ""
           ) -> tuple[Bundle, dict[str, str]]:
    """The bundle's frame (session, district, schools, courses, classes); class key → course."""
    year = roster.school_year
    extra = {"status": status, "dateLastModified": stamp} if status else {}
    bundle = Bundle(profile=PROFILE)
    bundle.manifest_extra = {"source.systemName": source.system_name,
                             "source.systemCode": source.board_code}
    mode = "delta" if status else "bulk"
    district = stable_uuid4("district", source.board_code)
    session = stable_uuid4("session", source.board_code, year)
    bundle.add("academicSessions", [{
        "sourcedId": session, "title": f"{year}年度", "type": "schoolYear",
        "startDate": f"{year}-04-01", "endDate": f"{year + 1}-03-31", "schoolYear": str(year),
        **extra}], mode=mode)
    orgs: list[Row] = [{"sourcedId": district, "name": source.board_name, "type": "district",
                        "identifier": source.board_code, **extra}]
    courses: list[Row] = []
    course_of: dict[str, str] = {}
    for school in sorted(roster.schools.values(), key=lambda s: s.school_code):
        orgs.append({"sourcedId": school.sourced_id, "name": school.name, "type": "school",
                     "identifier": school.school_code, "parentSourcedId": district, **extra})
        course = stable_uuid4("course", school.sourced_id, year)
        course_of[school.school_code] = course
        courses.append({"sourcedId": course, "schoolYearSourcedId": session,
                        "title": f"{year}年度 {school.name} 学級", "grades": list(school.grades),
                        "orgSourcedId": school.sourced_id, **extra})
    bundle.add("orgs", orgs, mode=mode)
    bundle.add("courses", courses, mode=mode)
    classes: list[Row] = []
    for cls in sorted(roster.classes.values(), key=lambda c: c.key):
        if cls.school_code not in roster.schools:
            continue  # a class of a school no longer delivered cannot be attached
        classes.append({
            "sourcedId": cls.sourced_id, "title": cls.title, "grades": list(cls.grades),
            "courseSourcedId": course_of[cls.school_code], "classType": "homeroom",
            "schoolSourcedId": roster.schools[cls.school_code].sourced_id,
            "termSourcedIds": [session], "metadata.jp.specialNeeds": cls.special_needs, **extra})
    bundle.add("classes", classes, mode=mode)
    return bundle, course_of


def user_row(person: PersonRecord, roster: Roster, *, enabled: bool | None = None) -> Row:
    """A person's users.csv row, with the gaiji-free names and the homeroom reference."""
    school = roster.schools.get(person.school_code)
    cls = roster.classes.get(person.class_key)
    row: Row = {
        "sourcedId": person.sourced_id,
        "enabledUser": person.enabled if enabled is None else enabled,
        "username": person.upn, "userIds": [f"{{Office365:{person.upn}}}"],
        "givenName": person.given_name, "familyName": person.family_name,
        "grades": [person.grade], "userMasterIdentifier": person.umi,
        "preferredGivenName": person.given_name, "preferredFamilyName": person.family_name,
        "primaryOrgSourcedId": school.sourced_id if school else "",
        "metadata.jp.kanaGivenName": person.given_kana,
        "metadata.jp.kanaFamilyName": person.family_kana,
        "metadata.jp.homeClass": cls.sourced_id if cls and school else "",
    }
    return row


def person_rows(person: PersonRecord, roster: Roster, extra: Mapping[str, str]
                 ) -> tuple[Row, Row | None, Row | None]:
    school = roster.schools.get(person.school_code)
    cls = roster.classes.get(person.class_key)
    user = {**user_row(person, roster), **extra}
    if school is None:
        return user, None, None
    role: Row = {"sourcedId": stable_uuid4("role", person.sourced_id, school.sourced_id),
            "userSourcedId": person.sourced_id, "roleType": "primary", "role": person.role,
            "orgSourcedId": school.sourced_id, **extra}
    if cls is None or cls.school_code != person.school_code:
        return user, role, None
    enrol: Row = {"sourcedId": stable_uuid4("enrollment", person.sourced_id, cls.sourced_id),
             "classSourcedId": cls.sourced_id, "schoolSourcedId": school.sourced_id,
             "userSourcedId": person.sourced_id, "role": person.role, "primary": False,
             "metadata.jp.ShussekiNo": person.attendance_number, **extra}
    return user, role, enrol


def build_bulk(roster: Roster, source: Source, *, day: str) -> BuiltBundle:
    """The e-portal's bulk bundle: the whole roster (held people keep their previous record)."""
    def rows() -> Bundle:
        bundle, _ = frame(roster, source)
        users: list[Row] = []
        roles: list[Row] = []
        enrollments: list[Row] = []
        for person in sorted(roster.people.values(), key=lambda p: p.umi):
            user, role, enrol = person_rows(person, roster, {})
            users.append(user)
            if role:
                roles.append(role)
            if enrol:
                enrollments.append(enrol)
        bundle.add("users", users)
        bundle.add("roles", roles)
        bundle.add("enrollments", enrollments)
        return bundle
    return _write_checked(rows, bundle_filename(source, day), "bulk")


@dataclass(frozen=True)
class DeltaUser:
    """One user line of a delta: upsert the roster record, or a leaver's disable/delete.

    :param state: ``active`` (the roster's record), ``left`` (enabledUser=false at once) or
        ``tobedeleted`` (after the grace period).
    :param record: the person's record (for a leaver, the one last delivered).
    """

    state: str
    record: PersonRecord


def build_delta(roster: Roster, users: Iterable[DeltaUser], source: Source, *, day: str,
                stamp: str) -> BuiltBundle:
    """The drill app's delta: the frame as active upserts plus the changed users.

    Leavers are sent with their last delivered record; when their school or class is no longer
    in the roster the reference is left blank rather than dangling.
    """
    def rows() -> Bundle:
        bundle, _ = frame(roster, source, status="active", stamp=stamp)
        active = {"status": "active", "dateLastModified": stamp}
        tables: dict[str, list[Row]] = {"users": [], "roles": [], "enrollments": []}
        for item in users:
            p = item.record
            if item.state == "active":
                user, role, enrol = person_rows(p, roster, active)
                tables["users"].append(user)
                tables["roles"].extend([role] if role else [])
                tables["enrollments"].extend([enrol] if enrol else [])
                continue
            user = {**user_row(p, roster, enabled=False), **active, "metadata.jp.homeClass": ""}
            if item.state == "tobedeleted":
                user["status"] = "tobedeleted"
            tables["users"].append(user)
        for name, table in tables.items():
            if table:
                bundle.add(name, table, mode="delta")
        return bundle
    return _write_checked(rows, bundle_filename(source, day), "delta", waived=DELTA_WAIVED)


def _write_checked(build: Callable[[], Bundle], filename: str, kind: str,
                   waived: frozenset[str] = frozenset()) -> BuiltBundle:
    """Write the bundle ``build`` makes and check the file; its rows are let go once written
    (the check reads the file, and a city's rows are the largest thing a delivery holds)."""
    with tempfile.TemporaryDirectory(prefix="renkei-bundle-") as tmp:
        with no_cyclic_gc():  # a city's rows, kept until written: nothing for the collector
            bundle = build()
        path = write_bundle(bundle, Path(tmp) / filename)
        counts = {name: len(rows) for name, rows in bundle.tables.items() if rows}
        del bundle
        result = check_bundle(path, profile=PROFILE)
        errors = [f for f in result.findings
                  if f.severity is Severity.ERROR and f.rule not in waived]
        if errors:
            raise BundleRejected(kind, errors)
        del result
        content = path.read_bytes()
    return BuiltBundle(content, filename, counts)
