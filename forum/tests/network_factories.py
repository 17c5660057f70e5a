"""Networks for the tests, made through the services: proposed by a member (their
first référent), approved by an organiser (which gives the board and the list)."""

from __future__ import annotations

from forum import services
from forum.models import Network
from forum.services.networks import theme_find_or_create
from forum.tests.factories import make_user


def approved_network(
    name: str, *, organiser, referent=None, region: str = "", themes=(), **fields
) -> Network:
    referent = referent or make_user(display_name=f"Référent·e {name}")
    network = services.network_propose(user=referent, name=name, region=region, **fields)
    network.themes.set(theme_find_or_create(name=theme) for theme in themes)
    services.network_approve(network=network, organiser=organiser)
    network.refresh_from_db()
    return network
