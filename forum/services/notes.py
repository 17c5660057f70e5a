"""The facilitators' notes of a session: short Markdown notes posted during it.

A note is a post in the session board's notes thread (forum.selectors.notes), made
through `post_add` like any reply: it is kept afterwards, goes out by mail to
those who follow the board, and is pushed to the live pages after commit.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from forum.errors import NotAllowed, UserError
from forum.models import Board, Post, Session
from forum.permissions import is_facilitator
from forum.selectors.notes import NOTES_THREAD_TITLE, notes_thread_for_session
from forum.services.moderation import thread_lock
from forum.services.posting import PostDraft
from forum.services.posts import post_add, thread_create

NOTE_MAX_CHARS = 2000


@transaction.atomic
def session_note_post(*, session: Session, author, body: str) -> Post:
    """Post `body` as a note of `session` by `author`; returns the post.

    Refuses anyone but the session's facilitators and the event's organisers
    (NotAllowed), a session without a board, an empty note or one longer than
    NOTE_MAX_CHARS (UserError). The first note opens the notes thread, locked so
    that only moderators write in it; two facilitators posting the first note at
    once get one thread (the board row is locked while it is looked for).
    """
    if not is_facilitator(author, session):
        raise NotAllowed(
            _("Seules l'animation et l'organisation peuvent publier des notes."),
            code="cannot_post_note",
        )
    body = (body or "").strip()
    if len(body) > NOTE_MAX_CHARS:
        raise UserError(
            _("Une note ne doit pas dépasser %(max)d caractères (elle en a %(length)d).")
            % {"max": NOTE_MAX_CHARS, "length": len(body)},
            code="note_too_long",
        )
    board = Board.objects.select_for_update().filter(session=session, kind="session").first()
    if board is None:
        raise UserError(_("Cette session n'a pas de forum pour ses notes."), code="no_board")
    thread = notes_thread_for_session(session=session)
    if thread is not None:
        return post_add(draft=PostDraft(thread=thread, author=author, body=body))
    thread = thread_create(board=board, author=author, title=NOTES_THREAD_TITLE, body=body)
    thread_lock(thread=thread, moderator=author, locked=True)
    return thread.posts.order_by("number").first()
