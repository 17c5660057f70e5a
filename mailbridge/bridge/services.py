"""Writes of a bridge: registered, changed or removed by the network's référents
(forum.permissions.can_edit_bridge), and the list's own mail marked as dealt with."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.errors import NotAllowed, UserError
from forum.models import NetworkStatus
from forum.permissions import can_edit_bridge
from mailbridge.bridge.lists import list_address_normalised, list_id_of
from mailbridge.models import ListAdminMessage, ListBridge

_ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_LIST_ID = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)+$")


def _allowed(user, network) -> None:
    if not can_edit_bridge(user, network):
        raise NotAllowed(
            _("Seul·es les référent·es du réseau et l'organisation gèrent sa passerelle."),
            code="cannot_edit_bridge",
        )


@transaction.atomic
def bridge_save(*, network, user, list_address: str, list_id: str = "", relay: bool = False):
    """Register (or change) the bridge to `network`'s own list: its posting address
    and its List-Id (RFC 2919; when left empty, the posting address with its `@`
    made a dot, as Mailman, Sympa, Google Groups and Groups.io make it)."""
    _allowed(user, network)
    if network.status != NetworkStatus.APPROVED:
        raise UserError(_("Le réseau doit d'abord être approuvé."), code="network_not_approved")
    address = list_address_normalised(list_address)
    if not _ADDRESS.match(address):
        raise UserError(
            _("Indiquez l'adresse d'envoi de la liste, par exemple liste@exemple.org."),
            code="list_address",
        )
    identifier = list_id_of(list_id) or address.replace("@", ".")
    if not _LIST_ID.match(identifier):
        raise UserError(
            _("Le List-Id s'écrit comme nom.domaine, par exemple liste.exemple.org."),
            code="list_id",
        )
    bridge, _created = ListBridge.objects.update_or_create(
        network=network,
        defaults={"list_address": address, "list_id": identifier, "relay": relay},
        create_defaults={
            "list_address": address,
            "list_id": identifier,
            "relay": relay,
            "created_by": user,
        },
    )
    return bridge


@transaction.atomic
def bridge_remove(*, network, user) -> None:
    _allowed(user, network)
    ListBridge.objects.filter(network=network).delete()


def admin_message_handled(*, message: ListAdminMessage, user) -> ListAdminMessage:
    """A référent says they dealt with the list's message (confirmed the
    subscription themselves, read the welcome…)."""
    _allowed(user, message.bridge.network)
    if message.handled_at is None:
        message.handled_at = timezone.now()
        message.save(update_fields=["handled_at"])
    return message


def networks_bridged(network_ids: list[int]) -> set[int]:
    """Those of `network_ids` whose own list has a bridge (the forum asks, for its
    « Interconnexion » page: forum.network_lists)."""
    found = ListBridge.objects.filter(network_id__in=network_ids)
    return set(found.values_list("network_id", flat=True))
