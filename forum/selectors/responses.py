"""The sent responses of a questionnaire, answer by answer, for the exports and the API.

A named questionnaire's response carries its person; an anonymous one carries none,
and the responses come in the order of their random ids, not the order they came in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from forum.models import Answer, Question, QuestionKind, Questionnaire, Response
from forum.selectors.questionnaires import questions_of


@dataclass
class ResponseRow:
    person: Any | None  # the account, for a named questionnaire only
    # {question id: value}: a label (single), labels (multiple), 1..5, True/False, text
    values: dict[int, Any] = field(default_factory=dict)


def _value(answer: Answer, question: Question, labels: dict[int, str]):
    if answer.choice_id is not None:
        return labels.get(answer.choice_id, "")
    if answer.number is not None:
        return answer.number
    if answer.flag is not None:
        return answer.flag
    return answer.text


def responses_read(*, questionnaire: Questionnaire) -> tuple[list[Question], list[ResponseRow]]:
    """The questions in order and one row per sent response."""
    questions = questions_of(questionnaire=questionnaire)
    by_id = {question.pk: question for question in questions}
    labels = {
        choice.pk: choice.local_label for question in questions for choice in question.choices.all()
    }
    responses = Response.objects.filter(questionnaire=questionnaire, submitted=True)
    if questionnaire.is_anonymous:
        responses = responses.order_by("pk")
        rows = {response.pk: ResponseRow(person=None) for response in responses.only("pk")}
    else:
        responses = responses.select_related("user__profile").order_by("user__email")
        rows = {response.pk: ResponseRow(person=response.user) for response in responses}
    multiple: dict[tuple, list[str]] = defaultdict(list)
    answers = Answer.objects.filter(
        response__questionnaire=questionnaire, response__submitted=True
    ).only("response_id", "question_id", "choice_id", "number", "flag", "text")
    for answer in answers.order_by("response_id", "question_id", "choice__order", "pk"):
        question = by_id.get(answer.question_id)
        row = rows.get(answer.response_id)
        if question is None or row is None:
            continue
        value = _value(answer, question, labels)
        if question.kind == QuestionKind.MULTIPLE:
            multiple[(answer.response_id, question.pk)].append(value)
            row.values[question.pk] = multiple[(answer.response_id, question.pk)]
        else:
            row.values[question.pk] = value
    return questions, list(rows.values())
