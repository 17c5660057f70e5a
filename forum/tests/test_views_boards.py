"""The boards as people see them: the index, a board's threads with unread marks,
following a board, marking it all read."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from forum import services
from forum.models import Follow, FollowLevel, ReadMark, Thread
from forum.tests.board_factories import (
    board_for,
    general_board,
    make_organiser,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_user
from forum.tests.reading import elements, page_text

pytestmark = pytest.mark.django_db


def links(response) -> list[str]:
    return [attrs.get("href") or "" for tag, attrs in elements(response) if tag == "a"]


def thread_titles(response) -> list[str]:
    return [thread.title for thread in response.context["threads"]]


# The index.


def test_every_page_links_to_the_forums(client, event):
    assert "/forums/" in links(client.get("/"))


def test_the_index_lists_the_general_board_and_one_board_per_session(client, sessions, event):
    general_board(event)
    for session in sessions.values():
        board_for(session)
    response = client.get(reverse("forum:boards"))
    text = page_text(response)
    assert "Forum général" in text
    for session in sessions.values():
        assert f"/forums/{session.slug}/" in links(response)
    assert text.index("Forum général") < text.index(sessions[1].title)


def test_a_private_sessions_board_is_listed_only_for_those_registered(client, sessions, event):
    make_private(sessions[3])
    private = board_for(sessions[3])
    assert private.get_absolute_url() not in links(client.get(reverse("forum:boards")))
    assert client.get(private.get_absolute_url()).status_code == 404
    client.force_login(make_user())
    assert client.get(private.get_absolute_url()).status_code == 404
    client.force_login(make_participant(event))
    assert private.get_absolute_url() in links(client.get(reverse("forum:boards")))
    assert client.get(private.get_absolute_url()).status_code == 200


def test_a_session_page_links_to_its_board(client, sessions):
    board = board_for(sessions[2])
    response = client.get(sessions[2].get_absolute_url())
    assert board.get_absolute_url() in links(response)
    assert "Les échanges de cette session" in page_text(response)


def test_an_unknown_board_is_not_found(client, event):
    assert client.get("/forums/nulle-part/").status_code == 404


# A board's threads.


def test_threads_come_newest_activity_first_with_pinned_ones_on_top(
    client, board, alice, bruno, event
):
    old = make_thread(board, author=alice, title="Ancien fil")
    pinned = make_thread(board, author=alice, title="Règles du forum")
    recent = make_thread(board, author=alice, title="Fil récent")
    reply(old, author=bruno, body="Je relance.")
    services.thread_pin(thread=pinned, moderator=make_organiser(event), pinned=True)
    response = client.get(board.get_absolute_url())
    assert thread_titles(response) == ["Règles du forum", "Ancien fil", "Fil récent"]
    assert "épinglé" in page_text(response)
    assert recent.get_absolute_url() in links(response)


def test_each_thread_shows_its_author_post_count_and_last_poster(client, board, alice, bruno):
    thread = make_thread(board, author=alice, title="Les AG")
    reply(thread, author=bruno, body="Réponse")
    reply(thread, author=bruno, body="Encore")
    response = client.get(board.get_absolute_url())
    row = page_text(response).split("Les AG", 1)[1]
    assert row.startswith(" par Alice Coopère")
    assert "Messages : 3" in row
    assert "Bruno Mutuelle" in row
    assert timezone.localtime(thread.posts.last().created_at).strftime("%Y") in row
    assert "@exemple.org" not in response.content.decode()


def test_a_board_without_threads_invites_to_open_one(client, board, alice):
    client.force_login(alice)
    text = page_text(client.get(board.get_absolute_url()))
    assert "Aucun fil pour l'instant. Ouvrez le premier !" in text


def test_fifty_threads_per_page(client, board, alice):
    now = timezone.now()
    Thread.objects.bulk_create(
        Thread(board=board, title=f"Fil {number:03}", author=alice, last_post_at=now, post_count=1)
        for number in range(120)
    )
    response = client.get(board.get_absolute_url())
    assert len(response.context["threads"]) == 50
    assert "Page 1 sur 3" in page_text(response)
    assert len(client.get(board.get_absolute_url() + "?page=3").context["threads"]) == 20
    assert client.get(board.get_absolute_url() + "?page=xyz").status_code == 200


def test_new_thread_button_only_for_those_who_may_post(client, board, alice):
    new_thread = reverse("forum:thread_new", args=[board.slug])
    visitor = client.get(board.get_absolute_url())
    assert new_thread not in links(visitor)
    assert "Connectez-vous pour écrire" in page_text(visitor)
    client.force_login(make_user())
    outsider = client.get(board.get_absolute_url())
    assert new_thread not in links(outsider)
    assert "Inscrivez-vous aux journées pour écrire" in page_text(outsider)
    client.force_login(alice)
    participant = client.get(board.get_absolute_url())
    assert new_thread in links(participant)
    assert "Nouveau fil" in page_text(participant)


def test_a_visitor_sees_no_unread_marks_nor_reader_forms(client, board, alice):
    make_thread(board, author=alice, title="Un fil")
    response = client.get(board.get_absolute_url())
    text = page_text(response)
    assert "non lu" not in text
    assert "Tout marquer comme lu" not in text
    assert "Mon abonnement à ce forum" not in text


# Unread marks.


def test_unread_marks_follow_what_the_reader_has_read(client, board, alice, bruno):
    thread = make_thread(board, author=alice, title="Les AG")
    reply(thread, author=alice, body="Précision")
    client.force_login(bruno)
    assert "2 non lus" in page_text(client.get(board.get_absolute_url()))  # never opened

    client.get(thread.get_absolute_url())
    assert "non lu" not in page_text(client.get(board.get_absolute_url()))

    reply(thread, author=alice, body="Du nouveau")
    response = client.get(board.get_absolute_url())
    assert "1 non lu" in page_text(response)
    assert "is-unread" in response.content.decode()


def test_ones_own_thread_is_not_unread(client, board, alice):
    make_thread(board, author=alice, title="Le mien")
    client.force_login(alice)
    assert "non lu" not in page_text(client.get(board.get_absolute_url()))


def test_mark_all_read_clears_every_unread_mark(client, board, alice, bruno):
    first = make_thread(board, author=alice, title="Un")
    second = make_thread(board, author=alice, title="Deux")
    reply(second, author=alice)
    client.force_login(bruno)
    response = client.post(reverse("forum:board_mark_read", args=[board.slug]), follow=True)
    text = page_text(response)
    assert "Tous les fils de ce forum sont marqués comme lus." in text
    assert "non lu" not in text
    marks = dict(ReadMark.objects.filter(user=bruno).values_list("thread", "last_read_number"))
    assert marks == {first.pk: 1, second.pk: 2}


def test_mark_all_read_needs_a_post_and_a_signed_in_person(client, board, bruno):
    url = reverse("forum:board_mark_read", args=[board.slug])
    assert client.post(url)["Location"].startswith("/accounts/login/")
    client.force_login(bruno)
    assert client.get(url).status_code == 405


# Following a board.


def test_the_board_follow_form_shows_and_changes_the_readers_level(client, board, bruno):
    client.force_login(bruno)
    page = client.get(board.get_absolute_url())
    assert "Actuellement : sur le site seulement." in page_text(page)
    options = [attrs.get("value") for tag, attrs in elements(page) if tag == "option"]
    assert options[-4:] == ["email", "digest", "web", "muted"]
    response = client.post(
        reverse("forum:board_follow", args=[board.slug]), {"level": "email"}, follow=True
    )
    text = page_text(response)
    assert "Abonnement à ce forum : chaque message par courriel." in text
    assert "Actuellement : chaque message par courriel." in text
    assert Follow.objects.get(user=bruno, board=board).level == FollowLevel.EMAIL


def test_a_forged_board_follow_level_is_refused_in_french(client, board, bruno):
    client.force_login(bruno)
    response = client.post(
        reverse("forum:board_follow", args=[board.slug]), {"level": "<script>"}, follow=True
    )
    assert "Choisissez un abonnement dans la liste." in page_text(response)
    assert not Follow.objects.filter(user=bruno).exists()


def test_following_a_private_board_one_cannot_see_is_not_found(client, sessions):
    make_private(sessions[3])
    client.force_login(make_user())
    response = client.post(
        reverse("forum:board_follow", args=[board_for(sessions[3]).slug]), {"level": "email"}
    )
    assert response.status_code == 404
    assert not Follow.objects.exists()


def test_following_a_board_or_a_thread_needs_a_signed_in_post(client, board, alice):
    thread = make_thread(board, author=alice, title="Suivi")
    for url in (
        reverse("forum:board_follow", args=[board.slug]),
        reverse("forum:thread_follow", args=[thread.pk]),
    ):
        anonymous = client.post(url, {"level": "email"})
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith(reverse("account_login"))
        client.force_login(alice)
        assert client.get(url).status_code == 405
        client.logout()
    assert not Follow.objects.filter(level=FollowLevel.EMAIL, thread=thread).exists()


def test_the_board_page_is_in_english_on_request(client, board, alice):
    client.force_login(alice)
    response = client.get(board.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"


@pytest.mark.parametrize("count", [3, 50])
def test_the_board_page_needs_the_same_few_queries_for_3_or_50_threads(
    client, board, alice, bruno, count, django_assert_max_num_queries
):
    for number in range(count):
        reply(make_thread(board, author=alice, title=f"Fil {number}"), author=bruno)
    client.force_login(bruno)
    with django_assert_max_num_queries(20):
        response = client.get(board.get_absolute_url())
    assert len(response.context["threads"]) == count
