"""Small hand-made C4th-style exports for the pipeline's rule tests.

Every export draws fresh sourcedIds (as C4th does), so the same people in two exports share
only their stable keys: userMasterIdentifier, 学校コード and (school, 年度, class title).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from harness.accounts.passwords import PasswordEntry, write_password_file
from harness.oneroster import write_bundle
from harness.oneroster.model import Bundle, Row

BOARD = "089901"
P_SCHOOL = "B108299000100"
J_SCHOOL = "C108299000201"
GIMU = "C208299000303"


def umi_for(n: int) -> str:
    return str(uuid.UUID(int=random.Random(f"umi/{n}").getrandbits(128), version=4))


def upn_for(n: int) -> str:
    return f"s{n:07d}@city.example.ed.jp"


def password_for(n: int) -> str:
    return f"Init-Pass-{n:04d}!"


@dataclass
class Pupil:
    n: int
    school: str  # 学校コード (or an org name for split orgs, see Kit.org)
    title: str
    grade: str
    family: str = "山田"
    given: str = "太郎"
    family_kana: str = "ヤマダ"
    given_kana: str = "タロウ"
    preferred: tuple[str, str] | None = None  # external (family, given); None: same as display
    number: int = 1
    upn: str | None = None
    umi: str | None = None
    enabled: bool = True
    primary: str | None = None  # primaryOrg's 学校コード when it differs from the class's
    extra_records: list[tuple[str, str, str]] = field(default_factory=list)  # stale copies


@dataclass
class Kit:
    """A city: schools (code → [(org name, grades)]), classes and pupils; ``export()`` builds
    a bulk bundle with fresh sourcedIds each time."""

    year: int = 2025
    schools: dict[str, list[tuple[str, tuple[str, ...]]]] = field(default_factory=dict)
    classes: list[tuple[str, str, tuple[str, ...], bool]] = field(default_factory=list)
    pupils: list[Pupil] = field(default_factory=list)
    serial: int = 0

    @classmethod
    def default(cls) -> Kit:
        kit = cls()
        kit.schools = {
            P_SCHOOL: [("みらい市立東小学校", ("P1", "P2", "P3", "P4", "P5", "P6"))],
            J_SCHOOL: [("みらい市立西中学校", ("J1", "J2", "J3"))],
            GIMU: [("みらい市立桜学園 前期課程", ("P1", "P2", "P3", "P4", "P5", "P6")),
                   ("みらい市立桜学園 後期課程", ("J1", "J2", "J3"))],
        }
        for school, title, grades in [(P_SCHOOL, "1年1組", ("P1",)), (P_SCHOOL, "2年1組", ("P2",)),
                                      (P_SCHOOL, "1年2組", ("P1",)),
                                      (J_SCHOOL, "1年1組", ("J1",)), (J_SCHOOL, "3年1組", ("J3",)),
                                      (GIMU, "1年1組", ("P1",)), (GIMU, "7年1組", ("J1",))]:
            kit.classes.append((school, title, grades, False))
        return kit

    def add_class(self, school: str, title: str, grades: tuple[str, ...],
                  special: bool = False) -> None:
        self.classes.append((school, title, grades, special))

    def add(self, n: int, school: str, title: str, grade: str, **kw: object) -> Pupil:
        p = Pupil(n, school, title, grade, **kw)  # type: ignore[arg-type]
        self.pupils.append(p)
        return p

    def fill(self, count: int, start: int = 1) -> None:
        """``count`` regular pupils spread over the default classes."""
        slots = [(P_SCHOOL, "1年1組", "P1"), (P_SCHOOL, "2年1組", "P2"),
                 (J_SCHOOL, "1年1組", "J1"), (GIMU, "1年1組", "P1"), (GIMU, "7年1組", "J1")]
        for i in range(count):
            school, title, grade = slots[i % len(slots)]
            self.add(start + i, school, title, grade, number=i // len(slots) + 1)

    def person(self, n: int) -> Pupil:
        return next(p for p in self.pupils if p.n == n)

    # --- export ---------------------------------------------------------------------------
    def _org(self, school: str, grade: str) -> int:
        orgs = self.schools[school]
        for i, (_, grades) in enumerate(orgs):
            if grade in grades:
                return i
        return 0

    def bundle(self) -> Bundle:
        self.serial += 1
        rng = random.Random(f"export/{self.serial}")

        def new_id() -> str:
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))

        b = Bundle(profile="jp-eportal-v4")
        b.manifest_extra = {"source.systemName": "C4th (test)", "source.systemCode": BOARD}
        session = new_id()
        b.add("academicSessions", [{
            "sourcedId": session, "title": f"{self.year}年度", "type": "schoolYear",
            "startDate": f"{self.year}-04-01", "endDate": f"{self.year + 1}-03-31",
            "schoolYear": str(self.year)}])
        district = new_id()
        orgs: list[Row] = [{"sourcedId": district, "name": "みらい市教育委員会",
                            "type": "district", "identifier": BOARD}]
        org_id: dict[tuple[str, int], str] = {}
        courses: list[Row] = []
        course_id: dict[str, str] = {}
        for code, parts in self.schools.items():
            for i, (name, grades) in enumerate(parts):
                oid = org_id[(code, i)] = new_id()
                orgs.append({"sourcedId": oid, "name": name, "type": "school",
                             "identifier": code, "parentSourcedId": district})
                course_id[oid] = cid = new_id()
                courses.append({"sourcedId": cid, "schoolYearSourcedId": session,
                                "title": f"{self.year}年度 {name} 学級", "grades": list(grades),
                                "orgSourcedId": oid})
        b.add("orgs", orgs)
        b.add("courses", courses)
        class_id: dict[tuple[str, str], tuple[str, str]] = {}
        rows: list[Row] = []
        for code, title, grades, special in self.classes:
            oid = org_id[(code, self._org(code, grades[0]))]
            cid = new_id()
            class_id[(code, title)] = (cid, oid)
            rows.append({"sourcedId": cid, "title": title, "grades": list(grades),
                         "courseSourcedId": course_id[oid], "classType": "homeroom",
                         "schoolSourcedId": oid, "termSourcedIds": [session],
                         "metadata.jp.specialNeeds": special})
        b.add("classes", rows)
        users: list[Row] = []
        roles: list[Row] = []
        enrols: list[Row] = []
        for p in self.pupils:
            records = [(p.umi or umi_for(p.n), p.school, p.title)]
            records += [(u, s, t) for u, s, t in p.extra_records]
            for i, (umi, school, title) in enumerate(records):
                cid, oid = class_id[(school, title)]
                primary = oid
                if i == 0 and p.primary:
                    primary = org_id[(p.primary, self._org(p.primary, p.grade))]
                uid = new_id()
                upn = p.upn or upn_for(p.n)
                pf, pg = p.preferred if p.preferred is not None else (p.family, p.given)
                users.append({
                    "sourcedId": uid, "enabledUser": p.enabled, "username": upn,
                    "userIds": [f"{{Office365:{upn}}}"], "givenName": p.given,
                    "familyName": p.family, "grades": [p.grade], "userMasterIdentifier": umi,
                    "preferredGivenName": pg, "preferredFamilyName": pf,
                    "primaryOrgSourcedId": primary, "metadata.jp.kanaGivenName": p.given_kana,
                    "metadata.jp.kanaFamilyName": p.family_kana,
                    "metadata.jp.homeClass": cid})
                roles.append({"sourcedId": new_id(), "userSourcedId": uid,
                              "roleType": "primary", "role": "student", "orgSourcedId": oid})
                enrols.append({"sourcedId": new_id(), "classSourcedId": cid,
                               "schoolSourcedId": oid, "userSourcedId": uid, "role": "student",
                               "primary": False, "metadata.jp.ShussekiNo": p.number})
        b.add("users", users)
        b.add("roles", roles)
        b.add("enrollments", enrols)
        return b

    def write(self, path: Path) -> Path:
        return write_bundle(self.bundle(), path)

    def write_passwords(self, path: Path, *, skip: tuple[int, ...] = ()) -> Path:
        entries = [PasswordEntry(p.umi or umi_for(p.n), p.upn or upn_for(p.n), password_for(p.n))
                   for p in self.pupils if p.n not in skip]
        return write_password_file(path, entries)


CONFIG = """
[municipality]
name = "みらい市"
board_code = "089901"
[state]
path = "state/renkei.sqlite"
[source]
drop_dir = "drop"
[accounts]
password_file = "passwords.csv"
{extra}
"""


class Env:
    """A temporary installation without delivery targets: a drop folder, the board's file
    and the state. ``run()`` writes the kit's next export and runs the pipeline."""

    def __init__(self, root: Path, kit: Kit | None = None, extra: str = "") -> None:
        from pipeline.config import load_config

        self.root = root
        self.kit = kit or Kit.default()
        (root / "drop").mkdir(parents=True, exist_ok=True)
        (root / "renkei.toml").write_text(CONFIG.format(extra=extra), encoding="utf-8")
        self.config = load_config(root / "renkei.toml")
        self.exports = 0

    def export(self) -> Path:
        self.exports += 1
        path = self.root / "drop" / f"RO_{self.exports:03d}.zip"
        self.kit.write(path)
        import os
        os.utime(path, (1_700_000_000 + self.exports, 1_700_000_000 + self.exports))
        return path

    def run(self, *, day: int = 1, month: int = 5, year: int = 2025, skip_passwords=(),
            export: bool = True, **kw: object):
        import datetime as dt

        from pipeline.run import run_pipeline

        self.kit.write_passwords(self.root / "passwords.csv", skip=tuple(skip_passwords))
        if export:
            self.export()
        now = dt.datetime(year, month, day, 20, 0, tzinfo=dt.UTC)
        return run_pipeline(self.config, now=now, **kw)

    def state(self):
        from pipeline.state import State

        return State(self.config.state_path)


def rules(result, action: str | None = None) -> list[tuple[str, str]]:
    """(rule, subject) of a run's decisions, optionally of one action."""
    return [(d.rule, d.subject) for d in result.decisions if action in (None, d.action)]
