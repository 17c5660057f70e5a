"""Joining a live page is cheap (realtime/auth.py, realtime/consumers.py): the reader's
session and account are read in the consumer's own trip to a thread, which resolves the
page's stream too; the catch-up is a second. Neither goes to the one thread Channels'
sync code shares, where a thousand readers joining at once queued behind each other.
Anonymous readers joining a page others follow read nothing (realtime/join_cache.py),
and stop being let in as soon as the page is closed to them.
What the reader may follow is tested with each consumer (test_thread_consumer.py...)."""

from __future__ import annotations

import asyncio

import pytest
from asgiref import sync
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from forum.tests.board_factories import board_for, make_private, make_thread, reply
from realtime import join_cache
from realtime.tests.live import (
    close_code,
    cookie_for,
    first_message,
    open_socket,
    receive_until,
    refusal_code,
    thread_path,
)

READS = ("ThreadConsumer.resolve", "last_seq", "replay")

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


def _reads(trips) -> list[str]:
    return [name for name, _sensitive in trips if name in READS]


def test_anonymous_readers_joining_a_followed_thread_read_nothing(thread, trips):
    @async_to_sync
    async def scenario():
        first, ready = await open_socket(thread_path(thread))
        # Its decision is kept once the process follows the thread's session.
        second, _ready = await open_socket(thread_path(thread))
        trips.clear()
        third, again = await open_socket(thread_path(thread))
        reads = _reads(trips)
        for socket in (first, second, third):
            await socket.disconnect()
        return ready, again, reads

    ready, again, reads = scenario()
    assert again == ready == {"type": "ready", "seq": ready["seq"]}
    assert reads == []


def test_a_thread_made_private_is_refused_at_once_to_the_next_anonymous_reader(
    sessions, thread, alice
):
    cookie = cookie_for(alice)

    @async_to_sync
    async def scenario():
        # Alice (registered) keeps reading: the process still follows the session.
        kept, _ready = await open_socket(thread_path(thread), cookie=cookie)
        anonymous = [(await open_socket(thread_path(thread)))[0] for _ in range(2)]
        admitted = await refusal_code_or_ready(thread_path(thread))
        await database_sync_to_async(make_private)(sessions[1])
        closed = [await close_code(socket) for socket in anonymous]
        refused = await refusal_code(thread_path(thread))
        await kept.send_json_to({"type": "heartbeat"})
        still = await receive_until(kept, "heartbeat")
        await kept.disconnect()
        return admitted, closed, refused, still

    admitted, closed, refused, still = scenario()
    assert admitted == "ready"
    assert closed == [4404, 4404]
    assert refused == 4404
    assert still == {"type": "heartbeat"}


async def refusal_code_or_ready(path: str):
    socket, first = await open_socket(path)
    await socket.disconnect()
    return first["type"]


def test_a_kept_decision_is_read_again_after_its_time(sessions, event, thread, monkeypatch):
    monkeypatch.setattr(join_cache, "TTL_SECONDS", 0.2)
    closed_board = board_for(make_private(sessions[2]))

    @async_to_sync
    async def scenario():
        sockets = [(await open_socket(thread_path(thread)))[0] for _ in range(2)]
        # A move announces no change of access: the next read tells.
        await database_sync_to_async(_move)(thread, closed_board)
        await asyncio.sleep(0.3)
        refused = await refusal_code(thread_path(thread))
        for socket in sockets:
            await socket.disconnect()
        return refused

    assert scenario() == 4404


def _move(thread, board):
    thread.board = board
    thread.save(update_fields=["board"])


def test_readers_joining_at_the_same_seq_share_one_catch_up_and_get_it_exactly(
    thread, alice, trips
):
    @async_to_sync
    async def scenario():
        first, ready = await open_socket(thread_path(thread))
        for body in ("Un.", "Deux."):
            await database_sync_to_async(reply)(thread, author=alice, body=body)
            await receive_until(first, "event")
        trips.clear()
        caught_up = []
        for _ in range(3):
            socket, message = await open_socket(thread_path(thread, after=ready["seq"]))
            messages = [message]
            while messages[-1]["type"] != "ready":
                messages.append(await socket.receive_json_from(timeout=5))
            caught_up.append(messages)
            await socket.disconnect()
        reads = _reads(trips)
        await database_sync_to_async(reply)(thread, author=alice, body="Trois.")
        await receive_until(first, "event")
        late, message = await open_socket(thread_path(thread, after=ready["seq"]))
        later = [message]
        while later[-1]["type"] != "ready":
            later.append(await late.receive_json_from(timeout=5))
        await late.disconnect()
        await first.disconnect()
        return ready["seq"], caught_up, reads, later

    start, caught_up, reads, later = scenario()
    for messages in caught_up:
        assert [m["type"] for m in messages] == ["event", "event", "ready"]
        assert [m.get("seq") for m in messages] == [start + 1, start + 2, start + 2]
        assert "Un." in messages[0]["html"] and "Deux." in messages[1]["html"]
    assert caught_up[0] == caught_up[1] == caught_up[2]
    assert reads.count("replay") == 1  # once for the three
    assert [m.get("seq") for m in later] == [start + 1, start + 2, start + 3, start + 3]
    assert "Trois." in later[2]["html"]


def test_anonymous_readers_joining_at_once_read_the_thread_and_its_seq_once(thread, trips):
    @async_to_sync
    async def scenario():
        trips.clear()
        opened = await asyncio.gather(*(open_socket(thread_path(thread)) for _ in range(5)))
        reads = _reads(trips)
        for socket, _first in opened:
            await socket.disconnect()
        return [first for _socket, first in opened], reads

    firsts, reads = scenario()
    assert [first["type"] for first in firsts] == ["ready"] * 5
    assert len({first["seq"] for first in firsts}) == 1
    assert reads == ["ThreadConsumer.resolve", "last_seq"]
