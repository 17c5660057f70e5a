"""Small factories for the forum's tests: people, networks, registrations.

Each one makes the least that the name promises and takes keywords for the rest, so a
test reads as the situation it sets up ("an organiser", "a verified participant").
"""

from __future__ import annotations

import itertools

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils.text import slugify

from forum.models import Event, Network, Profile, Registration, RegistrationStatus, Role, Session

PASSWORD = "une-phrase-de-passe-solide"

_counter = itertools.count(1)


def make_user(
    email: str | None = None,
    password: str = PASSWORD,
    *,
    verified: bool = True,
    display_name: str = "",
    is_superuser: bool = False,
):
    """A person who can sign in with `email` and `password` (verified unless told)."""
    number = next(_counter)
    email = email or f"personne{number}@exemple.org"
    User = get_user_model()
    if is_superuser:
        user = User.objects.create_superuser(
            username=f"user{number}", email=email, password=password
        )
    else:
        user = User.objects.create_user(username=f"user{number}", email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    Profile.objects.create(user=user, display_name=display_name or email.split("@")[0])
    return user


def make_network(name: str = "Réseau des écoles coopératives", website: str = "") -> Network:
    network, _created = Network.objects.get_or_create(
        slug=slugify(name), defaults={"name": name, "website": website}
    )
    return network


def make_registration(
    *,
    user=None,
    event: Event,
    network: Network | None = None,
    sessions: list[Session] | None = None,
    role: str = Role.PARTICIPANT,
    requested_role: str | None = None,
    status: str = RegistrationStatus.CONFIRMED,
    comment: str = "",
) -> Registration:
    """A registration written directly (the services are what tests exercise)."""
    user = user or make_user()
    registration = Registration.objects.create(
        user=user,
        event=event,
        network=network,
        role=role,
        requested_role=requested_role or role,
        status=status,
        comment=comment,
    )
    registration.sessions.set(sessions if sessions is not None else event.sessions.all())
    return registration
