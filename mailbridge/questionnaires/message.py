"""The wire bytes of a questionnaire's mail (Delivery kind QUESTIONNAIRE).

The list mail's payload message (outbound/payload_message.py: From the session's
list, List-Id, List-Unsubscribe, Precedence, Auto-Submitted, a stable Message-ID),
with a Reply-To naming the person's `answers+<token>@` address, so that replying
answers. A confirmation is rendered here, when it is sent, from the answers as
recorded then (its row holds none: see mailing.confirmation_write); an answer to an
unreadable reply names that reply in In-Reply-To.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from forum.models import Questionnaire
from forum.questionnaire_display import event_time, recorded_items
from forum.selectors.questionnaires import answers_of, questions_of
from mailbridge.listmail import language_of
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.outbound.claims import OutboxRow
from mailbridge.outbound.payload_message import build_payload_message
from mailbridge.outbound.sender import register_builder
from mailbridge.questionnaires.mailing import personal_urls, render_text_mail

_MSGID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")
_ADDRESS = re.compile(r"[a-z0-9+\-]{1,64}@[A-Za-z0-9.\-]{1,253}")


def confirmation_payload(delivery: Delivery) -> dict:
    """Subject and text of a confirmation, in the recipient's language, showing the
    answers recorded now."""
    questionnaire = Questionnaire.objects.select_related("session__event").get(
        pk=delivery.payload["questionnaire_id"]
    )
    person = delivery.recipient
    language = language_of(person)
    with translation.override(language), event_time(questionnaire.session):
        questions = questions_of(questionnaire=questionnaire)
        mine = answers_of(questionnaire=questionnaire, person=person)
        context = {
            "questionnaire": questionnaire,
            "session": questionnaire.session,
            "recorded": recorded_items(questions, mine.values),
            "submitted": mine.submitted,
            "closing": questionnaire.closing_time,
            "site_url": settings.INTERCOOP_SITE_URL,
            "subscriptions_url": settings.INTERCOOP_SITE_URL + reverse("mailbridge:subscriptions"),
            **personal_urls(questionnaire.pk, person.pk),
        }
        payload = render_text_mail("questionnaire_confirmation", context, language=language)
    payload["reply_to"] = context["answers_address"]
    return payload


def build_questionnaire_message(row: OutboxRow) -> bytes:
    delivery = Delivery.objects.select_related("recipient__profile").get(pk=row.id)
    payload = dict(delivery.payload or {})
    if payload.get("mail") == "confirmation" and delivery.recipient is not None:
        payload |= confirmation_payload(delivery)
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


register_builder(DeliveryKind.QUESTIONNAIRE, build_questionnaire_message)
