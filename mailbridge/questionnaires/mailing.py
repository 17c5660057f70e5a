"""The questionnaire's mails, written to the outbox: sent ahead, to later
registrations, reminders, confirmations.

Each is a Delivery of kind QUESTIONNAIRE, written in the transaction of what it
follows (listmail.deliveries_write: one row per person and key, never two), and
sent by the outbox like list mail: the session board's list headers, DKIM, VERP
bounces, List-Unsubscribe (outbound/payload_message.py), plus a Reply-To naming the
person's `answers+<token>@` address (message.py). The keys, `questionnaire:<id>`
then `:reminder:<n>`, `:confirmation:<time>`, `:unreadable:<message>`, are the
record of who was sent what; `sent_at` on the row says when it left.

Mails to many people are rendered once per language, with marks where each person's
link, decline link and reply address go; the row keeps the marked text, and its
message is built once per text and completed per person when it is sent (message.py).
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from common.compiled_queries import CompiledQuery
from forum.models import (
    Board,
    Questionnaire,
    QuestionnaireState,
    Registration,
    RegistrationStatus,
    Respondent,
)
from forum.models.questionnaire import SCALE_MAX
from forum.questionnaire_display import event_time
from forum.questionnaire_tokens import link_token
from forum.selectors.questionnaires import questions_of
from mailbridge.listmail import deliverable_people, deliveries_write, language_of
from mailbridge.models import Delivery, DeliveryKind
from mailbridge.questionnaires.replies import LETTERS
from mailbridge.tokens import answers_address

logger = logging.getLogger(__name__)


def render_text_mail(template: str, context: dict, *, language: str) -> dict:
    """{"subject", "text"} from mail/<template>_subject.txt and .txt, in `language`:
    plain text, numbered as the reply is to be."""
    with translation.override(language):
        subject = render_to_string(f"mail/{template}_subject.txt", context)
        text = render_to_string(f"mail/{template}.txt", context)
    return {"subject": " ".join(subject.split()), "text": text.strip() + "\n", "language": language}


def sent_key(questionnaire_id: int) -> str:
    return f"questionnaire:{questionnaire_id}"


def reminder_key(questionnaire_id: int, number: int) -> str:
    return f"questionnaire:{questionnaire_id}:reminder:{number}"


def board_of(questionnaire: Questionnaire) -> Board | None:
    """The session's board: its list is the one these mails come from (with the
    questionnaire's session as its own when it was loaded: who may read the board
    depends on it, listmail.deliverable_people). Read once per questionnaire object:
    an email answer asks when it checks the reply and again for its confirmation."""
    board = getattr(questionnaire, "_mail_board", None)
    if board is not None and board.session_id == questionnaire.session_id:
        return board
    found = _SESSION_BOARD.objects(session_id=questionnaire.session_id)
    board = found[0] if found else None
    if board is not None and Questionnaire.session.is_cached(questionnaire):
        board.session = questionnaire.session
    questionnaire._mail_board = board
    return board


# Read at every answer (its confirmation): made once per process.
_SESSION_BOARD = CompiledQuery(
    lambda shape, *, session_id: Board.objects.filter(session_id=session_id).order_by("pk")[:1]
)


def personal_urls(questionnaire_id: int, user_id: int) -> dict[str, str]:
    token = link_token(questionnaire_id=questionnaire_id, user_id=user_id)
    site = settings.INTERCOOP_SITE_URL
    return {
        "link_url": site + reverse("forum:questionnaire_link", args=[token]),
        "decline_url": site + reverse("forum:questionnaire_link_decline", args=[token]),
        "answers_address": answers_address(user_id, questionnaire_id),
    }


def question_items(questions) -> list[dict]:
    """The questions as the mail numbers them (in the active language), options
    lettered with their French and English words."""
    items = []
    for number, question in enumerate(questions, start=1):
        choices = [
            {
                "letter": LETTERS[index],
                "label_fr": choice.label_fr,
                "label_en": choice.label_en if choice.label_en != choice.label_fr else "",
            }
            for index, choice in enumerate(question.choices.all())
        ]
        items.append(
            {
                "number": number,
                "question": question,
                "choices": choices,
                "scale_max": SCALE_MAX,
            }
        )
    return items


class PersonalRenderer:
    """One rendering per language, each person's parts left as marks.

    Every row of a language holds the same text, with the marks (`payload["marks"]`)
    where each person's link, decline link and reply address go: the sender builds
    the message once per text and puts each person's parts in (message.py), and
    `personal_payload` gives a row's own text.
    """

    NAMES = ("link_url", "decline_url", "answers_address")

    def __init__(self, template: str, questionnaire: Questionnaire, context: dict):
        self.template = template
        self.questionnaire = questionnaire
        self.context = context
        self.marks = {name: f"{name.upper()}{secrets.token_hex(10)}" for name in self.NAMES}
        self._rendered: dict[str, dict] = {}

    def render(self, person) -> dict:
        language = language_of(person)
        shared = self._rendered.get(language)
        if shared is None:
            with translation.override(language), event_time(self.questionnaire.session):
                context = {**self.context, **self.marks}
                context["unsubscribe_url"] = settings.INTERCOOP_SITE_URL + reverse(
                    "mailbridge:subscriptions"
                )
                context["questions"] = question_items(self.context["questions"])
                shared = render_text_mail(self.template, context, language=language)
            shared["marks"] = self.marks
            shared["questionnaire_id"] = self.questionnaire.pk
            self._rendered[language] = shared
        return shared


def personal_payload(payload: dict, user_id: int) -> dict:
    """A row's payload with the person's parts in place of the marks, and their
    `answers+` address as reply_to (a row written before marks is returned as is)."""
    marks = payload.get("marks")
    if not marks:
        return payload
    values = personal_urls(payload["questionnaire_id"], user_id)
    personal = {}
    for name, value in payload.items():
        if isinstance(value, str):
            for key, mark in marks.items():
                value = value.replace(mark, values[key])
        personal[name] = value
    del personal["marks"]
    personal["reply_to"] = values["answers_address"]
    return personal


def participant_ids(questionnaire: Questionnaire, user_ids=None) -> list[int]:
    """Those whose confirmed registration includes the session (among `user_ids`)."""
    registrations = Registration.objects.filter(
        sessions=questionnaire.session_id, status=RegistrationStatus.CONFIRMED
    )
    if user_ids is not None:
        registrations = registrations.filter(user_id__in=list(user_ids))
    return list(registrations.values_list("user_id", flat=True).distinct())


def mail_write(
    questionnaire: Questionnaire, *, key: str, user_ids, reminder: int | None = None
) -> int:
    """The questionnaire mail (or reminder `reminder`) for `user_ids`, in the caller's
    transaction; how many rows were written."""
    board = board_of(questionnaire)
    if board is None:
        logger.warning("questionnaire %s: its session has no board to mail from", questionnaire.pk)
        return 0
    people = deliverable_people(board=board, user_ids=user_ids)
    if not people:
        return 0
    context = {
        "questionnaire": questionnaire,
        "session": questionnaire.session,
        "questions": questions_of(questionnaire=questionnaire),
        "reminder": reminder,
        "closing": questionnaire.closing_time,
    }
    renderer = PersonalRenderer("questionnaire", questionnaire, context)
    rows = [(person, renderer.render(person)) for person in people]
    return deliveries_write(kind=DeliveryKind.QUESTIONNAIRE, key=key, board=board, rows=rows)


def _sendable(questionnaire: Questionnaire | None) -> bool:
    return (
        questionnaire is not None
        and questionnaire.sent_at is not None
        and questionnaire.state == QuestionnaireState.OPEN
        and questionnaire.accepts_answers()
    )


def on_questionnaire_sent(*, questionnaire_id: int, **_ignored) -> None:
    questionnaire = Questionnaire.objects.select_related("session__event").get(pk=questionnaire_id)
    written = mail_write(
        questionnaire, key=sent_key(questionnaire.pk), user_ids=participant_ids(questionnaire)
    )
    logger.info("questionnaire %s sent: %d deliveries written", questionnaire.pk, written)


def on_registration_changed(*, registration_id: int, **_ignored) -> None:
    """Someone registering for a session whose questionnaire went out gets it too."""
    registration = Registration.objects.filter(
        pk=registration_id, status=RegistrationStatus.CONFIRMED
    ).first()
    if registration is None:
        return
    questionnaires = Questionnaire.objects.filter(
        session__in=registration.sessions.all(), sent_at__isnull=False
    ).select_related("session__event")
    for questionnaire in questionnaires:
        if _sendable(questionnaire):
            mail_write(
                questionnaire, key=sent_key(questionnaire.pk), user_ids=[registration.user_id]
            )


def reminder_recipients(questionnaire: Questionnaire) -> list[int]:
    """Those who were sent the questionnaire, are still registered, and have neither
    answered nor declined."""
    sent_to = Delivery.objects.filter(
        key=sent_key(questionnaire.pk), recipient__isnull=False
    ).values_list("recipient_id", flat=True)
    done = Respondent.objects.filter(questionnaire=questionnaire).values_list("user_id", flat=True)
    still = participant_ids(questionnaire, user_ids=sent_to)
    return list(set(still) - set(done))


def reminder_write(questionnaire: Questionnaire, number: int) -> int:
    return mail_write(
        questionnaire,
        key=reminder_key(questionnaire.pk, number),
        user_ids=reminder_recipients(questionnaire),
        reminder=number,
    )


def confirmation_write(questionnaire: Questionnaire, user_id: int) -> int:
    """The mail showing what was recorded, rendered when it is sent (message.py):
    its row holds no answer, so that an anonymous questionnaire's stay unjoined to
    their person in the database. Its key is new at each answer (the moment to the
    microsecond), so no row of it can exist yet: none is looked for."""
    board = board_of(questionnaire)
    if board is None:
        return 0
    people = deliverable_people(board=board, user_ids=[user_id])
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S.%f")
    rows = [
        (person, {"mail": "confirmation", "questionnaire_id": questionnaire.pk})
        for person in people
    ]
    key = f"{sent_key(questionnaire.pk)}:confirmation:{stamp}"
    return deliveries_write(
        kind=DeliveryKind.QUESTIONNAIRE, key=key, board=board, rows=rows, new_key=True
    )


def on_respondent(
    *,
    questionnaire_id: int,
    user_id: int,
    status: str,
    questionnaire: Questionnaire | None = None,
    **_ignored,
) -> None:
    """Each answer is confirmed by mail; `questionnaire`, when the publisher passes the
    one it has just read and locked (with its session), is not read again."""
    if status != "answered":
        return
    if questionnaire is None or questionnaire.pk != questionnaire_id:
        questionnaire = Questionnaire.objects.select_related("session__event").get(
            pk=questionnaire_id
        )
    confirmation_write(questionnaire, user_id)


def questionnaires_with_reminders():
    return (
        Questionnaire.objects.filter(Q(state=QuestionnaireState.OPEN), sent_at__isnull=False)
        .exclude(reminder_days="")
        .select_related("session__event")
    )


def connect() -> None:
    """Called from MailbridgeConfig.ready(). Atomic: the rows commit with what they
    follow (the sending, the registration, the answers), or not at all."""
    from forum import events
    from mailbridge.questionnaires import message, tasks  # noqa: F401 - builder, beat task

    events.subscribe("questionnaire_sent", on_questionnaire_sent, atomic=True)
    events.subscribe("registration_changed", on_registration_changed, atomic=True)
    events.subscribe("questionnaire_respondent", on_respondent, atomic=True)
