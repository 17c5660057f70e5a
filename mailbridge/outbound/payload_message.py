"""The message for a delivery that carries its own content: digests, recaps, notices,
registration confirmations (these with the person's programme as an .ics file).

A post's delivery is built from the post (outbound/message.py); a DIGEST, RECAP or
NOTICE delivery was rendered when it was written, in the recipient's language, and
its payload holds subject, text, html and board_id. This adds the list headers:

- From the list, never a person: these mails are written by Intercoop.
- List-Id (RFC 2919, the same as the board's posts carry), List-Archive,
  List-Post, List-Unsubscribe (RFC 2369) with the https one-click link and a
  mailto; List-Unsubscribe-Post (RFC 8058).
- Precedence: list; Auto-Submitted: auto-generated (RFC 3834 §5: made by a program,
  not in answer to a message) and X-Auto-Response-Suppress: OOF, AutoReply
  (Exchange), so that vacation responders stay quiet (not "All", which would also
  suppress the non-delivery reports bounces.py relies on).
- A Message-ID that stays the same when the delivery is retried.

multipart/alternative, text then html, UTF-8 in quoted-printable; serialised with
policy.SMTP (CRLF), ready for dkim.sign_message and the relay.
"""

from __future__ import annotations

from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, quote

from django.conf import settings
from django.utils import timezone

from forum.models import Board
from mailbridge.listmail import ListIdentity
from mailbridge.models import Delivery
from mailbridge.outbound.brief_cache import BriefCache
from mailbridge.unsubscribe import unsubscribe_url

SENDER_NAME = "Intercoop"


def message_id(delivery: Delivery) -> str:
    return message_id_for(delivery.kind, delivery.pk)


def message_id_for(kind: str, delivery_id: int) -> str:
    """Stable across retries: the delivery's kind and id."""
    return f"<{kind}-{delivery_id}@{settings.INTERCOOP_MAIL_DOMAIN}>"


# A board and its list identity, read once for the copies of a mailing (a questionnaire
# to 1,000 participants read its board 1,000 times) and again after BOARD_SECONDS, as
# the sender re-checks a post (outbound/sender.PostMessages): a board renamed shows in
# the headers of the copies built a few seconds later.
BOARD_SECONDS = 2.0
_boards: BriefCache[tuple[Board, ListIdentity]] = BriefCache(BOARD_SECONDS, 64)


def board_and_identity(board_id: int) -> tuple[Board, ListIdentity]:
    return _boards.get(board_id, lambda: _board_read(board_id))


def _board_read(board_id: int) -> tuple[Board, ListIdentity]:
    board = Board.objects.select_related("session").get(pk=board_id)
    return board, ListIdentity.for_board(board)


def forget_boards() -> None:
    """Between tests, whose databases give ids again."""
    _boards.clear()


def build_payload_message(delivery: Delivery) -> bytes:
    """The wire bytes of `delivery` (kind DIGEST, RECAP or NOTICE)."""
    payload = delivery.payload or {}
    board, identity = board_and_identity(payload["board_id"])
    message = payload_email(
        payload,
        identity,
        message_id=(
            message_id(delivery)
            if delivery.pk
            else make_msgid(domain=settings.INTERCOOP_MAIL_DOMAIN)
        ),
        one_click=delivery.recipient_id is not None,
    )
    return _raw_headers(delivery, board, identity) + message.as_bytes(policy=policy.SMTP)


def payload_email(
    payload: dict, identity: ListIdentity, *, message_id: str | None, one_click: bool
) -> EmailMessage:
    """The message of `payload` but for the headers `_raw_headers` writes (and the
    Message-ID when None: outbound/splice.py's copies add theirs); `one_click` when
    it goes to a person, whose List-Unsubscribe link takes a POST (RFC 8058)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(SENDER_NAME, addr_spec=identity.address)
    message["Subject"] = payload.get("subject") or identity.name
    message["Date"] = format_datetime(timezone.now())
    if message_id is not None:
        message["Message-ID"] = message_id
    message.set_raw("List-Id", identity.list_id)
    if one_click:
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Precedence"] = "list"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    message.set_content(payload.get("text") or "", cte="quoted-printable")
    if payload.get("html"):
        message.add_alternative(payload["html"], subtype="html", cte="quoted-printable")
    if payload.get("ics"):
        # RFC 5545 §8.1: text/calendar; a file to import, not an invitation (no METHOD).
        # Base64 keeps its CRLF line ends as they are.
        message.add_attachment(
            payload["ics"],
            subtype="calendar",
            charset="utf-8",
            cte="base64",
            filename=payload.get("ics_filename") or "programme.ics",
        )
    return message


def _raw_headers(delivery: Delivery, board: Board, identity: ListIdentity) -> bytes:
    """To, List-Archive, List-Post and List-Unsubscribe, written as bytes.

    The email package would fold a URL longer than a line into RFC 2047 encoded
    words, which no client reads as a URL (RFC 2369 §2: the https link first, then
    the mailto), and refuses an address whose local part is not ASCII, which goes
    out raw in UTF-8 (RFC 6532; the transport then asks the relay for SMTPUTF8).
    """
    url = None
    if delivery.recipient_id is not None:
        url = unsubscribe_url(delivery.recipient_id, board.pk)
    lines = [
        to_line(_display_name(delivery.recipient), delivery.address),
        *list_lines(identity),
        unsubscribe_line(identity, url),
    ]
    return "".join(line + "\r\n" for line in lines).encode("utf-8")


def to_line(name: str, address: str) -> str:
    return f"To: {_mailbox(name, address)}"


def list_lines(identity: ListIdentity) -> list[str]:
    """List-Archive and List-Post, the same for every recipient."""
    return [
        f"List-Archive: <{identity.archive_url}>",
        f"List-Post: <{identity.post_mailto}>" if identity.post_mailto else "List-Post: NO",
    ]


def unsubscribe_line(identity: ListIdentity, url: str | None) -> str:
    """List-Unsubscribe: the person's https one-click `url` first, then the mailto."""
    unsubscribe = [f"<{identity.unsubscribe_mailto}>"]
    if url is not None:
        unsubscribe.insert(0, f"<{url}>")
    return "List-Unsubscribe: " + ",\r\n ".join(unsubscribe)


def _mailbox(name: str, address: str) -> str:
    name = " ".join(name.split())  # no CR/LF can reach a header
    if not name:
        return address
    if name.isascii():
        phrase = f'"{quote(name)}"'
    else:
        phrase = Header(name, "utf-8", header_name="To").encode(linesep="\r\n")
    return f"{phrase} <{address}>"


def _display_name(person) -> str:
    profile = getattr(person, "profile", None) if person is not None else None
    return getattr(profile, "display_name", "") or ""
