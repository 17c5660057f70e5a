"""The forum index as Discourse shows it (per board: threads, posts, latest activity,
the reader's unread posts), the latest threads across boards and the unread ones."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forum import services
from forum.tests.board_factories import (
    board_for,
    general_board,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_user
from forum.tests.reading import page_text

pytestmark = pytest.mark.django_db


def _row(text: str, title: str) -> str:
    return text.split(title, 1)[1][:300]


def test_each_board_shows_its_threads_posts_and_latest_activity(
    client, sessions, event, alice, bruno
):
    general = general_board(event)
    board = board_for(sessions[1])
    first = make_thread(board, author=alice, title="Les outils")
    reply(first, author=bruno, body="Une réponse.")
    make_thread(board, author=alice, title="Les statuts")
    latest = make_thread(general, author=bruno, title="Bienvenue")
    reply(latest, author=alice, body="Merci !")
    text = page_text(client.get(reverse("forum:boards")))
    general_row = _row(text, "Forum général")
    assert "Fils : 1" in general_row and "Messages : 2" in general_row
    assert "Bienvenue" in general_row and "Alice Coopère" in general_row
    board_row = _row(text, sessions[1].title)
    assert "Fils : 2" in board_row and "Messages : 3" in board_row
    assert "Les statuts" in board_row


def test_a_signed_in_reader_sees_what_they_have_not_read(client, board, alice, bruno):
    thread = make_thread(board, author=alice, title="Les outils")
    reply(thread, author=alice, body="Deux.")
    client.force_login(bruno)
    assert "2 non lus" in page_text(client.get(reverse("forum:boards")))
    services.thread_mark_read(user=bruno, thread=thread, number=1)
    assert "1 non lu" in page_text(client.get(reverse("forum:boards")))
    unread = page_text(client.get(reverse("forum:unread")))
    assert "Les outils" in unread
    services.thread_mark_read(user=bruno, thread=thread, number=2)
    assert "non lu" not in page_text(client.get(reverse("forum:boards")))
    assert "Vous avez tout lu." in page_text(client.get(reverse("forum:unread")))


def test_a_new_post_shows_on_the_cached_index_and_latest_list(client, board, alice, bruno):
    thread = make_thread(board, author=alice, title="Les outils")
    for url in (reverse("forum:boards"), reverse("forum:latest")):
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit"
    client.force_login(bruno)
    client.get(reverse("forum:boards"))
    reply(thread, author=bruno, body="Nouvelle réponse.")
    assert "Messages : 2" in _row(page_text(client.get(reverse("forum:boards"))), board.title)
    client.logout()
    response = client.get(reverse("forum:latest"))
    assert response["X-Page-Cache"] == "miss"
    assert "Bruno Mutuelle" in page_text(response)


def test_latest_lists_threads_of_every_board_newest_first(client, sessions, event, alice):
    general = general_board(event)
    make_thread(board_for(sessions[1]), author=alice, title="Premier fil")
    make_thread(general, author=alice, title="Second fil")
    text = page_text(client.get(reverse("forum:latest")))
    assert text.index("Second fil") < text.index("Premier fil")
    assert "Forum général" in text


def test_private_boards_stay_out_of_the_lists(client, sessions, event, alice):
    make_private(sessions[3])
    make_thread(board_for(sessions[3]), author=alice, title="Entre nous")
    assert "Entre nous" not in page_text(client.get(reverse("forum:latest")))
    assert "Entre nous" not in page_text(client.get(reverse("forum:boards")))
    client.force_login(make_user())
    assert "Entre nous" not in page_text(client.get(reverse("forum:latest")))
    client.force_login(make_participant(event))
    assert "Entre nous" in page_text(client.get(reverse("forum:latest")))


def test_unread_asks_to_sign_in(client, event):
    response = client.get(reverse("forum:unread"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_lists_take_a_fixed_number_of_queries(
    client, sessions, event, alice, bruno, django_assert_max_num_queries
):
    general_board(event)
    for session in sessions.values():
        board = board_for(session)
        for number in range(3):
            thread = make_thread(board, author=alice, title=f"Fil {session.number}-{number}")
            reply(thread, author=bruno, body="Réponse.")
    client.force_login(bruno)
    for url in (reverse("forum:boards"), reverse("forum:latest"), reverse("forum:unread")):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
