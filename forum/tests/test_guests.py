"""Guest authors (forum.models.guest): someone who wrote through a bridged list
without an account is shown by name, « (invité·e) », on every surface that names
an author; they sign in nowhere and get no mail; once a person confirms that
address on their own account, the posts are theirs."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from forum import services
from forum.errors import NotAllowed
from forum.models import GuestAuthor, Post, Thread
from forum.services.guests import guest_author_for, guest_posts_claim
from forum.tests.network_factories import approved_network
from forum.tests.reading import page_text
from forum.tests.test_registration_flow import confirm_from_mail, outbox, sign_up  # noqa: F401

pytestmark = pytest.mark.django_db

ADDRESS = "Marie.Lenoir@Accorderies.example"


@pytest.fixture
def network_board(event, organiser):
    return approved_network("Réseau des Accorderies", organiser=organiser).board


@pytest.fixture
def guest_thread(network_board):
    marie = guest_author_for(address=ADDRESS, name="Marie Lenoir")
    return services.thread_create(
        board=network_board,
        author=marie,
        title="Nos outils de comptabilité",
        body="Nous utilisons un tableur partagé.",
        bridged=True,
    )


def test_a_guest_is_one_inactive_account_per_address_without_password_or_address():
    first = guest_author_for(address=ADDRESS, name="Marie Lenoir")
    again = guest_author_for(address=" marie.lenoir@accorderies.example ", name="M. L.")
    assert first.pk == again.pk
    assert not first.is_active and not first.has_usable_password() and first.email == ""
    assert first.profile.is_guest and first.profile.display_name == "Marie Lenoir"
    assert GuestAuthor.objects.get().address == "marie.lenoir@accorderies.example"


def test_a_guest_signs_in_nowhere(client, guest_thread):
    response = client.post(
        "/accounts/login/", {"login": ADDRESS, "password": "n'importe quoi"}, follow=True
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_a_guest_writes_only_through_a_bridge(network_board, board):
    marie = guest_author_for(address=ADDRESS, name="Marie Lenoir")
    with pytest.raises(NotAllowed):
        services.thread_create(board=network_board, author=marie, title="Web", body="Non.")
    with pytest.raises(NotAllowed):  # a session's board takes no bridged mail
        services.thread_create(
            board=board, author=marie, title="Ailleurs", body="Non.", bridged=True
        )


def test_every_surface_names_the_guest_as_a_guest(client, guest_thread, event):
    name = "Marie Lenoir (invité·e)"
    assert name in page_text(client.get(guest_thread.get_absolute_url()))
    assert name in page_text(client.get(guest_thread.board.get_absolute_url()))
    found = client.get("/recherche/", {"q": "tableur"})
    assert name in page_text(found)
    feed = client.get(f"/fils/{guest_thread.pk}/atom/").content.decode()
    assert f"<name>{name}</name>" in feed
    person = client.get(f"/personnes/{guest_thread.author_id}/")
    assert person.status_code == 200 and name in page_text(person)
    api = json.loads(client.get(f"/api/threads/{guest_thread.pk}/").content)
    assert api["posts"][0]["author"] == name
    with translation.override("en"):
        english = client.get(guest_thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
        assert "Marie Lenoir (guest)" in page_text(english)


def test_confirming_the_address_on_a_new_account_claims_the_guests_posts(
    client,
    guest_thread,
    outbox,  # noqa: F811
):
    stand_in = guest_thread.author_id
    sign_up(client, email=ADDRESS.lower(), display_name="Marie L.")
    confirm_from_mail(client, outbox)
    marie = get_user_model().objects.get(email=ADDRESS.lower())
    assert Post.objects.get(thread=guest_thread).author == marie
    assert Thread.objects.get(pk=guest_thread.pk).author == marie
    assert not get_user_model().objects.filter(pk=stand_in).exists()
    assert not GuestAuthor.objects.exists()
    page = page_text(client.get(guest_thread.get_absolute_url()))
    assert "Marie L." in page and "invité·e" not in page


def test_claiming_an_address_no_guest_wrote_from_changes_nothing(guest_thread, alice):
    assert guest_posts_claim(user=alice, address="autre@exemple.org") == 0
    assert Post.objects.get(thread=guest_thread).author.profile.is_guest


def test_guests_made_together_are_the_same_as_one_by_one():
    from forum.services.guests import guest_authors_for

    marie = guest_author_for(address=ADDRESS, name="Marie Lenoir")
    made = guest_authors_for(
        people={ADDRESS: "M. L.", "Jean.Roux@Exemple.coop": "Jean Roux", "zoe@exemple.org": ""}
    )
    assert set(made) == {
        "marie.lenoir@accorderies.example",
        "jean.roux@exemple.coop",
        "zoe@exemple.org",
    }
    assert made["marie.lenoir@accorderies.example"].pk == marie.pk
    jean = made["jean.roux@exemple.coop"]
    assert not jean.is_active and not jean.has_usable_password() and jean.email == ""
    assert jean.profile.is_guest and jean.profile.display_name == "Jean Roux"
    assert made["zoe@exemple.org"].profile.display_name == "zoe"
    assert guest_author_for(address="jean.roux@exemple.coop").pk == jean.pk
    assert GuestAuthor.objects.count() == 3
