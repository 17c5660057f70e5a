"""What the forum publishes outside its pages: the JSON API and the Atom feeds.

Only visible posts leave the site this way (forum.models.visibility: `visible()`).
A hidden post is left out entirely, even for moderators (a feed reader or a script
has no moderator at the screen), and a thread whose every post is hidden is
treated as gone. Callers check that the reader may see the board
(forum.permissions.can_see_board) first, or pass the reader.
"""

from __future__ import annotations

from forum.models import Board, Post, Session, Thread

FEED_POSTS = 50


def threads_for_session(*, session: Session):
    """The threads of the session's board with at least one visible post, newest
    activity first; each carries `visible_post_count` and `visible_last_post_at`."""
    return (
        Thread.objects.filter(board__session=session)
        .with_visible_posts()
        .select_related("author__profile")
        .order_by("-visible_last_post_at", "-pk")
    )


def thread_published(*, pk, reader) -> Thread | None:
    """The thread `pk` with its board and session, or None when it does not exist,
    shows no visible post, or is in a board `reader` may not see."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return (
        Thread.objects.visible()
        .visible_to(reader)
        .select_related("board__session__event", "board__event")
        .filter(pk=pk)
        .first()
    )


def posts_published(*, thread: Thread) -> list[Post]:
    """The thread's visible posts in order, in one query."""
    return list(
        Post.objects.visible()
        .filter(thread=thread)
        .select_related("author__profile")
        .order_by("number")
    )


def posts_latest_for_board(*, board: Board, limit: int = FEED_POSTS) -> list[Post]:
    """The board's latest visible posts, newest first."""
    return list(
        Post.objects.visible()
        .filter(thread__board=board)
        .select_related("thread", "author__profile")
        .order_by("-created_at", "-pk")[:limit]
    )


def posts_latest_for_thread(*, thread: Thread, limit: int = FEED_POSTS) -> list[Post]:
    """The thread's latest visible posts, newest first."""
    return list(
        Post.objects.visible()
        .filter(thread=thread)
        .select_related("thread", "author__profile")
        .order_by("-created_at", "-pk")[:limit]
    )
