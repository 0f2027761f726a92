"""Preprocessing rules (PL2xx), each against a small hand-made export that shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.accounts.passwords import PasswordEntry, write_password_file
from harness.oneroster.ids import is_uuid4
from tests.pipeline.rosterkit import GIMU, J_SCHOOL, P_SCHOOL, Env, Kit, rules, umi_for, upn_for

TERMS = '[special_needs.terms]\n"（知的障害）" = ""\n'


def test_compulsory_school_orgs_merge_into_one_school(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.add(1, GIMU, "1年1組", "P1")
    env.kit.add(2, GIMU, "7年1組", "J1")
    result = env.run()
    assert result.exit_code == 0
    roster = result.plan.roster
    assert ("PL201", GIMU) in rules(result, "merge")
    assert roster.schools[GIMU].name == "みらい市立桜学園"
    assert roster.schools[GIMU].grades[0] == "P1" and "J1" in roster.schools[GIMU].grades
    assert {roster.people[umi_for(n)].school_code for n in (1, 2)} == {GIMU}
    assert {c.school_code for c in roster.classes.values() if c.key.startswith(GIMU)} == {GIMU}
    assert len([s for s in roster.schools if s == GIMU]) == 1


def test_stable_keys_survive_regenerated_sourced_ids(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(10)
    first = env.run(day=1)
    second = env.run(day=2)
    assert first.received.sha256 != second.received.sha256  # new sourcedIds in the export
    assert second.plan.is_empty()
    a, b = first.plan.roster, second.plan.roster
    assert {u: p.sourced_id for u, p in a.people.items()} == \
        {u: p.sourced_id for u, p in b.people.items()}
    assert {k: c.sourced_id for k, c in a.classes.items()} == \
        {k: c.sourced_id for k, c in b.classes.items()}
    assert all(is_uuid4(p.sourced_id) for p in a.people.values())
    assert all(is_uuid4(s.sourced_id) for s in a.schools.values())
    key = f"{P_SCHOOL}/2025/1年1組"
    assert key in a.classes


def test_two_installations_never_share_ids(tmp_path: Path) -> None:
    one, two = Env(tmp_path / "a"), Env(tmp_path / "b")
    for env in (one, two):
        env.kit.fill(3)
    ids = [set(p.sourced_id for p in env.run().plan.roster.people.values())
           for env in (one, two)]
    assert not ids[0] & ids[1]


def test_stale_duplicate_after_an_in_city_transfer_is_dropped(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(10)
    env.run(day=1)
    pupil = env.kit.person(1)  # P1 at the elementary school
    stale_umi = umi_for(9001)
    pupil.school, pupil.title = GIMU, "1年1組"
    pupil.extra_records.append((stale_umi, P_SCHOOL, "1年1組"))
    result = env.run(day=2)
    assert ("PL211", stale_umi) in rules(result, "drop")
    drop = next(d for d in result.decisions if d.rule == "PL211")
    assert drop.fields["kept_umi"] == umi_for(1) and drop.fields["upn"] == upn_for(1)
    assert ("PL303", umi_for(1)) in rules(result, "move")
    assert result.plan.roster.people[umi_for(1)].school_code == GIMU
    assert stale_umi not in result.plan.roster.people
    assert result.exit_code == 0


def test_ambiguous_duplicate_holds_the_pupil(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(5)
    env.kit.person(1).extra_records.append((umi_for(9002), GIMU, "1年1組"))
    # no history, no target accounts, and the board's file does not name the pupil either
    result = env.run(skip_passwords=(1,))
    held = rules(result, "hold")
    assert ("PL212", umi_for(1)) in held and ("PL212", umi_for(9002)) in held
    assert umi_for(1) not in result.plan.roster.people
    assert umi_for(9002) not in result.plan.roster.people
    assert result.exit_code == 1


def test_a_held_duplicate_keeps_its_previous_state(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(5)
    first = env.run(day=1)
    pupil = env.kit.person(1)
    pupil.extra_records.append((umi_for(9003), GIMU, "1年1組"))
    # the known record's primaryOrg is another school: not current-looking, so neither record
    # can be trusted
    pupil.primary = J_SCHOOL
    result = env.run(day=2)
    assert ("PL212", umi_for(1)) in rules(result, "hold")
    assert ("PL310", umi_for(1)) in rules(result, "hold")
    assert result.plan.roster.people[umi_for(1)] == first.plan.roster.people[umi_for(1)]


def test_special_needs_class_renamed_from_the_mapping(tmp_path: Path) -> None:
    env = Env(tmp_path, extra=TERMS)
    env.kit.add_class(P_SCHOOL, "ひまわり1組（知的障害）", ("P1", "P2"), special=True)
    env.kit.add(1, P_SCHOOL, "ひまわり1組（知的障害）", "P2")
    result = env.run()
    key = f"{P_SCHOOL}/2025/ひまわり1組（知的障害）"
    assert ("PL221", key) in rules(result, "cleanse")
    cls = result.plan.roster.classes[key]
    assert (cls.title, cls.source_title, cls.special_needs) == \
        ("ひまわり1組", "ひまわり1組（知的障害）", True)
    assert result.plan.roster.people[umi_for(1)].class_key == key


def test_exact_title_mapping_wins_over_terms(tmp_path: Path) -> None:
    extra = '[special_needs.titles]\n"ひまわり1組（知的障害）" = "ひまわり学級"\n' + TERMS
    env = Env(tmp_path, extra=extra)
    env.kit.add_class(P_SCHOOL, "ひまわり1組（知的障害）", ("P1",), special=True)
    env.kit.add(1, P_SCHOOL, "ひまわり1組（知的障害）", "P1")
    roster = env.run().plan.roster
    assert roster.classes[f"{P_SCHOOL}/2025/ひまわり1組（知的障害）"].title == "ひまわり学級"


def test_unmapped_disability_title_holds_the_class_and_its_pupils(tmp_path: Path) -> None:
    env = Env(tmp_path, extra=TERMS)
    env.kit.fill(5)
    env.kit.add_class(P_SCHOOL, "あおぞら1組（難聴）", ("P1",), special=True)
    env.kit.add(50, P_SCHOOL, "あおぞら1組（難聴）", "P1")
    first = env.run(day=1)
    key = f"{P_SCHOOL}/2025/あおぞら1組（難聴）"
    assert ("PL222", key) in rules(first, "hold")
    assert ("PL222", umi_for(50)) in rules(first, "hold")
    assert ("PL311", umi_for(50)) in rules(first, "hold")
    assert key not in first.plan.roster.classes and umi_for(50) not in first.plan.roster.people
    assert first.exit_code == 1
    # a delivered pupil moving into such a class keeps the previous class (change held)
    env.kit.person(1).title = "あおぞら1組（難聴）"
    second = env.run(day=2)
    assert ("PL310", umi_for(1)) in rules(second, "hold")
    assert second.plan.roster.people[umi_for(1)].class_key == f"{P_SCHOOL}/2025/1年1組"
    assert not [d for d in second.decisions if d.subject == umi_for(1) and d.action == "move"]


@pytest.mark.parametrize(("enabled", "expected"), [(True, "7年1組"), (False, "1年1組")])
def test_display_grades_rewrite_junior_high_titles(tmp_path: Path, enabled: bool,
                                                   expected: str) -> None:
    extra = f"[display_grades]\nenabled = {'true' if enabled else 'false'}\n"
    env = Env(tmp_path, extra=extra)
    env.kit.fill(5)
    result = env.run()
    roster = result.plan.roster
    assert roster.classes[f"{J_SCHOOL}/2025/1年1組"].title == expected
    assert roster.classes[f"{P_SCHOOL}/2025/1年1組"].title == "1年1組"
    assert roster.classes[f"{GIMU}/2025/7年1組"].title == "7年1組"  # 義務教育学校: already 7年
    assert (("PL231", f"{J_SCHOOL}/2025/1年1組") in rules(result, "cleanse")) == enabled


def test_gaiji_in_the_display_name_only_is_not_a_problem(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.add(1, P_SCHOOL, "1年1組", "P1", family="\ue0a1橋", preferred=("高橋", "太郎"))
    result = env.run()
    assert result.status == "applied" and result.exit_code == 0
    assert ("PL104", result.received.sha256) in rules(result)  # OR528 handled, not quarantined
    person = result.plan.roster.people[umi_for(1)]
    assert (person.family_name, person.given_name) == ("高橋", "太郎")


@pytest.mark.parametrize(("preferred", "rule", "codepoint"), [
    (("\ue0a1橋", "太郎"), "PL241", "E0A1"),
    (("高橋", "\U000f0001"), "PL241", "F0001"),
    (("\U00020bb7田", "太郎"), "PL242", "20BB7"),  # 𠮷: neither JIS X 0213 nor CP932
    (("高橋", ""), "PL243", None),
])
def test_unrepresentable_delivered_names_hold_the_pupil(
        tmp_path: Path, preferred: tuple[str, str], rule: str, codepoint: str | None) -> None:
    env = Env(tmp_path)
    env.kit.fill(3)
    env.kit.add(7, P_SCHOOL, "1年2組", "P1", preferred=preferred)
    result = env.run()
    hold = next(d for d in result.decisions if d.subject == umi_for(7) and d.rule == rule)
    if codepoint:
        assert hold.fields["codepoint"] == codepoint
    assert umi_for(7) not in result.plan.roster.people
    assert result.exit_code == 1 and result.status == "applied"


def test_cp932_extension_kanji_are_representable(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.add(1, P_SCHOOL, "1年1組", "P1", family="髙橋", preferred=("髙橋", "太郎"))
    assert umi_for(1) in env.run().plan.roster.people


def test_half_width_kana_holds_the_pupil(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.add(1, P_SCHOOL, "1年1組", "P1", family_kana="ﾔﾏﾀﾞ")
    result = env.run()
    assert ("PL244", umi_for(1)) in rules(result, "hold")
    assert result.status == "applied"


def test_new_pupil_without_initial_password_is_held(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(4)
    result = env.run(skip_passwords=(2,))
    assert ("PL252", umi_for(2)) in rules(result, "hold")
    assert umi_for(2) not in result.plan.roster.people
    assert ("PL251", umi_for(1)) in rules(result, "report")
    # the plan says a password is present, never what it is
    assert "Init-Pass" not in repr(result.plan) and "Init-Pass" not in repr(result.decisions)


def test_password_is_needed_only_for_new_pupils(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(4)
    env.run(day=1)
    result = env.run(day=2, skip_passwords=(1, 2, 3, 4))
    assert not rules(result, "hold") and result.plan.is_empty()


def test_password_file_for_another_giga_id_holds_the_pupil(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.add(1, P_SCHOOL, "1年1組", "P1", upn="s9999999@city.example.ed.jp")
    env.export()
    write_password_file(tmp_path / "passwords.csv",
                        [PasswordEntry(umi_for(1), upn_for(1), "Init-Pass-0001!")])
    import datetime as dt

    from pipeline.run import run_pipeline
    result = run_pipeline(env.config, now=dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
    hold = next(d for d in result.decisions if d.rule == "PL253")
    assert hold.fields["file_upn"] == upn_for(1)
    assert "Init-Pass" not in str(hold)


def test_unreadable_password_file_holds_new_pupils_and_says_why(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(2)
    env.export()
    (tmp_path / "passwords.csv").write_bytes(b"\xff\xfe not utf-8")
    import datetime as dt

    from pipeline.run import run_pipeline
    result = run_pipeline(env.config, now=dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
    assert [r for r, _ in rules(result) if r == "PL254"]
    assert {s for r, s in rules(result, "hold") if r == "PL252"} == {umi_for(1), umi_for(2)}


def test_teachers_stay_outside_by_default(tmp_path: Path) -> None:
    import datetime as dt

    from fixtures import build_bundle, generate_city, load_profile
    from pipeline.plan import make_plan
    from pipeline.preprocess.passwords import Passwords

    env = Env(tmp_path, kit=Kit.default())
    city = generate_city(load_profile("small"), seed=3)
    bundle = build_bundle(city, teachers=True)
    with env.state() as state:
        out = make_plan(bundle, env.config, state, export_sha256="0" * 64,
                        now=dt.datetime(2025, 5, 1, tzinfo=dt.UTC), passwords=Passwords())
    teachers = next(d for d in out.plan.decisions if d.rule == "PL207")
    assert int(teachers.fields["count"]) > 0
    assert all(p.role == "student" for p in out.plan.roster.people.values())


def test_teachers_are_delivered_when_switched_on(tmp_path: Path) -> None:
    import datetime as dt

    from fixtures import build_bundle, generate_city, load_profile
    from pipeline.config import parse_config
    from pipeline.plan import make_plan
    from pipeline.preprocess.passwords import Passwords

    config = parse_config('[municipality]\nname = "x"\nboard_code = "089901"\n'
                          '[source]\ndrop_dir = "drop"\n[accounts]\nteachers = true\n',
                          path=tmp_path / "renkei.toml")
    city = generate_city(load_profile("small"), seed=3)
    from pipeline.state import State
    with State(config.state_path) as state:
        out = make_plan(build_bundle(city, teachers=True), config, state,
                        export_sha256="0" * 64, now=dt.datetime(2025, 5, 1, tzinfo=dt.UTC),
                        passwords=Passwords())
    teachers = [p for p in out.plan.roster.people.values() if p.role == "teacher"]
    assert teachers and all(p.class_key in out.plan.roster.classes for p in teachers)
    # initial passwords are asked for pupils only; teachers are registered by the board
    assert not [d for d in out.plan.decisions if d.rule == "PL252"
                and d.subject in {t.umi for t in teachers}]


def test_a_bundle_built_in_memory_plans_like_one_read_from_a_file(tmp_path: Path) -> None:
    import datetime as dt

    from harness.oneroster import read_bundle, write_bundle
    from pipeline.plan import make_plan
    from pipeline.preprocess.passwords import load_passwords

    env = Env(tmp_path)
    env.kit.fill(6)
    env.kit.add_class(P_SCHOOL, "ひまわり1組", ("P1", "P2"), special=True)
    env.kit.add(20, P_SCHOOL, "ひまわり1組", "P2")
    env.kit.write_passwords(tmp_path / "passwords.csv")
    raw = env.kit.bundle()  # lists, booleans and numbers in the cells
    from_file = read_bundle(write_bundle(env.kit.bundle(), tmp_path / "x.zip"))
    rosters = []
    for bundle in (raw, from_file):
        with env.state() as state:
            out = make_plan(bundle, env.config, state, export_sha256="0" * 64,
                            now=dt.datetime(2025, 5, 1, tzinfo=dt.UTC),
                            passwords=load_passwords(env.config.password_file))
        rosters.append(out.plan.roster.to_json())
    assert rosters[0] == rosters[1]
    cls = next(c for c in rosters[0]["classes"] if c["title"] == "ひまわり1組")
    assert cls["grades"] == ["P1", "P2"] and cls["special_needs"] is True
