"""Domain events → fragments: the same HTML the pages render, stored for catch-up,
sent through the channel layer from whatever thread committed."""

from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.test import Client
from django.urls import reverse

from forum import events, services
from forum.services.notes import session_note_post
from forum.tests.board_factories import (
    make_facilitator,
    make_participant,
    make_thread,
    reply,
)
from realtime import bridge, fragments, listening, publish, store
from realtime.groups import board_group, session_group, thread_group
from realtime.models import LiveEvent

pytestmark = pytest.mark.django_db(transaction=True)


def _element(html: str, element_id: str, tag: str) -> str:
    match = re.search(rf'<{tag}\b[^>]*\bid="{element_id}".*?</{tag}>', html, re.S)
    assert match, f"no <{tag} id={element_id}> in the page"
    return match.group(0)


def _latest(group: str) -> LiveEvent:
    return LiveEvent.objects.filter(group=group).latest("seq")


def _shown(event: LiveEvent, language: str = "fr") -> str:
    """What a reader in `language` is sent for `event`: as stored, or rendered now."""
    return fragments.event_html(store.as_message(event), language)


@pytest.fixture(params=["at commit", "when read"])
def rendered(request, board, sessions):
    """Both roads of a fragment: rendered at commit for a group read in French, or
    stored without it (nobody reading) and rendered when a reader asks."""
    if request.param == "at commit":
        for session in sessions.values():
            listening.register(session_group(session.pk), {"fr"})
        listening.register(board_group(board.pk), {"fr"})
        original = listening.languages
        request.getfixturevalue("monkeypatch").setattr(
            listening, "languages", lambda group: original(group) | {"fr"}
        )
    return request.param


def test_realtime_subscribes_to_every_domain_event_it_turns_into_pushes():
    for name, handler in publish.HANDLERS.items():
        assert handler in events._registry[name].after_commit


def test_the_post_fragment_is_the_thread_pages_own_rendering(board, alice, event, rendered):
    thread = make_thread(board, author=alice, title="Comparaison")
    if rendered == "at commit":
        listening.register(thread_group(thread.pk), {"fr"})
    post = reply(thread, author=alice, body="Ce message *exactement*.")
    reader = make_participant(event)
    client = Client()
    client.force_login(reader)
    client.get(thread.get_absolute_url())  # read once: nothing is "new" the second time
    page = client.get(thread.get_absolute_url()).content.decode()
    stored = _latest(thread_group(thread.pk))
    assert ("fr" in stored.html) == (rendered == "at commit")
    assert _shown(stored) == _element(page, f"post-{post.pk}", "li")


def test_the_board_row_fragment_is_the_board_pages_own_rendering(board, alice, rendered):
    thread = make_thread(board, author=alice, title="Une ligne du forum")
    page = Client().get(board.get_absolute_url()).content.decode()
    stored = _latest(board_group(board.pk))
    assert ("fr" in stored.html) == (rendered == "at commit")
    assert _shown(stored) == _element(page, f"thread-{thread.pk}", "tr")


def test_the_note_and_latest_post_fragments_are_the_live_pages_own_rendering(
    sessions, board, alice, rendered
):
    session = sessions[1]
    facilitator = make_facilitator(session)
    note = session_note_post(session=session, author=facilitator, body="Une note.")
    note_fragment = _shown(_latest(session_group(session.pk)))
    thread = make_thread(board, author=alice, title="Un fil")
    post = reply(thread, author=alice, body="Un message.")
    latest = _latest(session_group(session.pk))
    assert ("fr" in latest.html) == (rendered == "at commit")
    page = Client().get(reverse("realtime:session_live", kwargs={"slug": session.slug}))
    html = page.content.decode()
    assert note_fragment == _element(html, f"post-{note.pk}", "li")
    assert _shown(latest) == _element(html, f"latest-post-{post.pk}", "li")


def test_fragments_are_rendered_at_commit_in_the_languages_read_and_later_in_others(board, alice):
    thread = make_thread(board, author=alice)
    reply(thread, author=alice, body="Nobody reads", source="email")
    assert _latest(thread_group(thread.pk)).html == {}  # nobody reading: nothing rendered
    listening.register(thread_group(thread.pk), {"en"})
    reply(thread, author=alice, body="Bonjour", source="email")
    event = _latest(thread_group(thread.pk))
    assert set(event.html) == {"en"}
    assert "via email" in event.html["en"]
    # A French reader arriving now is sent it in French, rendered for them.
    assert "source : courriel" in _shown(event, "fr")
    assert "Bonjour" in _shown(event, "fr")
    # A language the site does not have gets the site's own.
    assert _shown(event, "de") == _shown(event, "fr")


def test_a_fragment_whose_post_is_gone_has_nothing_to_show(board, alice):
    thread = make_thread(board, author=alice)
    post = reply(thread, author=alice, body="Bientôt supprimé")
    event = _latest(thread_group(thread.pk))
    post.delete()
    assert _shown(event) is None


def test_hiding_a_post_rewrites_its_kept_fragments(sessions, board, alice):
    thread = make_thread(board, author=alice)
    post = reply(thread, author=alice, body="Texte à retirer")
    services.post_hide(post=post, moderator=make_facilitator(sessions[1]), reason="Hors sujet")
    kept = LiveEvent.objects.filter(subject=f"post:{post.pk}")
    assert kept.count() == 4  # created and hidden, on the thread and the session page
    for event in kept:
        if event.payload["op"] != "replace":
            # Those kept from before the hide: in every language, so that none is
            # rendered later from a post that may change again.
            assert set(event.html) == {"fr", "en"}
        for language in ("fr", "en"):
            assert "Texte à retirer" not in _shown(event, language)
        assert "Message masqué par la modération" in _shown(event, "fr")
        assert "Post hidden by the moderators" in _shown(event, "en")


def test_an_edit_rewrites_the_kept_fragments_with_the_new_text(board, alice):
    thread = make_thread(board, author=alice)
    post = reply(thread, author=alice, body="Ancien texte")
    services.post_edit(post=post, editor=alice, body="Nouveau texte")
    created = LiveEvent.objects.filter(subject=f"post:{post.pk}", payload__op="append").get()
    assert "Nouveau texte" in created.html["fr"]


def test_a_push_that_cannot_be_sent_is_still_stored_and_the_post_made(board, alice, monkeypatch):
    def broken(messages):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(bridge, "group_send_many", broken)
    thread = make_thread(board, author=alice)
    post = reply(thread, author=alice, body="Malgré tout")
    assert post.pk
    assert LiveEvent.objects.filter(subject=f"post:{post.pk}").exists()


def test_a_posts_pushes_are_numbered_in_order_and_old_ones_forgotten_as_posts_come(
    board, alice, monkeypatch
):
    from realtime import store

    monkeypatch.setattr(store, "KEEP_EVENTS", 3)
    monkeypatch.setattr(store, "PRUNE_EVERY", 4)
    thread = make_thread(board, author=alice)
    posts = [reply(thread, author=alice, body=f"Message {n}") for n in range(10)]
    kept = list(LiveEvent.objects.filter(group=thread_group(thread.pk)).order_by("seq"))
    seqs = [event.seq for event in kept]
    assert seqs == list(range(seqs[0], seqs[-1] + 1)), "no gap among the kept events"
    assert len(kept) <= 3 + 4, "pruned once every PRUNE_EVERY events"
    assert kept[-1].subject == f"post:{posts[-1].pk}"
    # The board's row shows the thread with its latest post, by its author.
    row = _latest(board_group(board.pk))
    assert "Alice Coopère" in _shown(row) and row.payload["data"]["thread_id"] == thread.pk


@pytest.fixture
def server_loop():
    """An event loop serving in a thread of its own, as uvicorn's does in `intercoop run`."""
    loop = asyncio.new_event_loop()
    runner = threading.Thread(target=loop.run_forever, daemon=True)
    runner.start()
    yield loop
    bridge.detach()
    loop.call_soon_threadsafe(loop.stop)
    runner.join(5)
    loop.close()


def _listen(loop, group: str):
    layer = get_channel_layer()

    async def join():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        return channel

    channel = asyncio.run_coroutine_threadsafe(join(), loop).result(5)
    return asyncio.run_coroutine_threadsafe(layer.receive(channel), loop)


def _send_from_a_worker_thread(send) -> None:
    worker = threading.Thread(target=send, name="worker")
    worker.start()
    worker.join(5)


def test_the_bridge_hands_a_push_from_a_worker_thread_to_the_servers_loop_at_once(server_loop):
    bridge.attach(server_loop)
    received = _listen(server_loop, "live.test.1")
    started = time.monotonic()
    _send_from_a_worker_thread(lambda: bridge.group_send("live.test.1", {"type": "live.event"}))
    message = received.result(timeout=2)
    assert message["type"] == "live.event"
    assert time.monotonic() - started < 0.5


@pytest.mark.skipif(
    not isinstance(get_channel_layer(), InMemoryChannelLayer),
    reason="the finding concerns Channels' in-memory layer (the embedded run)",
)
def test_without_the_bridge_a_push_from_another_thread_is_a_cross_loop_call(server_loop):
    """Why realtime/bridge.py exists: async_to_sync(group_send) from a thread of its own
    runs on a new loop and wakes a receiver waiting on the server's loop with a call
    that is not thread-safe. asyncio's debug mode refuses it outright; without debug
    mode it goes unnoticed and the receiver waits for the loop's next wake-up
    (uvicorn's 100 ms tick in `intercoop run`)."""
    from asgiref.sync import async_to_sync

    server_loop.set_debug(True)
    received = _listen(server_loop, "live.test.2")
    time.sleep(0.1)  # the receiver now waits on the server's loop
    errors = []

    def send():
        try:
            async_to_sync(get_channel_layer().group_send)("live.test.2", {"type": "live.event"})
        except RuntimeError as error:
            errors.append(str(error))

    _send_from_a_worker_thread(send)
    assert errors and "Non-thread-safe operation" in errors[0]
    received.cancel()


@pytest.mark.skipif(
    isinstance(get_channel_layer(), InMemoryChannelLayer),
    reason="a worker's own loop is for a layer shared between processes (Redis)",
)
def test_a_worker_sends_every_push_through_one_loop_of_its_own(server_loop):
    """In a Celery worker no server loop is attached: the pushes go through one loop
    the process keeps, rather than a new loop (and Redis connection) per post."""
    received = [_listen(server_loop, "live.test.3"), _listen(server_loop, "live.test.4")]
    time.sleep(0.1)
    loops = []

    def send(group):
        bridge.group_send_many([(group, {"type": "live.event", "group": group})])
        loops.append(bridge._own_loop)

    _send_from_a_worker_thread(lambda: send("live.test.3"))
    _send_from_a_worker_thread(lambda: send("live.test.4"))
    assert [future.result(timeout=2)["group"] for future in received] == [
        "live.test.3",
        "live.test.4",
    ]
    assert loops[0] is loops[1] and loops[0].is_running()


def test_the_pushes_of_a_batch_are_stored_and_sent_together_at_its_end(board, alice, monkeypatch):
    thread = make_thread(board, author=alice, title="Plusieurs à la fois")
    sent = []
    real = bridge.group_send_many
    monkeypatch.setattr(
        bridge, "group_send_many", lambda messages: (sent.append(messages), real(messages))
    )
    before = LiveEvent.objects.filter(group=thread_group(thread.pk)).count()
    with events.batched():
        first = reply(thread, author=alice, body="Premier.")
        second = reply(thread, author=alice, body="Deuxième.")
        # Committed, not pushed yet: the batch pushes at its end.
        assert LiveEvent.objects.filter(group=thread_group(thread.pk)).count() == before
        assert sent == []
    assert len(sent) == 1
    thread_messages = [m for group, m in sent[0] if group == thread_group(thread.pk)]
    assert [m["data"]["post_id"] for m in thread_messages] == [first.pk, second.pk]
    assert thread_messages[1]["seq"] == thread_messages[0]["seq"] + 1


def test_a_batch_does_its_work_even_when_it_raises_and_joins_an_outer_one():
    done = []
    with pytest.raises(RuntimeError), events.batched():
        with events.batched():
            assert events.collect("test", [1], done.append)
        assert done == []  # the inner block joined the outer one
        assert events.collect("test", [2], done.append)
        raise RuntimeError("a later write failed")
    assert done == [[1, 2]]
    assert not events.collect("test", [3], done.append)  # no block open any more
