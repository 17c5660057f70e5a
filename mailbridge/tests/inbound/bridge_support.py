"""A network with a bridge to its own list, and the list's mail (fixtures/lists/),
for the bridge's tests over real SMTP."""

from __future__ import annotations

import re
from pathlib import Path

from forum import services
from forum.models import Network
from forum.tests.factories import make_user
from mailbridge.bridge.services import bridge_save
from mailbridge.tests.outbound.factories import make_board

LISTS = Path(__file__).resolve().parent.parent / "fixtures" / "lists"
DOMAIN = "lists.intercoop.test"
BRIDGE = f"bridge+reseau-des-accorderies@{DOMAIN}"
NETWORK_LIST = f"reseau-des-accorderies@{DOMAIN}"
MAILMAN = "accorderies@lists.accorderies.example"


def list_mail(name: str, **replacements: str) -> bytes:
    data = (LISTS / name).read_bytes()
    for key, value in replacements.items():
        data = data.replace(key.encode("ascii"), value.encode("utf-8"))
    return re.sub(rb"\r?\n", b"\r\n", data)


def bridged_network(list_address: str = MAILMAN, list_id: str = ""):
    """The approved « Réseau des Accorderies », its référente, its board and the
    bridge she registered to `list_address`."""
    make_board(slug="travail-collaboratif")  # the latest event, where its board goes
    referent = make_user(display_name="Référente des Accorderies")
    network = services.network_propose(user=referent, name="Réseau des Accorderies")
    services.network_approve(network=network, organiser=make_user(is_superuser=True))
    network = Network.objects.select_related("board").get(pk=network.pk)
    bridge = bridge_save(network=network, user=referent, list_address=list_address, list_id=list_id)
    return bridge, network.board, referent
