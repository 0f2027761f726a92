"""The delivery journal on its own: plans, steps, items and delivered state survive reopening."""

from __future__ import annotations

import random
import sqlite3

from pipeline.apply import STEPS
from pipeline.apply.journal import Journal, unfinished
from pipeline.model import Roster
from tests.pipeline.applykit import make_plan


def _db(path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_an_interrupted_plan_is_found_after_reopening(tmp_path):
    plan = make_plan(Roster(2025), "p1")
    j = Journal(_db(tmp_path / "s.sqlite"))
    j.begin(plan, ("lgate", "m365", "drill"), STEPS)
    j.set_step("p1", "lgate", "bulk", "done")
    j.set_step("p1", "lgate", "passwords", "done")
    j.set_step("p1", "m365", "users", "failed", "m365: gave up")
    j.conn.close()
    left = unfinished(_db(tmp_path / "s.sqlite"))
    assert [(u.plan_id, u.targets) for u in left] == [("p1", ("drill", "m365"))]
    assert left[0].plan is not None and left[0].plan.id == "p1"
    j2 = Journal(_db(tmp_path / "s.sqlite"))
    j2.begin(plan, ("lgate", "m365", "drill"), STEPS)  # resuming keeps what was done
    assert j2.step_status("p1", "lgate", "bulk") == "done"
    j2.finish("p1", "done")
    assert unfinished(j2.conn) == []
    assert j2.recent()[0]["status"] == "done"


def test_items_resume_pending_and_failed_only(tmp_path):
    j = Journal(_db(tmp_path / "s.sqlite"))
    j.add_items("p1", "m365", [("a", "upsert"), ("b", "upsert"), ("c", "disable")])
    j.confirm("m365", [("a", "active", "d1", {}, "id-a")], plan_id="p1",
              items=[("a", "done", "created"), ("b", "failed", "HTTP 503")])
    j.add_items("p1", "m365", [("a", "upsert")])  # registering again changes nothing
    assert j.pending_items("p1", "m365") == [("b", "upsert"), ("c", "disable")]
    assert j.item_counts("p1", "m365") == {"done": 1, "failed": 1, "pending": 1}
    got = j.delivered("m365")["a"]
    assert (got.state, got.digest, got.remote_id) == ("active", "d1", "id-a")


def test_delivered_keeps_since_while_the_state_holds(tmp_path):
    j = Journal(_db(tmp_path / "s.sqlite"))
    j.confirm("drill", [("a", "left", "left", {}, None)])
    since = j.delivered("drill")["a"].since
    j.conn.execute("UPDATE delivered SET since = '2000-01-01T00:00:00+00:00'")
    j.confirm("drill", [("a", "left", "left", {}, None)])
    assert j.delivered("drill")["a"].since == "2000-01-01T00:00:00+00:00"
    j.confirm("drill", [("a", "deleted", "deleted", {}, None)])
    assert j.delivered("drill")["a"].since not in ("2000-01-01T00:00:00+00:00",)
    assert since


def test_confirm_in_any_order_holds_the_same_and_a_repeat_keeps_its_last_row(tmp_path):
    rows = [("u3", "active", "d3", {}, None), ("u1", "active", "d1", {}, "r1"),
            ("u2", "active", "old", {}, None), ("u2", "left", "new", {"k": 1}, "r2")]
    held = []
    for order, name in ((rows, "a"), (rows[2:] + rows[:2], "b")):
        j = Journal(_db(tmp_path / f"{name}.sqlite"))
        j.confirm("drill", order)
        held.append({umi: (d.state, d.digest, d.record, d.remote_id)
                     for umi, d in j.delivered("drill").items()})
    assert held[0] == held[1]
    assert held[0]["u2"] == ("left", "new", {"k": 1}, "r2")
    assert set(held[0]) == {"u1", "u2", "u3"}


def _held(j: Journal, target: str) -> dict:
    return {umi: (d.state, d.digest, d.record, d.remote_id)
            for umi, d in j.delivered(target).items()}


def test_deferred_confirmations_hold_what_direct_ones_hold(tmp_path):
    rng = random.Random(18)
    umis = [f"u{n:02d}" for n in range(12)]
    calls = []
    for n in range(60):  # repeats, state changes, remote ids that come and go
        chunk = [(rng.choice(umis), rng.choice(("active", "disabled")), f"d{n}-{k}",
                  {"n": n, "k": k}, rng.choice((None, f"r{n}-{k}"))) for k in range(3)]
        calls.append((rng.choice(("m365", "drill")), chunk))
    direct = Journal(_db(tmp_path / "direct.sqlite"))
    logged = Journal(_db(tmp_path / "logged.sqlite"))
    for j in (direct, logged):
        j.confirm("m365", [("u00", "active", "first", {}, "r-first")])
        j.conn.execute("UPDATE delivered SET since = '2000-01-01T00:00:00+00:00'")
    for target, chunk in calls:
        for row in chunk:  # one row per call: the order of rows is the order of confirmations
            direct.confirm(target, [row])
            logged.confirm(target, [row], deferred=True)
    assert logged.conn.execute("SELECT count(*) FROM delivered_log").fetchone()[0] == 180
    for target in ("m365", "drill"):
        assert _held(logged, target) == _held(direct, target)
    assert logged.conn.execute("SELECT count(*) FROM delivered_log").fetchone()[0] == 0
    since = [{umi: d.since for umi, d in j.delivered("m365").items()} for j in (direct, logged)]
    assert (since[0]["u00"] == "2000-01-01T00:00:00+00:00") == (
        since[1]["u00"] == "2000-01-01T00:00:00+00:00")


def test_deferred_confirmations_survive_a_crash_and_come_before_a_direct_one(tmp_path):
    j = Journal(_db(tmp_path / "s.sqlite"))
    j.add_items("p1", "m365", [("a", "upsert"), ("b", "upsert")])
    j.confirm("m365", [("a", "active", "d1", {}, "id-a"), ("b", "active", "d1", {}, "id-b")],
              plan_id="p1", items=[("a", "done", "created"), ("b", "done", "created")],
              deferred=True)
    j.conn.close()  # the run dies before its step ends: nothing folded yet
    j2 = Journal(_db(tmp_path / "s.sqlite"))
    assert j2.item_counts("p1", "m365") == {"done": 2}
    j2.confirm("m365", [("b", "disabled", "d2", {}, None)])  # folds the log first
    assert _held(j2, "m365") == {"a": ("active", "d1", {}, "id-a"),
                                 "b": ("disabled", "d2", {}, "id-b")}
    j2.confirm("m365", [("a", "active", "d3", {}, None)], deferred=True)
    j2.fold()
    assert j2.conn.execute("SELECT count(*) FROM delivered_log").fetchone()[0] == 0
    assert _held(j2, "m365")["a"] == ("active", "d3", {}, "id-a")


def test_pending_items_are_the_plans_pending_and_failed_in_the_order_they_were_added(tmp_path):
    rng = random.Random(6)
    j = Journal(_db(tmp_path / "s.sqlite"))
    for n in range(40):  # plans and targets interleaved, items registered again and again
        plan, target = rng.choice(("p1", "p2")), rng.choice(("m365", "drill"))
        j.add_items(plan, target, [(f"u{rng.randrange(30)}", rng.choice(("upsert", "disable")))
                                   for _ in range(rng.randrange(1, 5))])
        if n % 3 == 0:
            j.confirm(target, [], plan_id=plan, items=[
                (f"u{rng.randrange(30)}", rng.choice(("done", "failed", "skipped")), "")
                for _ in range(3)])
    for plan in ("p1", "p2", "p3"):
        for target in ("m365", "drill"):
            want = [tuple(r) for r in j.conn.execute(
                "SELECT item, op FROM apply_items WHERE plan_id = ? AND target = ? AND "
                "status IN ('pending', 'failed') ORDER BY rowid", (plan, target))]
            assert j.pending_items(plan, target) == want
            assert want or plan == "p3"
