"""Wall-clock text formatted once a second (a hot path stamps every request with it)."""

from __future__ import annotations

import time
from collections.abc import Callable


class PerSecond:
    """``format(int(time.time()) + offset)``, formatted again only when that second changes.

    :param format: whole seconds since the epoch → text (e.g. an HTTP date).
    """

    __slots__ = ("_format", "_kept")

    def __init__(self, format: Callable[[int], str]) -> None:
        self._format = format
        self._kept: tuple[int, str] = (-1, "")

    def __call__(self, offset: int = 0) -> str:
        return self.at(int(time.time()) + offset)

    def at(self, second: int) -> str:
        """``format(second)`` (kept while the same second is asked for)."""
        kept = self._kept
        if kept[0] != second:
            kept = self._kept = (second, self._format(second))
        return kept[1]
