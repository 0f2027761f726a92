"""``renkei pipeline compact`` (pipeline.compact): a plan an earlier renkei stored whole, its
rosters inside, becomes byte for byte what this version stores for it; a plan still to be
delivered and a damaged one are left as they were; --vacuum gives the space back."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from harness.cli.main import main as renkei
from pipeline import packed
from pipeline import state as state_module
from pipeline.compact import compact_state
from pipeline.config import example_config
from pipeline.model import ClassRecord, Decision, PersonRecord, Plan, Roster, SchoolRecord
from pipeline.run import RunLock
from pipeline.state import State


def _roster(people: int, given: str = "太郎") -> Roster:
    school = SchoolRecord("B108299000100", "sid-school", "第一小学校", ("P1",))
    klass = ClassRecord("B108299000100/2025/1年1組", "sid-class", "B108299000100", 2025,
                        "1年1組", "1年1組", ("P1",), special_needs=False)
    persons = [PersonRecord(umi=f"u{n}", sourced_id=f"s{n}", upn=f"p{n}@x.ed.jp",
                            family_name="山田", given_name=f"{given}{n}", family_kana="ヤマダ",
                            given_kana="タロウ", grade="P1", school_code=school.school_code,
                            class_key=klass.key, attendance_number=n % 40 + 1, enabled=True)
               for n in range(people)]
    return Roster(2025, {school.school_code: school}, {klass.key: klass},
                  {p.umi: p for p in persons}, {})


def _plan(plan_id: str, people: int = 30) -> Plan:
    plan = Plan(id=plan_id, export_sha256="0" * 64, created_at="2025-05-02T02:00:00+00:00",
                roster=_roster(people, "次郎"), previous=_roster(people))
    plan.decisions += [Decision("PL301", "update", f"u{n}", "all", {"given_name": f"次郎{n}"})
                       for n in range(people)] + [Decision("PL502", "report", "plan")]
    plan.target_ids = {"m365": {"u1": "id-1"}}
    return plan


def _store_whole(state: State, plan: Plan, status: str, *, damage: bool = False) -> bytes:
    """A plan as an earlier renkei stored it: rosters and commit in the body."""
    commit = {"absent": {}, "holds": {}, "key_rows": [["person", f"k{n}", "", f"s{n}", "derived"]
                                                      for n in range(20)]}
    body = packed.pack({**state_module.plan_to_json(plan), "commit": commit})
    if damage:
        body = body[:len(body) // 2]
    state.conn.execute("INSERT INTO plans (id, created_at, export_sha256, status, summary, body)"
                       " VALUES (?, ?, ?, ?, '{}', ?)",
                       (plan.id, plan.created_at, plan.export_sha256, status, body))
    return body


def _body(state: State, plan_id: str) -> bytes:
    return bytes(state.conn.execute("SELECT body FROM plans WHERE id = ?",
                                    (plan_id,)).fetchone()[0])


def test_a_finished_plan_stored_whole_becomes_what_this_version_stores(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packed, "SLICE", 7)  # decisions in several slices
    monkeypatch.setattr(packed, "READ_SIZE", 97)  # the old body in many pieces
    done_plan, pending_plan = _plan("done"), _plan("pending")
    with State(tmp_path / "s.sqlite") as state:
        _store_whole(state, done_plan, "applied")
        kept = _store_whole(state, pending_plan, "interrupted")
        state.save_plan(_plan("new"), "dry-run", {})
        new = _body(state, "new")
        seen: list[tuple[int, int]] = []
        done = compact_state(state, progress=lambda n, total: seen.append((n, total)))
        assert (done.plans, done.pending, done.unreadable) == (1, 1, {})
        assert done.bytes_after < done.bytes_before / 3 and seen == [(1, 2), (2, 2)]
        assert _body(state, "done") == packed.pack(state_module._plan_parts(done_plan))
        assert _body(state, "pending") == kept and _body(state, "new") == new
        resumed = state.load_plan("pending")  # still delivered from its stored rosters
        assert resumed is not None and resumed.roster == pending_plan.roster
        assert state.plans_stored_whole()[0][1] == "pending"
        stored = packed.unpack(_body(state, "done"))
    assert stored["decisions"][0] == {"rule": "PL301", "action": "update", "subject": "u0",
                                      "target": "all", "fields": {"given_name": "次郎0"}}
    assert len(stored["decisions"]) == 31 and stored["target_ids"] == {"m365": {"u1": "id-1"}}


def test_a_damaged_plan_is_left_as_it_was_and_the_others_are_compacted(tmp_path: Path) -> None:
    with State(tmp_path / "s.sqlite") as state:
        damaged = _store_whole(state, _plan("bad"), "applied", damage=True)
        _store_whole(state, _plan("good"), "applied")
        done = compact_state(state)
        assert done.plans == 1 and list(done.unreadable) == ["bad"]
        assert _body(state, "bad") == damaged
        with pytest.raises(zlib.error):
            zlib.decompress(_body(state, "bad"))


def test_vacuum_gives_the_space_back(tmp_path: Path) -> None:
    with State(tmp_path / "s.sqlite") as state:
        for n in range(3):
            _store_whole(state, _plan(f"p{n}", people=3000), "applied")
        state.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = state.path.stat().st_size
        done = compact_state(state, vacuum=True)
        assert done.plans == 3 and done.vacuumed > 0
        assert state.path.stat().st_size == before - done.vacuumed < before / 2


def test_a_failed_vacuum_is_reported_and_the_plans_stay_compacted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with State(tmp_path / "s.sqlite") as state:
        _store_whole(state, _plan("p"), "applied")
        real = state.conn

        class FullDisk:  # the connection, but VACUUM finds the disk full
            def __getattr__(self, name: str) -> object:
                return getattr(real, name)

            def execute(self, sql: str, *args: object) -> object:
                if sql == "VACUUM":
                    raise sqlite3.OperationalError("database or disk is full")
                return real.execute(sql, *args)

        monkeypatch.setattr(state, "conn", FullDisk())
        done = compact_state(state, vacuum=True)
        monkeypatch.undo()
        assert done.plans == 1 and "disk is full" in done.vacuum_error and done.vacuumed == 0
        assert state.plans_stored_whole() == []


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "renkei.toml"
    path.write_text(example_config(), encoding="utf-8")
    return path


def test_the_command_reports_what_it_did(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    config = _config(tmp_path)
    assert renkei(["pipeline", "compact", "--config", str(config)]) == 2
    assert "no state yet" in capsys.readouterr().err
    with State(tmp_path / "state" / "renkei.sqlite") as state:
        _store_whole(state, _plan("old"), "applied")
    lock = RunLock(tmp_path / "state" / "renkei.sqlite")
    assert lock.acquire()
    try:
        assert renkei(["pipeline", "compact", "--config", str(config)]) == 2
        assert "a pipeline run holds" in capsys.readouterr().err
    finally:
        lock.release()
    assert renkei(["pipeline", "compact", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "compacted 1 plan:" in out and "--vacuum gives the space back" in out
    assert renkei(["pipeline", "compact", "--config", str(config), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["compacted"]["plans"] == 0 and data["state"]["plans_stored_whole"]["count"] == 0
