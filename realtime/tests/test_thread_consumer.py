"""The thread page's websocket: who may follow it, what it pushes, what it refuses."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.urls import reverse

from forum import services
from forum.models import Thread
from forum.tests.board_factories import (
    board_for,
    general_board,
    make_facilitator,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_user
from realtime.tests.live import (
    close_code,
    close_code_at,
    cookie_for,
    event_after,
    first_message,
    open_socket,
    page_status,
    refusal_codes,
    session_path,
    thread_path,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def thread(sessions, alice):
    return make_thread(board_for(sessions[1]), author=alice, title="Assemblées", body="Bonjour.")


def test_an_anonymous_reader_follows_a_public_thread(thread):
    first = first_message(thread_path(thread))
    assert first["type"] == "ready"
    assert isinstance(first["seq"], int)


def test_a_new_post_reaches_the_reader_as_the_thread_page_fragment(thread, alice):
    post, message = event_after(
        thread_path(thread),
        reply,
        thread,
        author=alice,
        body="Les **coopératives** scolaires, parlons-en.",
    )
    assert message["kind"] == "thread.post"
    assert message["op"] == "append"
    assert message["target"] == f"post-{post.pk}"
    assert message["container"] == "posts"
    assert f'id="post-{post.pk}"' in message["html"]
    assert "<strong>coopératives</strong> scolaires" in message["html"]
    assert "Alice Coopère" in message["html"]
    assert message["data"]["author_id"] == alice.pk
    # No per-person controls in a fragment everyone receives.
    assert "Masquer" not in message["html"]
    assert "Modifier" not in message["html"]


def test_an_edit_replaces_the_post(thread, alice):
    post = reply(thread, author=alice, body="Premier jet.")
    _edited, message = event_after(
        thread_path(thread), services.post_edit, post=post, editor=alice, body="Version corrigée."
    )
    assert (message["op"], message["target"]) == ("replace", f"post-{post.pk}")
    assert "Version corrigée." in message["html"]
    assert "Premier jet." not in message["html"]
    assert message["data"]["change"] == "edited"


def test_a_hidden_post_is_replaced_by_the_placeholder_without_its_text(sessions, thread, alice):
    post = reply(thread, author=alice, body="Un propos déplacé.")
    moderator = make_facilitator(sessions[1])
    _hidden, message = event_after(
        thread_path(thread),
        services.post_hide,
        post=post,
        moderator=moderator,
        reason="Hors charte",
    )
    assert (message["op"], message["target"]) == ("replace", f"post-{post.pk}")
    assert "Message masqué par la modération" in message["html"]
    assert "Un propos déplacé" not in message["html"]
    assert "Hors charte" not in message["html"]


def test_a_reader_whose_browser_is_in_english_gets_english_fragments(sessions, event, alice):
    make_facilitator(sessions[2])
    session = sessions[2]
    cookie = cookie_for(None, language="en")
    facilitator = session.facilitator_users.first()
    _state, message = event_after(
        session_path(session),
        services.session_state_set,
        session=session,
        actor=facilitator,
        state="live",
        cookie=cookie,
    )
    assert ">live</span>" in message["html"]


@pytest.mark.parametrize("who", ["anonymous", "signed_in_unregistered"])
def test_a_private_sessions_thread_is_refused_as_a_thread_that_does_not_exist(sessions, alice, who):
    make_private(sessions[3])
    thread = make_thread(board_for(sessions[3]), author=alice)
    missing = Thread.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    user = make_user() if who == "signed_in_unregistered" else None
    cookie = cookie_for(user)
    # The page answers 404 to both, so as not to tell that the thread exists...
    assert page_status(thread.get_absolute_url(), user) == 404
    assert page_status(reverse("forum:thread", kwargs={"pk": missing}), user) == 404

    # ... and so does its socket.
    codes = refusal_codes(thread_path(thread), f"/ws/threads/{missing}/", cookie=cookie)
    assert codes == (4404, 4404)


def test_a_registered_participant_follows_a_private_sessions_thread(sessions, alice):
    make_private(sessions[3])
    thread = make_thread(board_for(sessions[3]), author=alice)
    cookie = cookie_for(alice)
    assert first_message(thread_path(thread), cookie=cookie)["type"] == "ready"


def test_an_unknown_thread_is_refused_with_4404(event):
    assert close_code_at("/ws/threads/999999/") == 4404


@pytest.mark.parametrize(
    "frame",
    [
        {"text_data": '{"type": "hello"}'},
        {"text_data": '{"type": "resume", "after": "douze"}'},
        {"text_data": '{"type": "resume", "after": -1}'},
        {"text_data": '{"type": "resume", "after": true}'},
        {"text_data": '{"type": "resume"}'},
        {"text_data": '{"type": "heartbeat", "extra": 1}'},
        {"text_data": '["heartbeat"]'},
        {"text_data": "pas du JSON"},
        {"text_data": '{"type": "heartbeat", "pad": "' + "x" * 1000 + '"}'},
        {"bytes_data": b"\x00\x01"},
    ],
    ids=[
        "unknown-type",
        "after-not-a-number",
        "after-negative",
        "after-boolean",
        "resume-without-after",
        "heartbeat-with-extra",
        "not-an-object",
        "not-json",
        "oversized",
        "binary",
    ],
)
def test_a_malformed_or_unknown_message_closes_with_4400(thread, frame):
    @async_to_sync
    async def scenario():
        socket, _ready = await open_socket(thread_path(thread))
        await socket.send_to(**frame)
        code = await close_code(socket)
        await socket.disconnect()
        return code

    assert scenario() == 4400


def test_a_malformed_after_in_the_url_closes_with_4400(thread):
    assert close_code_at(thread_path(thread) + "?after=abc") == 4400


def test_a_heartbeat_is_answered(thread):
    @async_to_sync
    async def scenario():
        socket, _ready = await open_socket(thread_path(thread))
        await socket.send_json_to({"type": "heartbeat"})
        answer = await socket.receive_json_from(timeout=5)
        await socket.disconnect()
        return answer

    assert scenario() == {"type": "heartbeat"}


def test_a_client_sending_too_many_messages_is_closed_with_4429(thread):
    @async_to_sync
    async def scenario():
        socket, _ready = await open_socket(thread_path(thread))
        for _ in range(25):
            await socket.send_json_to({"type": "heartbeat"})
        while True:
            output = await socket.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                break
        await socket.disconnect()
        return output["code"]

    assert scenario() == 4429


def test_an_idle_client_is_closed_with_4408(thread, settings):
    settings.INTERCOOP_LIVE_IDLE_SECONDS = 0.3

    @async_to_sync
    async def scenario():
        socket, _ready = await open_socket(thread_path(thread))
        code = await close_code(socket)
        await socket.disconnect()
        return code

    assert scenario() == 4408


def test_heartbeats_keep_a_client_connected(thread, settings):
    # Heartbeats 0.3 s apart for twice the idle limit: a margin of over a second per
    # gap, so that a loaded machine does not close a client that did its part.
    settings.INTERCOOP_LIVE_IDLE_SECONDS = 1.5

    @async_to_sync
    async def scenario():
        import asyncio

        socket, _ready = await open_socket(thread_path(thread))
        for _ in range(10):
            await asyncio.sleep(0.3)
            await socket.send_json_to({"type": "heartbeat"})
            assert await socket.receive_json_from(timeout=5) == {"type": "heartbeat"}
        await socket.disconnect()

    scenario()


def test_the_general_board_threads_are_public(event, alice):
    thread = make_thread(general_board(event), author=alice)
    assert first_message(thread_path(thread))["type"] == "ready"


def test_a_reader_that_falls_too_far_behind_is_closed_to_catch_up_later(thread, alice, monkeypatch):
    from realtime.consumers import LiveConsumer

    monkeypatch.setattr(LiveConsumer, "INBOX_LIMIT", 0)

    @async_to_sync
    async def scenario():
        socket, _ready = await open_socket(thread_path(thread))
        await database_sync_to_async(reply)(thread, author=alice, body="Trop tard")
        code = await close_code(socket)
        await socket.disconnect()
        return code

    assert scenario() == 1013


def test_readers_of_a_thread_in_one_process_share_one_subscription(thread):
    from realtime import fanout
    from realtime.groups import thread_group

    @async_to_sync
    async def scenario():
        first, _ready = await open_socket(thread_path(thread))
        second, _ready = await open_socket(thread_path(thread))
        both = fanout.readers_of(thread_group(thread.pk))
        await second.disconnect()
        one = fanout.readers_of(thread_group(thread.pk))
        await first.disconnect()
        return both, one, fanout.readers_of(thread_group(thread.pk))

    assert scenario() == (2, 1, 0)
