"""Writes of the forum core: registrations, profiles, networks.

Every caller (web views, the admin, later the mail pipeline) goes through these.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from forum import events
from forum.errors import RegistrationClosed, UserError
from forum.models import (
    Event,
    Network,
    Profile,
    Registration,
    RegistrationStatus,
    Role,
    Session,
)


def profile_ensure(*, user, display_name: str = "", language: str | None = None) -> Profile:
    """The person's profile, created on first need with a sensible display name."""
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    name = display_name.strip() or user.get_full_name() or user.email.split("@")[0]
    values = {"display_name": name[:120]}
    if language:
        values["language"] = language
    profile, _created = Profile.objects.get_or_create(user=user, defaults=values)
    return profile


def network_find_or_create(*, name: str, website: str = "") -> Network:
    """A network by name (case- and accent-insensitive via its slug), created if new."""
    name = " ".join(name.split())
    if not name:
        raise UserError(_("Indiquez le nom du réseau."), code="network_required")
    slug = slugify(name)[:80]
    if not slug:
        raise UserError(_("Ce nom de réseau n'est pas utilisable."), code="network_invalid")
    existing = (
        Network.objects.filter(slug=slug).first()
        or Network.objects.filter(name__iexact=name).first()
    )
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Network.objects.create(name=name[:200], slug=slug, website=website)
    except IntegrityError:
        # Someone created it in the same instant.
        return Network.objects.get(slug=slug)


@transaction.atomic
def registration_save(
    *,
    user,
    event: Event,
    network: Network | None,
    sessions: Iterable[Session],
    requested_role: str = Role.PARTICIPANT,
    comment: str = "",
    mail_delivery: str | None = None,
) -> Registration:
    """Register `user` to `event`, or change their registration (never two rows).

    The role actually granted stays what organisers set; asking to facilitate only
    records the request. A cancelled registration is reactivated.
    """
    sessions = list(sessions)
    if any(session.event_id != event.pk for session in sessions):
        raise UserError(_("Une session choisie n'appartient pas à ces journées."), code="session")
    if requested_role not in (Role.PARTICIPANT, Role.FACILITATOR):
        raise UserError(_("Ce rôle ne peut pas être demandé."), code="role")
    registration = Registration.objects.select_for_update().filter(user=user, event=event).first()
    if registration is None or not registration.is_active:
        if not event.registration_open:
            raise RegistrationClosed(_("Les inscriptions à ces journées sont closes."))
    if registration is None:
        registration = Registration(user=user, event=event)
    registration.network = network
    registration.requested_role = requested_role
    registration.comment = comment.strip()
    registration.status = RegistrationStatus.CONFIRMED
    registration.save()
    registration.sessions.set(sessions)
    profile = profile_ensure(user=user)
    if network and profile.network_id != network.pk:
        profile.network = network
        profile.save(update_fields=["network"])
    if mail_delivery and profile.mail_delivery != mail_delivery:
        profile.mail_delivery = mail_delivery
        profile.save(update_fields=["mail_delivery"])
    from forum.services.follows import follows_default_for_registration

    follows_default_for_registration(registration=registration)
    events.publish("registration_changed", registration_id=registration.pk)
    return registration


@transaction.atomic
def registration_cancel(*, user, event: Event) -> Registration:
    registration = Registration.objects.select_for_update().filter(user=user, event=event).first()
    if registration is None or not registration.is_active:
        raise UserError(_("Vous n'êtes pas inscrit·e à ces journées."), code="not_registered")
    registration.status = RegistrationStatus.CANCELLED
    registration.save(update_fields=["status", "updated_at"])
    events.publish("registration_changed", registration_id=registration.pk)
    return registration


@transaction.atomic
def registration_grant_requested_role(*, registration: Registration) -> Registration:
    """An organiser accepts the role a person asked for.

    Only a pending request is granted: an organiser who ticked "I take part" keeps
    their role rather than being demoted to what they "asked" for.
    """
    if registration.has_pending_request:
        registration.role = registration.requested_role
        registration.save(update_fields=["role", "updated_at"])
    return registration
