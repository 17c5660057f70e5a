"""Answering a session's questionnaire: send the answers, keep a draft, decline.

Those whose confirmed registration includes the session answer, while the
questionnaire is open (NotAllowed, QuestionnaireClosed otherwise), from the web
today and by mail later, through the same functions. A person has one response:
each submission replaces the answers of the one before (two tabs sent one after
the other leave the second's answers, never two responses).

For an anonymous questionnaire, the response (found by its key) and the person's
respondent row are written in two transactions: see forum/questionnaire_tokens.py.
Called inside an outer transaction, they would share it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import events
from forum.errors import NotAllowed, QuestionnaireClosed, UserError
from forum.models import Answer, Questionnaire, Respondent, RespondentStatus, Response
from forum.permissions import can_answer_questionnaire
from forum.questionnaire_answers import (
    CleanAnswer,
    answers_clean,
    draft_clean,
    form_values,
    same_values,
)
from forum.questionnaire_tokens import response_keys
from forum.selectors.questionnaires import questions_of, respondent_status, response_of


class AnswersSealed(UserError):
    """Anonymous answers sent before the questionnaire closed: nobody can reach them."""

    code = "answers_sealed"


def _refuse_unless_registered(person, questionnaire: Questionnaire) -> None:
    if not can_answer_questionnaire(person, questionnaire.session):
        raise NotAllowed(
            _("Seules les personnes inscrites à cette session répondent à son questionnaire."),
            code="cannot_answer",
        )


def _answerable(questionnaire: Questionnaire, person, now=None) -> Questionnaire:
    questionnaire = Questionnaire.objects.select_related("session__event").get(pk=questionnaire.pk)
    _refuse_unless_registered(person, questionnaire)
    if not questionnaire.accepts_answers(now):
        raise QuestionnaireClosed(_("Ce questionnaire ne reçoit pas de réponses en ce moment."))
    return questionnaire


def _lock_anonymity(questionnaire: Questionnaire) -> Questionnaire:
    """The first response sets the anonymity for good (read again under the row's lock,
    so that a builder changing it at that moment goes first or not at all)."""
    if questionnaire.anonymity_locked:
        return questionnaire
    questionnaire = (
        Questionnaire.objects.select_for_update(of=("self",)).select_related("session__event")
    ).get(pk=questionnaire.pk)
    if not questionnaire.anonymity_locked:
        questionnaire.anonymity_locked = True
        questionnaire.save(update_fields=["anonymity_locked", "updated_at"])
    return questionnaire


def _response_for(
    questionnaire: Questionnaire, person, *, submitted: bool = False
) -> tuple[Response, bool]:
    """The person's response, locked, made when they have none yet (already sent when
    `submitted`), and whether it was made now."""
    response = response_of(questionnaire=questionnaire, person=person, lock=True)
    if response is not None:
        keys = response_keys(questionnaire=questionnaire, user_id=person.pk)
        if questionnaire.is_anonymous and response.key != keys[0]:
            response.key = keys[0]  # found under a fallback secret: kept under the current
            response.save(update_fields=["key"])
        return response, False
    if (
        questionnaire.is_anonymous
        and respondent_status(questionnaire=questionnaire, person=person)
        == RespondentStatus.ANSWERED
    ):
        raise AnswersSealed(
            _(
                "Vos réponses ont été scellées à la clôture du questionnaire : "
                "elles sont comptées, mais plus personne ne peut les relier à vous, "
                "ni les modifier."
            )
        )
    if questionnaire.is_anonymous:
        owner = {"key": response_keys(questionnaire=questionnaire, user_id=person.pk)[0]}
    else:
        owner = {"user": person}
    try:
        with transaction.atomic():
            response = Response.objects.create(
                questionnaire=questionnaire, submitted=submitted, **owner
            )
            return response, True
    except IntegrityError:
        # Another tab made it at the same moment: use that one.
        return response_of(questionnaire=questionnaire, person=person, lock=True), False


def _rows(response: Response, clean: list[CleanAnswer]) -> list[Answer]:
    rows = []
    for answer in clean:
        common = {"response": response, "question_id": answer.question_id}
        if answer.choice_ids:
            rows.extend(Answer(**common, choice_id=choice) for choice in answer.choice_ids)
        else:
            rows.append(Answer(**common, number=answer.number, flag=answer.flag, text=answer.text))
    return rows


def _respondent_set(questionnaire: Questionnaire, person, status: str) -> Respondent:
    """Record that the person declined (or answered: see _respondent_answered, which
    writes it in fewer statements); declining never undoes an answer."""
    moment = "answered_at" if status == RespondentStatus.ANSWERED else "declined_at"
    respondent, created = Respondent.objects.get_or_create(
        questionnaire=questionnaire,
        user=person,
        defaults={"status": status, moment: timezone.now()},
    )
    changed = created
    if not created and respondent.status not in (status, RespondentStatus.ANSWERED):
        respondent.status = status
        setattr(respondent, moment, timezone.now())
        respondent.save(update_fields=["status", moment])
        changed = True
    if changed or status == RespondentStatus.ANSWERED:
        # Each submission is confirmed by mail; a decline is told once.
        _publish_respondent(questionnaire, person, status)
    return respondent


def _respondent_answered(questionnaire: Questionnaire, person) -> None:
    """Record that the person answered (at their first answer, or after declining), in
    two statements whatever they did before, no row read."""
    now = timezone.now()
    rows = Respondent.objects.filter(questionnaire=questionnaire, user=person)
    if not rows.exclude(status=RespondentStatus.ANSWERED).update(
        status=RespondentStatus.ANSWERED, answered_at=now
    ):
        # None yet (or answered already: the row and its first time are kept).
        Respondent.objects.bulk_create(
            [
                Respondent(
                    questionnaire=questionnaire,
                    user=person,
                    status=RespondentStatus.ANSWERED,
                    answered_at=now,
                )
            ],
            ignore_conflicts=True,
        )
    # Each submission is confirmed by mail.
    _publish_respondent(questionnaire, person, RespondentStatus.ANSWERED)


def _publish_respondent(questionnaire: Questionnaire, person, status: str) -> None:
    # `questionnaire` as read (with its session) for subscribers that need more than
    # its id: not read again.
    events.publish(
        "questionnaire_respondent",
        questionnaire_id=questionnaire.pk,
        user_id=person.pk,
        status=status,
        questionnaire=questionnaire,
    )


def questionnaire_submit(
    *,
    questionnaire: Questionnaire,
    person,
    answers: Mapping[Any, Any],
    now=None,
    questions: list | None = None,
    checked: bool = False,
) -> Response:
    """Record `answers` ({question id: value}, see forum.questionnaire_answers) as the
    person's response, replacing the previous ones and the draft; mark them answered;
    publish `questionnaire_answered(questionnaire_id, response_id, user_id)` (user_id
    None when anonymous).

    AnswersInvalid lists every problem (codes: required, unknown_choice, too_many,
    not_a_number, out_of_range, not_yes_no, too_long) and records nothing.

    `questions`: those of `questions_of(questionnaire)` when the caller has just read
    them (the form's view, the email answer), not read again. `checked`: the caller
    has just read `questionnaire` and checked that the person may answer it now (the
    same views and step): it is not read again.
    """
    if not checked:
        questionnaire = _answerable(questionnaire, person, now)
    if questions is None:
        questions = questions_of(questionnaire=questionnaire)
    clean = answers_clean(questions=questions, raw=answers)
    with transaction.atomic():
        questionnaire = _lock_anonymity(questionnaire)
        response, made = _response_for(questionnaire, person, submitted=True)
        if not made:
            response.answers.all().delete()
        Answer.objects.bulk_create(_rows(response, clean))
        if not made and (not response.submitted or response.draft):
            response.submitted, response.draft = True, {}
            response.save(update_fields=["submitted", "draft"])
        if not questionnaire.is_anonymous:
            _respondent_answered(questionnaire, person)
            _publish(questionnaire, response, user_id=person.pk)
    if questionnaire.is_anonymous:
        with transaction.atomic():
            _respondent_answered(questionnaire, person)
            _publish(questionnaire, response, user_id=None)
    return response


def _publish(questionnaire: Questionnaire, response: Response, *, user_id: int | None) -> None:
    events.publish(
        "questionnaire_answered",
        questionnaire_id=questionnaire.pk,
        response_id=response.pk,
        user_id=user_id,
    )


def questionnaire_draft_save(
    *,
    questionnaire: Questionnaire,
    person,
    answers: Mapping[Any, Any],
    now=None,
    questions: list | None = None,
    checked: bool = False,
) -> None:
    """Keep what the person has typed so far, unchecked and unsent: it counts as no
    answer, and the answers already sent stay as they were. `questions`, `checked`:
    as for questionnaire_submit."""
    if not checked:
        questionnaire = _answerable(questionnaire, person, now)
    if questions is None:
        questions = questions_of(questionnaire=questionnaire)
    draft = draft_clean(questions=questions, raw=answers)
    with transaction.atomic():
        if not draft and response_of(questionnaire=questionnaire, person=person) is None:
            return
        questionnaire = _lock_anonymity(questionnaire)
        response, _made = _response_for(questionnaire, person)
        if response.submitted and same_values(draft, form_values(response.answers.all())):
            draft = {}  # what was sent, typed again (or a draft posted as the form was sent)
        if response.draft != draft:
            response.draft = draft
            response.save(update_fields=["draft"])


@transaction.atomic
def questionnaire_decline(*, questionnaire: Questionnaire, person) -> Respondent:
    """The person will not answer (no reminders). Someone who answered stays so."""
    _refuse_unless_registered(person, questionnaire)
    return _respondent_set(questionnaire, person, RespondentStatus.DECLINED)
