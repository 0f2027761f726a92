"""pipeline.apply against the lgate, m365 and drill mocks in-process (a hand-made roster)."""

from __future__ import annotations

import copy
import gc
import json
import logging
from dataclasses import replace

import pytest

from pipeline.apply import apply_to, unfinished
from pipeline.apply.journal import Journal
from tests.pipeline.applykit import (
    CLIENT_SECRET,
    PASSWORD,
    MockWorld,
    make_plan,
    passwords_for,
)


@pytest.fixture
def roster(base_roster):
    """Sixty pupils from every school of the small city (the mocks hash each password)."""
    r = copy.deepcopy(base_roster)
    r.people = dict(list(r.people.items())[::7][:60])
    return r


@pytest.fixture
def world():
    return MockWorld()


def changing_calls(world: MockWorld) -> int:
    return sum(1 for name in ("lgate", "m365", "interactive_study")
               for r in world.requests_log(name) if r["method"] != "GET")


def test_first_apply_creates_everywhere_and_rerun_sends_nothing(world, db, roster):
    targets = world.targets(passwords_for(roster))
    result = apply_to(make_plan(roster, "p1"), targets, db)
    assert result.ok and result.changed
    n = len(roster.people)
    assert result.targets["lgate"].counts["users_created"] == n
    assert result.targets["lgate"].counts["passwords_accepted"] == n
    assert result.targets["m365"].counts["created"] == n
    assert result.targets["drill"].counts["upserted"] == n
    m365 = world.state("m365")["users"]
    assert len(m365) == n and len({u["userPrincipalName"].lower() for u in m365}) == n
    assert all(u["password_set"] for u in m365)
    assert len(world.state("lgate")["users"]) == n
    assert world.state("interactive_study")["counts"]["users"] == n
    assert unfinished(db) == []

    before = sum(len(world.requests_log(m)) for m in ("lgate", "m365", "interactive_study"))
    again = apply_to(make_plan(roster, "p2", "2025-05-02", previous=roster), targets, db)
    assert again.ok and not again.changed
    after = sum(len(world.requests_log(m)) for m in ("lgate", "m365", "interactive_study"))
    assert after == before  # not a single call, let alone one that changes anything


def test_move_updates_each_target_once(world, db, roster):
    targets = world.targets(passwords_for(roster))
    apply_to(make_plan(roster, "p1"), targets, db)
    person = next(iter(roster.people.values()))
    other = next(c for c in roster.classes.values()
                 if c.school_code != person.school_code and c.grades == (person.grade,))
    moved = copy.deepcopy(roster)
    moved.people[person.umi] = replace(person, school_code=other.school_code, class_key=other.key)
    result = apply_to(make_plan(moved, "p2", "2025-05-02", previous=roster), targets, db)
    assert result.ok
    assert result.targets["m365"].counts == {"updated": 1}
    assert result.targets["drill"].counts == {"upserted": 1}
    assert result.targets["lgate"].counts["users_updated"] == 1
    account = next(u for u in world.state("m365")["users"]
                   if u["userPrincipalName"] == person.upn)
    assert account["department"] == moved.schools[other.school_code].name
    assert account["jobTitle"] == f"{person.grade} {other.title}"
    drill_user = next(u for u in world.state("interactive_study")["users"]
                      if u["userMasterIdentifier"] == person.umi)
    assert drill_user["school"]["school_code"] == other.school_code


def test_leaver_disabled_in_drill_at_once_and_removed_after_grace(world, db, roster):
    targets = world.targets(passwords_for(roster))
    apply_to(make_plan(roster, "p1"), targets, db)
    person = next(iter(roster.people.values()))
    gone = copy.deepcopy(roster)
    gone.absent[person.umi] = gone.people.pop(person.umi)
    result = apply_to(make_plan(gone, "p2", "2025-05-02", previous=roster), targets, db)
    assert result.targets["drill"].counts == {"disabled": 1}
    assert result.targets["m365"].status == "unchanged"  # only the grace policy disables
    assert result.targets["lgate"].counts["users_missing"] == 1  # reported, never deleted
    drill_user = next(u for u in world.state("interactive_study")["users"]
                      if u["userMasterIdentifier"] == person.umi)
    assert drill_user["enabledUser"] in (False, "false", 0)
    assert any(u["userMasterIdentifier"] == person.umi for u in world.state("lgate")["users"])

    graced = copy.deepcopy(gone)
    graced.absent[person.umi] = replace(person, enabled=False)
    result = apply_to(make_plan(graced, "p3", "2025-08-02", previous=gone), targets, db)
    assert result.targets["drill"].counts == {"deleted": 1}
    assert result.targets["m365"].counts == {"disabled": 1}
    assert not any(u["userMasterIdentifier"] == person.umi
                   for u in world.state("interactive_study")["users"])
    account = next(u for u in world.state("m365")["users"]
                   if u["userPrincipalName"] == person.upn)
    assert account["accountEnabled"] is False
    assert apply_to(make_plan(graced, "p4", "2025-08-03", previous=graced), targets,
                    db).changed is False


def test_existing_m365_account_is_adopted_not_duplicated(world, db, roster):
    person = next(iter(roster.people.values()))
    targets = world.targets(passwords_for(roster))
    made = targets.m365.create_user({
        "userPrincipalName": person.upn, "displayName": "old name", "mailNickname": "x",
        "accountEnabled": True, "passwordProfile": {"password": "Their-Own-Pass-9",
                                                    "forceChangePasswordNextSignIn": False}})
    result = apply_to(make_plan(roster, "p1"), targets, db)
    assert result.targets["m365"].counts["updated"] == 1
    users = [u for u in world.state("m365")["users"] if u["userPrincipalName"] == person.upn]
    assert len(users) == 1 and users[0]["id"] == made["id"]
    assert users[0]["displayName"] == f"{person.family_name} {person.given_name}"


def test_duplicate_on_create_is_adopted(world, db, roster):
    """Someone creates the account between our lookup and our create: adopt, never duplicate."""
    small = copy.deepcopy(roster)
    small.people = dict(list(small.people.items())[:3])
    targets = world.targets(passwords_for(small))
    graph = targets.m365
    real_batch = graph.batch
    raced = []

    def racing_batch(items):
        if items and items[0].method == "POST" and not raced:
            body = dict(items[0].body)
            graph.create_user(body)  # the race: created just before our $batch lands
            raced.append(body["userPrincipalName"])
        return real_batch(items)

    graph.batch = racing_batch
    result = apply_to(make_plan(small, "p1"), targets, db)
    assert result.ok, result.to_json()
    assert raced and result.targets["m365"].counts.get("adopted") == 1
    upns = [u["userPrincipalName"] for u in world.state("m365")["users"]]
    assert sorted(upns) == sorted(p.upn for p in small.people.values())


def test_m365_failure_interrupts_and_the_next_run_finishes(world, db, roster):
    targets = world.targets(passwords_for(roster), retries=1)
    world.fault("m365", kind="status", status=503, route=r"\$batch", count=10)
    plan = make_plan(roster, "p1")
    result = apply_to(plan, targets, db)
    assert result.interrupted and result.failed == ["m365"]
    assert result.targets["lgate"].status == "done" and result.targets["drill"].status == "done"
    left = unfinished(db)
    assert [u.plan_id for u in left] == ["p1"] and left[0].targets == ("m365",)
    assert left[0].plan is not None and left[0].plan.roster.people.keys() == roster.people.keys()
    world.clear_faults("m365")
    done = apply_to(left[0].plan, targets, db)
    assert done.ok and unfinished(db) == []
    upns = [u["userPrincipalName"] for u in world.state("m365")["users"]]
    assert len(upns) == len(set(upns)) == len(roster.people)


def test_lgate_refusal_is_reported_with_findings(world, db, roster):
    world.fault("lgate", kind="status", status=422, route="/oneroster/bulk", count=1)
    result = apply_to(make_plan(roster, "p1"), world.targets(passwords_for(roster)), db)
    assert result.failed == ["lgate"]
    assert "422" in result.targets["lgate"].message
    assert Journal(db).step_status("p1", "lgate", "bulk") == "failed"


def test_a_wrong_m365_secret_fails_m365_alone_with_the_token_endpoints_answer(world, db, roster):
    targets = world.targets(passwords_for(roster), m365_secret="not-the-secret")
    result = apply_to(make_plan(roster, "p1"), targets, db)
    assert result.failed == ["m365"]
    assert "401" in result.targets["m365"].message
    assert result.targets["m365"].problems == []
    assert result.targets["lgate"].status == "done" and result.targets["drill"].status == "done"


def test_no_secret_anywhere(world, db, roster, caplog):
    caplog.set_level(logging.DEBUG)
    world.fault("m365", kind="status", status=429, retry_after=0, route=r"\$batch", count=2)
    targets = world.targets(passwords_for(roster))
    result = apply_to(make_plan(roster, "p1"), targets, db)
    dumped = "\n".join(db.iterdump())
    for secret in (PASSWORD, CLIENT_SECRET, targets.m365._token or "no-token-fetched"):
        assert secret not in json.dumps(result.to_json(), ensure_ascii=False)
        assert secret not in dumped
        assert secret not in caplog.text
        assert secret not in repr(targets)


def test_the_delivery_runs_on_a_frozen_heap_and_gives_it_back(world, db, roster):
    frozen: list[int] = []
    targets = world.targets(passwords_for(roster))
    result = apply_to(make_plan(roster, "p1"), targets, db,
                      progress=lambda target, done, total: frozen.append(gc.get_freeze_count()))
    assert result.ok
    assert frozen and min(frozen) > 0  # the plan and the mocks' state, out of full collections
    assert gc.get_freeze_count() == 0
