"""Writing from a session's live page: registered participants, not only the
facilitators, post while the session is on, in a thread of the session's board they
choose, by default the session's live thread ("Échanges en direct").

The live thread is an ordinary open thread of the board, opened by the first post
written into it from the live page; posts go through `post_add` / `thread_create`
like any reply (mail, live pushes, page cache).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from forum.errors import NotAllowed, UserError
from forum.models import Board, Post, Session, SessionState, Thread
from forum.permissions import can_moderate, can_post
from forum.selectors.notes import NOTES_THREAD_TITLE
from forum.services.posting import PostDraft
from forum.services.posts import post_add, thread_create

# Stored in French, the community's language, as the notes thread's title.
LIVE_THREAD_TITLE = "Échanges en direct"


def live_thread_for_session(*, session: Session) -> Thread | None:
    """The session's live thread: the first of its board with the live title."""
    board = getattr(session, "board", None)
    if board is None:
        return None
    return Thread.objects.filter(board=board, title=LIVE_THREAD_TITLE).order_by("pk").first()


def live_threads_for_session(*, session: Session) -> list[Thread]:
    """The threads one may write in from the live page: the board's open threads, the
    notes thread left out, latest activity first."""
    board = getattr(session, "board", None)
    if board is None:
        return []
    return list(
        Thread.objects.filter(board=board, is_locked=False)
        .exclude(title=NOTES_THREAD_TITLE)
        .order_by("-last_post_at", "-pk")[:50]
    )


def may_write_live(user, session: Session) -> bool:
    """Whether `user` may write from the live page now: a person who may post in the
    session's board, while the session is on (its moderators at any time)."""
    board = getattr(session, "board", None)
    if board is None or not can_post(user, board):
        return False
    return session.state == SessionState.LIVE or can_moderate(user, board)


@transaction.atomic
def session_live_post(
    *, session: Session, author, body: str, thread_id: int | None = None, submission_key: str = ""
) -> Post:
    """Post `body` from the live page of `session` in the thread `thread_id` of its
    board, or, without one, in its live thread (opened by this post if there is none
    yet). Refuses who may not write now (NotAllowed) and a thread of another board
    (UserError); the rest as post_add."""
    if not may_write_live(author, session):
        raise NotAllowed(
            _("Vous pourrez écrire ici pendant la session, une fois inscrit·e."),
            code="cannot_post_live",
        )
    board = Board.objects.select_for_update().get(session=session)
    if thread_id:
        thread = Thread.objects.filter(pk=thread_id, board=board).first()
        if thread is None:
            raise UserError(_("Ce fil n'est pas un fil de cette session."), code="thread_elsewhere")
    else:
        thread = live_thread_for_session(session=session)
    if thread is None:
        opened = thread_create(
            board=board,
            author=author,
            title=LIVE_THREAD_TITLE,
            body=body,
            submission_key=submission_key,
        )
        return opened.posts.order_by("number").first()
    return post_add(
        draft=PostDraft(thread=thread, author=author, body=body, submission_key=submission_key)
    )
