"""The wire bytes of a questionnaire's mail (Delivery kind QUESTIONNAIRE).

The list mail's payload message (outbound/payload_message.py: From the session's
list, List-Id, List-Unsubscribe, Precedence, Auto-Submitted, a stable Message-ID),
with a Reply-To naming the person's `answers+<token>@` address, so that replying
answers. A confirmation is rendered when it is sent, from the answers as recorded
then (its row holds none: see confirmation.py); an answer to an unreadable reply
names that reply in In-Reply-To.

The questionnaire and its reminders, to many people, are built once per text and
language and completed per person by joining bytes, as list mail is
(outbound/splice.py): `SharedMessage`; so are the confirmations, per questionnaire
and language, with each person's answers in their slot (confirmation.py).
"""

from __future__ import annotations

import re
from email import policy

from django.conf import settings
from django.urls import reverse

from forum.questionnaire_tokens import link_token
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.outbound.brief_cache import BriefCache
from mailbridge.outbound.claims import OutboxRow
from mailbridge.outbound.payload_message import (
    BOARD_SECONDS,
    board_and_identity,
    build_payload_message,
    list_lines,
    message_id_for,
    payload_email,
    to_line,
    unsubscribe_line,
)
from mailbridge.outbound.sender import register_builder
from mailbridge.outbound.splice import Spliced, quoted_printable, slot_name, url_around_token
from mailbridge.questionnaires.confirmation import build_confirmation, confirmation_payload
from mailbridge.questionnaires.mailing import personal_payload, personal_urls
from mailbridge.tokens import answers_address
from mailbridge.unsubscribe import unsubscribe_token, unsubscribe_url

_MSGID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")
_ADDRESS = re.compile(r"[a-z0-9+\-]{1,64}@[A-Za-z0-9.\-]{1,253}")


def build_questionnaire_message(row: OutboxRow) -> bytes:
    """A row written with marks (mailing.PersonalRenderer) is a copy of its text's
    message, built once (`SharedMessage`); a confirmation, a copy of its shared parts
    with the person's answers (confirmation.py); an answer to an unreadable reply, a
    row written before marks, or a bare `row.id` (the tests') is built whole."""
    payload = getattr(row, "payload", None) or {}
    if getattr(row, "recipient_id", None) is not None:
        if payload.get("marks"):
            shared = shared_message(payload)
            if shared is not None:
                return shared.copy(row)
        elif payload.get("mail") == "confirmation" and "board_id" in payload:
            return build_confirmation(row)
    return build_alone(row)


def build_alone(row: OutboxRow) -> bytes:
    """The message of one delivery, built whole from its row in the database."""
    delivery = Delivery.objects.select_related("recipient__profile").get(pk=row.id)
    payload = dict(delivery.payload or {})
    if payload.get("mail") == "confirmation" and delivery.recipient is not None:
        payload |= confirmation_payload(delivery)
    elif payload.get("marks") and delivery.recipient_id is not None:
        payload = personal_payload(payload, delivery.recipient_id)
    delivery.payload = payload  # for this message only; the row keeps no answer
    data = build_payload_message(delivery)
    head = b""
    reply_to = payload.get("reply_to", "")
    if _ADDRESS.fullmatch(reply_to or ""):
        head += b"Reply-To: <" + reply_to.encode("ascii") + b">\r\n"
    in_reply_to = payload.get("in_reply_to", "")
    if _MSGID.fullmatch(in_reply_to or ""):
        reference = in_reply_to.encode("ascii")
        head += b"In-Reply-To: " + reference + b"\r\nReferences: " + reference + b"\r\n"
    return head + data


class SharedMessage:
    """The message of one marked text (a questionnaire or a reminder, in one
    language), serialised once with a slot for each line holding a mark; a copy
    joins the person's header lines and those lines, theirs (outbound/splice.py, as
    list mail does)."""

    def __init__(self, payload: dict):
        board, identity = board_and_identity(payload["board_id"])
        self.identity = identity
        self.questionnaire_id = questionnaire_id = payload["questionnaire_id"]
        self.marks = payload["marks"]
        slot = slot_name("QSLOT")
        body, slots, self.lines = [], [], []
        for line in (payload.get("text") or "").split("\n"):
            if any(mark in line for mark in self.marks.values()):
                slots.append(f"{slot}N{len(slots)}")
                self.lines.append(line + "\n")
                body.append(slots[-1])
            else:
                body.append(line)
        message = payload_email(
            {**payload, "text": "\n".join(body)}, identity, message_id=None, one_click=True
        )
        shared_lines = "".join(line + "\r\n" for line in list_lines(identity)).encode("utf-8")
        self.spliced = Spliced(shared_lines + message.as_bytes(policy=policy.SMTP), slots)
        site = settings.INTERCOOP_SITE_URL

        def token(user_id: int) -> str:
            return link_token(questionnaire_id=questionnaire_id, user_id=user_id)

        def around(name: str):
            return url_around_token(
                lambda user_id: site + reverse(name, args=[token(user_id)]), token
            )

        self._link = around("forum:questionnaire_link")
        self._decline = around("forum:questionnaire_link_decline")
        self._unsubscribe = url_around_token(
            lambda user_id: unsubscribe_url(user_id, board.pk),
            lambda user_id: unsubscribe_token(user_id, board.pk),
        )
        self._board_id = board.pk

    def _values(self, user_id: int) -> dict[str, str]:
        if self._link is None or self._decline is None:
            return personal_urls(self.questionnaire_id, user_id)
        token = link_token(questionnaire_id=self.questionnaire_id, user_id=user_id)
        return {
            "link_url": self._link[0] + token + self._link[1],
            "decline_url": self._decline[0] + token + self._decline[1],
            "answers_address": answers_address(user_id, self.questionnaire_id),
        }

    def copy(self, row: OutboxRow, extra: dict[str, str] | None = None) -> bytes:
        """The complete message (CRLF, ready for DKIM and SMTP DATA) for `row`;
        `extra`: the values of marks other than the links and reply address (a
        confirmation's list of answers)."""
        values = self._values(row.recipient_id) | (extra or {})
        fills = []
        for line in self.lines:
            for name, mark in self.marks.items():
                line = line.replace(mark, values[name])
            fills.append(quoted_printable(line))
        if self._unsubscribe is None:
            url = unsubscribe_url(row.recipient_id, self._board_id)
        else:
            url = self._unsubscribe[0] + unsubscribe_token(row.recipient_id, self._board_id)
            url += self._unsubscribe[1]
        lines = [
            to_line(row.display_name or "", row.address),
            unsubscribe_line(self.identity, url),
            f"Message-ID: {message_id_for(row.kind, row.id)}",
        ]
        if _ADDRESS.fullmatch(values["answers_address"]):
            lines.insert(0, f"Reply-To: <{values['answers_address']}>")
        headers = "".join(line + "\r\n" for line in lines).encode("utf-8")
        return self.spliced.join(headers, fills)


# The shared messages being sent, by text, kept as long as the board's list identity
# (payload_message.BOARD_SECONDS: a renamed board shows within seconds).
_shared: BriefCache[SharedMessage] = BriefCache(BOARD_SECONDS, 16)


def shared_message(payload: dict) -> SharedMessage | None:
    """The message of `payload`'s text; None when the subject is personal."""
    marks = payload["marks"]
    subject = payload.get("subject") or ""
    if any(mark in subject for mark in marks.values()):
        return None
    key = (payload["board_id"], subject, payload.get("text"), tuple(sorted(marks.items())))
    return _shared.get(key, lambda: SharedMessage(payload))


register_builder(DeliveryKind.QUESTIONNAIRE, build_questionnaire_message)
