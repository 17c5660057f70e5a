"""What the forum publishes outside its pages: the JSON API and the Atom feeds.

Only visible posts leave the site this way. A hidden post is left out entirely,
even for moderators (a feed reader or a script has no moderator at the screen),
and a thread whose every post is hidden is treated as gone. Callers check that
the reader may see the board (forum.permissions.can_see_board) first.
"""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.db.models.functions import Coalesce

from forum.models import Board, Post, Session, Thread

FEED_POSTS = 50

_visible = Q(posts__is_hidden=False)


def threads_for_session(*, session: Session):
    """The threads of the session's board with at least one visible post, newest
    activity first; each carries `visible_post_count` and `visible_last_post_at`."""
    return (
        Thread.objects.filter(board__session=session)
        .annotate(
            visible_post_count=Count("posts", filter=_visible),
            visible_last_post_at=Coalesce(Max("posts__created_at", filter=_visible), "created_at"),
        )
        .filter(visible_post_count__gt=0)
        .select_related("author__profile")
        .order_by("-visible_last_post_at", "-pk")
    )


def thread_published(*, pk) -> Thread | None:
    """The thread `pk` with its board and session, or None when it does not exist
    or shows no visible post."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    thread = (
        Thread.objects.select_related("board__session__event", "board__event")
        .filter(pk=pk, posts__is_hidden=False)
        .first()
    )
    return thread


def posts_published(*, thread: Thread) -> list[Post]:
    """The thread's visible posts in order, in one query."""
    return list(
        Post.objects.filter(thread=thread, is_hidden=False)
        .select_related("author__profile")
        .order_by("number")
    )


def posts_latest_for_board(*, board: Board, limit: int = FEED_POSTS) -> list[Post]:
    """The board's latest visible posts, newest first."""
    return list(
        Post.objects.filter(thread__board=board, is_hidden=False)
        .select_related("thread", "author__profile")
        .order_by("-created_at", "-pk")[:limit]
    )


def posts_latest_for_thread(*, thread: Thread, limit: int = FEED_POSTS) -> list[Post]:
    """The thread's latest visible posts, newest first."""
    return list(
        Post.objects.filter(thread=thread, is_hidden=False)
        .select_related("thread", "author__profile")
        .order_by("-created_at", "-pk")[:limit]
    )
