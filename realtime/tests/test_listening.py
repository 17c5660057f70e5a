"""Pushes rendered at commit only in the languages someone reads the group in; every
reader still gets each push in their own language, rendered for them when needed."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from forum.tests.board_factories import board_for, make_thread, reply
from realtime import fanout, listening
from realtime.groups import thread_group
from realtime.models import LiveEvent
from realtime.tests.live import cookie_for, open_socket, receive_until, thread_path

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def thread(sessions, alice):
    return make_thread(board_for(sessions[1]), author=alice, title="Langues", body="Bonjour.")


class Clock:
    def __init__(self, start: float = 2_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(listening, "_now", clock)
    return clock


def _stored(post) -> LiveEvent:
    return LiveEvent.objects.get(subject=f"post:{post.pk}", kind="thread.post")


def _posted_while_reading(thread, alice, *, language: str, body: str):
    """A reader in `language` follows the thread while alice posts `body`: the post
    and the event the reader received."""

    @async_to_sync
    async def scenario():
        socket, _ready = await open_socket(
            thread_path(thread), cookie=cookie_for(None, language=language)
        )
        post = await database_sync_to_async(reply)(thread, author=alice, body=body)
        message = await receive_until(socket, "event")
        await socket.disconnect()
        return post, message

    return scenario()


def test_a_thread_nobody_reads_stores_its_pushes_unrendered(thread, alice):
    post = reply(thread, author=alice, body="Personne ne lit.")
    assert _stored(post).html == {}


def test_a_reader_makes_the_pushes_rendered_at_commit_in_their_language_only(thread, alice):
    post, message = _posted_while_reading(thread, alice, language="en", body="Read in English.")
    assert set(_stored(post).html) == {"en"}
    assert "Read in English." in message["html"]
    assert "via email" not in message["html"] and "Reply" in message["html"]


def test_a_reader_the_registry_does_not_show_yet_gets_the_push_rendered_for_them(
    thread, alice, monkeypatch
):
    # The reader joined between the registry's read and the push: nothing rendered.
    monkeypatch.setattr(listening, "languages", lambda group: frozenset())
    post, message = _posted_while_reading(thread, alice, language="fr", body="Juste à temps.")
    assert _stored(post).html == {}
    assert message["target"] == f"post-{post.pk}"
    assert "Juste à temps." in message["html"] and "Répondre" in message["html"]


def test_a_readers_language_is_forgotten_a_minute_after_they_left(thread, clock):
    group = thread_group(thread.pk)
    listening.register(group, {"fr"})
    assert listening.languages(group) == {"fr"}
    clock.now += listening.TTL_SECONDS - 1
    assert listening.languages(group) == {"fr"}
    clock.now += 2
    assert listening.languages(group) == set()


def test_a_later_expiry_from_another_process_is_kept(thread, clock):
    group = thread_group(thread.pk)
    listening.register(group, {"fr"})  # a process whose reader joined just now
    clock.now -= 30
    listening.register(group, {"fr", "en"})  # one that registered half a minute before
    clock.now += 30 + listening.TTL_SECONDS - 1
    # The French entry lives on until the later expiry; the English one has expired.
    assert listening.languages(group) == {"fr"}


def test_readers_that_stay_are_registered_again_before_their_entry_expires(
    thread, clock, monkeypatch
):
    monkeypatch.setattr(listening, "REFRESH_SECONDS", 0.05)
    group = thread_group(thread.pk)

    @async_to_sync
    async def scenario():
        socket, _ready = await open_socket(
            thread_path(thread), cookie=cookie_for(None, language="en")
        )
        assert fanout.readers_of(group) == 1
        clock.now += listening.TTL_SECONDS + 1  # their first entry has expired...
        await asyncio.sleep(0.3)  # ...and the fan-out registered them again
        languages = await database_sync_to_async(listening.languages)(group)
        await socket.disconnect()
        return languages

    assert scenario() == {"en"}


def test_an_unreadable_registry_renders_every_language(thread, alice, monkeypatch):
    class Broken:
        def languages(self, key, now):
            raise ConnectionError("Redis is down")

        def register(self, key, languages, expiry):
            raise ConnectionError("Redis is down")

    monkeypatch.setattr(listening, "backend", lambda: Broken())
    monkeypatch.setattr(listening, "_read", {})  # what the thread's first push read
    post = reply(thread, author=alice, body="Malgré la panne.")
    assert set(_stored(post).html) == {"fr", "en"}


def test_the_fanout_counts_its_readers_languages_as_they_come_and_go(monkeypatch):
    """A join asks whether its language is new from a count per language (not a walk
    over every reader): registered once per new language, forgotten with its last
    reader, and a reader counted once however often it joins."""
    registered = []

    async def register(group, languages):
        registered.append(set(languages))

    monkeypatch.setattr(fanout, "_register", register)

    class Reader:
        def __init__(self, language):
            self.language = language

        def offer(self, message):
            pass

    @async_to_sync
    async def scenario():
        group = fanout.GroupFanout("live.thread.test-counts")
        first, second, english = Reader("fr"), Reader("fr"), Reader("en")
        for reader in (first, second, english, first):
            await group.add(reader)
        assert group.languages() == {"fr", "en"} and len(group.readers) == 3
        assert registered == [{"fr"}, {"en"}]
        group.discard(english)
        group.discard(english)
        assert group.languages() == {"fr"}
        group.discard(first)
        assert group.languages() == {"fr"}
        group.discard(second)
        assert group.languages() == set() and not group.readers

    scenario()
