"""harness.core.gcpause: the cyclic collector paused or kept off a frozen heap."""

from __future__ import annotations

import gc
import weakref

from harness.core.gcpause import frozen_heap, keep_frozen, lasting_pass, no_cyclic_gc


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_no_cyclic_gc_pauses_and_restores():
    assert gc.isenabled()
    with no_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_frozen_heap_freezes_what_is_alive_and_gives_it_back():
    kept = Node()
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        assert kept not in gc.get_objects()  # in the permanent generation
        made = Node()  # made inside: the collector still frees its cycles
        gone = weakref.ref(made)
        del made
        gc.collect()
        assert gone() is None
    assert gc.get_freeze_count() == 0
    assert kept in gc.get_objects()


def test_frozen_heap_frees_frozen_garbage_after_the_block():
    old = Node()
    gone = weakref.ref(old)
    with frozen_heap():
        del old
        gc.collect()
        assert gone() is not None  # frozen: not collected inside the block
    gc.collect()
    assert gone() is None


def test_frozen_heap_inside_a_freeze_leaves_it_alone():
    gc.freeze()
    try:
        with frozen_heap():
            pass
        assert gc.get_freeze_count() > 0  # the outer freeze still holds
    finally:
        gc.unfreeze()


def _frozen(obj: object) -> bool:
    return gc.is_tracked(obj) and not any(o is obj for o in gc.get_objects())


def test_a_nested_frozen_heap_adds_to_the_outer_freeze_and_leaves_it_to_unfreeze():
    with frozen_heap():
        inner = Node()
        assert not _frozen(inner)
        with frozen_heap():
            assert _frozen(inner)  # alive at the inner block's start
        assert _frozen(inner) and gc.get_freeze_count() > 0  # the outer block unfreezes
    assert not _frozen(inner) and gc.get_freeze_count() == 0


def test_keep_frozen_freezes_only_inside_a_frozen_heap():
    loose = Node()
    keep_frozen()
    assert not _frozen(loose) and gc.get_freeze_count() == 0
    with frozen_heap():
        made = Node()
        with no_cyclic_gc():
            keep_frozen()
        assert _frozen(made)
    assert not _frozen(made) and gc.get_freeze_count() == 0


def test_a_lasting_pass_pauses_the_collector_and_freezes_what_it_leaves_inside_a_freeze():
    with lasting_pass():
        assert not gc.isenabled()
        loose = Node()
    assert gc.isenabled() and not _frozen(loose)  # no freeze open: nothing frozen
    with frozen_heap():
        with lasting_pass():
            kept = Node()
        assert gc.isenabled() and _frozen(kept)
    assert not _frozen(kept)


def test_the_last_frozen_heap_to_end_unfreezes_whatever_the_order():
    # two runs in two threads may end in either order: the heap is given back once, at the end
    outer, inner = frozen_heap(), frozen_heap()
    outer.__enter__()
    inner.__enter__()
    outer.__exit__(None, None, None)  # the first block ends while the second is still open
    assert gc.get_freeze_count() > 0
    inner.__exit__(None, None, None)
    assert gc.get_freeze_count() == 0
    with frozen_heap():  # and the next block starts afresh
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
