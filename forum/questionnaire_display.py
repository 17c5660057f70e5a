"""A questionnaire as the participant's pages show it: the fields of the form with
their values and problems, the answers recorded in words, a posted form read back."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from forum import questionnaire_cache
from forum.errors import AnswerProblem
from forum.models import Question, QuestionKind
from forum.models.questionnaire import SCALE_MAX, SCALE_MIN

SCALE_POINTS = [str(number) for number in range(SCALE_MIN, SCALE_MAX + 1)]


def event_time(session):
    """Dates typed and shown in the event's time zone, whatever the server's."""
    return timezone.override(ZoneInfo(session.event.timezone))


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def _as_strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


@dataclass
class FieldItem:
    """One question of the form, with what the person has put in it."""

    question: Question
    number: int
    value: str = ""
    selected: set[str] = field(default_factory=set)
    problem: AnswerProblem | None = None

    @property
    def name(self) -> str:
        return field_name(self.question)

    @property
    def scale_points(self) -> list[str]:
        return SCALE_POINTS


def form_items(
    questions: Iterable[Question],
    values: Mapping[str, Any],
    problems: Mapping[int, AnswerProblem] | None = None,
) -> list[FieldItem]:
    items = []
    for number, question in enumerate(questions, start=1):
        strings = _as_strings(values.get(str(question.pk)))
        items.append(
            FieldItem(
                question=question,
                number=number,
                value=strings[0] if strings else "",
                selected=set(strings),
                problem=(problems or {}).get(question.pk),
            )
        )
    return items


def blank_form(questionnaire, questions: Callable[[], list[Question]]) -> SafeString:
    """The form's fields with nothing in them, in the active language: the same for
    everyone, rendered once per version of the questionnaire and language
    (forum.questionnaire_cache); `questions()` reads them when it is rendered."""
    language = translation.get_language() or "fr"

    def render() -> str:
        items = form_items(questions(), {})
        return str(render_to_string("forum/questionnaires/_questions.html", {"items": items}))

    return mark_safe(questionnaire_cache.cached(questionnaire.pk, f"blank-form:{language}", render))


def posted_answers(questions: Iterable[Question], data) -> dict[int, Any]:
    """{question id: value} from a posted form (a QueryDict): a list for a multiple
    choice, a string otherwise. Fields of other questions are not read."""
    answers: dict[int, Any] = {}
    for question in questions:
        name = field_name(question)
        if question.kind == QuestionKind.MULTIPLE:
            answers[question.pk] = data.getlist(name)
        else:
            answers[question.pk] = data.get(name, "")
    return answers


def _in_words(question: Question, strings: list[str]) -> list[str]:
    if question.has_choices:
        labels = {str(choice.pk): choice.local("label") for choice in question.choices.all()}
        return [labels[value] for value in strings if value in labels]
    if not strings or not strings[0]:
        return []
    value = strings[0]
    if question.kind == QuestionKind.YES_NO:
        return [_("Oui") if value == "yes" else _("Non")]
    if question.kind == QuestionKind.SCALE:
        ends = {"1": question.local("scale_low"), "5": question.local("scale_high")}
        words = _("%(value)s sur 5") % {"value": value}
        return [f"{words} ({ends[value]})" if ends.get(value) else words]
    return [value]


def recorded_items(
    questions: Iterable[Question], values: Mapping[str, Any]
) -> list[tuple[Question, list[str]]]:
    """Each question with the recorded answer in words (empty: no answer)."""
    return [
        (question, _in_words(question, _as_strings(values.get(str(question.pk)))))
        for question in questions
    ]
