"""What a closed connection leaves in the web process goes (common/collector.py,
config/asgi.py): the consumers of readers who left are freed in the first quiet moment,
with the collector as a web process runs it, and connections that come and go leave the
number of the process's objects where it was."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from asgiref.sync import async_to_sync

from common import collector
from forum.tests.board_factories import board_for, make_thread
from realtime.consumers import LiveConsumer
from realtime.tests.live import open_socket, thread_path

pytestmark = pytest.mark.django_db(transaction=True)

READERS = 20


@pytest.fixture
def thread(sessions, alice):
    return make_thread(board_for(sessions[1]), author=alice, title="Assemblées", body="Bonjour.")


@pytest.fixture
def consumers(monkeypatch):
    """A weak reference to each live consumer that joined (none kept alive here)."""
    joined: list[weakref.ref] = []
    original = LiveConsumer.joined

    async def recording(self):
        joined.append(weakref.ref(self))
        await original(self)

    monkeypatch.setattr(LiveConsumer, "joined", recording)
    return joined


@pytest.fixture
def quick_quiet(monkeypatch):
    """A quiet moment after 0.2 s, looked for every 0.05 s; the collector's thresholds
    as in a web process, put back after."""
    kept = gc.get_threshold()
    collector.install()
    monkeypatch.setattr(collector, "QUIET_SECONDS", 0.2)
    monkeypatch.setattr(collector, "CHECK_SECONDS", 0.05)
    yield
    gc.set_threshold(*kept)


async def readers_come_and_go(path: str) -> None:
    sockets = [(await open_socket(path))[0] for _ in range(READERS)]
    # As connections that lasted: what they hold is in the oldest generation, which only
    # a full collection looks at.
    gc.collect()
    await asyncio.gather(*(socket.disconnect() for socket in sockets))


async def a_quiet_moment() -> None:
    full = gc.get_stats()[2]["collections"]
    for _ in range(100):
        await asyncio.sleep(collector.CHECK_SECONDS)
        if gc.get_stats()[2]["collections"] > full:
            return
    raise AssertionError("no full collection in a quiet moment")


def test_the_consumers_of_closed_connections_are_freed_in_a_quiet_moment(
    thread, consumers, quick_quiet, monkeypatch
):
    monkeypatch.setattr(collector, "DUE_AFTER_YOUNG", 0)  # due at once

    @async_to_sync
    async def scenario():
        await readers_come_and_go(thread_path(thread))
        await a_quiet_moment()

    assert gc.isenabled()
    scenario()
    assert len(consumers) == READERS
    assert [ref for ref in consumers if ref() is not None] == []


def test_connections_that_come_and_go_leave_the_process_s_objects_as_they_were(
    thread, consumers, quick_quiet, monkeypatch
):
    monkeypatch.setattr(collector, "DUE_AFTER_YOUNG", 0)

    @async_to_sync
    async def scenario():
        tracked = []
        for _round in range(5):
            await readers_come_and_go(thread_path(thread))
            await a_quiet_moment()
            tracked.append(len(gc.get_objects()))
        return tracked

    tracked = scenario()
    assert len(consumers) == 5 * READERS
    assert all(ref() is None for ref in consumers)
    # A connection holds over a hundred tracked objects: kept, 20 a round would add
    # thousands. The first round warms caches; the last four stay within a few dozen.
    assert max(tracked[1:]) - min(tracked[1:]) < 200, tracked
