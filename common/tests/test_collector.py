"""Full collections wait for a quiet moment (common/collector.py): garbage in the oldest
generation stays while the process is busy, and goes in the first quiet moment."""

from __future__ import annotations

import gc
import time
import weakref

import pytest

from common import collector


class Node:
    """An object in a reference cycle: only the cycle collector frees it."""

    def __init__(self):
        self.me = self


@pytest.fixture
def thresholds():
    kept = gc.get_threshold()
    collector.install()
    yield
    gc.set_threshold(*kept)


def old_garbage() -> weakref.ref:
    """A cycle in the oldest generation, unreachable; then a full collection due."""
    node = Node()
    gc.collect()  # the node survives: it is now in generation 2
    ref = weakref.ref(node)
    del node
    for _ in range(collector.DUE_AFTER_YOUNG):
        gc.collect(1)  # young collections do not look at generation 2
    return ref


def full_collections_while_the_process_keeps_objects(young: int) -> int:
    """The full collections CPython runs by itself while `young` young collections
    promote objects the process keeps (as a thousand readers joining do)."""
    gc.collect()
    kept = []
    full, started = gc.get_stats()[2]["collections"], gc.get_stats()[1]["collections"]
    while gc.get_stats()[1]["collections"] - started < young:
        kept += [[] for _ in range(1000)]
    return gc.get_stats()[2]["collections"] - full


def test_cpython_runs_its_own_full_collections_ten_times_less_often(thresholds):
    young = 3 * 10
    assert full_collections_while_the_process_keeps_objects(young) == 0
    gc.set_threshold(700, 10, 10)  # CPython's defaults
    assert full_collections_while_the_process_keeps_objects(young) >= 1


def test_old_garbage_stays_while_busy_and_goes_in_a_quiet_moment(thresholds, monkeypatch):
    garbage = old_garbage()
    assert garbage() is not None and collector.is_due()

    collector.note_activity()
    assert not collector.collect_if_quiet()
    assert garbage() is not None

    monkeypatch.setattr(collector, "_last_activity", time.monotonic() - collector.QUIET_SECONDS)
    assert collector.collect_if_quiet()
    assert garbage() is None
    assert not collector.is_due()  # nothing more until young collections add up again


def test_a_quiet_process_does_not_collect_before_it_is_due(thresholds, monkeypatch):
    gc.collect()
    monkeypatch.setattr(collector, "_last_activity", time.monotonic() - collector.QUIET_SECONDS)
    full_before = gc.get_stats()[2]["collections"]
    assert not collector.collect_if_quiet()
    assert gc.get_stats()[2]["collections"] == full_before
