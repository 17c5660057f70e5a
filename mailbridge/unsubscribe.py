"""Unsubscribing from a list with one click, from the mail itself (RFC 8058).

The link in `List-Unsubscribe` and in every footer carries a signed token naming the
person and the board. It never expires: a link in a mail read months later must
still work, and stopping mail is never harmful. It cannot be forged (HMAC with
SECRET_KEY, salt "intercoop.unsubscribe") nor turned to someone else's account.

"Unsubscribe from the list" means: no more mail from that board. The board follow
becomes WEB (the person still sees it on the site, unread counts and all), and any
thread of that board followed by email or digest becomes WEB too, so that one click
really stops the mail the header promised to stop.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from forum.models import Board, Follow, FollowLevel

logger = logging.getLogger(__name__)

SALT = "intercoop.unsubscribe"

BadUnsubscribeToken = signing.BadSignature


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def unsubscribe_token(user_id: int, board_id: int) -> str:
    """`<user id>.<board id>:<signature>`: short, URL-safe, never expiring."""
    return _signer().sign(f"{int(user_id)}.{int(board_id)}")


def verify_unsubscribe_token(token: str) -> tuple[int, int]:
    """(user id, board id) named by `token`; BadUnsubscribeToken when forged or garbled."""
    value = _signer().unsign(token or "")
    user_part, dot, board_part = value.partition(".")
    if not dot or not user_part.isdigit() or not board_part.isdigit():
        raise BadUnsubscribeToken(f"malformed unsubscribe token value {value!r}")
    return int(user_part), int(board_part)


def unsubscribe_path(user_id: int, board_id: int) -> str:
    return reverse("mailbridge:unsubscribe", kwargs={"token": unsubscribe_token(user_id, board_id)})


def unsubscribe_url(user, board) -> str:
    """The absolute https link for `List-Unsubscribe` and footers (user and board
    may be model instances or ids)."""
    user_id = getattr(user, "pk", user)
    board_id = getattr(board, "pk", board)
    return settings.INTERCOOP_SITE_URL + unsubscribe_path(user_id, board_id)


MAIL_LEVELS = (FollowLevel.EMAIL, FollowLevel.DIGEST)


@transaction.atomic
def list_unsubscribe(*, user, board: Board) -> int:
    """Stop every mail from `board` to `user`; returns how many follows changed.

    Written directly rather than through forum.services.follow_set: that service
    refuses people who may no longer see the board, and those must be able to stop
    the mail too. Idempotent: a second click changes nothing.
    """
    board_follow = Follow.objects.filter(user=user, board=board, thread=None).first()
    changed = 0
    if board_follow is None:
        Follow.objects.create(user=user, board=board, level=FollowLevel.WEB)
        changed = 1
    elif board_follow.level in MAIL_LEVELS:
        board_follow.level = FollowLevel.WEB
        board_follow.save(update_fields=["level", "updated_at"])
        changed = 1
    thread_follows = Follow.objects.filter(user=user, thread__board=board, level__in=MAIL_LEVELS)
    for follow in thread_follows:
        follow.level = FollowLevel.WEB
        follow.save(update_fields=["level", "updated_at"])
        changed += 1
    logger.info("user %s unsubscribed from %s (%d follows changed)", user.pk, board.slug, changed)
    return changed
