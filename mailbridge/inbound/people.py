"""Who wrote a message: from a From address to a person, as the inbound steps ask.

Addresses are compared by their `address_key`: lowercased (the domain is
case-insensitive, RFC 5321 §2.4, and the local part is in practice), with any
`+tag` of the local part removed (sub-addressing, RFC 5233: marie+intercoop@ is
marie@). Only verified addresses (allauth's EmailAddress) count: an address someone
typed and never confirmed names nobody.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from common.compiled_queries import CompiledQuery
from forum.permissions import is_organiser, role_for


def address_key(address: str) -> str:
    local, at, domain = (address or "").strip().strip("<>").rpartition("@")
    if not at:
        return (address or "").strip().lower()
    return f"{local.partition('+')[0]}@{domain}".lower()


def person_for_address(address: str):
    """The active person one of whose verified addresses is `address`, or None."""
    key = address_key(address)
    local, _, domain = key.rpartition("@")
    if not local:
        return None
    candidates = (
        EmailAddress.objects.filter(
            verified=True,
            user__is_active=True,
            email__istartswith=local,
            email__iendswith="@" + domain,
        )
        .select_related("user__profile")
        .order_by("-primary", "pk")
    )
    for candidate in candidates:
        if address_key(candidate.email) == key:
            return candidate.user
    return None


def owner_if_address(user_id: int, address: str, verified: list | None = None):
    """(person `user_id` or None, whether `address` is one of their verified
    addresses), in one query when they have a verified address. `verified`: their
    verified addresses (user and profile loaded) when already read."""
    key = address_key(address)
    rows = verified if verified is not None else _VERIFIED.objects(user_id=user_id)
    if not rows:
        return person(user_id), False
    return rows[0].user, any(address_key(row.email) == key for row in rows)


# Asked at every reply by mail: made once per process (common/compiled_queries.py).
_VERIFIED = CompiledQuery(
    lambda shape, *, user_id: EmailAddress.objects.filter(
        user_id=user_id, verified=True
    ).select_related("user__profile")
)


def person(user_id: int):
    return get_user_model().objects.select_related("profile").filter(pk=user_id).first()


def is_member(user, event) -> bool:
    """Registered (confirmed) at the event, or one of its organisers."""
    return role_for(user, event) is not None or is_organiser(user, event)


def language_of(user) -> str:
    profile = getattr(user, "profile", None) if user is not None else None
    return getattr(profile, "language", "") or ""
