"""Reads of the forum core."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch

from common.compiled_queries import CompiledQuery
from forum.models import Event, Network, Registration, RegistrationStatus, Session


def event_current() -> Event | None:
    """The event the site is about (INTERCOOP_EVENT_SLUG, else the latest)."""
    found = _EVENT_BY_SLUG.objects(settings.INTERCOOP_EVENT_SLUG) or _EVENT_LATEST.objects()
    return found[0] if found else None


# Read by every page (forum.context_processors): made once per process, per slug.
_EVENT_BY_SLUG = CompiledQuery(lambda slug: Event.objects.filter(slug=slug)[:1])
_EVENT_LATEST = CompiledQuery(lambda shape: Event.objects.all()[:1])


def sessions_for_event(*, event: Event, user=None):
    """The sessions of `event` (those `user` may see, when given), with their segments."""
    sessions = event.sessions.prefetch_related("segments")
    return list(sessions if user is None else sessions.visible_to(user))


def session_by_slug(*, slug: str) -> Session | None:
    return (
        Session.objects.select_related("event")
        .prefetch_related("segments")
        .filter(slug=slug)
        .first()
    )


def registration_counts(*, event: Event) -> dict[str, int]:
    active = Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
    return {
        "people": active.count(),
        "networks": active.exclude(network=None).values("network").distinct().count(),
    }


def networks_participating(*, event: Event):
    return Network.objects.filter(
        registrations__event=event, registrations__status=RegistrationStatus.CONFIRMED
    ).distinct()


def registration_for(*, user, event: Event) -> Registration | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Registration.objects.select_related("network")
        .prefetch_related("sessions")
        .filter(user=user, event=event)
        .first()
    )


def registrations_for_export(*, event: Event):
    return (
        Registration.objects.filter(event=event)
        .select_related("user", "user__profile", "network")
        .prefetch_related(Prefetch("sessions", queryset=Session.objects.order_by("number")))
        .order_by("created_at")
    )


def sessions_of_person(*, user, event: Event) -> list[Session]:
    """The sessions `user` chose at registration, in programme order, with their
    segments; none without an active registration."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Session.objects.filter(
            registrations__user=user,
            registrations__event=event,
            registrations__status=RegistrationStatus.CONFIRMED,
        ).order_by("number")
    )
