"""Following: per board and per thread, every message by email, a daily digest,
the web only, or muted. The mail itself is sent by mailbridge, which reads these
levels (mailbridge.outbound.recipients, mailbridge.digests)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from forum.errors import NotAllowed, UserError
from forum.models import (
    Board,
    Follow,
    FollowLevel,
    MailDelivery,
    Profile,
    Registration,
    Thread,
)
from forum.permissions import can_see_board

# A person's registration-time preference, as the level of the boards they follow.
LEVEL_FOR_DELIVERY = {
    MailDelivery.EACH: FollowLevel.EMAIL,
    MailDelivery.DIGEST: FollowLevel.DIGEST,
    MailDelivery.WEB: FollowLevel.WEB,
}


@transaction.atomic
def follow_set(
    *, user, level: str, board: Board | None = None, thread: Thread | None = None
) -> Follow:
    """Set how `user` follows exactly one of `board` or `thread`."""
    if (board is None) == (thread is None):
        raise ValueError("follow_set needs exactly one of board or thread")
    if level not in FollowLevel.values:
        raise UserError(_("Choisissez un abonnement dans la liste."), code="level")
    target_board = board or thread.board
    if not can_see_board(user, target_board):
        raise NotAllowed(_("Vous ne pouvez pas vous abonner à ce forum."))
    follow, _created = Follow.objects.update_or_create(
        user=user, board=board, thread=thread, defaults={"level": level}
    )
    return follow


def follows_default_for_registration(*, registration: Registration) -> int:
    """Registered for a session → follow its board (and the general board) at the
    person's chosen delivery; an explicit earlier choice is never overwritten."""
    # Read from the database: the caller's user object may carry a profile cached
    # before registration_save changed its delivery choice.
    delivery = (
        Profile.objects.filter(user_id=registration.user_id)
        .values_list("mail_delivery", flat=True)
        .first()
    ) or MailDelivery.EACH
    level = LEVEL_FOR_DELIVERY.get(delivery, FollowLevel.EMAIL)
    boards = list(Board.objects.filter(session__in=registration.sessions.all())) + list(
        Board.objects.filter(event=registration.event, session=None)
    )
    created = 0
    for board in boards:
        _follow, was_created = Follow.objects.get_or_create(
            user=registration.user, board=board, thread=None, defaults={"level": level}
        )
        created += was_created
    return created
