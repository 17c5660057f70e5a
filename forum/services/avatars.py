"""Writes of people's avatars: a picture uploaded, resized and kept; or removed."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from forum.avatars import avatar_resize
from forum.models import Avatar, Profile
from forum.services.registrations import profile_ensure


@transaction.atomic
def avatar_set(*, user, data: bytes) -> None:
    """Keep `data` (an uploaded picture) as `user`'s avatar, resized; refuses what is
    not a readable picture (UserError, nothing changed)."""
    image = avatar_resize(data)
    profile_ensure(user=user)
    Avatar.objects.update_or_create(user=user, defaults={"image": image})
    profile = Profile.objects.select_for_update().get(user=user)
    profile.avatar_version = F("avatar_version") + 1
    profile.save(update_fields=["avatar_version"])  # replaces the pages' tokens


@transaction.atomic
def avatar_remove(*, user) -> None:
    Avatar.objects.filter(user=user).delete()
    profile = Profile.objects.filter(user=user).first()
    if profile is not None and profile.avatar_version:
        profile.avatar_version = 0
        profile.save(update_fields=["avatar_version"])
