"""The session recap: when a session is closed, everyone following its board by
email or digest receives what was said there (threads, counts, links).

Subscribed to the forum event `session_state_changed` as an atomic subscriber: the
recap's outbox rows are written in the same transaction as the state change, so a
closed session always has its recap queued (nothing lost), and the sender is woken
after commit. Delivery.key is "recap:<session slug>": closing a session again after
reopening it sends no second recap to the same address.
"""

from __future__ import annotations

import logging

from forum import events
from forum.models import Board, Follow, FollowLevel, Post, PostSource, Session, SessionState
from mailbridge.listmail import (
    ListIdentity,
    ListMailRenderer,
    absolute_url,
    deliverable_people,
    deliveries_write,
)
from mailbridge.models import DeliveryKind

logger = logging.getLogger(__name__)

EXCERPT_CHARS = 300
RECAP_LEVELS = (FollowLevel.EMAIL, FollowLevel.DIGEST)


def recap_key(session: Session) -> str:
    return f"recap:{session.slug}"


def connect() -> None:
    """Called from MailbridgeConfig.ready()."""
    events.subscribe("session_state_changed", on_session_state_changed, atomic=True)


def on_session_state_changed(*, session_id: int, state: str, **_ignored) -> None:
    if state != SessionState.CLOSED:
        return
    session = Session.objects.select_related("event").get(pk=session_id)
    board = (
        Board.objects.filter(session=session, kind="session")
        .select_related("session", "event")
        .first()
    )
    if board is None:
        logger.info("session %s closed without a board: no recap", session.slug)
        return
    written = recap_write(session=session, board=board)
    logger.info("session %s closed: %d recap deliveries written", session.slug, written)


def recap_write(*, session: Session, board: Board) -> int:
    """Write the recap deliveries of `session` (in the caller's transaction)."""
    follower_ids = Follow.objects.filter(
        board=board, thread=None, level__in=RECAP_LEVELS
    ).values_list("user_id", flat=True)
    people = deliverable_people(board=board, user_ids=follower_ids)
    if not people:
        return 0
    context = {
        "session": session,
        "board": board,
        "list": ListIdentity.for_board(board),
        "board_url": absolute_url(board),
        "session_url": absolute_url(session),
        **_summary(board),
    }
    renderer = ListMailRenderer("recap", board)
    rows = [(person, renderer.render(person, context)) for person in people]
    return deliveries_write(kind=DeliveryKind.RECAP, key=recap_key(session), board=board, rows=rows)


def _summary(board: Board) -> dict:
    """Threads with at least one visible post, busiest first, and the totals."""
    threads = list(
        board.threads.with_visible_posts()
        .select_related("author__profile")
        .order_by("-visible_post_count", "visible_first_post_at", "pk")
    )
    posts = Post.objects.visible().filter(thread__board=board)
    first_posts = {
        post.thread_id: post
        for post in posts.filter(thread__in=threads)
        .only("thread_id", "number", "body_text")
        .order_by("thread_id", "-number")
    }
    authors = posts.values("author_id").distinct().count() if threads else 0
    return {
        "threads": [
            {
                "thread": thread,
                "url": absolute_url(thread),
                "count": thread.visible_post_count,
                "last_at": thread.visible_last_post_at,
                "excerpt": _excerpt(first_posts[thread.pk].body_text),
            }
            for thread in threads
        ],
        "thread_count": len(threads),
        "post_count": sum(thread.visible_post_count for thread in threads),
        "email_post_count": posts.filter(source=PostSource.EMAIL).count(),
        "participant_count": authors,
    }


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"
