"""Schools by 学校コード, the 義務教育学校 merge (PL201–PL203) and class keys (PL204).

C4th exports a 義務教育学校 (gimu kyōiku gakkō, compulsory-education school) as two orgs,
前期課程 and 後期課程, sharing one C2 school code (pilot §3.3.1). The e-portal and the tools
see one school: the orgs merge into one school keyed by the code, and every class and person
reference is rewritten to it. Classes are keyed by (school, 年度, title as exported)
because C4th regenerates every sourcedId on each export (pilot §3.3.2).
"""

from __future__ import annotations

import re

from pipeline.preprocess.source import SCHOOL_CODE
from pipeline.preprocess.work import ClassDraft, SchoolDraft, Work

GRADE_ORDER = ("P1", "P2", "P3", "P4", "P5", "P6", "J1", "J2", "J3", "H1", "H2", "H3",
               "E1", "E2", "E3")
#: 前期課程 / 後期課程 and the like at the end of a split org's name.
STAGE_SUFFIX = re.compile(r"\s*[（(]?\s*(前期課程|後期課程|前期|後期)\s*[）)]?\s*$")
BAD = "?"  # prefix of the internal key of an org without a usable code


def class_key(school_code: str, school_year: int, title: str) -> str:
    """A class's stable key: ``<学校コード>/<年度>/<title as exported>``."""
    return f"{school_code}/{school_year}/{title}"


def _grade_key(grade: str) -> int:
    return GRADE_ORDER.index(grade) if grade in GRADE_ORDER else len(GRADE_ORDER)


def merge_schools(work: Work) -> None:
    """Key schools by 学校コード, merging the orgs of each 義務教育学校 (C2 code)."""
    by_code: dict[str, list[tuple[str, dict[str, object]]]] = {}
    for sid, org in work.raw_orgs.items():
        code = str(org.get("identifier", "")).strip().upper()
        if not SCHOOL_CODE.fullmatch(code):
            work.decide("PL202", "hold", str(org.get("name", sid)), name=org.get("name", ""),
                        value=code or "(blank)")
            code = BAD + sid
        by_code.setdefault(code, []).append((sid, org))
    # orgs.csv has no grades column; a school's grades are those of its classes (one pass
    # over the classes, not one per org: a prefecture has thousands of each)
    class_grades: dict[str, list[str]] = {}
    for c in work.classes.values():
        class_grades.setdefault(c.school_code, []).extend(c.grades)
    for code, orgs in by_code.items():
        names = [str(o.get("name", "")) for _, o in orgs]
        grades: set[str] = set()
        for _, org in orgs:
            grades.update(class_grades.get(str(org.get("sourcedId", "")), ()))
        school = SchoolDraft(school_code=code, name=_merged_name(names),
                             grades=sorted(grades, key=_grade_key), org_ids=[s for s, _ in orgs])
        if code.startswith(BAD):
            school.held.append("PL202")
        elif len(orgs) > 1:
            if code.startswith("C2"):
                work.decide("PL201", "merge", code, school_code=code, count=len(orgs),
                            names="、".join(names))
            else:
                school.held.append("PL203")
                work.decide("PL203", "hold", code, school_code=code)
        work.schools[code] = school
        for sid, _ in orgs:
            work.org_code[sid] = code
    _rewrite_references(work)


def _merged_name(names: list[str]) -> str:
    stripped = [STAGE_SUFFIX.sub("", n) for n in names]
    return stripped[0] if len(set(stripped)) == 1 else names[0]


def _rewrite_references(work: Work) -> None:
    """Classes and people point at 学校コード from here on; class keys are made."""
    seen: dict[str, ClassDraft] = {}
    for cls in work.classes.values():
        code = work.org_code.get(cls.school_code, BAD + cls.school_code)
        cls.school_code = code
        cls.key = class_key(code, cls.school_year, cls.source_title)
        school = work.schools.get(code)
        if school is None or school.held:
            cls.held.append(school.held[0] if school else "PL202")
        other = seen.get(cls.key)
        if other is not None:
            # Two classes under one key cannot be followed between exports: hold both.
            for c in (cls, other):
                if "PL204" not in c.held:
                    c.held.append("PL204")
                    work.decide("PL204", "hold", c.key, title=c.source_title,
                                school_code=code, school_year=c.school_year)
        seen[cls.key] = cls
    for person in work.people:
        home = work.classes.get(person.class_id)
        person.school_code = home.school_code if home else ""
        person.primary_org = work.org_code.get(person.primary_org, "")
