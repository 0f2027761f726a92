"""The student licence on create (issue 16): assigned once, journaled, and a refusal (no seats,
unknown SKU) leaves the account in place, names what is missing (PL601/PL602, ja+en) and is
completed by the next run."""

from __future__ import annotations

import copy

import pytest

from pipeline.apply import apply_to, unfinished
from pipeline.rules import REGISTRY
from tests.pipeline.applykit import MockWorld, make_plan, passwords_for

STUDENT = "314c4481-f395-4525-be8b-2ec4bb1e9d91"


@pytest.fixture
def roster(base_roster):
    """Twenty-five pupils (fewer than test_apply's sixty: seats are counted one by one)."""
    r = copy.deepcopy(base_roster)
    r.people = dict(list(r.people.items())[::9][:25])
    return r


def _seats(world: MockWorld, n: int) -> None:
    world.session().post("http://m365.test/_admin/seed", json={"skus": {
        "STANDARDWOFFPACK_STUDENT": {"skuId": STUDENT, "prepaidUnits": n}}}
        ).raise_for_status()


def _licensed(world: MockWorld) -> dict[str, list[str]]:
    return {u["userPrincipalName"].lower(): [lic["skuId"] for lic in u["assignedLicenses"]]
            for u in world.state("m365")["users"]}


def _targets(world: MockWorld, roster, sku: str = "STANDARDWOFFPACK_STUDENT"):
    targets = world.targets(passwords_for(roster))
    targets.student_sku = sku
    return targets


def test_every_new_account_gets_the_licence_once(db, roster) -> None:
    world = MockWorld()
    targets = _targets(world, roster)
    result = apply_to(make_plan(roster, "p1"), targets, db)
    assert result.ok, result.targets["m365"]
    licensed = _licensed(world)
    assert len(licensed) == len(roster.people)
    assert all(skus == [STUDENT] for skus in licensed.values())
    assert result.targets["m365"].counts["licensed"] == len(roster.people)
    calls = len(world.requests_log("m365"))
    again = apply_to(make_plan(roster, "p2"), targets, db)  # a re-run assigns nothing
    assert again.ok and "licensed" not in again.targets["m365"].counts
    assert len(world.requests_log("m365")) == calls


def test_no_seats_keeps_the_account_reports_pl601_and_the_next_run_completes(
        db, roster) -> None:
    world = MockWorld()
    _seats(world, 10)
    targets = _targets(world, roster)
    result = apply_to(make_plan(roster, "p1"), targets, db)
    assert result.interrupted and result.failed == ["m365"]
    problems = result.targets["m365"].problems
    held = [p for p in problems if p.get("rule") == "PL601"]
    assert len(held) == len(roster.people) - 10
    first = held[0]
    assert first["missing"] == "licence" and first["account"]
    assert "no seats left" in first["reason"] and "next run" in first["reason"]
    assert "空きがない" in first["message_ja"]
    licensed = _licensed(world)
    assert len(licensed) == len(roster.people)  # every account exists: nothing half made
    assert sum(1 for s in licensed.values() if s) == 10
    assert sorted(u for u, s in licensed.items() if not s) == sorted(
        p["account"].lower() for p in held)

    _seats(world, 100)  # the board buys seats
    left = unfinished(db)
    assert [u.plan_id for u in left] == ["p1"]
    done = apply_to(left[0].plan, targets, db)
    assert done.ok and unfinished(db) == []
    licensed = _licensed(world)
    assert len(licensed) == len(roster.people)
    assert all(s == [STUDENT] for s in licensed.values())


def test_an_unknown_sku_is_pl602_and_accounts_are_still_made(db, roster) -> None:
    world = MockWorld()
    result = apply_to(make_plan(roster, "p1"), _targets(world, roster, "NO_SUCH_SKU"), db)
    assert result.failed == ["m365"]
    rules = {p.get("rule") for p in result.targets["m365"].problems}
    assert rules == {"PL602"}
    assert len(_licensed(world)) == len(roster.people)


def test_the_licence_rules_say_what_to_do_in_both_languages() -> None:
    for rule in ("PL601", "PL602"):
        ja, en = REGISTRY[rule].render({"umi": "U1", "upn": "s1@x.jp", "sku": "SKU"})
        assert "s1@x.jp" in ja and "s1@x.jp" in en and "next run" in en and "次回" in ja


def test_employee_id_is_the_user_master_identifier_only_when_configured(db, roster) -> None:
    world = MockWorld()
    targets = world.targets(passwords_for(roster))
    targets.employee_id = "userMasterIdentifier"
    assert apply_to(make_plan(roster, "p1"), targets, db).ok
    users = world.session().get(
        "http://m365.test/_admin/state").json()["users"]
    by_upn = {u["userPrincipalName"].lower(): u for u in users}
    for person in roster.people.values():
        want = person.umi if len(person.umi) <= 16 else None
        assert by_upn[person.upn.lower()]["employeeId"] == want
