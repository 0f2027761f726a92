"""A plain Tsukuba-sized bundle built with the writer, for benchmarks (no quirks, no Faker).

~23,000 students in 50 schools and ~900 homeroom classes, with users, roles, enrollments and
demographics: the shape of a c4th export, without the synthetic city's realism. Every
sourcedId is a UUID v4 (as importers want, OR701), so the bundle checks clean and the timing
is of the clean path.
"""

from __future__ import annotations

import random
from pathlib import Path

from harness.oneroster import Bundle, write_bundle
from harness.oneroster.ids import seeded_uuid4, stable_uuid4

FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
KANA_FAMILY = ["サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ヤマモト",
               "ナカムラ", "コバヤシ", "カトウ"]
GIVEN = ["翔", "陽菜", "蓮", "結衣", "湊", "葵", "大和", "凛", "悠真", "美咲", "陽斗"]
KANA_GIVEN = ["ショウ", "ヒナ", "レン", "ユイ", "ミナト", "アオイ", "ヤマト", "リン", "ユウマ",
              "ミサキ", "ハルト"]


def _id(key: str) -> str:
    return stable_uuid4("bench", key)


def build(path: Path, students: int = 23_000, schools: int = 50) -> Path:
    b = Bundle()
    year, district = _id("y2025"), _id("d1")
    b.add("academicSessions", [{"sourcedId": year, "title": "2025年度", "type": "schoolYear",
                                "startDate": "2025-04-01", "endDate": "2026-03-31",
                                "schoolYear": "2025"}])
    orgs = [{"sourcedId": district, "name": "教育委員会", "type": "district",
             "identifier": "082201"}]
    courses, classes, users, roles, enrollments, demographics = [], [], [], [], [], []
    per_school = students // schools
    rng = random.Random(2025)
    n = 0
    for s in range(schools):
        elementary = s < schools * 0.7
        kind = "B1" if elementary else "C1"
        sid, course = _id(f"s{s}"), _id(f"c{s}")
        orgs.append({"sourcedId": sid, "name": f"第{s}学校", "type": "school",
                     "identifier": f"{kind}082{s:07d}0", "parentSourcedId": district})
        courses.append({"sourcedId": course, "schoolYearSourcedId": year,
                        "title": "2025年度 学級", "orgSourcedId": sid})
        grades = [f"P{g}" for g in range(1, 7)] if elementary else [f"J{g}" for g in range(1, 4)]
        per_grade = per_school // len(grades)
        for grade in grades:
            nclasses = max(1, -(-per_grade // 35))
            for k in range(nclasses):
                cid = _id(f"k{s}-{grade}-{k}")
                classes.append({"sourcedId": cid, "title": f"{grade[1]}年{k + 1}組",
                                "grades": [grade], "courseSourcedId": course,
                                "classType": "homeroom", "schoolSourcedId": sid,
                                "termSourcedIds": [year], "metadata.jp.specialNeeds": False})
                size = per_grade // nclasses + (1 if k < per_grade % nclasses else 0)
                for seat in range(1, size + 1):
                    n += 1
                    uid = _id(f"u{n}")
                    f, g = n % len(FAMILY), (n // len(FAMILY)) % len(GIVEN)
                    users.append({
                        "sourcedId": uid, "enabledUser": True, "username": f"u{n}@e.ed.jp",
                        "userIds": [f"{{Office365:u{n}@e.ed.jp}}"], "givenName": GIVEN[g],
                        "familyName": FAMILY[f], "grades": [grade],
                        "userMasterIdentifier": seeded_uuid4(rng),
                        "preferredGivenName": GIVEN[g], "preferredFamilyName": FAMILY[f],
                        "primaryOrgSourcedId": sid, "metadata.jp.kanaGivenName": KANA_GIVEN[g],
                        "metadata.jp.kanaFamilyName": KANA_FAMILY[f],
                        "metadata.jp.homeClass": cid,
                    })
                    roles.append({"sourcedId": _id(f"r{n}"), "userSourcedId": uid,
                                  "roleType": "primary", "role": "student", "orgSourcedId": sid})
                    enrollments.append({"sourcedId": _id(f"e{n}"), "classSourcedId": cid,
                                        "schoolSourcedId": sid, "userSourcedId": uid,
                                        "role": "student", "primary": False,
                                        "metadata.jp.ShussekiNo": seat})
                    demographics.append({"sourcedId": uid, "birthDate": "2015-06-01",
                                         "sex": "female" if n % 2 else "male"})
    for name, rows in (("orgs", orgs), ("courses", courses), ("classes", classes),
                       ("users", users), ("roles", roles), ("enrollments", enrollments),
                       ("demographics", demographics)):
        b.add(name, rows)
    return write_bundle(b, path)
