"""Guest authors (forum.models.guest): found or made for a bridged list's sender,
and their posts handed to the account that confirms their address.

A guest is written under a stand-in account of their own: inactive, with no usable
password and no address on the account, so nothing signs in as it and no mail goes
to it (the mail recipients' query wants an active account with a verified address).
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction

from forum.models import GuestAuthor, Post, Profile, Thread
from forum.page_cache import SITE, invalidate

NAME_MAX = 120


def normalised_address(address: str) -> str:
    return (address or "").strip().strip("<>").lower()


def _username(address: str) -> str:
    return "guest-" + hashlib.sha256(address.encode("utf-8")).hexdigest()[:24]


def _shown_name(name: str, address: str) -> str:
    name = " ".join((name or "").split())
    return (name or address.split("@")[0])[:NAME_MAX]


def guest_author_for(*, address: str, name: str = ""):
    """The stand-in account of the guest writing from `address` (made the first
    time, with `name`, else the address's local part, as their name)."""
    address = normalised_address(address)
    if not address:
        raise ValueError("a guest author needs an address")
    found = GuestAuthor.objects.select_related("account__profile").filter(address=address).first()
    if found is not None:
        return found.account
    User = get_user_model()
    shown = _shown_name(name, address)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=_username(address), email="")
            user.set_unusable_password()
            user.is_active = False
            user.save(update_fields=["password", "is_active"])
            Profile.objects.create(user=user, display_name=shown, is_guest=True)
            GuestAuthor.objects.create(address=address, name=shown, account=user)
    except IntegrityError:  # made meanwhile by another writer
        return GuestAuthor.objects.select_related("account__profile").get(address=address).account
    return User.objects.select_related("profile").get(pk=user.pk)


def guest_authors_for(*, people: dict[str, str]) -> dict[str, object]:
    """guest_author_for for many (address → name) at once (an archive import's
    batch): the accounts missing are made in three INSERTs, without the signals of
    an account saved one by one (a new stand-in is on no page yet, and signs in
    nowhere). Returns address (normalised) → account, its profile loaded."""
    wanted = {normalised_address(a): n for a, n in people.items() if normalised_address(a)}
    found = {
        guest.address: guest.account
        for guest in GuestAuthor.objects.select_related("account__profile").filter(
            address__in=list(wanted)
        )
    }
    missing = [address for address in wanted if address not in found]
    if not missing:
        return found
    User = get_user_model()
    try:
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        username=_username(address),
                        email="",
                        is_active=False,
                        password=make_password(None),
                    )
                    for address in missing
                ]
            )
            shown = {a: _shown_name(wanted[a], a) for a in missing}
            Profile.objects.bulk_create(
                [
                    Profile(user=user, display_name=shown[address], is_guest=True)
                    for address, user in zip(missing, users, strict=True)
                ]
            )
            GuestAuthor.objects.bulk_create(
                [
                    GuestAuthor(address=address, name=shown[address], account=user)
                    for address, user in zip(missing, users, strict=True)
                ]
            )
    except IntegrityError:  # one made meanwhile by another writer: one by one
        return found | {a: guest_author_for(address=a, name=wanted[a]) for a in missing}
    made = User.objects.select_related("profile").in_bulk([user.pk for user in users])
    return found | {a: made[user.pk] for a, user in zip(missing, users, strict=True)}


@transaction.atomic
def guest_posts_claim(*, user, address: str) -> int:
    """Hand the posts and threads of the guest who wrote from `address` to `user`,
    who has just confirmed that address; the stand-in account goes. Returns the
    number of posts handed over (0 when no guest wrote from it)."""
    guest = (
        GuestAuthor.objects.select_for_update()
        .filter(address=normalised_address(address))
        .exclude(account=user)
        .first()
    )
    if guest is None:
        return 0
    stand_in = guest.account_id
    moved = Post.objects.filter(author_id=stand_in).update(author=user)
    Thread.objects.filter(author_id=stand_in).update(author=user)
    get_user_model().objects.filter(pk=stand_in).delete()  # its profile, marks, guest row
    # Every page naming the guest now names the person (bulk updates send no signal).
    transaction.on_commit(lambda: invalidate([SITE]))
    return moved


def _on_email_confirmed(sender, request=None, email_address=None, **kwargs) -> None:
    if email_address is not None and email_address.verified:
        guest_posts_claim(user=email_address.user, address=email_address.email)


def connect() -> None:
    """allauth's `email_confirmed`: a confirmed address claims its guest's posts."""
    from allauth.account.signals import email_confirmed

    email_confirmed.connect(_on_email_confirmed, dispatch_uid="forum-guest-claim")
