"""Shared threads (« passerelles »): a thread keeps its one home board and is shown in
others. Moving, locking and hiding act on the one thread (forum.services.moderation);
who may read it stays its home board's rule (forum.models.visibility)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from forum.errors import NotAllowed, UserError
from forum.models import Board, Thread, ThreadShare
from forum.permissions import can_moderate, can_share_thread


@transaction.atomic
def thread_share(*, thread: Thread, board: Board, user) -> ThreadShare:
    """Show `thread` in `board` too. Its author, a référent or a moderator may."""
    if board.pk == thread.board_id:
        raise UserError(_("Ce fil est déjà dans ce forum."), code="home_board")
    if not can_share_thread(user, thread, board):
        raise NotAllowed(
            _("Seul·es l'auteur·rice du fil, un·e référent·e ou l'animation le partagent.")
        )
    existing = ThreadShare.objects.filter(thread=thread, board=board).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            share = ThreadShare.objects.create(thread=thread, board=board, shared_by=user)
    except IntegrityError:  # shared by someone else in the same instant
        return ThreadShare.objects.get(thread=thread, board=board)
    return share


@transaction.atomic
def thread_unshare(*, thread: Thread, board: Board, user) -> None:
    """Stop showing `thread` in `board`: whoever shared it, or a moderator of either
    board."""
    share = ThreadShare.objects.filter(thread=thread, board=board).first()
    if share is None:
        return
    if not (
        share.shared_by_id == getattr(user, "pk", None)
        or can_moderate(user, thread.board)
        or can_moderate(user, board)
    ):
        raise NotAllowed(_("Seul·es la personne qui l'a partagé ou l'animation le retirent."))
    share.delete()


def thread_boards(*, thread: Thread) -> list[int]:
    """The ids of every board `thread` is shown in: its home first, then its shares."""
    shared = (
        ThreadShare.objects.filter(thread=thread).order_by("pk").values_list("board_id", flat=True)
    )
    return [thread.board_id, *shared]
