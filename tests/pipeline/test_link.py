"""The initial link (名寄せ, PL4xx): adopt accounts the targets hold, report mismatches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from harness.oneroster import read_bundle
from pipeline.plan import make_plan
from pipeline.preprocess.passwords import load_passwords
from pipeline.reconcile import Outcome
from tests.pipeline.rosterkit import GIMU, P_SCHOOL, Env, umi_for, upn_for

NOW = dt.datetime(2025, 5, 1, 20, tzinfo=dt.UTC)


def account(n: int, sid: str, *, umi: str | None = "same", upn: str | None = None,
            family: str = "山田", given: str = "太郎", role: str = "student") -> dict[str, Any]:
    return {"sourcedId": sid, "username": upn or upn_for(n), "status": "active",
            "userIds": [{"type": "Office365", "identifier": upn or upn_for(n)}],
            "userMasterIdentifier": umi_for(n) if umi == "same" else umi,
            "familyName": family, "givenName": given, "roles": [{"role": role}]}


def plan(env: Env, accounts: dict[str, list[dict[str, Any]]]) -> Outcome:
    env.kit.write_passwords(env.root / "passwords.csv")
    bundle = read_bundle(env.export())
    with env.state() as state:
        return make_plan(bundle, env.config, state, export_sha256="0" * 64, now=NOW,
                         accounts=accounts, passwords=load_passwords(env.config.password_file))


@pytest.fixture
def env(tmp_path: Path) -> Env:
    env = Env(tmp_path)
    env.kit.fill(4)
    return env


def test_existing_accounts_are_adopted_by_giga_id(env: Env) -> None:
    out = plan(env, {"lgate": [account(1, "lgate-0001"), account(2, "lgate-0002", umi=None)],
                     "drill": [account(1, "drill-0001")]})
    people = out.plan.roster.people
    assert people[umi_for(1)].sourced_id == "lgate-0001"  # the e-portal's id everywhere
    assert people[umi_for(2)].sourced_id == "lgate-0002"  # no umi in lgate, same name: adopted
    assert out.plan.target_ids == {"drill": {umi_for(1): "drill-0001"}}
    links = {(d.target, d.subject) for d in out.plan.decisions if d.rule == "PL401"}
    assert all(d.fields["target"] == d.target for d in out.plan.decisions if d.rule == "PL401")
    assert {("lgate", umi_for(1)), ("lgate", umi_for(2)), ("drill", umi_for(1))} <= links
    assert ("person", umi_for(1), "", "lgate-0001", "adopted") in out.key_rows
    assert ("person", umi_for(1), "drill", "drill-0001", "adopted") in out.key_rows
    # adopted pupils are not new: no initial password needed, but still created in the plan
    assert not [d for d in out.plan.decisions if d.rule == "PL251" and d.subject == umi_for(1)]


def test_target_account_without_incoming_pupil_is_reported(env: Env) -> None:
    out = plan(env, {"lgate": [account(77, "lgate-0077")]})
    report = next(d for d in out.plan.decisions if d.rule == "PL402")
    assert report.target == "lgate" and report.fields["upn"] == upn_for(77)


def test_teacher_accounts_are_not_reported_while_teachers_are_off(env: Env) -> None:
    out = plan(env, {"lgate": [account(78, "t-1", role="teacher")]})
    assert not [d for d in out.plan.decisions if d.rule == "PL402"]


@pytest.mark.parametrize(("acct", "reason"), [
    (account(1, "lgate-x", umi=umi_for(500)), "userMasterIdentifier"),
    (account(1, "lgate-x", umi=None, family="佐藤"), "another name"),
])
def test_giga_id_on_someone_elses_account_holds_the_pupil(env: Env, acct: dict[str, Any],
                                                          reason: str) -> None:
    out = plan(env, {"lgate": [acct]})
    hold = next(d for d in out.plan.decisions if d.rule == "PL403")
    assert hold.subject == umi_for(1) and reason in hold.fields["reason"]
    assert umi_for(1) not in out.plan.roster.people
    assert umi_for(1) in out.holds


def test_wrong_giga_id_in_c4th_is_caught_by_the_umi(env: Env) -> None:
    env.kit.person(2).upn = "s9999902@city.example.ed.jp"  # mistyped in C4th
    out = plan(env, {"lgate": [account(2, "lgate-0002")]})
    hold = next(d for d in out.plan.decisions if d.rule == "PL403")
    assert hold.subject == umi_for(2) and upn_for(2) in hold.fields["reason"]
    assert umi_for(2) not in out.plan.roster.people


def test_duplicate_accounts_in_a_target_hold_the_pupil(env: Env) -> None:
    out = plan(env, {"drill": [account(3, "d-1"), account(3, "d-2")]})
    assert any(d.rule == "PL404" and d.subject == umi_for(3) for d in out.plan.decisions)


def test_target_accounts_settle_a_stale_duplicate_on_the_first_run(env: Env) -> None:
    pupil = env.kit.person(1)
    pupil.extra_records.append((umi_for(9100), GIMU, "1年1組"))
    env.kit.write_passwords(env.root / "passwords.csv", skip=(1,))
    bundle = read_bundle(env.export())
    with env.state() as state:
        out = make_plan(bundle, env.config, state, export_sha256="0" * 64, now=NOW,
                        accounts={"lgate": [account(1, "lgate-0001")]},
                        passwords=load_passwords(None))
    assert any(d.rule == "PL211" and d.subject == umi_for(9100) for d in out.plan.decisions)
    assert out.plan.roster.people[umi_for(1)].school_code == P_SCHOOL


def test_no_link_after_the_first_run(env: Env) -> None:
    env.run(day=1)
    out = plan(env, {"lgate": [account(1, "lgate-0001")]})
    # accounts are passed but the run decides whether to fetch them; make_plan with a key
    # map still adopts nothing new for people it already keys
    assert out.plan.roster.people[umi_for(1)].sourced_id != "lgate-0001"
