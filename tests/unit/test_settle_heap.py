"""After start-up the process's long-lived objects leave the cycle collector's sight."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.runtime import GC_YOUNG, settle_heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_gc")
def test_start_up_objects_are_frozen_and_young_collections_are_rarer() -> None:
    built_at_start = [{"n": n} for n in range(1000)]  # tracked containers, like mappers
    assert gc.get_freeze_count() == 0
    settle_heap()
    assert gc.get_freeze_count() >= len(built_at_start)
    ids = {id(o) for o in gc.get_objects()}
    assert not any(id(o) in ids for o in built_at_start)  # no collection walks them again
    young, middle, oldest = gc.get_threshold()
    assert (young, middle, oldest) == (GC_YOUNG, 10, 10)
    assert GC_YOUNG > 700  # Python's default: a collection every 700 allocations
