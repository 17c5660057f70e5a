"""The confirmation mail of an answer: what was recorded, rendered when it is sent.

Its row holds no answer (mailing.confirmation_write): the answers are read when the
mail is built, so that an anonymous questionnaire's stay unjoined to their person in
the database. All but the list of answers is the same for every person answering one
questionnaire in one language, so it is built as the questionnaire mail is
(message.SharedMessage, outbound/splice.py): the text rendered once with marks where
the person's list of answers, link and reply address go, serialised once, and each
copy joins the person's header lines and those lines. The shared part is kept as
long as the board's list identity (payload_message.BOARD_SECONDS: a renamed session
or questionnaire shows within seconds); the answers are read for each copy.
The questionnaire and its questions are read once per claimed batch.
`confirmation_payload` renders one person's text whole (message.build_alone): the
reference each copy equals.
"""

from __future__ import annotations

import secrets
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from forum.models import Questionnaire
from forum.questionnaire_display import event_time, recorded_items
from forum.selectors.questionnaires import answers_of, questionnaire_by_id, questions_of
from mailbridge.listmail import language_of
from mailbridge.models import Delivery
from mailbridge.outbound.brief_cache import BriefCache
from mailbridge.outbound.claims import OutboxRow
from mailbridge.outbound.payload_message import BOARD_SECONDS
from mailbridge.questionnaires.mailing import personal_urls, render_text_mail

TEMPLATE = "questionnaire_confirmation"
NAMES = ("link_url", "decline_url", "answers_address", "recorded")


def recorded_text(questions, values: dict) -> str:
    """The person's answers as the mail lists them (in the active language): each
    question numbered, its answer in words below it; no final line end."""
    items = recorded_items(questions, values)
    text = render_to_string("mail/_questionnaire_recorded.txt", {"recorded": items})
    return text.rstrip("\n")


def _context(questionnaire: Questionnaire, submitted: bool, parts: dict) -> dict:
    site = settings.INTERCOOP_SITE_URL
    return {
        "questionnaire": questionnaire,
        "session": questionnaire.session,
        "submitted": submitted,
        "closing": questionnaire.closing_time,
        "site_url": site,
        "subscriptions_url": site + reverse("mailbridge:subscriptions"),
        **parts,
    }


def confirmation_payload(delivery: Delivery) -> dict:
    """Subject and text of a confirmation, rendered whole in the recipient's language,
    showing the answers recorded now."""
    questionnaire = Questionnaire.objects.select_related("session__event").get(
        pk=delivery.payload["questionnaire_id"]
    )
    person = delivery.recipient
    language = language_of(person)
    with translation.override(language), event_time(questionnaire.session):
        questions = questions_of(questionnaire=questionnaire)
        mine = answers_of(questionnaire=questionnaire, person=person)
        parts = {
            **personal_urls(questionnaire.pk, person.pk),
            "recorded": recorded_text(questions, mine.values),
        }
        payload = render_text_mail(
            TEMPLATE, _context(questionnaire, mine.submitted, parts), language=language
        )
    payload["reply_to"] = parts["answers_address"]
    return payload


def _language(row: OutboxRow) -> str:
    """The recipient's language as language_of gives it, from the claimed row."""
    language = row.language or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _marked_payload(questionnaire: Questionnaire, board_id: int, language: str, submitted: bool):
    marks = {name: f"{name.upper().replace('_', '')}{secrets.token_hex(10)}" for name in NAMES}
    with translation.override(language), event_time(questionnaire.session):
        payload = render_text_mail(
            TEMPLATE, _context(questionnaire, submitted, dict(marks)), language=language
        )
    return {**payload, "marks": marks, "questionnaire_id": questionnaire.pk, "board_id": board_id}


# The shared parts being sent, by questionnaire, version, language and board.
_shared = BriefCache(BOARD_SECONDS, 16)


def _shared_message(questionnaire: Questionnaire, board_id: int, language: str, submitted: bool):
    from mailbridge.questionnaires.message import SharedMessage

    key = (questionnaire.pk, questionnaire.updated_at, board_id, language, submitted)
    return _shared.get(
        key,
        lambda: SharedMessage(_marked_payload(questionnaire, board_id, language, submitted)),
    )


def forget() -> None:
    """Between tests, whose databases give ids again."""
    _shared.clear()
    _batch.held = None


# The questionnaire and its questions, read once for the copies of one claimed batch
# (sent within seconds of its claim): {questionnaire id: (questionnaire, questions)},
# for this thread's current claim.
_batch = threading.local()


def _read(questionnaire_id: int) -> Questionnaire:
    questionnaire = questionnaire_by_id(pk=questionnaire_id)
    if questionnaire is None:
        raise Questionnaire.DoesNotExist(f"questionnaire {questionnaire_id} is gone")
    return questionnaire


def _questionnaire_of(row: OutboxRow) -> tuple[Questionnaire, list]:
    """An anonymous questionnaire is read again for each copy all the same: the moment
    it closes, its seal is gone, and no copy built after shows its answers."""
    questionnaire_id = row.payload["questionnaire_id"]
    claim = getattr(row, "claim", "")
    held = getattr(_batch, "held", None)
    if claim and held is not None and held[0] == claim and questionnaire_id in held[1]:
        questionnaire, questions = held[1][questionnaire_id]
        if questionnaire.is_anonymous:
            questionnaire = _read(questionnaire_id)
        return questionnaire, questions
    questionnaire = _read(questionnaire_id)
    found = (questionnaire, questions_of(questionnaire=questionnaire))
    if claim:
        if held is None or held[0] != claim:
            held = _batch.held = (claim, {})
        held[1][questionnaire_id] = found
    return found


def build_confirmation(row: OutboxRow) -> bytes:
    """The confirmation of `row` (a claimed row, with its recipient's language and
    name): the shared parts of its questionnaire's, this person's answers read now."""
    questionnaire, questions = _questionnaire_of(row)
    person = get_user_model()(pk=row.recipient_id)
    language = _language(row)
    with translation.override(language), event_time(questionnaire.session):
        mine = answers_of(questionnaire=questionnaire, person=person)
        recorded = recorded_text(questions, mine.values)
    shared = _shared_message(questionnaire, row.payload["board_id"], language, mine.submitted)
    return shared.copy(row, {"recorded": recorded})
