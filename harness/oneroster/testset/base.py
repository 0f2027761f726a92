"""The small, valid sample bundle every test-set case starts from.

A board of education (教育委員会), one elementary (B1) and one junior high (C1) school, the 2025
年度, homeroom and special-needs classes, four students with kana names, roles, enrollments
with 出席番号 and demographics: the rostering files only, as a school-affairs system (C4th)
exports them. Under the plain 1.2.1 profile the sample also carries a category and a line item
(gradebook files); under the Japan profiles they are a test-set case of their own, because
the 2022 pilot importers crash on them (OR709). Every sourcedId is a UUID v4 derived from a
short key (:func:`sample_id`), and the manifest names its source system: what strict Japanese
importers insist on (importer practice, OR7xx).
"""

from __future__ import annotations

from harness.oneroster.ids import stable_uuid4
from harness.oneroster.model import Bundle
from harness.oneroster.schema import load_profile


def sample_id(key: str) -> str:
    """The sample's sourcedId for a short key (``y2025``, ``s1``, ``u1`` …): a UUID v4, the
    same on every run, as strict importers want (OR701)."""
    return stable_uuid4("renkei-sample", key)


YEAR = sample_id("y2025")
DISTRICT, ELEMENTARY, JUNIOR_HIGH = sample_id("d1"), sample_id("s1"), sample_id("s2")
#: What the sample's manifest says about its source (OR702 wants both properties).
SOURCE = {"source.systemName": "renkei sample", "source.systemCode": "renkei-sample"}

_STUDENTS = [
    # key, family, given, kana family, kana given, grade, school, class, number, UUID v4
    ("u1", "山田", "太郎", "ヤマダ", "タロウ", "P1", ELEMENTARY, "k1", 1,
     "0f8fad5b-d9cb-469f-a165-70867728950e"),
    ("u2", "佐藤", "花子", "サトウ", "ハナコ", "P1", ELEMENTARY, "k1", 2,
     "7c9e6679-7425-40de-944b-e07fc1f90ae7"),
    ("u3", "鈴木", "一郎", "スズキ", "イチロウ", "J1", JUNIOR_HIGH, "k2", 1,
     "1b9d6bcd-bbfd-4b2d-9b5d-ab8dfbbd4bed"),
    ("u4", "高橋", "美咲", "タカハシ", "ミサキ", "J1", JUNIOR_HIGH, "k2", 2,
     "6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b"),
]


def sample_bundle(profile: str = "jp-eportal-v4", *, gradebook: bool | None = None) -> Bundle:
    """A valid bulk bundle with no findings at ERROR or WARN under ``profile``.

    :param gradebook: add the gradebook files (categories, lineItems); default: only under a
        profile that is not Japanese (a Japan-profile bundle with them draws OR709).
    """
    b = Bundle(profile=profile, manifest_extra=dict(SOURCE))
    b.add("academicSessions", [{
        "sourcedId": YEAR, "title": "2025年度", "type": "schoolYear",
        "startDate": "2025-04-01", "endDate": "2026-03-31", "schoolYear": "2025",
    }])
    b.add("orgs", [
        {"sourcedId": DISTRICT, "name": "つくば市教育委員会", "type": "district",
         "identifier": "082201"},
        {"sourcedId": ELEMENTARY, "name": "つくば市立竹園東小学校", "type": "school",
         "identifier": "B108220100015", "parentSourcedId": DISTRICT},
        {"sourcedId": JUNIOR_HIGH, "name": "つくば市立竹園東中学校", "type": "school",
         "identifier": "C108220100011", "parentSourcedId": DISTRICT},
    ])
    b.add("courses", [
        {"sourcedId": sample_id("c1"), "schoolYearSourcedId": YEAR, "title": "2025年度 小学校",
         "orgSourcedId": ELEMENTARY, "grades": ["P1"]},
        {"sourcedId": sample_id("c2"), "schoolYearSourcedId": YEAR, "title": "2025年度 中学校",
         "orgSourcedId": JUNIOR_HIGH, "grades": ["J1"]},
    ])
    b.add("classes", [
        {"sourcedId": sample_id("k1"), "title": "1年1組", "grades": ["P1"],
         "courseSourcedId": sample_id("c1"),
         "classType": "homeroom", "schoolSourcedId": ELEMENTARY, "termSourcedIds": [YEAR],
         "metadata.jp.specialNeeds": False},
        {"sourcedId": sample_id("k2"), "title": "1年1組", "grades": ["J1"],
         "courseSourcedId": sample_id("c2"),
         "classType": "homeroom", "schoolSourcedId": JUNIOR_HIGH, "termSourcedIds": [YEAR],
         "metadata.jp.specialNeeds": False},
        {"sourcedId": sample_id("k3"), "title": "ひまわり学級", "grades": ["P1"],
         "courseSourcedId": sample_id("c1"),
         "classType": "homeroom", "schoolSourcedId": ELEMENTARY, "termSourcedIds": [YEAR],
         "metadata.jp.specialNeeds": True, "subjects": ["国語", "算数"],
         "subjectCodes": ["P010", "P030"]},
    ])
    users, roles, enrollments, demographics = [], [], [], []
    for key, fam, giv, kfam, kgiv, grade, school, key_cls, number, umi in _STUDENTS:
        sid, cls = sample_id(key), sample_id(key_cls)
        users.append({
            "sourcedId": sid, "enabledUser": True, "username": f"{key}@example.ed.jp",
            "userIds": [f"{{Office365:{key}@example.ed.jp}}"], "givenName": giv,
            "familyName": fam, "grades": [grade], "userMasterIdentifier": umi,
            "preferredGivenName": giv, "preferredFamilyName": fam, "primaryOrgSourcedId": school,
            "metadata.jp.kanaGivenName": kgiv, "metadata.jp.kanaFamilyName": kfam,
            "metadata.jp.homeClass": cls,
        })
        roles.append({"sourcedId": sample_id(f"r-{key}"), "userSourcedId": sid,
                      "roleType": "primary", "role": "student", "orgSourcedId": school})
        enrollments.append({
            "sourcedId": sample_id(f"e-{key}"), "classSourcedId": cls, "schoolSourcedId": school,
            "userSourcedId": sid, "role": "student", "primary": False,
            "beginDate": "2025-04-01", "endDate": "2026-03-31",
            "metadata.jp.ShussekiNo": number, "metadata.jp.shussekiNo": number,
        })
        demographics.append({"sourcedId": sid, "birthDate": "2018-06-01", "sex": "other"})
    enrollments.append({
        "sourcedId": sample_id("e-u2-k3"), "classSourcedId": sample_id("k3"),
        "schoolSourcedId": ELEMENTARY, "userSourcedId": sample_id("u2"), "role": "student",
        "primary": False,
    })
    b.add("users", users)
    b.add("roles", roles)
    b.add("enrollments", enrollments)
    b.add("demographics", demographics)
    if gradebook is None:
        gradebook = not load_profile(profile).japanese
    if gradebook:
        add_gradebook(b)
    return b


def add_gradebook(b: Bundle) -> None:
    """A category and a line item for the elementary homeroom (gradebook files)."""
    b.add("categories", [{"sourcedId": sample_id("cat1"), "title": "小テスト", "weight": "1"}])
    b.add("lineItems", [{
        "sourcedId": sample_id("li1"), "title": "漢字テスト", "assignDate": "2025-05-01",
        "dueDate": "2025-05-08", "classSourcedId": sample_id("k1"),
        "categorySourcedId": sample_id("cat1"),
        "academicSessionSourcedId": YEAR, "resultValueMin": "0", "resultValueMax": "100",
        "schoolSourcedId": ELEMENTARY,
    }])


def add_resources(b: Bundle) -> None:
    """A digital textbook resource assigned to the elementary homeroom (resource files)."""
    b.add("resources", [{"sourcedId": sample_id("res1"), "vendorResourceId": "tb-kokugo-1",
                         "title": "こくご一上", "vendorId": "renkei-sample"}])
    b.add("classResources", [{"sourcedId": sample_id("cr1"), "title": "こくご一上",
                              "classSourcedId": sample_id("k1"),
                              "resourceSourcedId": sample_id("res1")}])


def to_delta(bundle: Bundle, stamp: str = "2025-05-01T09:00:00.000Z") -> Bundle:
    """The same records as a delta bundle: every row active, stamped ``stamp``."""
    out = Bundle(profile=bundle.profile, manifest_extra=dict(bundle.manifest_extra))
    for name, rows in bundle.tables.items():
        out.add(name, [{**r, "status": "active", "dateLastModified": stamp} for r in rows],
                mode="delta")
    return out
