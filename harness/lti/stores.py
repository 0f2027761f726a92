"""Single-use, expiring values: the tool's state and nonce stores, the platform's message hints
and the token endpoint's jti replay guard. In memory, thread-safe."""

from __future__ import annotations

import threading
import time
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class SingleUseStore(Generic[T]):
    """Values that can be taken once, before they expire.

    :param ttl: seconds a value lives.
    :param clock: injectable for tests.
    """

    def __init__(self, ttl: float = 600.0, clock: Any = time.time) -> None:
        self.ttl = ttl
        self.clock = clock
        self._items: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()
        self._purge_at = self.PURGE_MIN

    def put(self, key: str, value: T, ttl: float | None = None) -> None:
        with self._lock:
            self._purge()
            self._items[key] = (self.clock() + (self.ttl if ttl is None else ttl), value)

    def take(self, key: str) -> T | None:
        """Remove and return the value; None when unknown, already taken or expired."""
        with self._lock:
            item = self._items.pop(key, None)
        if item is None or item[0] <= self.clock():
            return None
        return item[1]

    def peek(self, key: str) -> T | None:
        item = self._items.get(key)
        return None if item is None or item[0] <= self.clock() else item[1]

    def __len__(self) -> int:
        return len(self._items)

    #: the store is scanned for expired values once it holds this many
    PURGE_MIN = 1024

    def _purge(self) -> None:
        # Scan only when the store has doubled since the last scan: a store whose values
        # outlive the run (a platform's nonces over 46k launches) would otherwise be scanned
        # in full on every put, quadratic in the launches.
        if len(self._items) < self._purge_at:
            return
        now = self.clock()
        for key in [k for k, (exp, _) in self._items.items() if exp <= now]:
            del self._items[key]
        self._purge_at = max(self.PURGE_MIN, 2 * len(self._items))


class SeenStore:
    """Remembers keys (nonce, jti) until they expire; :meth:`first_use` is True only once."""

    def __init__(self, ttl: float = 3600.0, clock: Any = time.time) -> None:
        self._store: SingleUseStore[bool] = SingleUseStore(ttl, clock)
        self._lock = threading.Lock()

    def first_use(self, key: str) -> bool:
        with self._lock:
            if self._store.peek(key):
                return False
            self._store.put(key, True)
            return True
