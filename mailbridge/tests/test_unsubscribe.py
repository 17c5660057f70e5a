"""Unsubscribing: one click from the mail (RFC 8058), the confirmation page, and
"Mes abonnements" where a signed-in person sets every level at once."""

from __future__ import annotations

import logging
import time
from unittest import mock

import pytest
from django.test import Client

from forum.models import Follow, FollowLevel
from forum.services import thread_create
from forum.tests.reading import page_text
from mailbridge.tests.listmail_support import SITE, list_mail_settings  # noqa: F401
from mailbridge.tests.outbound.factories import follow_thread, make_board, make_member
from mailbridge.unsubscribe import (
    unsubscribe_token,
    unsubscribe_url,
    verify_unsubscribe_token,
)

pytestmark = pytest.mark.django_db


def level_of(person, board=None, thread=None) -> str:
    return Follow.objects.get(user=person, board=board, thread=thread).level


def one_click(url: str):
    """What a mail client does (RFC 8058 §3.2): a POST, no cookie, no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    return client.post(
        url.removeprefix(SITE),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )


def test_the_link_is_absolute_and_names_the_person_and_the_board():
    board = make_board()
    person = make_member(board)
    url = unsubscribe_url(person, board)
    assert url.startswith(f"{SITE}/desabonnement/")
    token = url.removeprefix(f"{SITE}/desabonnement/").rstrip("/")
    assert verify_unsubscribe_token(token) == (person.pk, board.pk)


def test_one_click_from_a_mail_client_stops_the_mail_of_that_board():
    board = make_board()
    person = make_member(board, level=FollowLevel.EMAIL)
    response = one_click(unsubscribe_url(person, board))
    assert response.status_code == 200
    assert "Désabonnement enregistré" in page_text(response)
    assert level_of(person, board=board) == FollowLevel.WEB


def test_one_click_also_stops_threads_of_that_board_followed_by_mail():
    board = make_board()
    person = make_member(board, level=FollowLevel.DIGEST)
    thread = thread_create(board=board, author=person, title="Les statuts", body="Bonjour")
    other_board = make_board()
    other_thread = thread_create(
        board=other_board, author=make_member(other_board), title="Ailleurs", body="Oui"
    )
    Follow.objects.create(user=person, board=other_board, level=FollowLevel.EMAIL)
    follow_thread(person, thread, FollowLevel.EMAIL)
    follow_thread(person, other_thread, FollowLevel.EMAIL)
    one_click(unsubscribe_url(person, board))
    assert level_of(person, board=board) == FollowLevel.WEB
    assert level_of(person, thread=thread) == FollowLevel.WEB
    assert level_of(person, board=other_board) == FollowLevel.EMAIL
    assert level_of(person, thread=other_thread) == FollowLevel.EMAIL


def test_a_muted_board_stays_muted():
    board = make_board()
    person = make_member(board, level=FollowLevel.MUTED)
    one_click(unsubscribe_url(person, board))
    assert level_of(person, board=board) == FollowLevel.MUTED


def test_clicking_twice_is_harmless():
    board = make_board()
    person = make_member(board)
    url = unsubscribe_url(person, board)
    assert one_click(url).status_code == 200
    assert one_click(url).status_code == 200
    assert level_of(person, board=board) == FollowLevel.WEB


def test_opening_the_link_only_asks_for_confirmation(client):
    board = make_board(title="Coopératives et territoires")
    person = make_member(board, level=FollowLevel.EMAIL)
    url = unsubscribe_url(person, board).removeprefix(SITE)
    response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    assert "Vous ne recevrez plus de courriels du forum « Coopératives et territoires »" in text
    assert "Me désabonner" in text
    assert level_of(person, board=board) == FollowLevel.EMAIL  # a link scanner changes nothing
    confirmed = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert confirmed.status_code == 200
    assert level_of(person, board=board) == FollowLevel.WEB


def test_a_forged_link_is_refused_in_french_and_logged(client, caplog):
    board = make_board()
    person = make_member(board)
    victim = make_member(board)
    token = unsubscribe_token(person.pk, board.pk)
    forged = f"{victim.pk}.{board.pk}:{token.partition(':')[2]}"
    with caplog.at_level(logging.WARNING, logger="mailbridge.views"):
        for bad in (forged, "nimportequoi", token[:-3] + "abc"):
            response = client.post(f"/desabonnement/{bad}/", {"List-Unsubscribe": "One-Click"})
            assert response.status_code == 400
            assert "Lien de désabonnement non valable" in page_text(response)
    assert "forged or garbled" in caplog.text
    assert level_of(victim, board=board) == FollowLevel.EMAIL
    assert level_of(person, board=board) == FollowLevel.EMAIL


def test_a_link_for_a_deleted_board_says_so(client):
    board = make_board()
    person = make_member(board)
    url = unsubscribe_url(person, board).removeprefix(SITE)
    board.delete()
    response = client.post(url)
    assert response.status_code == 404
    assert "ne correspond plus à aucun abonnement" in page_text(response)


def test_a_link_from_an_old_mail_still_works():
    board = make_board()
    person = make_member(board)
    token = unsubscribe_token(person.pk, board.pk)
    ten_years = time.time() + 10 * 365 * 24 * 3600
    with mock.patch("time.time", return_value=ten_years):
        assert verify_unsubscribe_token(token) == (person.pk, board.pk)


# "Mes abonnements".


def test_the_subscriptions_page_needs_a_signed_in_person(client):
    response = client.get("/abonnements/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_subscriptions_page_lists_boards_and_followed_threads_with_their_levels(client):
    board = make_board(title="Coopératives et territoires")
    person = make_member(board, level=FollowLevel.DIGEST)
    thread = thread_create(board=board, author=person, title="Les statuts types", body="Voici")
    follow_thread(person, thread, FollowLevel.MUTED)
    client.force_login(person)
    response = client.get("/abonnements/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Mes abonnements" in text
    assert "Coopératives et territoires" in text
    assert "Les statuts types" in text
    form = response.context["form"]
    assert form[f"board-{board.pk}"].value() == FollowLevel.DIGEST
    assert form[f"thread-{thread.pk}"].value() == FollowLevel.MUTED


def test_the_subscriptions_page_changes_every_level_at_once(client):
    board = make_board()
    person = make_member(board, level=FollowLevel.EMAIL)
    other = make_board()
    make_registration_to(person, other)
    thread = thread_create(board=board, author=person, title="Les statuts", body="Voici")
    follow_thread(person, thread, FollowLevel.EMAIL)
    client.force_login(person)
    response = client.post(
        "/abonnements/",
        {
            f"board-{board.pk}": FollowLevel.DIGEST,
            f"board-{other.pk}": FollowLevel.EMAIL,
            f"thread-{thread.pk}": FollowLevel.MUTED,
        },
        follow=True,
    )
    assert "Vos abonnements sont enregistrés." in page_text(response)
    assert level_of(person, board=board) == FollowLevel.DIGEST
    assert level_of(person, board=other) == FollowLevel.EMAIL
    assert level_of(person, thread=thread) == FollowLevel.MUTED


def test_an_unknown_level_is_refused_and_nothing_changes(client):
    board = make_board()
    person = make_member(board, level=FollowLevel.EMAIL)
    client.force_login(person)
    response = client.post("/abonnements/", {f"board-{board.pk}": "everything"})
    assert response.status_code == 200
    assert "Choisissez un abonnement dans la liste." in page_text(response)
    assert level_of(person, board=board) == FollowLevel.EMAIL


def test_a_private_board_is_not_offered_to_someone_who_cannot_see_it(client):
    private = make_board(title="Réunion du bureau", private=True)
    outsider = make_member(make_board(), registered=False)
    client.force_login(outsider)
    assert "Réunion du bureau" not in page_text(client.get("/abonnements/"))
    client.post("/abonnements/", {f"board-{private.pk}": FollowLevel.EMAIL})
    assert not Follow.objects.filter(user=outsider, board=private).exists()


def test_the_navigation_links_to_the_subscriptions_page(client):
    person = make_member(make_board())
    client.force_login(person)
    assert 'href="/abonnements/"' in client.get("/abonnements/").content.decode()


def make_registration_to(person, board):
    """`person` may see `board` (boards of another event need a registration there)."""
    from forum.tests.factories import make_registration

    make_registration(user=person, event=board.event, sessions=[])
