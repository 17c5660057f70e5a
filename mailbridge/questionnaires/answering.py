"""Answers by mail: a reply to `answers+<token>@` recorded as a web form's would be.

The reply's numbered lines are read (replies.py), laid over what the person has
already (their answers sent, then their draft: so someone can answer part by mail,
part on the web, in either order), and submitted through forum.services.answers,
which checks them as any answer.

When something cannot be read (an unknown option, a number that is no question) or
the forum refuses the whole (a required question unanswered, a text too long),
nothing is submitted: the readable answers are kept as the person's draft, which
the web form shows, and the person gets one reply, to this message, listing what
was understood and what to fix, with their link. Nothing half-read is recorded as
answered.
"""

from __future__ import annotations

import copy

from django.conf import settings
from django.utils import translation

from forum.errors import AnswersInvalid, NotAllowed, QuestionnaireClosed
from forum.permissions import can_answer_questionnaire
from forum.questionnaire_display import event_time, recorded_items
from forum.selectors.questionnaires import answers_of, questions_of
from forum.services.answers import (
    AnswersSealed,
    questionnaire_draft_save,
    questionnaire_submit,
)
from mailbridge.inbound.context import InboundContext, Outcome
from mailbridge.inbound.reasons import Reason
from mailbridge.listmail import deliveries_write, language_of
from mailbridge.models import DeliveryKind
from mailbridge.questionnaires.mailing import (
    board_of,
    personal_urls,
    render_text_mail,
    sent_key,
)
from mailbridge.questionnaires.replies import Problem, read_reply


def answer_by_mail(ctx: InboundContext) -> Outcome:
    questionnaire, person = ctx.questionnaire, ctx.sender
    if not can_answer_questionnaire(person, questionnaire.session):
        return Outcome.found(Reason.NOT_ALLOWED, f"user {person.pk} is not registered")
    if not questionnaire.accepts_answers():
        return Outcome.found(Reason.QUESTIONNAIRE_CLOSED, f"questionnaire {questionnaire.pk}")
    questions = questions_of(questionnaire=questionnaire)
    read = read_reply(ctx.body, questions)
    # Sealed or not, questionnaire_submit and questionnaire_draft_save find out.
    mine = answers_of(questionnaire=questionnaire, person=person, sealed=False)
    merged = {**mine.values, **mine.draft, **{str(pk): v for pk, v in read.values.items()}}
    problems = list(read.problems)
    try:
        if not problems:
            try:
                questionnaire_submit(
                    questionnaire=questionnaire,
                    person=person,
                    answers=merged,
                    questions=questions,
                    checked=True,  # just above, on the questionnaire read by verify_token
                )
            except AnswersInvalid as error:
                numbers = {question.pk: number for number, question in enumerate(questions, 1)}
                problems = [Problem(numbers.get(p.question_id), p.code, "") for p in error.problems]
            else:
                return Outcome.found(
                    Reason.QUESTIONNAIRE_ANSWERED,
                    f"{len(read.values)} answers read; recorded for questionnaire "
                    f"{questionnaire.pk}",
                )
        questionnaire_draft_save(
            questionnaire=questionnaire,
            person=person,
            answers=merged,
            questions=questions,
            checked=True,
        )
    except NotAllowed as error:
        return Outcome.found(Reason.NOT_ALLOWED, str(error))
    except (QuestionnaireClosed, AnswersSealed) as error:
        return Outcome.found(Reason.QUESTIONNAIRE_CLOSED, str(error))
    written = unreadable_write(ctx, questions, read.values, problems)
    codes = ", ".join(f"{p.number or '-'}:{p.code}" for p in problems)
    detail = f"{len(read.values)} answers read, kept as draft; to fix: {codes}"
    return Outcome.found(
        Reason.QUESTIONNAIRE_UNREADABLE, detail + ("; reply written" if written else "")
    )


def unreadable_write(ctx: InboundContext, questions, values: dict, problems: list) -> int:
    """The one reply to this message: what was understood, what to fix, the link."""
    questionnaire, person = ctx.questionnaire, ctx.sender
    board = board_of(questionnaire)
    if board is None:
        return 0
    language = ctx.language or language_of(person)
    shown = {str(pk): value for pk, value in values.items()}
    with translation.override(language), event_time(questionnaire.session):
        understood = [
            (number, question, words)
            for number, (question, words) in enumerate(recorded_items(questions, shown), 1)
            if words
        ]
        fixes = [
            {
                "number": problem.number,
                "question": questions[problem.number - 1]
                if problem.number and problem.number <= len(questions)
                else None,
                "code": problem.code,
                "value": problem.value,
            }
            for problem in problems
        ]
        context = {
            "questionnaire": questionnaire,
            "session": questionnaire.session,
            "understood": understood,
            "fixes": fixes,
            "count": len(questions),
            "closing": questionnaire.closing_time,
            "site_url": settings.INTERCOOP_SITE_URL,
            **personal_urls(questionnaire.pk, person.pk),
        }
        payload = render_text_mail("questionnaire_unreadable", context, language=language)
    payload |= {
        "reply_to": context["answers_address"],
        "in_reply_to": ctx.message_id,
        "questionnaire_id": questionnaire.pk,
    }
    recipient = copy.copy(person)
    recipient.mail_address = ctx.from_address
    key = f"{sent_key(questionnaire.pk)}:unreadable:{ctx.inbound_id}"
    return deliveries_write(
        kind=DeliveryKind.QUESTIONNAIRE, key=key, board=board, rows=[(recipient, payload)]
    )
