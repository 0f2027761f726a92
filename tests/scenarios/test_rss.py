"""Peak RSS per phase: the peak can be started again, so a phase shows its own."""

from __future__ import annotations

import pytest

from scenarios.rss import peak_rss_mb, reset_peak


def test_a_phase_sees_its_own_peak_not_an_earlier_one() -> None:
    if not reset_peak():
        pytest.skip("this system cannot reset the peak (no /proc/self/clear_refs)")
    big = bytearray(80 * 2 ** 20)
    big[:: 4096] = b"\x01" * len(big[:: 4096])  # touch every page: it is resident
    with_big = peak_rss_mb()
    del big
    assert reset_peak()
    assert peak_rss_mb() < with_big - 60, "the new peak starts from now"
