"""harness.core.clock.PerSecond formats each second once and follows the clock."""

from __future__ import annotations

import pytest

from harness.core import clock
from harness.core.clock import PerSecond


def test_a_second_is_formatted_once_and_the_next_one_again(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    now = [1_800_000_000.25]
    monkeypatch.setattr(clock.time, "time", lambda: now[0])
    calls: list[int] = []

    def fmt(second: int) -> str:
        calls.append(second)
        return f"t{second}"

    stamp = PerSecond(fmt)
    assert stamp() == stamp() == "t1800000000"
    now[0] += 0.7  # the same second
    assert stamp() == "t1800000000"
    now[0] += 0.1  # the next
    assert stamp() == "t1800000001"
    assert stamp(600) == "t1800000601"
    assert stamp.at(1_800_000_601) == "t1800000601"
    assert calls == [1_800_000_000, 1_800_000_001, 1_800_000_601]
