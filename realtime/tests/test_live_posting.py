"""Writing from a session's live page: registered participants post while the session
is on, in the thread they choose, by default the session's live thread."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forum.models import Post, SessionState, Thread
from forum.services.live_posts import LIVE_THREAD_TITLE
from forum.tests.board_factories import make_participant, make_thread
from forum.tests.factories import make_user
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db


def _live(session):
    return reverse("realtime:session_live", kwargs={"slug": session.slug})


def _write(client, session, body, thread=""):
    return client.post(
        reverse("realtime:session_post", kwargs={"slug": session.slug}),
        {"body": body, "thread": thread, "submission_key": ""},
    )


@pytest.fixture
def live_session(session):
    session.state = SessionState.LIVE
    session.save()
    return session


def test_a_participant_writes_in_the_live_thread_by_default(client, live_session, event):
    participant = make_participant(event, display_name="Paul Partage")
    client.force_login(participant)
    assert "Votre message" in page_text(client.get(_live(live_session)))
    response = _write(client, live_session, "Bonjour depuis la salle !")
    assert response.status_code == 302
    post = Post.objects.get(body_markdown="Bonjour depuis la salle !")
    assert post.thread.title == LIVE_THREAD_TITLE and post.author == participant
    _write(client, live_session, "Et une seconde.")
    assert Thread.objects.filter(title=LIVE_THREAD_TITLE).count() == 1
    text = page_text(client.get(_live(live_session)))
    assert "Bonjour depuis la salle !" in text and "Paul Partage" in text


def test_a_participant_chooses_another_thread_of_the_session(client, live_session, event, alice):
    thread = make_thread(live_session.board, author=alice, title="Questions au public")
    client.force_login(make_participant(event))
    assert "Questions au public" in page_text(client.get(_live(live_session)))
    _write(client, live_session, "Ma question.", thread=str(thread.pk))
    assert Post.objects.get(body_markdown="Ma question.").thread == thread


def test_no_writing_before_the_session_nor_for_the_unregistered(client, session, event):
    client.force_login(make_participant(event))
    assert "Votre message" not in page_text(client.get(_live(session)))
    assert _write(client, session, "Trop tôt.").status_code == 403
    session.state = SessionState.LIVE
    session.save()
    client.force_login(make_user())
    assert "Votre message" not in page_text(client.get(_live(session)))
    assert _write(client, session, "Pas inscrit.").status_code == 403
    assert not Post.objects.filter(body_markdown__in=["Trop tôt.", "Pas inscrit."]).exists()


def test_an_empty_post_comes_back_with_a_message(client, live_session, event):
    client.force_login(make_participant(event))
    response = _write(client, live_session, "   ")
    assert response.status_code == 400
    assert "Le message est vide." in page_text(response)
