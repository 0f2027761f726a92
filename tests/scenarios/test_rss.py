"""Peak RSS per phase: the peak can be started again, so a phase shows its own."""

from __future__ import annotations

import pytest

from scenarios.rss import peak_rss_mb, release_free_memory, reset_peak


def test_a_phase_sees_its_own_peak_not_an_earlier_one() -> None:
    if not reset_peak():
        pytest.skip("this system cannot reset the peak (no /proc/self/clear_refs)")
    big = bytearray(80 * 2 ** 20)
    big[:: 4096] = b"\x01" * len(big[:: 4096])  # touch every page: it is resident
    with_big = peak_rss_mb()
    del big
    assert reset_peak()
    assert peak_rss_mb() < with_big - 60, "the new peak starts from now"


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


def test_free_heap_memory_goes_back_to_the_system() -> None:
    # chunks below glibc's mmap threshold come from the heap, and a freed heap chunk that is
    # not at its top stays resident until malloc_trim
    chunks = [bytearray(b"\x01" * 60_000) for _ in range(2_000)]  # ~115 MB of heap
    keep = bytearray(b"\x01" * 60_000)  # above them: the heap cannot simply shrink
    del chunks
    before = _rss_mb()
    if not release_free_memory():
        pytest.skip("no malloc_trim here (not glibc)")
    assert _rss_mb() < before - 60, "the freed chunks' pages are given back"
    del keep
