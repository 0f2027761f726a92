"""Preprocess + reconcile on a whole synthetic city with every pilot quirk: each quirk ends in
exactly the decision the pilot's rules call for. ``small`` in the default run; Tsukuba scale
under the ``scale`` marker (its own tox environment)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from fixtures import build_bundle, generate_city, load_profile, parse_quirks, quirk_counts
from fixtures.passwords import password_entries
from harness.oneroster import read_bundle, write_bundle
from harness.oneroster.ids import is_uuid4
from pipeline import packed
from pipeline import state as state_module
from pipeline.config import example_config, parse_config
from pipeline.plan import make_plan
from pipeline.preprocess.passwords import Passwords
from pipeline.run import _commit_data
from pipeline.state import State, plan_to_json
from pipeline.validate import READ, validate

NOW = dt.datetime(2025, 5, 1, 20, tzinfo=dt.UTC)


def _plan_city(profile: str, tmp_path: Path):
    city = generate_city(load_profile(profile), seed=1, as_of=dt.date(2025, 5, 1),
                         quirks=parse_quirks("all"))
    path = write_bundle(build_bundle(city), tmp_path / "RO.zip")
    config = parse_config(example_config(), path=tmp_path / "renkei.toml")
    passwords = Passwords(entries={e.user_master_identifier: e for e in password_entries(city)})
    with State(config.state_path) as state:
        out = make_plan(read_bundle(path), config, state, export_sha256="0" * 64, now=NOW,
                        passwords=passwords)
    return city, out


def _check_quirks(city, out) -> None:
    counts = quirk_counts(city)
    by_rule = Counter(d.rule for d in out.plan.decisions)
    held_people = {d.subject for d in out.plan.decisions if d.rule in ("PL310", "PL311")}
    compulsory = sum(1 for s in city.schools.values() if s.kind == "compulsory")
    assert by_rule["PL201"] == compulsory
    # every stale record is dropped (owner known from the board's file) or its group held
    assert by_rule["PL211"] + by_rule["PL212"] // 2 == counts["stale-duplicates"]
    assert by_rule["PL221"] == counts["disability-titles"] and by_rule["PL222"] == 0
    missing_names = {s.umi for s in city.students.values() if not s.external_name}
    assert missing_names <= held_people
    wrong = {s.umi for s in city.students.values() if s.recorded_upn}
    assert wrong <= held_people  # the board's file names the right GIGA id: PL253
    gaiji_ok = {s.umi for s in city.students.values() if s.gaiji and s.external_name}
    assert gaiji_ok.isdisjoint(held_people)  # 外字 only in the display name: delivered
    assert by_rule["PL104"] == 0  # (validation is the run's job; make_plan does not check)
    roster = out.plan.roster
    assert len(roster.people) + len(held_people) == len(city.students)
    assert all(is_uuid4(p.sourced_id) for p in roster.people.values())
    assert all(p.class_key in roster.classes for p in roster.people.values())
    assert not out.plan.refused and by_rule["PL301"] == len(roster.people)


def test_small_city_every_quirk_decided(tmp_path: Path) -> None:
    city, out = _plan_city("small", tmp_path)
    _check_quirks(city, out)


def test_the_plan_reads_only_what_it_needs_and_decides_the_same(tmp_path: Path) -> None:
    """``pipeline.validate.validate`` keeps only the files and columns of ``READ`` (a fraction of a
    city's export) and the plan made from it is the plan made from the whole bundle."""
    city = generate_city(load_profile("small"), seed=1, as_of=dt.date(2025, 5, 1),
                         quirks=parse_quirks("all"))
    path = write_bundle(build_bundle(city), tmp_path / "RO.zip")
    full, slim = read_bundle(path), validate(path, profile="jp-eportal-v4").bundle
    assert slim is not None
    assert set(slim.tables) == set(READ) and "demographics" in full.tables
    for name, rows in slim.tables.items():
        keep = READ[name]
        assert rows == [{k: v for k, v in r.items() if keep is None or k in keep}
                        for r in full.tables[name]], name
    plans = []
    for n, bundle in enumerate((full, slim)):
        config = parse_config(example_config(), path=tmp_path / f"{n}" / "renkei.toml")
        passwords = Passwords(entries={e.user_master_identifier: e
                                       for e in password_entries(city)})
        with State(config.state_path) as state:
            state.set_meta("installation_salt", "same-salt")
            out = make_plan(bundle, config, state, export_sha256="0" * 64, now=NOW,
                            passwords=passwords, plan_id="p")
        plans.append(plan_to_json(out.plan))
    assert plans[0] == plans[1] and plans[0]["decisions"]


def test_plans_and_snapshots_are_packed_a_slice_at_a_time_into_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The state stores a plan and a roster encoded and compressed in slices (a city is never
    one list of dicts nor one string): byte for byte what packing the whole JSON gives."""
    _, out = _plan_city("small", tmp_path)
    plan, commit = out.plan, _commit_data(out)
    monkeypatch.setattr(packed, "SLICE", 50)
    assert len(plan.roster.people) > 50 * 3  # several slices
    data = plan_to_json(plan)
    rosters = {"roster": data.pop("roster"), "previous": data.pop("previous"), "commit": commit}
    assert packed.pack(state_module._plan_parts(plan)) == packed.pack(data)
    whole = packed.pack(rosters)
    assert packed.pack(state_module._uncommitted_parts(plan, commit)) == whole
    assert packed.pack(state_module._roster_parts(plan.roster)) == packed.pack(
        plan.roster.to_json())
    assert packed.unpack(whole)["roster"] == plan.roster.to_json()


def test_the_commits_key_rows_are_stored_and_put_as_tuples_or_as_stored_lists(
        tmp_path: Path) -> None:
    """The commit keeps the plan's key rows as they are (tuples): stored, they are the same
    JSON arrays as lists; put_keys takes them so, or as a stored commit gives them back."""
    _, out = _plan_city("small", tmp_path)
    commit = _commit_data(out)
    assert commit["key_rows"] and all(isinstance(r, tuple) for r in commit["key_rows"])
    stored = {**commit, "key_rows": [list(r) for r in out.key_rows]}
    assert packed.pack(commit) == packed.pack(stored)
    with State(tmp_path / "a.sqlite") as a, State(tmp_path / "b.sqlite") as b:
        a.put_keys(commit["key_rows"], "t")
        b.put_keys(iter(packed.unpack(packed.pack(stored))["key_rows"]), "t")
        rows = [s.conn.execute("SELECT * FROM keymap ORDER BY rowid").fetchall() for s in (a, b)]
    assert rows[0] == rows[1] and len(rows[0]) == len(out.key_rows)


@pytest.mark.scale
def test_tsukuba_city_every_quirk_decided(tmp_path: Path) -> None:
    city, out = _plan_city("tsukuba", tmp_path)
    _check_quirks(city, out)


def _city_rollover(profile: str, tmp_path: Path):
    from fixtures.events import advance_year, transfer
    from pipeline.run import _commit, _commit_data

    city = generate_city(load_profile(profile), seed=2, as_of=dt.date(2025, 5, 1),
                         quirks=parse_quirks("all"))
    config = parse_config(example_config(), path=tmp_path / "renkei.toml")
    outcomes = []
    with State(config.state_path) as state:
        for step, when in enumerate((NOW, NOW.replace(month=6), NOW.replace(year=2026, month=4))):
            if step == 1:
                for _ in range(3):
                    transfer(city)
            if step == 2:
                advance_year(city)
            city.export_serial += 1
            path = write_bundle(build_bundle(city), tmp_path / f"RO_{step}.zip")
            passwords = Passwords(entries={e.user_master_identifier: e
                                           for e in password_entries(city)})
            out = make_plan(read_bundle(path), config, state, export_sha256=f"{step}" * 64,
                            now=when, passwords=passwords)
            outcomes.append(out)
            if not out.plan.refused:
                _commit(state, out.plan, _commit_data(out), when)
    return city, outcomes


def test_small_city_transfers_and_rollover_pass_the_guard(tmp_path: Path) -> None:
    city, (first, nightly, rollover) = _city_rollover("small", tmp_path)
    by_rule = Counter(d.rule for d in nightly.plan.decisions)
    assert by_rule["PL303"] == 3  # three in-city transfers: same people, new school
    assert by_rule["PL211"] >= 3  # their old affiliations dropped as stale duplicates
    assert by_rule["PL301"] == 0 and by_rule["PL307"] == 0
    assert not rollover.plan.refused, rollover.guard
    assert rollover.guard["school_moves"] == 0 and rollover.guard["missing"] == 0
    r = Counter(d.rule for d in rollover.plan.decisions)
    assert r["PL315"] == 1 and r["PL316"] > 0 and r["PL306"] > 0


@pytest.mark.scale
def test_tsukuba_rollover_passes_the_guard(tmp_path: Path) -> None:
    city, (first, nightly, rollover) = _city_rollover("tsukuba", tmp_path)
    assert not rollover.plan.refused, rollover.guard
