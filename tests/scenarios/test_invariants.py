"""The invariants over hand-made states: each broken invariant gives its IV finding."""

from __future__ import annotations

import copy

import pytest

from scenarios.expected import delivered_title, expect_city
from scenarios.invariants import check_invariants
from scenarios.model import StepFindings
from scenarios.observe import Observed, PortalUser

CITY = {
    "as_of": "2025-05-01", "quirks": [],
    "schools": [
        {"key": "E1", "kind": "elementary", "name": "さくら小学校", "school_code": "B108990000100"},
        {"key": "G1", "kind": "compulsory", "name": "さくら学園", "school_code": "C208990000300"},
    ],
    "homerooms": [
        {"key": "E1/2025/1年1組", "school": "E1", "year": 2025, "title": "1年1組",
         "grades": ["P1"], "number": 1, "disability": None},
        {"key": "G1/2025/ひまわり1組", "school": "G1", "year": 2025, "title": "ひまわり1組",
         "grades": ["J1", "J2"], "number": 1, "disability": "知的障害"},
    ],
    "students": [
        {"umi": "u-1", "upn": "a@x.jp", "family_kanji": "山田", "given_kanji": "花子",
         "school": "E1", "grade": "P1", "homeroom": "E1/2025/1年1組", "stale": []},
        {"umi": "u-2", "upn": "b@x.jp", "family_kanji": "佐藤", "given_kanji": "太郎",
         "school": "G1", "grade": "J2", "homeroom": "G1/2025/ひまわり1組", "stale": []},
    ],
    "departed": [],
}


def portal(umi: str, upn: str, family: str, given: str, grade: str, school: str, title: str,
           sid: str | None = None) -> PortalUser:
    return PortalUser(sid or f"s-{umi}", umi, upn, family, given, (grade,), True, "active",
                      {school}, [title], ["c"])


def good_world() -> Observed:
    return Observed(
        lgate={"u-1": [portal("u-1", "a@x.jp", "山田", "花子", "P1", "B108990000100", "1年1組")],
               "u-2": [portal("u-2", "b@x.jp", "佐藤", "太郎", "J2", "C208990000300",
                              "ひまわり1組")]},
        m365={"a@x.jp": [{"id": "m1", "accountEnabled": True}],
              "b@x.jp": [{"id": "m2", "accountEnabled": True}]},
        drill={"u-1": [{"sourcedId": "d1", "enabledUser": True, "status": "active"}],
               "u-2": [{"sourcedId": "d2", "enabledUser": True, "status": "active"}]},
    )


def run(city=CITY, world=None, **kw) -> StepFindings:
    out = StepFindings("test", "1")
    check_invariants(expect_city(city), world or good_world(), out, **kw)
    return out


def rules(out: StepFindings) -> list[str]:
    return sorted(f.rule for f in out.findings if f.severity.name == "ERROR")


def test_a_consistent_world_breaks_nothing():
    assert rules(run()) == []


@pytest.mark.parametrize(("break_it", "rule"), [
    (lambda w: w.lgate.pop("u-1"), "IV101"),
    (lambda w: w.lgate["u-1"].append(portal("u-1", "a@x.jp", "山田", "花子", "P1",
                                            "B108990000100", "1年1組", sid="dup")), "IV102"),
    (lambda w: setattr(w.lgate["u-1"][0], "schools", {"B108990000200"}), "IV103"),
    (lambda w: setattr(w.lgate["u-1"][0], "grades", ("P2",)), "IV104"),
    (lambda w: setattr(w.lgate["u-2"][0], "classes", ["ひまわり1組（知的障害）"]), "IV105"),
    (lambda w: setattr(w.lgate["u-1"][0], "family_name", "山\ue0a1"), "IV106"),
    (lambda w: w.m365.pop("a@x.jp"), "IV201"),
    (lambda w: w.m365["a@x.jp"].append({"id": "m9", "accountEnabled": True}), "IV202"),
    (lambda w: w.m365["a@x.jp"][0].update(accountEnabled=False), "IV203"),
    (lambda w: w.drill.pop("u-2"), "IV301"),
    (lambda w: w.drill["u-2"][0].update(enabledUser=False), "IV302"),
    (lambda w: w.drill["u-2"].append({"sourcedId": "d9", "enabledUser": True}), "IV303"),
    (lambda w: w.drill["u-1"][0].update(school={"school_code": "B108990000200"}), "IV304"),
    (lambda w: w.lgate.setdefault("ghost", [portal("ghost", "g@x.jp", "幽", "霊", "P1",
                                                   "B108990000100", "1年1組")]), "IV402"),
])
def test_each_broken_invariant_is_reported(break_it, rule):
    world = good_world()
    break_it(world)
    assert rules(run(world=world)) == [rule]


def test_display_grades_rewrite_only_junior_high_leading_grades():
    assert delivered_title("1年2組", ["J1"], display_grades=True) == "7年2組"
    assert delivered_title("3年1組", ["J3"], display_grades=True) == "9年1組"
    assert delivered_title("1年2組", ["P1"], display_grades=True) == "1年2組"
    assert delivered_title("1年2組", ["J1"], display_grades=False) == "1年2組"
    assert delivered_title("ひまわり1組", ["J1", "J2"], display_grades=True) == "ひまわり1組"


def test_a_leaver_must_stay_in_lgate_and_be_disabled_in_the_drill_app():
    city = copy.deepcopy(CITY)
    city["students"].pop(0)
    city["departed"] = [{"umi": "u-1", "upn": "a@x.jp", "reason": "transfer-out"}]
    world = good_world()
    assert rules(run(city, world, delivered_before={"u-1", "u-2"})) == ["IV302"]
    world.drill["u-1"][0]["enabledUser"] = False
    world.lgate.pop("u-1")
    assert rules(run(city, world, delivered_before={"u-1", "u-2"})) == ["IV108"]


def test_a_held_pupil_is_reported_and_must_not_be_delivered():
    city = copy.deepcopy(CITY)
    city["quirks"] = ["gaiji", "missing-external-name"]
    city["students"][0].update(gaiji=["family", 0, 0xE0A1], external_name=False)
    out = run(city)
    assert rules(out) == ["IV107"]
    assert any(f.rule == "IV403" and f.value == "u-1" for f in out.findings)
    world = good_world()
    world.lgate.pop("u-1")
    world.drill.pop("u-1")
    assert rules(run(city, world)) == []


def test_a_new_pupil_without_a_password_must_have_no_account():
    out = StepFindings("t", "1")
    world = good_world()
    world.lgate.pop("u-1")
    world.drill.pop("u-1")
    check_invariants(expect_city(CITY, no_password=["u-1"]), world, out)
    assert rules(out) == ["IV204"]


def test_a_stale_duplicate_delivered_is_reported():
    city = copy.deepcopy(CITY)
    city["quirks"] = ["stale-duplicates"]
    city["students"][0]["stale"] = [{"umi": "old-1"}]
    world = good_world()
    world.lgate["old-1"] = [portal("old-1", "a@x.jp", "山田", "花子", "P1", "B108990000100",
                                   "1年1組")]
    assert "IV401" in rules(run(city, world))


def test_a_finding_names_the_step_the_system_and_the_record():
    world = good_world()
    world.m365.pop("b@x.jp")
    (f,) = [f for f in run(world=world).findings if f.rule == "IV201"]
    assert f.file == "test/1 m365" and f.value == "b@x.jp"
    assert "b@x.jp" in f.message_ja and "Microsoft 365" in f.message_en
