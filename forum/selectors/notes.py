"""Reads for a session's live page: the facilitators' notes and the latest posts.

The notes are an ordinary thread of the session's board, "Notes de l'animation",
opened by a facilitator and locked (only moderators write in it), so they are kept
after the session, found by search and sent by mail like any post.
"""

from __future__ import annotations

from forum.models import Post, Session, Thread
from forum.permissions import is_facilitator

# Stored as the thread's title, in French (the community's language), whatever the
# language of the facilitator's browser.
NOTES_THREAD_TITLE = "Notes de l'animation"


def notes_thread_for_session(*, session: Session) -> Thread | None:
    """The session's notes thread: the first one with the notes title opened by one
    of its facilitators (a participant's thread of the same name is not it)."""
    board = getattr(session, "board", None)
    if board is None:
        return None
    candidates = Thread.objects.filter(board=board, title=NOTES_THREAD_TITLE).select_related(
        "author", "board__session__event"
    )
    for thread in candidates.order_by("pk"):
        if is_facilitator(thread.author, session):
            return thread
    return None


def _posts():
    return Post.objects.select_related(
        "thread__board__session", "author__profile__network", "in_reply_to__author__profile"
    )


def notes_for_session(*, session: Session, limit: int = 50) -> list[Post]:
    """The latest `limit` notes, oldest first (the order they were written in)."""
    thread = notes_thread_for_session(session=session)
    if thread is None:
        return []
    notes = list(_posts().filter(thread=thread).order_by("-number")[:limit])
    return notes[::-1]


def latest_posts_for_session(*, session: Session, limit: int = 20) -> list[Post]:
    """The newest posts of the session's threads, newest first, notes left out."""
    board = getattr(session, "board", None)
    if board is None:
        return []
    posts = _posts().filter(thread__board=board)
    notes = notes_thread_for_session(session=session)
    if notes is not None:
        posts = posts.exclude(thread=notes)
    return list(posts.order_by("-created_at", "-pk")[:limit])
