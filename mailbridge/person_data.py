"""What mail keeps about a person: in their export, and gone with their account.

Deliveries, bounces and the mailbox's health have a key to the account and go with
it by cascade; what names only an address of theirs (a notice sent before they had
an account, a message they sent, a report about their mailbox) is removed here, by
an atomic subscriber of the forum's `account_deleting`, in the deletion's
transaction.
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.functions import Lower

from mailbridge.models import Bounce, Delivery, InboundMessage, MailboxHealth


def _messages(user_id: int, addresses: list[str]):
    return InboundMessage.objects.annotate(
        envelope=Lower("mail_from"), header_from=Lower("from_address")
    ).filter(Q(sender_id=user_id) | Q(envelope__in=addresses) | Q(header_from__in=addresses))


def _deliveries(user_id: int, addresses: list[str]):
    return Delivery.objects.annotate(lower=Lower("address")).filter(
        Q(recipient_id=user_id) | Q(lower__in=addresses)
    )


def on_account_deleting(*, user_id: int, addresses: list[str]) -> None:
    deliveries = _deliveries(user_id, addresses)
    Bounce.objects.filter(Q(user_id=user_id) | Q(delivery__in=deliveries)).delete()
    Delivery.objects.filter(pk__in=deliveries.values("pk")).delete()
    InboundMessage.objects.filter(pk__in=_messages(user_id, addresses).values("pk")).delete()


def export(user) -> dict:
    """The person's mail rows, as JSON-able data (no raw message: its text is in
    their posts; the headers we wrote are the same for everyone)."""
    from forum.services.accounts import person_addresses

    addresses = person_addresses(user)
    health = MailboxHealth.objects.filter(user=user).first()
    return {
        "mailbox": health
        and {
            "bounce_score": health.bounce_score,
            "last_bounce_at": health.last_bounce_at,
            "suspended_at": health.suspended_at,
        },
        "deliveries": list(
            _deliveries(user.pk, addresses)
            .order_by("pk")
            .values("kind", "key", "address", "status", "attempts", "created_at", "sent_at")
        ),
        "bounces": list(
            Bounce.objects.filter(user=user)
            .order_by("pk")
            .values("kind", "status", "diagnostic", "received_at")
        ),
        "messages_received": list(
            _messages(user.pk, addresses)
            .order_by("pk")
            .values("received_at", "message_id", "subject", "status", "reason", "mail_from")
        ),
    }
