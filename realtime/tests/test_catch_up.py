"""Catch-up: a reader who lost the connection gets exactly what was missed, in order,
once, then the live events; the store numbers events safely and forgets old ones."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from forum.tests.board_factories import board_for, make_thread, reply
from realtime import store
from realtime.groups import thread_group
from realtime.models import LiveEvent
from realtime.store import Push
from realtime.tests.live import first_message, open_socket, receive_until, thread_path

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def thread(sessions, alice):
    return make_thread(board_for(sessions[1]), author=alice, title="Reprises")


def _push(thread, text: str) -> Push:
    return Push(
        group=thread_group(thread.pk),
        kind="thread.post",
        op="append",
        target=f"post-test-{text}",
        container="posts",
        html={"fr": f"<li>{text}</li>", "en": f"<li>{text}</li>"},
    )


def test_a_reconnecting_reader_gets_exactly_what_it_missed_then_live_events(thread, alice):
    @async_to_sync
    async def scenario():
        socket, ready = await open_socket(thread_path(thread))
        await socket.disconnect()
        missed = []
        for number in range(3):
            post = await database_sync_to_async(reply)(
                thread, author=alice, body=f"Manqué n° {number}"
            )
            missed.append(post.pk)
        socket, first = await open_socket(thread_path(thread, after=ready["seq"]))
        received = [first]
        while received[-1]["type"] != "ready":
            received.append(await socket.receive_json_from(timeout=5))
        live = await database_sync_to_async(reply)(thread, author=alice, body="En direct")
        received.append(await receive_until(socket, "event"))
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return ready["seq"], missed, live.pk, received

    start, missed, live, received = scenario()
    events = [message for message in received if message["type"] == "event"]
    assert [message["seq"] for message in events] == [start + 1, start + 2, start + 3, start + 4]
    assert [message["target"] for message in events] == [f"post-{pk}" for pk in [*missed, live]]
    assert "Manqué n° 0" in events[0]["html"]
    assert received[3] == {"type": "ready", "seq": start + 3}


def test_a_resume_message_replays_as_the_url_does(thread, alice):
    reply(thread, author=alice, body="Un")
    reply(thread, author=alice, body="Deux")

    @async_to_sync
    async def scenario():
        socket, ready = await open_socket(thread_path(thread))
        await socket.send_json_to({"type": "resume", "after": ready["seq"] - 2})
        received = [await socket.receive_json_from(timeout=5) for _ in range(3)]
        await socket.disconnect()
        return ready["seq"], received

    last, received = scenario()
    assert [message.get("seq") for message in received] == [last - 1, last, last]
    assert [message["type"] for message in received] == ["event", "event", "ready"]


def test_a_second_copy_of_an_event_is_not_sent_again(thread, alice):
    @async_to_sync
    async def scenario():
        socket, _ready = await open_socket(thread_path(thread))
        await database_sync_to_async(reply)(thread, author=alice, body="Une fois")
        first = await receive_until(socket, "event")
        event = await database_sync_to_async(LiveEvent.objects.get)(
            group=thread_group(thread.pk), seq=first["seq"]
        )
        await get_channel_layer().group_send(thread_group(thread.pk), store.as_message(event))
        quiet = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return quiet

    assert scenario()


def test_events_pushed_out_of_order_reach_the_reader_in_order(thread):
    @async_to_sync
    async def scenario():
        socket, ready = await open_socket(thread_path(thread))
        earlier = await database_sync_to_async(store.record)(_push(thread, "a"))
        later = await database_sync_to_async(store.record)(_push(thread, "b"))
        layer = get_channel_layer()
        # The later writer's push overtakes the earlier one's.
        await layer.group_send(thread_group(thread.pk), store.as_message(later))
        first = await socket.receive_json_from(timeout=5)
        second = await socket.receive_json_from(timeout=5)
        await layer.group_send(thread_group(thread.pk), store.as_message(earlier))
        quiet = await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()
        return ready["seq"], first, second, quiet

    start, first, second, quiet = scenario()
    assert (first["seq"], first["html"]) == (start + 1, "<li>a</li>")
    assert (second["seq"], second["html"]) == (start + 2, "<li>b</li>")
    assert quiet


def test_a_reader_away_longer_than_the_store_keeps_is_told_to_reload(thread, monkeypatch):
    monkeypatch.setattr(store, "KEEP_EVENTS", 3)
    for letter in "abcde":
        store.record(_push(thread, letter))
    store.prune(thread_group(thread.pk))

    @async_to_sync
    async def scenario():
        socket, first = await open_socket(thread_path(thread, after=0))
        ready = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return first, ready

    first, ready = scenario()
    assert first == {"type": "reset"}
    assert ready["type"] == "ready"


def test_a_reader_ahead_of_the_store_is_told_to_reload(thread):
    assert first_message(thread_path(thread, after=10_000)) == {"type": "reset"}


def test_the_store_keeps_the_last_events_of_a_group_and_none_too_old(thread, monkeypatch):
    monkeypatch.setattr(store, "KEEP_EVENTS", 3)
    group = thread_group(thread.pk)
    before = LiveEvent.objects.filter(group=group).count()
    for letter in "abcdef":
        store.record(_push(thread, letter))
    store.prune(group)
    kept = list(LiveEvent.objects.filter(group=group).values_list("seq", flat=True))
    last = store.last_seq(group)
    assert kept == [last - 2, last - 1, last]
    assert before <= last

    LiveEvent.objects.filter(group=group, seq=last - 2).update(
        created_at=timezone.now() - store.KEEP_FOR - timedelta(minutes=1)
    )
    store.prune(group)
    assert list(LiveEvent.objects.filter(group=group).values_list("seq", flat=True)) == [
        last - 1,
        last,
    ]


def test_the_page_renders_the_seq_of_the_events_it_already_shows(thread, alice):
    group = thread_group(thread.pk)
    reply(thread, author=alice, body="Déjà là")
    LiveEvent.objects.filter(group=group).update(created_at=timezone.now() - timedelta(minutes=1))
    settled = store.last_seq(group)
    # An event stored an instant ago may have been committed after the page's queries:
    # the page leaves it to the replay (which is idempotent).
    store.record(_push(thread, "récent"))

    html = Client().get(thread.get_absolute_url()).content.decode()
    seq = int(re.search(r'data-live-seq="(\d+)"', html).group(1))
    assert seq == settled
    assert f'data-live-url="/ws/threads/{thread.pk}/"' in html
    assert 'data-live-container="posts"' in html


def test_a_live_event_carries_the_time_of_the_commit(thread, alice):
    @async_to_sync
    async def scenario():
        import time

        socket, _ready = await open_socket(thread_path(thread))
        before = time.time()
        await database_sync_to_async(reply)(thread, author=alice, body="Chronométré")
        after = time.time()
        message = await receive_until(socket, "event")
        await socket.disconnect()
        return before, message["data"]["committed_at"], after

    before, committed_at, after = scenario()
    assert before <= committed_at <= after


def test_a_post_rolled_back_leaves_no_event_and_sends_nothing(thread, alice):
    from django.db import transaction

    group = thread_group(thread.pk)
    last = store.last_seq(group)

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        reply(thread, author=alice, body="Jamais publié")
        raise Abandon
    assert store.last_seq(group) == last
    assert not LiveEvent.objects.filter(group=group, seq__gt=last).exists()


def test_concurrent_writers_get_distinct_consecutive_numbers(thread):
    group = thread_group(thread.pk)
    start = store.last_seq(group)
    errors = []

    def write(letter: str) -> None:
        try:
            for number in range(20):
                store.record(_push(thread, f"{letter}{number}"))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=write, args=(letter,)) for letter in "abcdef"]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert not errors
    seqs = sorted(
        LiveEvent.objects.filter(group=group, seq__gt=start).values_list("seq", flat=True)
    )
    assert seqs == list(range(start + 1, start + 121))


def test_a_replay_after_a_hide_never_shows_the_hidden_text(sessions, thread, alice):
    from forum import services
    from forum.tests.board_factories import make_facilitator

    moderator = make_facilitator(sessions[1])

    @async_to_sync
    async def scenario():
        live, ready = await open_socket(thread_path(thread))
        post = await database_sync_to_async(reply)(thread, author=alice, body="Propos à masquer")
        seen_live = await receive_until(live, "event")
        await live.disconnect()
        await database_sync_to_async(services.post_hide)(
            post=post, moderator=moderator, reason="Hors charte"
        )
        again, first = await open_socket(thread_path(thread, after=ready["seq"]))
        replayed = [first]
        while replayed[-1]["type"] != "ready":
            replayed.append(await again.receive_json_from(timeout=5))
        await again.disconnect()
        return seen_live, replayed

    seen_live, replayed = scenario()
    assert "Propos à masquer" in seen_live["html"]  # it was shown before the hide
    events = [message for message in replayed if message["type"] == "event"]
    assert [message["op"] for message in events] == ["append", "replace"]
    for message in events:
        assert "Propos à masquer" not in message["html"]
        assert "Message masqué par la modération" in message["html"]


def test_several_pushes_to_a_group_in_one_record_are_numbered_in_their_order(thread):
    group = thread_group(thread.pk)
    other = thread_group(thread.pk + 1000)
    start, other_start = store.last_seq(group), store.last_seq(other)
    pushes = [_push(thread, "a"), _push(thread, "b"), _push(thread, "c")]
    pushes.insert(1, Push(**{**pushes[0].__dict__, "group": other, "target": "elsewhere"}))
    events = store.record_many(pushes)
    assert [(e.group, e.seq, e.payload["target"]) for e in events] == [
        (group, start + 1, "post-test-a"),
        (other, other_start + 1, "elsewhere"),
        (group, start + 2, "post-test-b"),
        (group, start + 3, "post-test-c"),
    ]
    assert store.last_seq(group) == start + 3


def test_fragments_are_stored_character_for_character(thread):
    tricky = "Élodie a écrit : « {a,b} » \\ \"cité\" 'apostrophe' NULL, \u2028 😀 <b>&amp;</b>"
    push = Push(
        **{
            **_push(thread, "x").__dict__,
            "html": {"fr": f"<li>{tricky}</li>", "en": "<li>{}</li>"},
            "data": {"note": tricky, "ids": [1, 2]},
        }
    )
    [event] = store.record_many([push])
    stored = LiveEvent.objects.get(pk=event.pk)
    assert (stored.group, stored.seq) == (event.group, event.seq)
    assert stored.html == {"fr": f"<li>{tricky}</li>", "en": "<li>{}</li>"}
    assert stored.payload["data"] == {"note": tricky, "ids": [1, 2]}


@pytest.mark.parametrize("made_beforehand", [True, False], ids=["raised", "created"])
def test_the_writers_of_several_groups_at_once_never_deadlock(thread, made_beforehand):
    # Each writer names the groups in another order; counters are taken by name, also
    # when the writers create them.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises whole write transactions: no lock order to get wrong")
    groups = [thread_group(thread.pk + (0 if made_beforehand else 100) + n) for n in range(4)]
    for group in groups if made_beforehand else []:
        store.record(Push(**{**_push(thread, group).__dict__, "group": group}))
    starts = {group: store.last_seq(group) for group in groups}
    errors = []

    def write(order: list[str]) -> None:
        try:
            for _ in range(15):
                store.record_many(
                    [Push(**{**_push(thread, g).__dict__, "group": g}) for g in order]
                )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=write, args=(groups[n:] + groups[:n],)) for n in range(4)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert not errors
    for group in groups:
        seqs = sorted(
            LiveEvent.objects.filter(group=group, seq__gt=starts[group]).values_list(
                "seq", flat=True
            )
        )
        assert seqs == list(range(starts[group] + 1, starts[group] + 61))
