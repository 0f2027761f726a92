"""``no_cyclic_gc``: pause the cyclic garbage collector around a bulk pass; ``frozen_heap``:
keep what is alive out of its full collections around a long run of small requests;
``lasting_pass``: a bulk pass inside such a run whose results are frozen as it ends.

Checking, generating or writing a city allocates millions of small records and keeps a growing
share of them; each of the cyclic collector's full collections rescans everything kept
(generating and exporting the prefecture city: 9 full collections, 1.65 of 18.7 CPU-s spent
in the collector; 0.37 s with the passes paused). Reference counting still frees everything
that is not in a cycle; the collector runs again, as before, once the pass is over.

A delivery is the other shape: hundreds of thousands of small requests, each making short-lived
cycles (so the collector must keep running), on top of a large heap that stays put while they
run (the plan, the targets' state). Every full collection rescans that heap, so the collector's
share grows with the city on top of the requests' own. ``frozen_heap`` moves what is alive at
the start into the collector's permanent generation (:func:`gc.freeze`) and back at the end:
the collector still runs for what the block allocates, and nothing frozen is lost (it is
collected, if garbage, by the first full collection after the block).
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block (if it was enabled) and restore it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


#: frozen_heap blocks open, by process id (a forked child inherits the parent's freeze, not
#: its blocks: it must not unfreeze nor add to what it did not freeze)
_OPEN: dict[int, int] = {}
_OPEN_LOCK = threading.Lock()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze what is alive for the cyclic collector inside the block, and unfreeze it after.

    A block inside another of this process (nested, or in another thread) freezes what is
    alive at its start too; the last of them to end unfreezes. A block inside a freeze it did
    not make (a forked child's, or one made by hand) leaves that freeze alone: unfreezing
    would hand the outer freeze's objects back to the collector too early.
    """
    pid = os.getpid()
    with _OPEN_LOCK:
        if not _OPEN.get(pid) and gc.get_freeze_count():
            mine = False
        else:
            mine = True
            gc.freeze()
            _OPEN[pid] = _OPEN.get(pid, 0) + 1
    try:
        yield
    finally:
        if mine:
            with _OPEN_LOCK:
                _OPEN[pid] -= 1
                if not _OPEN[pid]:
                    gc.unfreeze()


@contextlib.contextmanager
def lasting_pass() -> Iterator[None]:
    """:func:`no_cyclic_gc` for a bulk pass whose results live on: inside a
    :func:`frozen_heap` block, what is alive when the pass ends is frozen before the collector
    resumes (:func:`keep_frozen`)."""
    with no_cyclic_gc():
        yield
        keep_frozen()


def keep_frozen() -> None:
    """Freeze what is alive now if a :func:`frozen_heap` block of this process is open (the
    last such block to end unfreezes it); else do nothing.

    For the end of a bulk pass whose results live on (a plan), called while the collector is
    still paused: otherwise its first collections scan the results once per generation on
    their way to the oldest, and a full collection scans them again (a prefecture's no-change
    night: 0.27 s at the plan's end, 0.56 s in the commit, for nothing collected).
    """
    if _OPEN.get(os.getpid(), 0):
        gc.freeze()
