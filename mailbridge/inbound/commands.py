"""List commands by mail: `<slug>+subscribe@` and `<slug>+unsubscribe@`, confirmed on the site.

A mail to a command address only asks: the person named by the From address gets
a confirmation mail with a link signed with django.core.signing (salt
"intercoop.list-command", valid 7 days, naming the person, the board and the
command). The link opens a page with one button; the POST makes the change:

- subscribe → forum.services.follow_set(level=EMAIL) on the board (each message by
  mail), refused (NotAllowed) to someone who may not read the board;
- unsubscribe → mailbridge.unsubscribe.list_unsubscribe: the board and its threads
  go to WEB, as the one-click link in every list mail does (it also works for
  someone who can no longer see the board: stopping mail is never refused).

A GET never changes anything: link checkers and previews follow GETs.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from forum.models import Board, FollowLevel
from forum.services import follow_set
from mailbridge.inbound.notices import mail_write
from mailbridge.unsubscribe import list_unsubscribe

SALT = "intercoop.list-command"
MAX_AGE = timedelta(days=7)
SUBSCRIBE = "subscribe"
UNSUBSCRIBE = "unsubscribe"
ACTIONS = (SUBSCRIBE, UNSUBSCRIBE)

BadCommandToken = signing.BadSignature
ExpiredCommandToken = signing.SignatureExpired


def command_token(*, user_id: int, board_id: int, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"unknown list command {action!r}")
    return signing.dumps({"u": int(user_id), "b": int(board_id), "a": action}, salt=SALT)


def command_verify(token: str) -> tuple[int, int, str]:
    """(user id, board id, action); BadCommandToken when forged, ExpiredCommandToken
    (a subclass) after 7 days."""
    value = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
    try:
        user_id, board_id, action = int(value["u"]), int(value["b"]), value["a"]
    except (KeyError, TypeError, ValueError) as exc:
        raise BadCommandToken("malformed list command token") from exc
    if action not in ACTIONS:
        raise BadCommandToken(f"unknown list command {action!r}")
    return user_id, board_id, action


def command_url(*, user_id: int, board_id: int, action: str) -> str:
    token = command_token(user_id=user_id, board_id=board_id, action=action)
    return settings.INTERCOOP_SITE_URL + reverse(
        "mailbridge:list_command_confirm", kwargs={"token": token}
    )


def command_request(*, person, board: Board, action: str, address: str, in_reply_to="") -> bool:
    """Mail `person` the link confirming `action` on `board`; False when one was
    already mailed to `address` today for the same list and command."""
    from mailbridge.inbound.people import language_of

    context = {
        "action": action,
        "board_title": board.title,
        "list_address": f"{board.slug}@{settings.INTERCOOP_MAIL_DOMAIN}",
        "confirm_url": command_url(user_id=person.pk, board_id=board.pk, action=action),
        "days": MAX_AGE.days,
        "site_url": settings.INTERCOOP_SITE_URL,
    }
    return mail_write(
        address=address,
        recipient=person,
        board=board,
        template="list_command",
        context=context,
        key=f"command:{action}:{board.slug}:{timezone.localdate().isoformat()}",
        language=language_of(person) or settings.LANGUAGE_CODE,
        in_reply_to=in_reply_to,
    )


def command_apply(*, person, board: Board, action: str) -> None:
    """Make the confirmed change (NotAllowed from follow_set for a subscription to a
    board the person may not read)."""
    if action == SUBSCRIBE:
        follow_set(user=person, level=FollowLevel.EMAIL, board=board)
    elif action == UNSUBSCRIBE:
        list_unsubscribe(user=person, board=board)
    else:
        raise ValueError(f"unknown list command {action!r}")
