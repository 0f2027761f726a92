"""What every system should hold, derived from c4th's city (``GET /_admin/city``) and the
pipeline's documented transformations (DESIGN.md "The pipeline, rule by rule"):

- one school per 学校コード (gakkō kōdo): a 義務教育学校 exported as two orgs is one school;
- special-needs class titles without the disability (rule 6: the board's mapping table renames
  ``ひまわり1組（知的障害）`` to ``ひまわり1組``, the class's own title);
- junior-high display grades when the municipality asks (rule 7: ``1年2組`` → ``7年2組``);
- names from the gaiji-free field for external linkage (rule 8);
- the GIGA id as c4th records it (a mistyped one stays mistyped until c4th is fixed);
- held people (rules 8 and 9): a gaiji name with no external name, a new pupil with no
  initial password — never delivered.

Computed independently of the pipeline's code: the harness checks the pipeline, not itself.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: the LTI tools each school stage uses (issue 9): everyone → the drill app; elementary →
#: つばさブック; junior high → みらいスクールプラットフォーム
TOOLS_BY_STAGE = {"P": ("interactive_study", "tsubasa_book"),
                  "J": ("interactive_study", "mirai_school")}
_LEADING_GRADE = re.compile(r"^([123])年")


def tools_for(grade: str) -> tuple[str, ...]:
    """The tools a pupil of ``grade`` (P1…J3) is launched into."""
    return TOOLS_BY_STAGE[grade[0]]


@dataclass(frozen=True, slots=True)
class ExpectedPerson:
    """A current pupil as every target should see them.

    :param class_title: the homeroom class (学級) title after the pipeline's transformations.
    """

    umi: str
    upn: str
    family_name: str
    given_name: str
    school_code: str
    school_name: str
    grade: str
    class_title: str
    class_key: str
    special_needs: bool

    @property
    def name(self) -> str:
        return f"{self.family_name} {self.given_name}"

    @property
    def tools(self) -> tuple[str, ...]:
        return tools_for(self.grade)


@dataclass
class CityExpectation:
    """The expected state of every system after a pipeline run over the city as it is now."""

    school_year: int
    people: dict[str, ExpectedPerson] = field(default_factory=dict)
    #: umi → reason ("gaiji", "password" …) for people the pipeline must hold
    held: dict[str, str] = field(default_factory=dict)
    #: umi → the departed record (transfer-out, graduated)
    departed: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: userMasterIdentifiers c4th keeps only for an old affiliation (stale duplicates)
    stale: set[str] = field(default_factory=set)
    #: GIGA ids (lower case) of everyone the city knows, current or departed
    known_upns: set[str] = field(default_factory=set)
    schools: dict[str, str] = field(default_factory=dict)  # 学校コード → name
    school_kinds: dict[str, str] = field(default_factory=dict)  # 学校コード → kind

    def name_of(self, umi: str) -> str:
        p = self.people.get(umi)
        return f"{p.name} ({umi})" if p else umi


def delivered_title(title: str, grades: Iterable[str], *, display_grades: bool) -> str:
    """The class title the targets see (rule 7: J1–J3 ``1年`` → ``7年`` when asked)."""
    grades = list(grades)
    if display_grades and grades and all(g.startswith("J") for g in grades):
        return _LEADING_GRADE.sub(lambda m: f"{int(m.group(1)) + 6}年", title, count=1)
    return title


def expect_city(city: Mapping[str, Any], *, display_grades: bool = True,
                no_password: Iterable[str] = (), conflicted: Iterable[str] = ()
                ) -> CityExpectation:
    """The expected state from c4th's city JSON.

    :param display_grades: the municipality's display-grade option (Tsukuba: on).
    :param no_password: userMasterIdentifiers of new pupils whose initial password the board's
        file does not carry (they must be held).
    :param conflicted: userMasterIdentifiers of pupils the board's files disagree about (a
        GIGA id on two pupils, a pupil with two GIGA ids): they must be held too.
    """
    quirks = set(city.get("quirks", ()))
    year = _school_year(city["as_of"])
    schools = {s["key"]: s for s in city["schools"]}
    rooms = {h["key"]: h for h in city["homerooms"]}
    out = CityExpectation(school_year=year,
                          schools={s["school_code"]: s["name"] for s in schools.values()},
                          school_kinds={s["school_code"]: s["kind"] for s in schools.values()})
    titles = {key: delivered_title(room["title"], room["grades"], display_grades=display_grades)
              for key, room in rooms.items()}  # one title string per class, shared by its pupils
    intern = sys.intern  # names and grades repeat: one string each, not one per pupil
    for s in city["students"]:  # any iterable: Vendors.city_stream reads them line by line
        school = schools[s["school"]]
        room = rooms[s["homeroom"]]
        upn = s["recorded_upn"] if s.get("recorded_upn") and "wrong-giga-ids" in quirks \
            else s["upn"]
        person = ExpectedPerson(
            umi=s["umi"], upn=upn, family_name=intern(s["family_kanji"]),
            given_name=intern(s["given_kanji"]), school_code=school["school_code"],
            school_name=school["name"], grade=intern(s["grade"]), class_title=titles[room["key"]],
            class_key=room["key"], special_needs=bool(room.get("disability")),
        )
        out.people[person.umi] = person
        out.known_upns.update({s["upn"].lower(), upn.lower()})
        if s.get("gaiji") and not s.get("external_name", True) and \
                {"gaiji", "missing-external-name"} <= quirks:
            out.held[person.umi] = "gaiji"
        if "stale-duplicates" in quirks:
            out.stale.update(r["umi"] for r in s.get("stale", ()))
    for umi in no_password:
        if umi in out.people:
            out.held.setdefault(umi, "password")
    for umi in conflicted:
        if umi in out.people:
            out.held.setdefault(umi, "password conflict")
    for d in city.get("departed", ()):
        out.departed[d["umi"]] = d
        out.known_upns.add(str(d["upn"]).lower())
    return out


def _school_year(as_of: str) -> int:
    year, month = int(as_of[:4]), int(as_of[5:7])
    return year if month >= 4 else year - 1
