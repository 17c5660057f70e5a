"""Moderation by facilitators and organisers: hide posts, lock, pin, move threads."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import events
from forum.errors import NotAllowed, UserError
from forum.models import Board, Post, Thread
from forum.permissions import can_moderate


def _require_moderator(user, board: Board) -> None:
    if not can_moderate(user, board):
        raise NotAllowed(_("Seules l'animation et l'organisation peuvent faire cela."))


@transaction.atomic
def post_hide(*, post: Post, moderator, reason: str) -> Post:
    """Hide a post (soft delete); the reason is kept and shown to moderators."""
    _require_moderator(moderator, post.thread.board)
    reason = " ".join((reason or "").split())
    if not reason:
        raise UserError(_("Indiquez le motif du masquage."), code="reason_required")
    post.is_hidden = True
    post.hidden_reason = reason[:300]
    post.hidden_by = moderator
    post.hidden_at = timezone.now()
    post.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    events.publish("post_hidden", post_id=post.pk)
    return post


@transaction.atomic
def post_unhide(*, post: Post, moderator) -> Post:
    _require_moderator(moderator, post.thread.board)
    post.is_hidden = False
    post.save(update_fields=["is_hidden"])
    events.publish("post_edited", post_id=post.pk)
    return post


@transaction.atomic
def thread_lock(*, thread: Thread, moderator, locked: bool) -> Thread:
    _require_moderator(moderator, thread.board)
    thread.is_locked = locked
    thread.save(update_fields=["is_locked"])
    return thread


@transaction.atomic
def thread_pin(*, thread: Thread, moderator, pinned: bool) -> Thread:
    _require_moderator(moderator, thread.board)
    thread.is_pinned = pinned
    thread.save(update_fields=["is_pinned"])
    return thread


@transaction.atomic
def thread_move(*, thread: Thread, moderator, board: Board) -> Thread:
    """Move a thread to another board of the same event; moderator of both."""
    _require_moderator(moderator, thread.board)
    _require_moderator(moderator, board)
    if board.event_id != thread.board.event_id:
        raise UserError(_("On ne peut déplacer un fil que vers un forum des mêmes journées."))
    thread.board = board
    thread.save(update_fields=["board"])
    # Its new home is no longer one of the boards it is shared to.
    thread.shares.filter(board=board).delete()
    return thread
