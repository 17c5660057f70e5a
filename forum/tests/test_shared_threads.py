"""Shared threads (« passerelles »): one thread with one set of posts, listed and
searched from each board it is shared to, read by its home board's rule, moved,
locked and hidden as one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from forum import services
from forum.errors import NotAllowed, ThreadLocked
from forum.models import ThreadShare
from forum.tests.board_factories import (
    board_for,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import PASSWORD, make_user
from forum.tests.network_factories import approved_network

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.fixture
def network(event, organiser):
    return approved_network("Réseau des Accorderies", organiser=organiser)


def _board_titles(client, board):
    return client.get(board.get_absolute_url()).content.decode()


def test_a_shared_thread_is_listed_in_both_boards_with_one_set_of_posts(
    client, event, board, alice, bruno, network
):
    thread = make_thread(board, author=alice, title="Mutualiser les outils")
    services.thread_share(thread=thread, board=network.board, user=alice)
    reply(thread, author=bruno, body="Réponse unique")
    assert "Mutualiser les outils" in _board_titles(client, board)
    page = _board_titles(client, network.board)
    assert "Mutualiser les outils" in page and "passerelle depuis" in page
    thread_page = client.get(thread.get_absolute_url()).content.decode()
    assert thread_page.count("Réponse unique") == 1
    assert network.board.title in thread_page


def test_only_the_author_a_referent_or_a_moderator_shares_a_thread(
    client, event, board, alice, bruno, network
):
    thread = make_thread(board, author=alice)
    with pytest.raises(NotAllowed):
        services.thread_share(thread=thread, board=network.board, user=bruno)
    referent = network.referents.get()
    services.thread_share(thread=thread, board=network.board, user=referent)
    assert ThreadShare.objects.filter(thread=thread, board=network.board).exists()
    # By the page's form too, for the author.
    other = make_thread(board, author=alice)
    _login(client, alice)
    client.post(reverse("forum:thread_share", args=[other.pk]), {"board": network.board.slug})
    assert ThreadShare.objects.filter(thread=other, board=network.board).exists()
    _login(client, bruno)
    third = make_thread(board, author=alice)
    answer = client.post(
        reverse("forum:thread_share", args=[third.pk]), {"board": network.board.slug}
    )
    assert answer.status_code == 403
    assert not ThreadShare.objects.filter(thread=third).exists()


def test_a_private_thread_shared_into_an_open_board_stays_private(client, event, sessions, network):
    private_board = board_for(make_private(sessions[2]))
    author = make_participant(event)
    thread = make_thread(private_board, author=author, title="Entre inscrits seulement")
    services.thread_share(thread=thread, board=network.board, user=author)
    # Visitors and people not registered to the event: not listed, not searchable, 404.
    assert "Entre inscrits seulement" not in _board_titles(client, network.board)
    assert client.get(thread.get_absolute_url()).status_code == 404
    search = reverse("forum:search")
    found = client.get(search, {"q": "inscrits", "forum": network.board.slug}).content.decode()
    assert "Entre inscrits seulement" not in found
    _login(client, make_user())
    assert "Entre inscrits seulement" not in _board_titles(client, network.board)
    # Registered people read it from the network's board.
    _login(client, make_participant(event))
    assert "Entre inscrits seulement" in _board_titles(client, network.board)
    found = client.get(search, {"q": "inscrits", "forum": network.board.slug}).content.decode()
    assert "Entre inscrits seulement" in found


def test_a_shared_thread_is_searchable_from_each_board_and_not_from_others(
    client, event, board, sessions, alice, network
):
    thread = make_thread(board, author=alice, title="Coopératives scolaires", body="écoles")
    services.thread_share(thread=thread, board=network.board, user=alice)
    search = reverse("forum:search")
    for shown in (board, network.board):
        page = client.get(search, {"q": "écoles", "forum": shown.slug}).content.decode()
        assert "Coopératives scolaires" in page
    elsewhere = board_for(sessions[3])
    page = client.get(search, {"q": "écoles", "forum": elsewhere.slug}).content.decode()
    assert "Coopératives scolaires" not in page


def test_locking_and_moving_act_on_the_one_thread(
    event, board, sessions, alice, organiser, network
):
    thread = make_thread(board, author=alice)
    services.thread_share(thread=thread, board=network.board, user=alice)
    services.thread_lock(thread=thread, moderator=organiser, locked=True)
    with pytest.raises(ThreadLocked):
        reply(thread, author=alice)
    services.thread_lock(thread=thread, moderator=organiser, locked=False)
    # Moved to the board it was shared to: that board is its home, no longer a share.
    services.thread_move(thread=thread, moderator=organiser, board=network.board)
    assert not ThreadShare.objects.filter(thread=thread).exists()


def test_a_home_board_follower_and_a_shared_board_follower_see_it_in_their_boards(
    client, event, board, alice, network
):
    thread = make_thread(board, author=alice, title="Suivi des deux côtés")
    services.thread_share(thread=thread, board=network.board, user=alice)
    reader = make_participant(event)
    _login(client, reader)
    page = _board_titles(client, network.board)
    assert "Suivi des deux côtés" in page and "1 non lu" in page
