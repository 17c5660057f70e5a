"""The bridge's page (/reseaux/<slug>/passerelle/): a référent registers the
network's list, reads the address to subscribe and the list's own mail (its
subscription confirmation), in French and English; nobody else may."""

from __future__ import annotations

import pytest
from django.utils import timezone

from forum.tests.factories import PASSWORD, make_user
from forum.tests.reading import page_text
from mailbridge.models import InboundMessage, ListAdminMessage, ListBridge
from mailbridge.tests.inbound.bridge_support import bridged_network

pytestmark = pytest.mark.django_db

PAGE = "/reseaux/reseau-des-accorderies/passerelle/"


@pytest.fixture(autouse=True)
def _domain(settings):
    settings.INTERCOOP_MAIL_DOMAIN = "lists.intercoop.test"


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _confirmation(bridge) -> ListAdminMessage:
    now = timezone.now()
    inbound = InboundMessage.objects.create(raw=b"", received_at=now, status="list_admin")
    return ListAdminMessage.objects.create(
        bridge=bridge,
        inbound=inbound,
        from_address="accorderies-confirm+6b1f@lists.accorderies.example",
        subject="Your confirmation is needed to join the list",
        text="confirm 6b1f0c9d2e8a4f7b",
        received_at=now,
    )


def test_a_referent_registers_the_list_and_reads_the_address_to_subscribe(client):
    bridge, _board, referent = bridged_network()
    bridge.delete()
    _login(client, referent)
    network_page = page_text(client.get("/reseaux/reseau-des-accorderies/"))
    assert "Gérer la passerelle vers la liste" in network_page
    assert "Aucune liste reliée" in network_page
    response = client.post(PAGE, {"list_address": "Accorderies@Lists.Accorderies.Example"})
    assert response.status_code == 302
    bridge = ListBridge.objects.get()
    assert (bridge.list_address, bridge.list_id) == (
        "accorderies@lists.accorderies.example",
        "accorderies.lists.accorderies.example",
    )
    page = page_text(client.get(PAGE))
    assert "bridge+reseau-des-accorderies@lists.intercoop.test" in page
    assert "Reliée à la liste accorderies@lists.accorderies.example" in page_text(
        client.get("/reseaux/reseau-des-accorderies/")
    )


def test_a_list_id_that_is_no_list_id_is_refused_on_the_form(client):
    bridge, _board, referent = bridged_network()
    _login(client, referent)
    response = client.post(PAGE, {"list_address": bridge.list_address, "list_id": "pas un id"})
    assert response.status_code == 400
    assert "nom.domaine" in page_text(response)


def test_the_lists_confirmation_is_shown_to_the_referent_who_marks_it_handled(client):
    bridge, _board, referent = bridged_network()
    kept = _confirmation(bridge)
    _login(client, referent)
    page = page_text(client.get(PAGE))
    assert "Your confirmation is needed" in page and "confirm 6b1f0c9d2e8a4f7b" in page
    client.post(f"{PAGE}messages/{kept.pk}/traite/")
    kept.refresh_from_db()
    assert kept.handled_at is not None


def test_the_page_in_english(client):
    _bridge, _board, referent = bridged_network()
    _login(client, referent)
    page = page_text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Bridge to the network's list" in page


def test_nobody_else_sees_the_bridge_nor_its_lists_mail(client):
    bridge, _board, _referent = bridged_network()
    _confirmation(bridge)
    assert client.get(PAGE).status_code == 302  # to sign in
    _login(client, make_user(display_name="Quelqu'un"))
    response = client.get(PAGE)
    assert response.status_code == 403 and "confirm 6b1f" not in page_text(response)
    assert client.post(PAGE, {"list_address": "autre@exemple.org"}).status_code == 403
    assert "Gérer la passerelle" not in page_text(client.get("/reseaux/reseau-des-accorderies/"))
    assert ListBridge.objects.get().list_address == bridge.list_address


def test_a_referent_switches_the_relay_to_the_list_on_and_off(client):
    bridge, _board, referent = bridged_network()
    _login(client, referent)
    assert "Relayer vers la liste" in page_text(client.get(PAGE))
    client.post(PAGE, {"list_address": bridge.list_address, "relay": "on"})
    assert ListBridge.objects.get().relay
    client.post(PAGE, {"list_address": bridge.list_address})
    assert not ListBridge.objects.get().relay
