"""Reading a person's answers to a questionnaire, whatever brought them (a web form,
later a numbered mail): checked against the questions, with a stable code for each
problem, or kept as a draft.

The answers come as {question id: value}, the value as a form posts it: a choice's
id (a list of ids for a multiple choice), a number from 1 to 5 for a scale, "yes" or
"no" (also "oui"/"non", True/False), a text. Answers to questions that are not in the
questionnaire (deleted since the form was shown) are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from forum.errors import AnswerProblem, AnswersInvalid
from forum.models import Question, QuestionKind
from forum.models.questionnaire import SCALE_MAX, SCALE_MIN

YES = frozenset({"yes", "oui", "true", "1", "y", "o"})
NO = frozenset({"no", "non", "false", "0", "n"})


@dataclass
class CleanAnswer:
    """One question's answer, ready to store (an `Answer` row per choice)."""

    question_id: int
    choice_ids: list[int] = field(default_factory=list)
    number: int | None = None
    flag: bool | None = None
    text: str = ""


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def _blank(value: Any) -> bool:
    return all(str(item).strip() == "" for item in _as_list(value))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _by_question_id(raw: Mapping[Any, Any]) -> dict[int, Any]:
    values = {}
    for key, value in raw.items():
        number = _as_int(key)
        if number is not None:
            values[number] = value
    return values


def _check(question: Question, value: Any) -> CleanAnswer | AnswerProblem | None:
    """The clean answer, the problem with it, or None when it is (rightly) left blank."""

    def problem(code: str, message: str) -> AnswerProblem:
        return AnswerProblem(question.pk, code, message)

    if _blank(value):
        if question.required:
            return problem("required", _("Cette question demande une réponse."))
        return None
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        known = {choice.pk for choice in question.choices.all()}
        chosen = []
        for item in _as_list(value):
            if str(item).strip() == "":
                continue
            number = _as_int(item)
            if number is None or number not in known:
                return problem("unknown_choice", _("Choisissez parmi les options proposées."))
            if number not in chosen:
                chosen.append(number)
        if kind == QuestionKind.SINGLE and len(chosen) > 1:
            return problem("too_many", _("Choisissez une seule option."))
        return CleanAnswer(question.pk, choice_ids=chosen)
    items = _as_list(value)
    if len(items) > 1:
        return problem("too_many", _("Donnez une seule réponse."))
    item = items[0]
    if kind == QuestionKind.SCALE:
        number = _as_int(item)
        if number is None:
            return problem("not_a_number", _("Choisissez un nombre de 1 à 5."))
        if not SCALE_MIN <= number <= SCALE_MAX:
            return problem("out_of_range", _("Choisissez un nombre de 1 à 5."))
        return CleanAnswer(question.pk, number=number)
    if kind == QuestionKind.YES_NO:
        if isinstance(item, bool):
            return CleanAnswer(question.pk, flag=item)
        word = str(item).strip().lower()
        if word in YES or word in NO:
            return CleanAnswer(question.pk, flag=word in YES)
        return problem("not_yes_no", _("Répondez par oui ou par non."))
    text = str(item).strip()
    limit = question.text_limit
    if limit is not None and len(text) > limit:
        return problem(
            "too_long",
            _("Votre réponse dépasse %(limit)d caractères (elle en a %(length)d).")
            % {"limit": limit, "length": len(text)},
        )
    return CleanAnswer(question.pk, text=text)


def answers_clean(*, questions: Iterable[Question], raw: Mapping[Any, Any]) -> list[CleanAnswer]:
    """Every answer checked; AnswersInvalid listing all the problems when one has any.

    `questions` with their choices prefetched. Blank optional questions have no entry.
    """
    values = _by_question_id(raw)
    clean, problems = [], []
    for question in questions:
        result = _check(question, values.get(question.pk))
        if isinstance(result, AnswerProblem):
            problems.append(result)
        elif result is not None:
            clean.append(result)
    if problems:
        raise AnswersInvalid(
            _("Certaines réponses sont à revoir : rien n'a été enregistré."), problems=problems
        )
    return clean


def _draft_value(question: Question, value: Any) -> Any:
    items = [str(item)[: question.text_limit or 20] for item in _as_list(value)]
    if question.kind == QuestionKind.MULTIPLE:
        known = {str(choice.pk) for choice in question.choices.all()}
        return [item for item in items if item in known]
    return items[0] if items else ""


def draft_clean(*, questions: Iterable[Question], raw: Mapping[Any, Any]) -> dict[str, Any]:
    """What a draft keeps: the current questions' values as typed, without judging
    them (a draft may be incomplete or wrong), each cut at its question's limit."""
    values = _by_question_id(raw)
    draft = {}
    for question in questions:
        if question.pk in values and not _blank(values[question.pk]):
            draft[str(question.pk)] = _draft_value(question, values[question.pk])
    return draft


def form_values(answers: Iterable[Any]) -> dict[str, Any]:
    """Stored `Answer` rows as a form shows them: {question id: value}."""
    values: dict[str, Any] = {}
    for answer in answers:
        key = str(answer.question_id)
        if answer.choice_id is not None:
            values.setdefault(key, []).append(str(answer.choice_id))
        elif answer.number is not None:
            values[key] = str(answer.number)
        elif answer.flag is not None:
            values[key] = "yes" if answer.flag else "no"
        else:
            values[key] = answer.text
    return values


def same_values(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """Whether two {question id: value} say the same (a choice alone or in a list, the
    order of a multiple choice's options, blanks left out: all the same)."""

    def normal(values: Mapping[str, Any]) -> dict[str, list[str]]:
        result = {}
        for key, value in values.items():
            items = sorted(str(item).strip() for item in _as_list(value))
            items = [item for item in items if item]
            if items:
                result[str(key)] = items
        return result

    return normal(first) == normal(second)
