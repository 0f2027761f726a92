"""The whole pipeline (F's run_pipeline + delivery) against the mocks in-process, small city."""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from pipeline.config import parse_config
from pipeline.run import run_pipeline
from tests.pipeline.e2ekit import (
    CLIENT_SECRET,
    SECRET_ENV,
    World,
    check_invariants,
    config_text,
    quick_retries,
    state_holds,
)


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    return World.seeded(tmp_path)


def run(world, **kw):
    config = quick_retries(parse_config(config_text(world.tmp, world.bases, **kw),
                                        path=world.tmp / "city.toml"))
    return config, run_pipeline(config, session_factory=world.session)


def test_first_run_delivers_everyone_and_the_same_export_again_changes_nothing(world):
    config, first = run(world)
    assert first.status == "applied" and first.exit_code in (0, 1), first.message
    holds = state_holds(config.state_path)
    found = check_invariants(world, holds)
    assert found["checked"] > 400 and found["m365"] == found["checked"]
    before = world.changing_calls()

    _, second = run(world)
    assert second.status == "nothing-to-do", second.message
    assert second.plan is not None and second.plan.is_empty()
    assert world.changing_calls() == before  # no call that changes anything
    check_invariants(world, holds)


def test_a_night_without_change_makes_no_call_to_any_target(world):
    """Every HTTP request the pipeline makes is counted by host: the first night reaches all
    three targets; a night whose export changes nothing calls only the source (c4th) —
    not one request to lgate, Microsoft 365 (not even a token) or the drill app."""
    calls: Counter[str] = Counter()

    def counting_session() -> requests.Session:
        s = world.session()

        def count(resp: requests.Response, *args: Any, **kwargs: Any) -> None:
            calls[urlsplit(resp.request.url or "").hostname or ""] += 1
        s.hooks["response"].append(count)
        return s

    config = quick_retries(parse_config(config_text(world.tmp, world.bases),
                                        path=world.tmp / "city.toml"))
    first = run_pipeline(config, session_factory=counting_session)
    assert first.status == "applied", first.message
    targets = {"lgate.test", "m365.test", "interactive-study.test"}
    assert targets <= set(calls) and all(calls[t] > 0 for t in targets)
    calls.clear()
    again = run_pipeline(config, session_factory=counting_session)
    assert again.status == "nothing-to-do", again.message
    assert set(calls) == {"c4th.test"} and calls["c4th.test"] > 0, calls
    assert sum(calls[t] for t in targets) == 0


def test_guard_trips_on_a_truncated_export_and_nothing_changes(world):
    run(world)
    states = {n: world.state(n) for n in ("lgate", "m365", "interactive_study")}
    calls = world.changing_calls()
    world.fault("c4th", kind="truncate", keep=0.3)
    _, refused = run(world)
    assert refused.exit_code == 2 and refused.status == "refused", refused.message
    assert refused.plan is not None and refused.plan.refused
    assert any(d.rule == "PL321" for d in refused.plan.decisions)
    assert world.changing_calls() == calls
    for name, before in states.items():
        after = world.state(name)
        assert after["users"] == before["users"], f"{name} changed under a refused plan"


def test_life_events_flow_through_every_target(world):
    config, _ = run(world)
    moved = world.event("transfer")["result"]
    left = world.event("transfer_out")["result"]
    joined = world.event("enrol")["result"]
    world.save_passwords(world.tmp / "passwords", 2, only_new=True)
    _, result = run(world)
    assert result.status == "applied" and result.exit_code in (0, 1), result.message
    holds = state_holds(config.state_path)
    check_invariants(world, holds)
    m365 = {u["userPrincipalName"].lower(): u for u in world.state("m365")["users"]}
    if moved["umi"] not in holds:
        account = m365[moved["upn"].lower()]
        school = next(s for s in world.city()["schools"] if s["key"] == moved["school"])
        assert account["department"] == school["name"]
    drill = {u["userMasterIdentifier"]: u for u in world.state("interactive_study")["users"]}
    if left["umi"] in drill:
        assert drill[left["umi"]]["enabledUser"] is False
    assert any(u["userMasterIdentifier"] == left["umi"] for u in world.state("lgate")["users"])
    if joined["umi"] not in holds:
        assert joined["upn"].lower() in m365


def test_interrupted_target_is_finished_by_the_next_run(world):
    world.fault("m365", kind="status", status=503, route=r"\$batch", count=1000)
    config, broken = run(world)
    assert broken.exit_code == 3 and broken.status == "interrupted"
    assert broken.apply is not None and broken.apply.failed == ["m365"]
    world.clear_faults("m365")
    _, fixed = run(world)
    assert fixed.exit_code in (0, 1), fixed.message
    assert fixed.resumed and fixed.resumed[0].ok
    check_invariants(world, state_holds(config.state_path))


def test_initial_link_adopts_accounts_the_systems_already_hold(world):
    """初回連携: a first run against systems that already hold everyone duplicates nobody."""
    import shutil

    config, first = run(world)
    assert first.exit_code in (0, 1)
    counts = {n: len(world.state(n)["users"]) for n in ("lgate", "m365", "interactive_study")}
    shutil.rmtree(config.state_path.parent)  # a new installation: new salt, empty key map
    _, linked = run(world)
    assert linked.exit_code in (0, 1), linked.message
    assert any(d.action == "link" for d in linked.plan.decisions)
    check_invariants(world, state_holds(config.state_path))
    assert {n: len(world.state(n)["users"]) for n in counts} == counts
