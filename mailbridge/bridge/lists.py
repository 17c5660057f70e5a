"""Which list a message comes from, and which of its mail is the list's own
administration rather than a post."""

from __future__ import annotations

import re

from forum.models import NetworkStatus
from mailbridge.inbound.body import header_text
from mailbridge.models import ListBridge

_LIST_ID = re.compile(r"<([^<>\s]{1,250})>")
# Local parts lists send their own mail from (Mailman's `-request`, `-confirm+…`,
# `-owner`, `-bounces`, `-join`; Sympa's robot; Google Groups' and Groups.io's
# `+owner`, `+subscribe`…), after the list's own local part.
_ADMIN_SUFFIX = re.compile(
    r"^[-+](?:request|confirm|owner|owners|bounces|join|leave|subscribe|unsubscribe|admin)"
    r"(?:[-+].*)?$"
)
_ADMIN_LOCALS = {"sympa", "listserv", "mailman", "majordomo", "noreply", "no-reply"}


def list_id_of(value: str) -> str:
    """A List-Id (RFC 2919, `Phrase <id>`) as compared: the id, lower-cased; a bare
    value as typed (`id`, or `<id>`) reads the same."""
    value = (value or "").strip()
    match = _LIST_ID.search(value)
    found = match.group(1) if match else value.split()[-1] if value.split() else ""
    return found.strip("<>").lower()


def list_address_normalised(address: str) -> str:
    return (address or "").strip().strip("<>").lower()


def message_list_id(message) -> str:
    return list_id_of(header_text(message, "List-Id"))


def bridge_for_slug(slug: str) -> ListBridge | None:
    """The bridge of the approved network `slug`, with its network and board."""
    return (
        ListBridge.objects.select_related("network__board__event", "network__board__session")
        .filter(network__slug=slug.lower(), network__status=NetworkStatus.APPROVED)
        .first()
    )


def bridge_exists(slug: str) -> bool:
    return ListBridge.objects.filter(
        network__slug=slug.lower(), network__status=NetworkStatus.APPROVED
    ).exists()


def _split(address: str) -> tuple[str, str]:
    local, _, domain = list_address_normalised(address).rpartition("@")
    return local, domain


def is_list_admin(message, bridge: ListBridge, from_address: str) -> bool:
    """Mail the list itself sent (a subscription to confirm, a welcome, a notice of
    its owners), not a member's post: from the list's domain, by one of the list's
    administrative addresses, or without the list's List-Id."""
    list_local, list_domain = _split(bridge.list_address)
    local, domain = _split(from_address)
    if not domain or (domain != list_domain and not domain.endswith("." + list_domain)):
        return False
    if local in _ADMIN_LOCALS:
        return True
    suffix = local[len(list_local) :] if list_local and local.startswith(list_local) else ""
    if suffix and _ADMIN_SUFFIX.match(suffix):
        return True
    return message_list_id(message) != bridge.list_id
