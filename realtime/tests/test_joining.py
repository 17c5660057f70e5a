"""Joining a live page is cheap (realtime/auth.py, realtime/consumers.py): the reader's
session and account are read in the consumer's own trip to a thread, which resolves the
page's stream too; the catch-up is a second. Neither goes to the one thread Channels'
sync code shares, where a thousand readers joining at once queued behind each other.
What the reader may follow is tested with each consumer (test_thread_consumer.py...)."""

from __future__ import annotations

import pytest
from asgiref import sync

from forum.tests.board_factories import board_for, make_thread
from realtime.tests.live import cookie_for, first_message, thread_path

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def trips(monkeypatch):
    """(function, thread-sensitive) of each trip to a thread made while it lives."""
    made = []
    original = sync.SyncToAsync.__call__

    async def counting(self, *args, **kwargs):
        made.append((getattr(self.func, "__qualname__", repr(self.func)), self._thread_sensitive))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)
    return made


@pytest.fixture
def thread(sessions, alice):
    return make_thread(board_for(sessions[1]), author=alice, title="Assemblées", body="Bonjour.")


def test_a_signed_in_reader_joins_in_two_trips_to_the_thread_pool(thread, alice, trips):
    cookie = cookie_for(alice)
    trips.clear()
    assert first_message(thread_path(thread), cookie=cookie)["type"] == "ready"
    # Nothing in the shared thread but the test harness's own (channels.testing) and,
    # once the socket closes, Channels' consumer giving back connections.
    others = ("no_op", "close_old_connections")
    shared = [name for name, sensitive in trips if sensitive and name not in others]
    assert shared == [], trips
    # The database is read twice, in the pool: the stream (with the reader), the seq.
    reads = [trip for trip in trips if trip[0] in ("ThreadConsumer.resolve", "last_seq")]
    assert reads == [("ThreadConsumer.resolve", False), ("last_seq", False)], trips
