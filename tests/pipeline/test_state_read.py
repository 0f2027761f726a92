"""The previous roster is read back from its snapshot a piece at a time (pipeline.state): the
same roster as parsing the whole text at once, whatever the pieces' sizes, the strings in it
and the JSON's spacing; a damaged snapshot is an error, never a wrong roster. An unchanged
roster stores no new snapshot, and a plan keeps its rosters only while it is delivered."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import packed
from pipeline import state as state_module
from pipeline.model import (
    ClassRecord,
    Decision,
    PersonRecord,
    Plan,
    Roster,
    SchoolRecord,
    people_hook,
)
from pipeline.state import State

#: text that looks like the reader's cut points and JSON's own syntax, and characters whose
#: UTF-8 bytes a piece may split
AWKWARD = ["},{", "}", "{", '"', "\\", "]", "[", ",", ":", "\n", "\t", " ", "}, {",
           '"},{"umi":"x"', "山", "田", "ア", "𠮷", "é", "\u3000", "\x00", "\x1f"]
text = st.lists(st.sampled_from(AWKWARD) | st.text(max_size=3), max_size=6).map("".join)


def _person(n: int, family: str, given: str) -> PersonRecord:
    return PersonRecord(umi=f"u{n}", sourced_id=f"s{n}", upn=f"p{n}@x.ed.jp",
                        family_name=family, given_name=given, family_kana="ヤマダ",
                        given_kana="タロウ", grade="P1", school_code="B108299000100",
                        class_key="B108299000100/2025/1年1組",
                        attendance_number=n if n % 3 else None, enabled=n % 5 != 0)


def _roster(names: list[tuple[str, str]], absent: int = 2) -> Roster:
    school = SchoolRecord("B108299000100", "sid-school", "第一小学校", ("P1", "P2"))
    klass = ClassRecord("B108299000100/2025/1年1組", "sid-class", "B108299000100", 2025,
                        "1年1組", "1年1組", ("P1",), special_needs=False)
    people = [_person(n, f, g) for n, (f, g) in enumerate(names)]
    gone = [_person(10_000 + n, "転出", "済") for n in range(absent)]
    return Roster(2025, {school.school_code: school}, {klass.key: klass},
                  {p.umi: p for p in people}, {p.umi: p for p in gone})


def _stored(state: State, roster: Roster) -> bytes:
    state.save_snapshot("p", roster, "2025-05-01T00:00:00+00:00")
    return bytes(state.conn.execute(
        "SELECT roster FROM snapshots ORDER BY id DESC LIMIT 1").fetchone()[0])


def _whole(blob: bytes) -> Roster:
    """What the state read before: the whole text parsed at once."""
    return Roster.from_json(json.loads(zlib.decompress(blob).decode("utf-8"),
                                       object_hook=people_hook()))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.tuples(text, text), max_size=40), size=st.integers(1, 200))
def test_pieces_of_any_size_give_the_roster_parsed_whole(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
        names: list[tuple[str, str]], size: int) -> None:
    monkeypatch.setattr(packed, "READ_SIZE", size)
    with State(tmp_path_factory.mktemp("s") / "state.sqlite") as state:
        roster = _roster(names)
        blob = _stored(state, roster)
        read = state.previous_roster()
    assert read == _whole(blob) == roster
    assert list(read.people) == list(roster.people)  # in the stored order


def test_a_city_sized_roster_in_many_pieces(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of people over many pieces: runs of whole records, one across each cut; the
    repeated strings are shared as the whole parse shares them."""
    monkeypatch.setattr(packed, "READ_SIZE", 997)
    roster = _roster([("山田", f"太郎{n}") for n in range(5000)], absent=300)
    with State(tmp_path / "state.sqlite") as state:
        _stored(state, roster)
        read = state.previous_roster()
    assert read == roster and len(read.people) == 5000 and len(read.absent) == 300
    first, last = read.people["u0"], read.people["u4999"]
    assert first.family_name is last.family_name and first.class_key is last.class_key


def _snapshot(state: State, blob: bytes) -> None:
    with state.transaction() as c:
        c.execute("INSERT INTO snapshots (plan_id, created_at, roster) VALUES ('x', 'now', ?)",
                  (blob,))


@pytest.mark.parametrize("indent", [None, 0, 2])
def test_any_json_spacing_reads_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         indent: int | None) -> None:
    """A snapshot whose JSON is spaced otherwise (another writer's separators, new lines)
    reads the same: the reader then goes element by element."""
    monkeypatch.setattr(packed, "READ_SIZE", 64)
    roster = _roster([("山田", "},{"), ("", " }, { ")] * 20)
    text = json.dumps(roster.to_json(), ensure_ascii=indent is None, indent=indent)
    with State(tmp_path / "state.sqlite") as state:
        _snapshot(state, zlib.compress(text.encode("utf-8")))
        assert state.previous_roster() == roster


def test_a_snapshot_without_absent_people_or_with_empty_lists(tmp_path: Path) -> None:
    with State(tmp_path / "state.sqlite") as state:
        data = {"school_year": 2026, "schools": [], "classes": [], "people": []}
        _snapshot(state, zlib.compress(json.dumps(data).encode("utf-8")))
        assert state.previous_roster() == Roster(2026)


@pytest.mark.parametrize("damage", ["truncated", "no checksum", "cut text", "extra data",
                                    "not an object", "bad separator", "bad utf-8"])
def test_a_damaged_snapshot_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        damage: str) -> None:
    monkeypatch.setattr(packed, "READ_SIZE", 50)
    roster = _roster([("山田", "太郎")] * 30)
    text = json.dumps(roster.to_json(), ensure_ascii=False, separators=(",", ":"))
    raw = text.encode("utf-8")
    blob = {
        "truncated": zlib.compress(raw)[:-20],
        "no checksum": zlib.compress(raw)[:-4],  # the whole text, the stream unfinished
        "cut text": zlib.compress(raw[:len(raw) // 2]),
        "extra data": zlib.compress(raw + b'{"x":1}'),
        "not an object": zlib.compress(b"[1, 2]"),
        "bad separator": zlib.compress(raw.replace(b'"school_year":2025,', b'"school_year":2025;')),
        "bad utf-8": zlib.compress(raw.replace("山".encode(), b"\xe5\xb1")),
    }[damage]
    with State(tmp_path / "state.sqlite") as state:
        _snapshot(state, blob)
        with pytest.raises((ValueError, zlib.error)):
            state.previous_roster()


def test_a_plan_already_in_a_status_is_not_rewritten(tmp_path: Path) -> None:
    # a no-change night saves its plan "applied" and then commits it: the row (blob included)
    # is not written a second time, and a real change of status still is
    with State(tmp_path / "s.sqlite") as state:
        plan = Plan(id="p1", export_sha256="0" * 64, created_at="2025-05-01T02:00:00+00:00",
                    roster=_roster([("山田", "太郎")]), previous=None)
        state.save_plan(plan, "applied", {})
        before = state.conn.total_changes
        state.set_plan_status("p1", "applied")
        assert state.conn.total_changes == before
        state.set_plan_status("p1", "interrupted")
        assert state.conn.total_changes == before + 1
        assert state.plans_with_status("interrupted") == ["p1"]


def _plan(plan_id: str, roster: Roster, previous: Roster | None) -> Plan:
    return Plan(id=plan_id, export_sha256="0" * 64, created_at="2025-05-02T02:00:00+00:00",
                roster=roster, previous=previous)


def _snapshots(state: State) -> list[bytes]:
    return [bytes(r[0]) for r in state.conn.execute("SELECT roster FROM snapshots ORDER BY id")]


def test_an_unchanged_roster_stores_no_new_snapshot(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # a no-change night: the roster read back from the newest snapshot, planned again, is
    # that snapshot's text; nothing is packed or stored, and the snapshot stays the newest
    roster = _roster([("山田", "太郎"), ("},{", "𠮷")])
    with State(tmp_path / "s.sqlite") as state:
        first = _stored(state, roster)
        previous = state.previous_roster()
        packs: list[object] = []
        real = state_module.pack
        monkeypatch.setattr(state_module, "pack", lambda data: packs.append(data) or real(data))
        assert not state.save_snapshot("p1", roster, "2025-05-02T02:00:00+00:00",
                                       previous=previous)
        assert packs == [] and _snapshots(state) == [first]
        assert state.previous_roster() == roster


@pytest.mark.parametrize("case", ["changed", "no snapshot", "no previous", "other text"])
def test_a_roster_unlike_the_newest_snapshot_is_packed(tmp_path: Path, case: str) -> None:
    old, new = _roster([("山田", "太郎")]), _roster([("山田", "次郎")])
    with State(tmp_path / "s.sqlite") as state:
        if case != "no snapshot":
            _stored(state, old)
        # "other text": the plan's previous has the roster's records, the snapshot does not
        previous = {"changed": old, "no snapshot": new, "no previous": None,
                    "other text": new}[case]
        assert state.save_snapshot("p1", new, "2025-05-02T02:00:00+00:00", previous=previous)
        newest = _snapshots(state)[-1]
        count = len(_snapshots(state))
    assert newest == zlib.compress(json.dumps(
        new.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)
    assert _whole(newest) == new and count == (1 if case == "no snapshot" else 2)


def test_five_snapshots_are_kept(tmp_path: Path) -> None:
    with State(tmp_path / "s.sqlite") as state:
        for n in range(7):
            state.save_snapshot(f"p{n}", _roster([("山田", f"{n}")]), f"2025-05-0{n + 1}")
        kept = state.conn.execute("SELECT plan_id FROM snapshots ORDER BY id").fetchall()
    assert [k for (k,) in kept] == ["p2", "p3", "p4", "p5", "p6"]


def _uncommitted(state: State) -> list[str]:
    return [r[0] for r in state.conn.execute("SELECT plan_id FROM uncommitted ORDER BY rowid")]


@pytest.mark.parametrize("status", ["applied", "refused", "dry-run"])
def test_a_plan_not_to_be_delivered_keeps_only_its_decisions(tmp_path: Path,
                                                             status: str) -> None:
    # its rosters are never read back: a city's no-change night stores bytes, not megabytes
    roster = _roster([("山田", "太郎")] * 50)
    plan = _plan("p1", roster, roster)
    plan.decisions.append(Decision("PL502", "report", "plan"))
    with State(tmp_path / "s.sqlite") as state:
        state.save_plan(plan, status, {"decisions": 1}, {"key_rows": [("person", "k", "", "s",
                                                                      "derived")]})
        body = packed.unpack(
            state.conn.execute("SELECT body FROM plans WHERE id = 'p1'").fetchone()[0])
        assert _uncommitted(state) == [] and state.load_plan("p1") is None
        assert state.load_commit("p1") == {}
        assert state.plan_rows()[0]["status"] == status
    assert sorted(body) == ["created_at", "decisions", "export_sha256", "id", "refused",
                            "target_ids"]
    assert body["decisions"] == [{"rule": "PL502", "action": "report", "subject": "plan",
                                  "target": "all", "fields": {}}]


def test_a_plan_being_delivered_keeps_its_rosters_until_it_is_committed(tmp_path: Path) -> None:
    roster, previous = _roster([("山田", "次郎")]), _roster([("山田", "太郎")])
    plan = _plan("p1", roster, previous)
    plan.decisions.append(Decision("PL301", "update", "u0", "all", {"given_name": "次郎"}))
    commit = {"absent": {}, "holds": {}, "key_rows": [["person", "k", "", "s", "derived"]]}
    with State(tmp_path / "s.sqlite") as state:
        state.save_plan(plan, "applying", {}, commit)
        for status in ("applying", "interrupted"):  # a crash, then a resume that fails again
            state.set_plan_status("p1", status)
            loaded = state.load_plan("p1")
            assert loaded is not None and _uncommitted(state) == ["p1"]
            assert (loaded.roster, loaded.previous, loaded.decisions) == (
                roster, previous, plan.decisions)
            assert state.load_commit("p1") == commit
        state.set_plan_status("p1", "applied")  # committed: the snapshot holds the roster now
        assert _uncommitted(state) == [] and state.load_plan("p1") is None
        state.save_plan(_plan("p2", roster, roster), "applying", {}, commit)
        state.set_plan_status("p2", "abandoned")
        assert _uncommitted(state) == []


def test_a_plan_stored_whole_by_an_earlier_version_still_loads(tmp_path: Path) -> None:
    # before the rosters moved to ``uncommitted`` a plan's body held them and its commit
    plan = _plan("old", _roster([("山田", "次郎")]), _roster([("山田", "太郎")]))
    commit = {"absent": {}, "holds": {}, "key_rows": [["person", "k", "", "s", "derived"]]}
    whole = {**state_module.plan_to_json(plan), "commit": commit}
    with State(tmp_path / "s.sqlite") as state:
        state.conn.execute("INSERT INTO plans (id, created_at, export_sha256, status, summary,"
                           " body) VALUES ('old', 'x', 'y', 'interrupted', '{}', ?)",
                           (packed.pack(whole),))
        state.save_plan(_plan("new", plan.roster, plan.roster), "applied", {})
        loaded = state.load_plan("old")
        assert loaded is not None and loaded.roster == plan.roster
        assert loaded.previous == plan.previous and state.load_commit("old") == commit
        held = state.storage()
    assert held["plans"]["count"] == 2 and held["plans_stored_whole"]["count"] == 1
    assert held["plans_stored_whole"]["bytes"] == len(packed.pack(whole))
