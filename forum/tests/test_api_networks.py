"""The networks in the read-only JSON API (docs/api.md, "Networks"): the approved
ones with their facts and counts, narrowed by theme and region as /reseaux/ is; one
with its threads, within what the reader may read; no one's email address; a
proposed or refused network answers 404."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from forum import services
from forum.models import Network
from forum.tests.board_factories import board_for, make_participant, make_private, make_thread
from forum.tests.factories import PASSWORD, make_user
from forum.tests.network_factories import approved_network

pytestmark = pytest.mark.django_db

KEYS = {
    "slug",
    "name",
    "description",
    "description_html",
    "website",
    "region",
    "themes",
    "contact_name",
    "url",
    "board_url",
    "list_address",
    "referents",
    "members",
    "shared_threads",
}


def _of(network, person):
    """`person` registered from `network`, and naming it on their profile."""
    registration = person.registrations.get()
    registration.network = network
    registration.save()
    person.profile.network = network
    person.profile.save()
    return person


@pytest.fixture
def alpha(event, organiser):
    return approved_network(
        "Alpha coop",
        organiser=organiser,
        referent=make_user("referente@alpha.example", display_name="Rita Référente"),
        region="Bretagne",
        themes=["éducation"],
        description="Un réseau **breton**.",
        website="https://alpha.example",
        contact_name="Claire Contact",
        contact_email="contact@alpha.example",
    )


def test_the_approved_networks_with_their_facts_and_counts(client, event, organiser, alpha):
    approved_network("Beta", organiser=organiser, region="Occitanie", themes=["habitat"])
    services.network_propose(user=make_user(), name="Gamma en attente")
    _of(alpha, make_participant(event, display_name="Marthe Membre"))
    _of(alpha, make_participant(event))

    response = client.get(reverse("api:networks"))

    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    found = response.json()
    assert [n["name"] for n in found] == ["Alpha coop", "Beta"]  # not the proposed one
    first = found[0]
    assert set(first) == KEYS
    assert first["slug"] == alpha.slug
    assert first["description"] == "Un réseau **breton**."
    assert "<strong>breton</strong>" in first["description_html"]
    assert first["website"] == "https://alpha.example" and first["region"] == "Bretagne"
    assert first["themes"] == [{"slug": "education", "name": "éducation"}]
    assert first["contact_name"] == "Claire Contact"
    assert first["url"] == f"http://testserver/reseaux/{alpha.slug}/"
    assert first["board_url"] == f"http://testserver{alpha.board.get_absolute_url()}"
    assert first["list_address"] == alpha.list_address
    assert first["referents"] == ["Rita Référente"]
    assert first["members"] == 2 and first["shared_threads"] == 0
    assert found[1]["members"] == 0 and found[1]["website"] is None


def test_nobodys_email_address_is_given(client, event, organiser, alpha):
    _of(alpha, make_participant(event, email="marthe@exemple.org"))
    text = client.get(reverse("api:networks")).content.decode()
    text += client.get(reverse("api:network", args=[alpha.slug])).content.decode()
    addresses = {"contact@alpha.example", "referente@alpha.example", "marthe@exemple.org"}
    assert not any(address in text for address in addresses)
    assert not any(u.username in text for u in get_user_model().objects.all())


def test_filters_by_theme_and_region_as_the_directory(client, event, organiser, alpha):
    approved_network("Beta", organiser=organiser, region="Occitanie", themes=["éducation"])
    approved_network("Gamma", organiser=organiser, region="Bretagne", themes=["habitat"])

    def names(**query):
        return [n["name"] for n in client.get(reverse("api:networks"), query).json()]

    assert names(theme="education") == ["Alpha coop", "Beta"]
    assert names(region="bretagne") == ["Alpha coop", "Gamma"]
    assert names(region="Bretagne", theme="education") == ["Alpha coop"]
    assert names(theme="inconnu") == []


def test_one_network_with_its_threads_within_what_the_reader_may_read(
    client, event, organiser, sessions, alpha
):
    marthe = _of(alpha, make_participant(event, display_name="Marthe Membre"))
    own = make_thread(alpha.board, author=marthe, title="Outils communs")
    public = make_thread(board_for(sessions[1]), author=marthe, title="Passerelle publique")
    private = make_thread(
        board_for(make_private(sessions[2])), author=marthe, title="Entre inscrits"
    )
    for thread in (public, private):
        services.thread_share(thread=thread, board=alpha.board, user=marthe)
    url = reverse("api:network", args=[alpha.slug])

    def titles(data, key):
        return [t["title"] for t in data["threads"][key]]

    anonymous = client.get(url).json()
    assert set(anonymous) == KEYS | {"threads"}
    assert titles(anonymous, "recent") == ["Outils communs"]
    assert titles(anonymous, "shared") == ["Passerelle publique"]
    assert anonymous["shared_threads"] == 1
    assert anonymous["threads"]["recent"][0] == {
        "id": own.pk,
        "title": "Outils communs",
        "url": f"http://testserver{own.get_absolute_url()}",
    }
    listed = client.get(reverse("api:networks")).json()[0]
    assert listed["shared_threads"] == 1

    assert client.login(username=make_participant(event).username, password=PASSWORD)
    signed_in = client.get(url).json()
    assert sorted(titles(signed_in, "shared")) == ["Entre inscrits", "Passerelle publique"]
    assert signed_in["shared_threads"] == 2
    assert client.get(reverse("api:networks")).json()[0]["shared_threads"] == 2


def test_a_hidden_thread_is_not_among_the_recent(client, event, organiser, alpha):
    marthe = _of(alpha, make_participant(event))
    thread = make_thread(alpha.board, author=marthe, title="Effacé")
    services.post_hide(post=thread.posts.get(), moderator=organiser, reason="hors sujet")
    data = client.get(reverse("api:network", args=[alpha.slug])).json()
    assert data["threads"]["recent"] == []


def test_proposed_refused_and_unknown_networks_answer_404(client, event, organiser):
    proposed = services.network_propose(user=make_user(), name="Proposé")
    refused = services.network_propose(user=make_user(), name="Refusé")
    services.network_decline(network=refused, organiser=organiser)
    assert client.login(username=organiser.username, password=PASSWORD)  # even to organisers
    for slug in (proposed.slug, refused.slug, "inconnu", "%C3%A9"):
        response = client.get(f"/api/networks/{slug}/")
        assert response.status_code == 404 and response.json() == {"error": "Réseau introuvable."}
    english = client.get(
        reverse("api:network", args=[proposed.slug]), HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert english == {"error": "Network not found."}
    assert Network.objects.count() == 2


def test_the_networks_api_writes_nothing(client, event, organiser, alpha):
    response = client.post(reverse("api:network", args=[alpha.slug]))
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
