"""Preprocessing on exports the checker would already refuse or only warn about: each rule
still decides (make_plan is never handed a validated bundle only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from harness.accounts.passwords import PasswordEntry, write_password_file
from harness.oneroster import read_bundle, write_bundle
from harness.oneroster.model import Bundle
from pipeline.plan import make_plan
from pipeline.preprocess import preprocess
from pipeline.preprocess.passwords import load_passwords
from pipeline.preprocess.source import read_work, school_year_of
from pipeline.reconcile import Outcome
from tests.pipeline.rosterkit import GIMU, J_SCHOOL, P_SCHOOL, Env, umi_for, upn_for

NOW = dt.datetime(2025, 5, 1, 20, tzinfo=dt.UTC)


def planned(env: Env, mutate: Callable[[Bundle], None] = lambda b: None) -> Outcome:
    env.kit.write_passwords(env.root / "passwords.csv")
    bundle = env.kit.bundle()
    mutate(bundle)
    path = write_bundle(bundle, env.root / f"edge-{env.kit.serial}.zip")
    with env.state() as state:
        return make_plan(read_bundle(path), env.config, state, export_sha256="0" * 64, now=NOW,
                         passwords=load_passwords(env.config.password_file))


def held(out: Outcome, rule: str) -> set[str]:
    return {d.subject for d in out.plan.decisions if d.rule == rule}


def _org(bundle: Bundle, code: str) -> dict:
    return next(o for o in bundle.rows("orgs") if o.get("identifier") == code)


def test_school_without_a_valid_code_holds_its_people(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(5)
    out = planned(env, lambda b: _org(b, J_SCHOOL).update(identifier="12345"))
    assert held(out, "PL202") >= {"みらい市立西中学校", umi_for(3)}
    assert J_SCHOOL not in out.plan.roster.schools and umi_for(3) not in out.plan.roster.people
    assert umi_for(1) in out.plan.roster.people


def test_code_shared_by_unrelated_orgs_holds_both(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(5)
    out = planned(env, lambda b: _org(b, J_SCHOOL).update(identifier=P_SCHOOL))
    assert P_SCHOOL in held(out, "PL203")
    assert not out.plan.roster.people.keys() & {umi_for(1), umi_for(2), umi_for(3)}
    assert umi_for(4) in out.plan.roster.people  # the 義務教育学校 is unaffected


def test_two_classes_with_one_key_are_held(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(5)
    env.kit.add_class(P_SCHOOL, "1年1組", ("P1",))  # C4th exports the same title twice
    out = planned(env)
    assert f"{P_SCHOOL}/2025/1年1組" in held(out, "PL204")
    assert umi_for(1) in held(out, "PL204") and umi_for(1) not in out.plan.roster.people


def test_pupil_without_a_current_homeroom_is_held(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(3)

    def unenrol(b: Bundle) -> None:
        user = next(u for u in b.rows("users") if u["userMasterIdentifier"] == umi_for(2))
        b.tables["enrollments"] = [e for e in b.rows("enrollments")
                                   if e["userSourcedId"] != user["sourcedId"]]
    out = planned(env, unenrol)
    assert umi_for(2) in held(out, "PL205")


def test_pupil_in_two_homerooms_goes_where_home_class_says_else_is_held(tmp_path: Path
                                                                        ) -> None:
    env = Env(tmp_path)
    env.kit.fill(2)  # pupil 1 in 1年1組, pupil 2 in 2年1組 (one school)

    def second_homeroom(b: Bundle, home_class: str | None) -> None:
        users = {u["userMasterIdentifier"]: u for u in b.rows("users")}
        one, two = users[umi_for(1)], users[umi_for(2)]
        mine = next(e for e in b.rows("enrollments") if e["userSourcedId"] == two["sourcedId"])
        other = next(e for e in b.rows("enrollments") if e["userSourcedId"] == one["sourcedId"])
        b.rows("enrollments").append({**mine, "sourcedId": "extra-enrolment",
                                      "classSourcedId": other["classSourcedId"],
                                      "metadata.jp.ShussekiNo": "7"})
        two["metadata.jp.homeClass"] = (other["classSourcedId"] if home_class is None
                                        else home_class)
    moved = planned(env, lambda b: second_homeroom(b, None))
    record = moved.plan.roster.people[umi_for(2)]
    first_class = moved.plan.roster.people[umi_for(1)].class_key
    assert (record.class_key, record.attendance_number) == (first_class, 7)
    unsure = planned(env, lambda b: second_homeroom(b, ""))
    assert umi_for(2) in held(unsure, "PL205") and umi_for(1) not in held(unsure, "PL205")


def test_pupil_without_giga_id_is_held(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(3)

    def strip(b: Bundle) -> None:
        next(u for u in b.rows("users") if u["userMasterIdentifier"] == umi_for(3)
             ).update(userIds=[])
    out = planned(env, strip)
    assert umi_for(3) in held(out, "PL206")


def test_repeated_user_master_identifier_holds_both(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(3)
    env.kit.person(2).umi = umi_for(1)
    env.kit.person(2).upn = "s7777777@city.example.ed.jp"
    out = planned(env)
    assert [d.subject for d in out.plan.decisions if d.rule == "PL208"] == [umi_for(1)] * 2
    assert umi_for(1) not in out.plan.roster.people


def test_a_bad_password_file_row_is_reported_without_the_password(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(2)
    env.kit.write_passwords(env.root / "passwords.csv")
    with open(env.root / "passwords.csv", "ab") as fh:
        fh.write(f"{umi_for(9)},s9@city.example.ed.jp,short\r\n".encode())
    bundle = read_bundle(env.kit.write(env.root / "x.zip"))
    with env.state() as state:
        out = make_plan(bundle, env.config, state, export_sha256="0" * 64, now=NOW)
    row = next(d for d in out.plan.decisions if d.rule == "PL255")
    assert row.fields["line"] == "4" and "short" not in str(row)


def test_school_and_class_changes_are_planned(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(5)
    first = env.run(day=1)
    creates = {d.subject for d in first.decisions if d.rule in ("PL312", "PL313")}
    assert {P_SCHOOL, J_SCHOOL, GIMU, f"{P_SCHOOL}/2025/1年1組"} <= creates
    env.kit.schools[P_SCHOOL] = [("みらい市立東小学校（新）", env.kit.schools[P_SCHOOL][0][1])]
    env.kit.add_class(P_SCHOOL, "3年1組", ("P3",))
    second = env.run(day=2)
    changes = {(d.rule, d.action, d.subject) for d in second.decisions}
    assert ("PL312", "update", P_SCHOOL) in changes
    assert ("PL313", "create", f"{P_SCHOOL}/2025/3年1組") in changes
    assert ("PL101", "report", second.received.sha256) in changes


def test_owners_and_claims_are_asked_for_the_giga_ids_on_several_records_only(
        tmp_path: Path) -> None:
    """The duplicate check asks who owns a GIGA id, and which pupils the board's file pairs it
    with, once and for the GIGA ids on several records only; an export without any asks
    nothing (a city-sized map of owners or claims is never made for it)."""
    env = Env(tmp_path)
    env.kit.fill(6)
    env.kit.person(1).extra_records.append((umi_for(9001), P_SCHOOL, "1年1組"))
    asked: list[tuple[str, set[str]]] = []

    def spy(name: str, answer: dict[str, Any]) -> Callable[[Collection[str]], dict[str, Any]]:
        def lookup(upns: Collection[str]) -> dict[str, Any]:
            asked.append((name, set(upns)))
            return {u: v for u, v in answer.items() if u in upns}
        return lookup

    owners = spy("owners", {upn_for(1): umi_for(1), upn_for(2): umi_for(2)})
    claims = spy("claims", {upn_for(1): {umi_for(1)}})
    work = preprocess(env.kit.bundle(), school_year=2025, known_owners=owners, claims=claims)
    assert asked == [("owners", {upn_for(1)}), ("claims", {upn_for(1)})]
    assert [(d.rule, d.subject, d.fields["kept_umi"]) for d in work.decisions
            if d.rule == "PL211"] == [("PL211", umi_for(9001), umi_for(1))]
    asked.clear()
    env.kit.person(1).extra_records.clear()
    preprocess(env.kit.bundle(), school_year=2025, known_owners=owners, claims=claims)
    assert asked == []


def test_the_password_file_is_keyed_and_claimed_in_lower_case(tmp_path: Path) -> None:
    """A file whose userMasterIdentifiers are in upper case is keyed in lower case; claims
    answer the GIGA ids asked, in lower case, rows of a conflict included."""
    entries = [PasswordEntry(umi_for(1).upper(), upn_for(1).upper(), "Init-Pass-0001!"),
               PasswordEntry(umi_for(2), upn_for(2), "Init-Pass-0002!"),
               PasswordEntry(umi_for(3), upn_for(2), "Init-Pass-0003!")]  # a conflict
    passwords = load_passwords(write_password_file(tmp_path / "pw.csv", entries))
    assert set(passwords.entries) == {umi_for(1)}
    assert passwords.claims([upn_for(1), upn_for(2)]) == {
        upn_for(1): {umi_for(1)}, upn_for(2): {umi_for(2), umi_for(3)}}
    assert passwords.claims([upn_for(1)]) == {upn_for(1): {umi_for(1)}}
    assert passwords.claims([]) == {}
    lower = load_passwords(write_password_file(tmp_path / "lower.csv", entries[1:2]))
    assert set(lower.entries) == {umi_for(2)}


def test_enrolments_in_any_order_give_the_drafts_users_order_gives(tmp_path: Path) -> None:
    """read_work walks enrollments.csv beside users.csv when C4th's order holds (no map of
    every pupil) and falls back to a map otherwise: both must give the same drafts."""
    env = Env(tmp_path)
    env.kit.fill(6)
    bundle = env.kit.bundle()
    users = {u["userMasterIdentifier"]: u for u in bundle.rows("users")}
    enrollments = bundle.rows("enrollments")
    mine = next(e for e in enrollments if e["userSourcedId"] == users[umi_for(2)]["sourcedId"])
    other = next(e for e in enrollments if e["userSourcedId"] == users[umi_for(5)]["sourcedId"])
    # pupil 2 in a second homeroom, listed right after the first: still users.csv's order
    enrollments.insert(enrollments.index(mine) + 1, {
        **mine, "sourcedId": "extra", "classSourcedId": other["classSourcedId"],
        "metadata.jp.ShussekiNo": "7"})
    users[umi_for(2)]["metadata.jp.homeClass"] = other["classSourcedId"]
    assert [e["userSourcedId"] for e in enrollments] == sorted(
        (e["userSourcedId"] for e in enrollments),
        key=[u["sourcedId"] for u in bundle.rows("users")].index)
    year = school_year_of(bundle)
    assert year is not None
    walked = read_work(bundle, school_year=year)
    placed = {p.umi: (p.class_id, p.attendance_number) for p in walked.people}
    assert placed[umi_for(2)] == (other["classSourcedId"], 7)
    extra = enrollments.index(mine) + 1  # pupil 2's second enrolment, moved to the end below
    for reorder in (lambda rows: rows[::-1], lambda rows: rows[1:] + rows[:1],
                    lambda rows: rows[:extra] + rows[extra + 1:] + [rows[extra]]):
        bundle.tables["enrollments"] = reorder(enrollments)
        assert read_work(bundle, school_year=year).people == walked.people
