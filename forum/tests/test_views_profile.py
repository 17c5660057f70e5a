"""A person's page: the name they chose, their network, their recent posts where the
reader may look; never an email address."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from forum import services
from forum.models import Profile
from forum.tests.board_factories import (
    board_for,
    make_facilitator,
    make_organiser,
    make_participant,
    make_private,
    make_thread,
    reply,
)
from forum.tests.factories import make_network, make_user
from forum.tests.reading import elements, page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def claire(event):
    person = make_participant(event, email="claire@exemple.org", display_name="Claire Scop")
    Profile.objects.filter(user=person).update(
        network=make_network("Union des Scop", website="https://scop.example.org")
    )
    return person


def profile_url(person) -> str:
    return reverse("forum:profile", args=[person.pk])


def test_the_profile_shows_the_display_name_and_network_and_never_the_email(client, claire):
    response = client.get(profile_url(claire))
    text = page_text(response)
    assert "Claire Scop" in text
    assert "Réseau : Union des Scop" in text
    assert "claire@exemple.org" not in response.content.decode()
    assert "claire@" not in response.content.decode()


def test_the_profile_lists_recent_posts_newest_first_with_links(client, board, claire):
    thread = make_thread(board, author=claire, title="Les coopératives d'activité", body="Premier.")
    latest = reply(thread, author=claire, body="Dernier en date.")
    response = client.get(profile_url(claire))
    text = page_text(response)
    assert text.index("Dernier en date.") < text.index("Premier.")
    links = [attrs.get("href") for tag, attrs in elements(response) if tag == "a"]
    assert latest.get_absolute_url() in links
    assert "Les coopératives d'activité" in text


def test_only_the_last_twenty_posts_are_listed(client, board, claire):
    thread = make_thread(board, author=claire, body="Message 0")
    for number in range(1, 25):
        reply(thread, author=claire, body=f"Message {number}")
    response = client.get(profile_url(claire))
    listed = [post.body_text for post in response.context["posts"]]
    assert listed == [f"Message {number}" for number in range(24, 4, -1)]
    assert "Message 24" in page_text(response)


def test_posts_in_a_private_sessions_board_show_only_to_those_registered(
    client, sessions, event, claire
):
    make_private(sessions[2])
    make_thread(board_for(sessions[2]), author=claire, title="Confidentiel", body="Entre nous.")
    assert "Entre nous." not in page_text(client.get(profile_url(claire)))
    client.force_login(make_user())
    assert "Entre nous." not in page_text(client.get(profile_url(claire)))
    client.force_login(make_participant(event))
    assert "Entre nous." in page_text(client.get(profile_url(claire)))


def test_hidden_posts_show_only_to_moderators(client, board, event, claire):
    thread = make_thread(board, author=claire, body="Visible.")
    hidden = reply(thread, author=claire, body="Masqué ensuite.")
    organiser = make_organiser(event)
    services.post_hide(post=hidden, moderator=organiser, reason="Hors charte")
    client.force_login(make_participant(event))
    text = page_text(client.get(profile_url(claire)))
    assert "Visible." in text and "Masqué ensuite." not in text
    client.force_login(organiser)
    text = page_text(client.get(profile_url(claire)))
    assert "Masqué ensuite." in text and "masqué" in text


def test_a_facilitator_sees_hidden_posts_of_their_own_sessions_board_only(
    client, sessions, event, claire
):
    facilitator = make_facilitator(sessions[1])
    own = make_thread(board_for(sessions[1]), author=claire, body="Ici.")
    other = make_thread(board_for(sessions[2]), author=claire, body="Là-bas.")
    organiser = make_organiser(event)
    services.post_hide(
        post=reply(own, author=claire, body="Masqué ici."), moderator=organiser, reason="x"
    )
    services.post_hide(
        post=reply(other, author=claire, body="Masqué là-bas."), moderator=organiser, reason="x"
    )
    client.force_login(facilitator)
    text = page_text(client.get(profile_url(claire)))
    assert "Masqué ici." in text
    assert "Masqué là-bas." not in text


def test_a_person_without_posts_has_a_calm_empty_page(client, event):
    person = make_participant(event, display_name="Nouvelle venue")
    assert "Aucun message pour l'instant." in page_text(client.get(profile_url(person)))


def test_a_person_without_profile_is_shown_without_their_email(client, event):
    person = get_user_model().objects.create_user(username="sans", email="sans@exemple.org")
    response = client.get(profile_url(person))
    assert response.status_code == 200
    assert f"Participant·e n° {person.pk}" in page_text(response)
    assert "sans@exemple.org" not in response.content.decode()


@pytest.mark.parametrize("user_id", ["999999", "99999999999999999999999"])
def test_an_unknown_or_huge_person_number_is_not_found(client, event, user_id):
    assert client.get(f"/personnes/{user_id}/").status_code == 404


def test_an_inactive_account_has_no_page(client, claire):
    claire.is_active = False
    claire.save(update_fields=["is_active"])
    assert client.get(profile_url(claire)).status_code == 404


def test_a_post_on_the_thread_page_links_to_its_authors_profile(client, board, claire):
    thread = make_thread(board, author=claire)
    response = client.get(thread.get_absolute_url())
    assert profile_url(claire) in [
        attrs.get("href") for tag, attrs in elements(response) if tag == "a"
    ]
