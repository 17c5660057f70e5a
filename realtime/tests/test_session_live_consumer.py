"""The session's live page: its state, the facilitators' notes, the latest posts, over
its websocket and as a page that works without JavaScript."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from forum import services
from forum.errors import NotAllowed
from forum.models import Thread
from forum.selectors.notes import NOTES_THREAD_TITLE
from forum.services.notes import session_note_post
from forum.tests.board_factories import (
    board_for,
    make_facilitator,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_user
from forum.tests.reading import page_text
from realtime.models import LiveEvent
from realtime.tests.live import (
    cookie_for,
    event_after,
    open_socket,
    page_status,
    receive_until,
    refusal_codes,
    session_path,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def facilitator(session):
    return make_facilitator(session, display_name="Claire Anime")


def test_the_state_switched_by_a_facilitator_reaches_the_live_page(session, facilitator):
    _state, message = event_after(
        session_path(session),
        services.session_state_set,
        session=session,
        actor=facilitator,
        state="live",
    )
    assert message["kind"] == "session.state"
    assert (message["op"], message["target"]) == ("replace", "session-state")
    assert 'class="state state-live"' in message["html"]
    assert "en cours" in message["html"]
    assert message["data"]["state"] == "live"


def test_a_note_is_appended_to_the_notes_stream(session, facilitator):
    @async_to_sync
    async def scenario():
        socket, _ready = await open_socket(session_path(session))
        note = await database_sync_to_async(session_note_post)(
            session=session, author=facilitator, body="Tour de table : *15 réseaux*."
        )
        message = await receive_until(socket, "event")
        assert await socket.receive_nothing(timeout=0.3)  # a note is not also a "latest post"
        await socket.disconnect()
        return note, message

    note, message = scenario()
    assert message["kind"] == "session.note"
    assert (message["op"], message["target"], message["container"]) == (
        "append",
        f"post-{note.pk}",
        "notes",
    )
    assert "<em>15 réseaux</em>" in message["html"]
    assert "data-reply" not in message["html"]


def test_a_post_in_the_sessions_threads_is_pushed_as_a_latest_post(session, alice):
    thread = make_thread(board_for(session), author=alice, title="Le travail collaboratif")
    post, message = event_after(
        session_path(session), reply, thread, author=alice, body="Un retour du terrain."
    )
    assert message["kind"] == "session.latest"
    assert (message["op"], message["target"]) == ("prepend", f"latest-post-{post.pk}")
    assert "Le travail collaboratif" in message["html"]
    assert "Un retour du terrain." in message["html"]


def test_notes_are_kept_as_one_locked_thread(session, facilitator, alice):
    first = session_note_post(session=session, author=facilitator, body="Ouverture.")
    second = session_note_post(session=session, author=facilitator, body="Pause à 11 h.")
    thread = Thread.objects.get(pk=first.thread_id)
    assert second.thread_id == thread.pk
    assert thread.title == NOTES_THREAD_TITLE
    assert thread.is_locked
    assert [post.body_text for post in thread.posts.order_by("number")] == [
        "Ouverture.",
        "Pause à 11 h.",
    ]


def test_only_facilitators_post_notes(session, alice):
    with pytest.raises(NotAllowed):
        session_note_post(session=session, author=alice, body="Je note aussi.")


def test_a_participants_thread_named_like_the_notes_is_not_the_notes_thread(
    session, facilitator, alice
):
    decoy = make_thread(board_for(session), author=alice, title=NOTES_THREAD_TITLE)
    note = session_note_post(session=session, author=facilitator, body="La vraie note.")
    assert note.thread_id != decoy.pk


@pytest.mark.parametrize("who", ["anonymous", "signed_in_unregistered"])
def test_a_private_sessions_live_page_is_refused_as_a_session_that_does_not_exist(session, who):
    make_private(session)
    user = make_user() if who == "signed_in_unregistered" else None
    cookie = cookie_for(user)
    # The page answers 404 to both, so as not to tell that the session exists...
    for slug in (session.slug, "nulle-part"):
        assert page_status(reverse("realtime:session_live", kwargs={"slug": slug}), user) == 404

    # ... and so does its socket.
    codes = refusal_codes(session_path(session), "/ws/sessions/nulle-part/live/", cookie=cookie)
    assert codes == (4404, 4404)


def test_a_registered_participant_follows_a_private_sessions_live_page(session, alice):
    make_private(session)
    cookie = cookie_for(alice)

    @async_to_sync
    async def scenario():
        socket, first = await open_socket(session_path(session), cookie=cookie)
        ready = first if first["type"] == "ready" else await receive_until(socket, "ready")
        await socket.disconnect()
        return ready

    assert isinstance(scenario()["seq"], int)


def test_the_live_page_shows_state_notes_latest_posts_and_followers(session, facilitator, alice):
    session_note_post(session=session, author=facilitator, body="Ouverture de la session.")
    thread = make_thread(board_for(session), author=alice, title="Retours d'expérience")
    reply(thread, author=alice, body="Chez nous, ça marche.")
    response = Client().get(reverse("realtime:session_live", kwargs={"slug": session.slug}))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="session-state"' in html
    assert "Ouverture de la session." in html
    assert "Chez nous, ça marche." in html
    assert "data-live-presence" in html
    assert f'data-live-url="/ws/sessions/{session.slug}/live/"' in html
    assert "Publier la note" not in html  # not a facilitator
    assert 'name="state"' not in html


def test_the_session_page_links_to_its_live_page(session):
    response = Client().get(session.get_absolute_url())
    assert (
        reverse("realtime:session_live", kwargs={"slug": session.slug}) in response.content.decode()
    )


def test_a_facilitator_switches_the_state_and_posts_a_note_from_the_page(session, facilitator):
    client = Client()
    client.force_login(facilitator)
    url = reverse("realtime:session_live", kwargs={"slug": session.slug})
    page = client.get(url).content.decode()
    assert "Publier la note" in page
    assert 'data-live-state-button="live"' in page

    response = client.post(
        reverse("realtime:session_state", kwargs={"slug": session.slug}), {"state": "live"}
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.state == "live"

    response = client.post(
        reverse("realtime:session_note", kwargs={"slug": session.slug}), {"body": "On commence."}
    )
    assert response.status_code == 302
    assert "On commence." in client.get(url).content.decode()
    assert LiveEvent.objects.filter(kind="session.note").count() == 1


def test_a_participant_cannot_switch_the_state_or_post_a_note(session, alice):
    client = Client()
    client.force_login(alice)
    state = client.post(
        reverse("realtime:session_state", kwargs={"slug": session.slug}), {"state": "live"}
    )
    note = client.post(
        reverse("realtime:session_note", kwargs={"slug": session.slug}), {"body": "Hop"}
    )
    assert (state.status_code, note.status_code) == (403, 403)
    # The service's refusal of the state, answered with the 403 page (forum.middleware).
    refusal = page_text(state)
    assert "Accès refusé" in refusal
    assert "Seules l'animation et l'organisation peuvent changer l'état de la session." in refusal
    session.refresh_from_db()
    assert session.state == "upcoming"


def test_an_empty_note_is_refused_with_the_reason_beside_the_field(session, facilitator):
    client = Client()
    client.force_login(facilitator)
    response = client.post(
        reverse("realtime:session_note", kwargs={"slug": session.slug}), {"body": " "}
    )
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
