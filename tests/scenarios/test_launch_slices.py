"""How launches are dealt out to worker processes."""

from __future__ import annotations

import pickle
from collections import Counter

import pytest

from scenarios.launches import LaunchOutcome, ToolRecord, balanced_slices

TOOLS = {"P": ("interactive_study", "tsubasa_book"), "J": ("interactive_study", "mirai_school")}


def _pairs(pupils: int) -> list[tuple[str, str]]:
    """Person by person, as launch_pairs gives them: elementary first, then junior high."""
    return [(f"u{n}", tool) for n in range(pupils)
            for tool in TOOLS["P" if n < pupils * 2 // 3 else "J"]]


@pytest.mark.parametrize("workers", [2, 3, 8])
def test_every_launch_goes_to_one_worker_and_each_tool_is_shared_evenly(workers: int) -> None:
    pairs = _pairs(301)
    slices = balanced_slices(pairs, workers)
    assert len(slices) == workers
    assert sorted(p for s in slices for p in s) == sorted(pairs)
    sizes = [len(s) for s in slices]
    assert max(sizes) - min(sizes) <= 1
    for tool in {t for _, t in pairs}:
        per_worker = [Counter(t for _, t in s)[tool] for s in slices]
        assert max(per_worker) - min(per_worker) <= 1, (tool, per_worker)


def test_fewer_launches_than_workers_leaves_some_idle() -> None:
    assert balanced_slices([("u1", "tsubasa_book")], 3) == [[("u1", "tsubasa_book")], [], []]


def test_outcomes_and_records_come_back_from_a_worker_as_they_went() -> None:
    """A worker pickles its outcomes as their fields and its tools' records once per value:
    the parent gets equal outcomes, and equal records (one shared object per value)."""
    outcomes = [LaunchOutcome(f"u{n}", "tsubasa_book", 200 if n % 3 else 403, bool(n % 3),
                              "" if n % 3 else f"refused {n}", 4, "launch",
                              "" if n % 3 else "page", "acceptance" if n % 5 else "")
                for n in range(60)]
    logged = [{"sub": f"u{n}", "step": "launch", "verified": n % 7 != 0, "rules": [],
               "reason": None, "grade": "P3", "context_title": f"3年{n % 4}組",
               "school_code": "S1", "roles": ["Learner"], "licence": {"id": "x"}}
              for n in range(60)]
    records = {rec["sub"]: ToolRecord.of(rec) for rec in logged}
    assert len({id(r) for r in records.values()}) == 8  # 4 classes x verified or not
    back_outcomes, back_records = pickle.loads(pickle.dumps((outcomes, records)))
    assert back_outcomes == outcomes and all(type(o) is LaunchOutcome for o in back_outcomes)
    assert back_records == records
    assert [o.note for o in back_outcomes] == [o.note for o in outcomes]
    assert ToolRecord.of(logged[1]) is records["u1"] and records["u1"].class_title == "3年1組"
