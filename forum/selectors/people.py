"""Reading people: a person's public face and what they wrote where the reader may look."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q

from forum.models import Event, Post
from forum.permissions import boards_moderated_by

RECENT_POSTS = 20


def person_by_id(*, pk: int):
    """An active account with its profile and network, or None."""
    return (
        get_user_model()
        .objects.select_related("profile__network")
        .filter(pk=pk, is_active=True)
        .first()
    )


def posts_by_person(*, person, reader, event: Event | None, limit: int = RECENT_POSTS):
    """The person's latest posts in the boards `reader` can see, newest first.

    Hidden posts are left out, except in the boards the reader moderates.
    """
    if event is None:
        return []
    from forum.selectors.boards import boards_for_event

    visible = [board.pk for board in boards_for_event(event=event, user=reader)]
    moderated = boards_moderated_by(reader, event)
    return list(
        Post.objects.filter(author=person, thread__board__in=visible)
        .filter(Q(is_hidden=False) | Q(thread__board__in=moderated))
        .select_related("thread__board")
        .order_by("-created_at", "-pk")[:limit]
    )
