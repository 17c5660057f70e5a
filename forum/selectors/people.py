"""Reading people: a person's public face and what they wrote where the reader may look."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from forum.models import Event, Post

RECENT_POSTS = 20


def person_by_id(*, pk: int):
    """An active account, or a guest author of a bridged list (forum.models.guest),
    with its profile and network, or None."""
    return (
        get_user_model()
        .objects.select_related("profile__network")
        .filter(Q(is_active=True) | Q(profile__is_guest=True), pk=pk)
        .first()
    )


def posts_by_person(*, person, reader, event: Event | None, limit: int = RECENT_POSTS):
    """The person's latest posts of `event` that `reader` may read, newest first
    (Post.objects.visible_to: hidden posts only in the boards the reader moderates)."""
    if event is None:
        return []
    return list(
        Post.objects.filter(author=person, thread__board__event=event)
        .visible_to(reader)
        .select_related("thread__board")
        .order_by("-created_at", "-pk")[:limit]
    )
