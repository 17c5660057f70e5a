"""The directory of networks: proposal, approval, référents, filters, the network's
page and its board, the slugs sessions and networks share."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from forum import services
from forum.errors import NotAllowed, UserError
from forum.models import Board, Network, NetworkStatus
from forum.tests.board_factories import make_participant, make_private, make_thread, reply
from forum.tests.factories import PASSWORD
from forum.tests.network_factories import approved_network

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_a_member_proposes_a_network_and_becomes_its_referent(client, event):
    member = make_participant(event)
    _login(client, member)
    answer = client.post(
        reverse("forum:network_propose"),
        {"name": "Réseau des Accorderies", "region": "Bretagne", "themes": "entraide, temps"},
    )
    network = Network.objects.get(name="Réseau des Accorderies")
    assert answer.status_code == 302
    assert network.status == NetworkStatus.PROPOSED
    assert list(network.referents.all()) == [member]
    assert not Board.objects.filter(network=network).exists()
    # Not approved: not in the directory, its page only for its référent and organisers.
    client.logout()
    assert "Accorderies" not in client.get(reverse("forum:networks")).content.decode()
    assert client.get(network.get_absolute_url()).status_code == 404


def test_organisers_approve_a_network_which_gets_its_board_and_list(client, event, organiser):
    member = make_participant(event)
    network = services.network_propose(user=member, name="Tela Botanica")
    with pytest.raises(NotAllowed):
        services.network_approve(network=network, organiser=member)
    _login(client, organiser)
    page = client.get(reverse("forum:networks")).content.decode()
    assert "Tela Botanica" in page and "Propositions à examiner" in page
    client.post(reverse("forum:network_decide", args=[network.slug]), {"decision": "approve"})
    network.refresh_from_db()
    assert network.is_approved
    board = network.board
    assert board.slug == "tela-botanica" and board.has_list
    page = client.get(board.get_absolute_url()).content.decode()
    assert "tela-botanica@" in page


def test_a_slug_taken_by_a_session_list_is_refused_clearly(event, organiser, sessions):
    taken = sessions[1].slug
    member = make_participant(event)
    network = Network.objects.create(name="Travail collaboratif", slug=taken, proposed_by=member)
    with pytest.raises(UserError) as refused:
        services.network_approve(network=network, organiser=organiser)
    assert "session" in str(refused.value)
    network.refresh_from_db()
    assert network.status == NetworkStatus.PROPOSED
    assert Board.objects.filter(slug=taken).count() == 1  # the session's, untouched


def test_a_reserved_local_part_cannot_be_a_network_list(event, organiser):
    network = Network.objects.create(name="Reply", slug="reply")
    with pytest.raises(UserError):
        services.network_approve(network=network, organiser=organiser)


def test_referents_edit_their_network_page_others_may_not(client, event, organiser):
    network = approved_network("Artisans du Monde", organiser=organiser)
    referent = network.referents.get()
    stranger = make_participant(event)
    _login(client, stranger)
    edit = reverse("forum:network_edit", args=[network.slug])
    assert client.post(edit, {"region": "Nulle part"}).status_code == 403
    client.logout()
    _login(client, referent)
    answer = client.post(
        edit,
        {"description": "Commerce équitable.", "region": "Rhône-Alpes", "themes": "commerce"},
    )
    assert answer.status_code == 302
    network.refresh_from_db()
    assert network.region == "Rhône-Alpes"
    assert [t.name for t in network.themes.all()] == ["commerce"]
    page = client.get(network.get_absolute_url()).content.decode()
    assert "Commerce équitable." in page and "Modifier la page du réseau" in page


def test_referents_moderate_their_network_board(event, organiser):
    network = approved_network("Fing", organiser=organiser)
    referent = network.referents.get()
    other = make_participant(event)
    from forum.permissions import can_moderate

    assert can_moderate(referent, network.board)
    assert not can_moderate(other, network.board)
    assert Board.objects.moderated_by(referent).filter(pk=network.board.pk).exists()


def test_the_directory_filters_by_theme_and_region(client, event, organiser):
    approved_network("Alpha", organiser=organiser, region="Bretagne", themes=["éducation"])
    approved_network("Beta", organiser=organiser, region="Occitanie", themes=["éducation"])
    approved_network("Gamma", organiser=organiser, region="Bretagne", themes=["habitat"])
    url = reverse("forum:networks")

    def names(query):
        page = client.get(url, query).content.decode()
        return [n for n in ("Alpha", "Beta", "Gamma") if f">{n}</a>" in page]

    assert names({}) == ["Alpha", "Beta", "Gamma"]
    assert names({"theme": "education"}) == ["Alpha", "Beta"]
    assert names({"region": "Bretagne"}) == ["Alpha", "Gamma"]
    assert names({"region": "Bretagne", "theme": "education"}) == ["Alpha"]
    assert names({"theme": "inconnu"}) == []


def test_the_directory_speaks_english(client, event, organiser):
    approved_network("Alpha", organiser=organiser)
    page = client.get(reverse("forum:networks"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Directory of networks" in page


def test_a_network_page_shows_its_people_sessions_and_posts_within_visibility(
    client, event, organiser, sessions
):
    network = approved_network("Crédit coopératif", organiser=organiser)
    private = make_private(sessions[2])
    member = make_participant(event, display_name="Marthe Réseau")
    registration = member.registrations.get()
    registration.network = network
    registration.save()
    member.profile.network = network
    member.profile.save()
    from forum.tests.board_factories import board_for

    make_thread(board_for(sessions[1]), author=member, title="Ouvert à tous", body="Public")
    make_thread(board_for(private), author=member, title="Entre inscrits", body="Privé")
    page = client.get(network.get_absolute_url()).content.decode()
    assert "Marthe Réseau" in page
    assert escape(sessions[1].title) in page and escape(private.title) not in page
    assert "Ouvert à tous" in page and "Entre inscrits" not in page
    _login(client, make_participant(event))
    page = client.get(network.get_absolute_url()).content.decode()
    assert escape(private.title) in page and "Entre inscrits" in page


def test_the_interconnection_page_draws_the_links_as_svg_and_as_a_table(
    client, event, organiser, board
):
    a = approved_network("Alpha", organiser=organiser)
    b = approved_network("Beta", organiser=organiser)
    approved_network("Gamma", organiser=organiser)
    alice = make_participant(event)
    bob = make_participant(event)
    for person, network in ((alice, a), (bob, b)):
        person.profile.network = network
        person.profile.save()
    thread = make_thread(board, author=alice, title="Passerelles")
    reply(thread, author=bob)
    page = client.get(reverse("forum:interconnection")).content.decode()
    assert (
        "<svg" in page
        and "<line" in page
        and "<script" not in page.split("<svg")[1].split("</svg>")[0]
    )
    assert " style=" not in page.split("<svg")[1].split("</svg>")[0]
    table = page.split('data-testid="network-links"')[1].split("</table>")[0]
    assert "Alpha" in table and "Beta" in table and "Gamma" not in table
    assert page.count("<line") == 1
