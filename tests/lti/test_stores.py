"""The single-use stores: values expire, and growing a store stays linear."""

from __future__ import annotations

from typing import Any

from harness.lti.stores import SeenStore, SingleUseStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_seen_key_is_first_used_once() -> None:
    seen = SeenStore(60, Clock())
    assert seen.first_use("nonce-1") is True
    assert seen.first_use("nonce-1") is False
    assert seen.first_use("nonce-2") is True


def test_expired_values_are_dropped_once_the_store_grows() -> None:
    clock = Clock()
    store: SingleUseStore[int] = SingleUseStore(10, clock)
    for i in range(SingleUseStore.PURGE_MIN):
        store.put(f"old-{i}", i)
    clock.now += 11  # every value so far has expired
    store.put("new", 1)
    assert len(store) == 1 and store.take("new") == 1


def test_long_lived_values_are_not_rescanned_on_every_put() -> None:
    # A platform's nonces outlive a rehearsal: 46k launches must not scan the store 46k times.
    scans = 0

    class Counting(dict[str, Any]):
        def items(self) -> Any:
            nonlocal scans
            scans += 1
            return super().items()

    store: SingleUseStore[bool] = SingleUseStore(3600, Clock())
    store._items = Counting()
    for i in range(20 * SingleUseStore.PURGE_MIN):
        store.put(f"nonce-{i}", True)
    assert len(store) == 20 * SingleUseStore.PURGE_MIN
    assert scans <= 6  # doubling: 1024, 2048, 4096, 8192, 16384
