"""How launches are dealt out to worker processes."""

from __future__ import annotations

from collections import Counter

import pytest

from scenarios.launches import balanced_slices

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
