"""The registration confirmation: when a person registers to the event (or changes
the sessions they follow), they receive a mail listing their sessions, with their
programme as an `.ics` file attached.

Subscribed to the forum event `registration_changed` as an atomic subscriber: the
delivery is an outbox row written in the registration's transaction, sent like every
list mail (same headers, DKIM, VERP bounces). Delivery.key names the registration
and its sessions: saving the same choice again sends nothing new; a new choice is
confirmed anew. A cancellation sends nothing.
"""

from __future__ import annotations

import hashlib
import logging

from forum import events
from forum.ics import event_calendar
from forum.models import Board, Registration, Session
from mailbridge.listmail import (
    ListIdentity,
    ListMailRenderer,
    deliverable_people,
    deliveries_write,
)
from mailbridge.models import DeliveryKind

logger = logging.getLogger(__name__)

ICS_FILENAME = "programme.ics"


def connect() -> None:
    """Called from MailbridgeConfig.ready()."""
    events.subscribe("registration_changed", on_registration_changed, atomic=True)


def on_registration_changed(*, registration_id: int, **_ignored) -> None:
    registration = (
        Registration.objects.select_related("event", "user__profile")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or not registration.is_active:
        return
    written = confirmation_write(registration=registration)
    logger.info("registration %s: %d confirmation written", registration.pk, written)


def confirmation_key(registration: Registration, sessions: list[Session]) -> str:
    chosen = ",".join(str(session.pk) for session in sessions)
    return (
        f"register:{registration.pk}:{hashlib.blake2b(chosen.encode(), digest_size=8).hexdigest()}"
    )


def confirmation_write(*, registration: Registration) -> int:
    """Write the confirmation delivery of `registration` (in the caller's
    transaction); 0 when the person has no address mail may go to, or this very
    choice was confirmed already."""
    event = registration.event
    board = (
        Board.objects.filter(event=event, session=None).order_by("position", "pk").first()
        or Board.objects.filter(event=event).order_by("position", "pk").first()
    )
    if board is None:
        logger.info("event %s has no board: no registration confirmation", event.slug)
        return 0
    people = deliverable_people(board=board, user_ids=[registration.user_id])
    if not people:
        return 0
    sessions = list(registration.sessions.order_by("number"))
    context = {
        "event": event,
        "registration": registration,
        "sessions": sessions,
        "list": ListIdentity.for_board(board),
        "programme_url": _site_url("forum:my_programme"),
    }
    (person,) = people
    payload = ListMailRenderer("registration", board).render(person, context)
    payload["ics"] = event_calendar(event, sessions or _all_sessions(event)).decode("utf-8")
    payload["ics_filename"] = ICS_FILENAME
    return deliveries_write(
        kind=DeliveryKind.REGISTRATION,
        key=confirmation_key(registration, sessions),
        board=board,
        rows=[(person, payload)],
    )


def _all_sessions(event) -> list[Session]:
    return list(event.sessions.filter(is_private=False).order_by("number"))


def _site_url(name: str) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.INTERCOOP_SITE_URL + reverse(name)
