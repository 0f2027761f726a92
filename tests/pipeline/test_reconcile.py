"""Reconcile (PL3xx): plan categories, missing-not-deleted, the grace policy, the guard."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline.rosterkit import GIMU, J_SCHOOL, P_SCHOOL, Env, rules, umi_for

GRACE = "[grace]\nenabled = true\ndays = 90\n"


@pytest.fixture
def env(tmp_path: Path) -> Env:
    env = Env(tmp_path, extra="[guard]\nmax_share = 0.5\nmin_users = 0\n")
    env.kit.fill(10)
    return env


def _actions(result, umi: str) -> set[tuple[str, str]]:
    return {(d.rule, d.action) for d in result.decisions if d.subject == umi}


def test_first_run_creates_everyone(env: Env) -> None:
    result = env.run()
    assert sorted(s for r, s in rules(result, "create") if r == "PL301") == \
        sorted(umi_for(n) for n in range(1, 11))
    assert result.plan.previous is None and result.status == "applied"


def test_each_change_gets_its_category(env: Env) -> None:
    env.run(day=1)
    kit = env.kit
    kit.person(1).school, kit.person(1).title = GIMU, "1年1組"           # school move
    kit.person(2).title = "1年2組"                                        # class move
    kit.person(2).grade = "P1"
    kit.person(3).preferred = ("鈴木", "太郎")                             # rename
    kit.person(4).family_kana = "ヤマモト"                                 # update
    kit.person(6).number = 30                                              # update (出席番号)
    result = env.run(day=2)
    assert _actions(result, umi_for(1)) == {("PL303", "move")}
    assert ("PL304", "move") in _actions(result, umi_for(2))
    assert ("PL306", "promote") in _actions(result, umi_for(2))  # P2 → P1 is still a change
    assert _actions(result, umi_for(3)) == {("PL305", "rename")}
    update = next(d for d in result.decisions if d.subject == umi_for(4))
    assert (update.rule, update.fields["fields_changed"]) == ("PL302", "family_kana")
    assert "attendance_number" in next(
        d for d in result.decisions if d.subject == umi_for(6)).fields["fields_changed"]
    assert not _actions(result, umi_for(5))
    # names never appear in a decision, only in the roster
    assert not [d for d in result.decisions if "鈴木" in str(d.fields)]


def test_missing_pupils_are_reported_not_deleted(env: Env) -> None:
    env.run(day=1)
    gone = env.kit.pupils.pop(0)
    result = env.run(day=2)
    assert ("PL307", "missing") in _actions(result, umi_for(gone.n))
    assert umi_for(gone.n) not in result.plan.roster.people
    assert umi_for(gone.n) in result.plan.roster.absent
    assert result.plan.roster.absent[umi_for(gone.n)].enabled  # not disabled without grace
    assert not [d for d in result.decisions if d.action in ("delete", "disable")]
    again = env.run(day=3)
    assert again.plan.is_empty()  # reported once, then remembered in the state
    with env.state() as state:
        assert state.absent()[umi_for(gone.n)]["since"] == "2025-05-02"


def test_grace_policy_disables_after_n_days_by_date(tmp_path: Path) -> None:
    env = Env(tmp_path, extra=GRACE + "[guard]\nmax_share = 0.5\nmin_users = 0\n")
    env.kit.fill(10)
    env.run(day=1, month=5)
    env.kit.pupils.pop(0)
    env.run(day=2, month=5)                           # missing since 2025-05-02
    early = env.run(day=30, month=7)                  # 89 days
    assert not [d for d in early.decisions if d.action == "disable"]
    due = env.run(day=31, month=7)                    # 90 days
    disable = [d for d in due.decisions if d.rule == "PL308"]
    assert {(d.action, d.target) for d in disable} == {("disable", "all"), ("delete", "drill")}
    assert disable[0].fields["since"] == "2025-05-02"
    assert not due.plan.roster.absent[umi_for(1)].enabled
    later = env.run(day=1, month=8)
    assert later.plan.is_empty()  # disabled once


def test_a_pupil_back_in_the_export_is_enabled_again(tmp_path: Path) -> None:
    env = Env(tmp_path, extra=GRACE + "[guard]\nmax_share = 0.5\nmin_users = 0\n")
    env.kit.fill(10)
    env.run(day=1, month=5)
    back = env.kit.pupils.pop(0)
    env.run(day=2, month=5)
    env.run(day=1, month=9)  # disabled by the grace policy
    env.kit.pupils.append(back)
    result = env.run(day=2, month=9)
    assert ("PL309", "enable") in _actions(result, umi_for(back.n))
    assert umi_for(back.n) in result.plan.roster.people
    assert umi_for(back.n) not in result.plan.roster.absent
    assert not [d for d in result.decisions if d.rule == "PL301"]  # the same accounts


def test_rollover_graduates_and_promotions(env: Env) -> None:
    env.kit.add(50, J_SCHOOL, "3年1組", "J3")
    env.kit.add_class(P_SCHOOL, "6年1組", ("P6",))
    env.kit.add(51, P_SCHOOL, "6年1組", "P6")
    env.run(day=1, month=5)
    kit = env.kit
    kit.year = 2026
    kit.pupils = [p for p in kit.pupils if p.grade != "J3"]
    up = {"P1": "P2", "P2": "P3", "J1": "J2", "P6": "J1"}
    kit.classes = [(P_SCHOOL, "2年1組", ("P2",), False), (P_SCHOOL, "3年1組", ("P3",), False),
                   (J_SCHOOL, "2年1組", ("J2",), False), (GIMU, "2年1組", ("P2",), False),
                   (GIMU, "8年1組", ("J2",), False), (J_SCHOOL, "1年1組", ("J1",), False)]
    for p in kit.pupils:
        p.grade = up[p.grade]
        p.title = {"P2": "2年1組", "P3": "3年1組", "J2": "2年1組", "J1": "1年1組"}[p.grade]
        if p.grade == "J1":
            p.school = J_SCHOOL  # 進学 to the city's junior high
        if p.school == GIMU and p.grade == "J2":
            p.title = "8年1組"
    result = env.run(day=1, month=4, year=2026)
    assert ("PL315", "2026") in rules(result, "report")
    assert ("PL316", umi_for(50)) in rules(result, "graduate")
    assert {("PL306", "promote"), ("PL304", "move")} <= _actions(result, umi_for(1))
    assert {("PL303", "move"), ("PL306", "promote")} <= _actions(result, umi_for(51))
    assert result.guard["missing"] == 0 and result.guard["class_moves"] == 0
    assert result.guard["school_moves"] == 0  # P6 → J1 at a rollover is expected
    assert result.status == "applied" and result.exit_code == 0
    assert f"{P_SCHOOL}/2025/1年1組" not in result.plan.roster.classes
    assert ("PL314", f"{P_SCHOOL}/2025/1年1組") in rules(result, "report")


def test_guard_refuses_a_truncated_export(tmp_path: Path) -> None:
    env = Env(tmp_path)  # default guard: 5% of max(users, 50)
    env.kit.fill(100)
    env.run(day=1)
    everyone = env.kit.pupils
    env.kit.pupils = everyone[:30]
    result = env.run(day=2)
    assert result.exit_code == 2 and result.status == "refused" and result.plan.refused
    refuse = next(d for d in result.decisions if d.rule == "PL321")
    assert (refuse.fields["count"], refuse.fields["total"]) == ("70", "100")
    with env.state() as state:  # nothing moved on: the previous roster is still the first one
        assert len(state.previous_roster().people) == 100
        assert not state.absent()
    env.kit.pupils = everyone  # the full export again: nothing to do
    assert env.run(day=3).plan.is_empty()


def test_guard_counts_class_moves_within_the_year(tmp_path: Path) -> None:
    env = Env(tmp_path, extra="[guard]\nmax_share = 0.1\nmin_users = 0\n")
    env.kit.fill(20)
    env.run(day=1)
    for p in env.kit.pupils:
        if p.school == P_SCHOOL and p.title == "1年1組":
            p.title = "1年2組"
    result = env.run(day=2)
    assert result.guard["class_moves"] == 4 and result.status == "refused"


def test_new_held_pupil_is_left_out_and_delivered_once_fixed(env: Env) -> None:
    env.run(day=1)
    env.kit.add(60, P_SCHOOL, "1年1組", "P1", preferred=("", ""))
    held = env.run(day=2)
    assert ("PL311", "hold") in _actions(held, umi_for(60))
    assert umi_for(60) not in held.plan.roster.people and held.exit_code == 1
    with env.state() as state:
        assert umi_for(60) in state.holds()
    env.kit.person(60).preferred = ("山田", "花子")
    fixed = env.run(day=3)
    assert ("PL301", "create") in _actions(fixed, umi_for(60)) and fixed.exit_code == 0
    with env.state() as state:
        assert not state.holds()
