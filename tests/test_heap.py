"""frozen_heap (authenticity/heap.py): objects alive on entry are left out of collections."""

from __future__ import annotations

import gc

from authenticity.heap import frozen_heap


def test_frozen_heap_freezes_then_hands_everything_back() -> None:
    assert gc.get_freeze_count() == 0
    keep = [[i] for i in range(1000)]
    with frozen_heap():
        frozen = gc.get_freeze_count()
        assert frozen >= len(keep)
        with frozen_heap():  # nested: the outer freeze stays as it is
            assert gc.get_freeze_count() == frozen
        cycle: list = []
        cycle.append(cycle)  # garbage made inside is still collected
        del cycle
        assert gc.collect() >= 1
    assert gc.get_freeze_count() == 0
    assert len(keep) == 1000


def test_a_freeze_that_is_not_ours_is_left_alone() -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with frozen_heap():
            pass
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
