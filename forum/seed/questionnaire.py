"""A session's questionnaire in the programme file: `[sessions.questionnaire]` with its
`[[sessions.questionnaire.questions]]`.

It is written once, as a draft, when the session has no questionnaire: from then on
it belongs to the facilitators, who edit it on the site and open it; loading the
file again never touches it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from forum.errors import SeedError
from forum.models import Anonymity, Choice, Question, QuestionKind, Questionnaire, Session
from forum.models.questionnaire import CHOICE_KINDS

QUESTIONNAIRE_FIELDS = ("title_fr", "title_en", "intro_fr", "intro_en", "anonymity")
QUESTION_FIELDS = ("kind", "text_fr", "text_en", "help_fr", "help_en", "required")
QUESTIONNAIRE_REQUIRED = ("title_fr", "questions")
QUESTION_REQUIRED = ("kind", "text_fr")


def _pair(value, where: str) -> tuple[str, str]:
    """A [French, English] pair of labels."""
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(text, str) for text in value)
    ):
        raise SeedError(f"{where} must be a pair of texts [French, English]")
    return value[0].strip(), value[1].strip()


def questionnaire_check(data, where: str) -> None:
    """Check the shape of a questionnaire table before anything is written."""
    if not isinstance(data, dict):
        raise SeedError(f"{where} must be a table")
    missing = [name for name in QUESTIONNAIRE_REQUIRED if name not in data]
    if missing:
        raise SeedError(f"{where} lacks {', '.join(missing)}")
    if data.get("anonymity", Anonymity.ANONYMOUS) not in Anonymity.values:
        raise SeedError(f"{where}.anonymity must be one of {', '.join(Anonymity.values)}")
    questions = data["questions"]
    if not isinstance(questions, list) or not questions:
        raise SeedError(f"{where}.questions must be a non-empty array of tables")
    for index, question in enumerate(questions):
        at = f"{where}.questions[{index}]"
        if not isinstance(question, dict):
            raise SeedError(f"{at} must be a table")
        missing = [name for name in QUESTION_REQUIRED if name not in question]
        if missing:
            raise SeedError(f"{at} lacks {', '.join(missing)}")
        if question["kind"] not in QuestionKind.values:
            raise SeedError(f"{at}.kind must be one of {', '.join(QuestionKind.values)}")
        choices = question.get("choices", [])
        if question["kind"] in CHOICE_KINDS and len(choices) < 2:
            raise SeedError(f"{at} is a choice question: it needs two choices or more")
        for number, pair in enumerate(choices):
            _pair(pair, f"{at}.choices[{number}]")
        for end in ("scale_low", "scale_high"):
            if end in question:
                _pair(question[end], f"{at}.{end}")


def _saved(obj, where: str):
    try:
        obj.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise SeedError(f"{where}: {'; '.join(error.messages)}") from error
    obj.save()
    return obj


def _texts(data: dict, fields: tuple[str, ...]) -> dict:
    return {
        name: data[name].strip() if isinstance(data[name], str) else data[name]
        for name in fields
        if name in data
    }


def questionnaire_seed(*, session: Session, data: dict, where: str) -> int:
    """Write the session's draft questionnaire unless it has one; how many rows."""
    if Questionnaire.objects.filter(session=session).exists():
        return 0
    questionnaire = _saved(
        Questionnaire(session=session, **_texts(data, QUESTIONNAIRE_FIELDS)), where
    )
    created = 1
    for order, question_data in enumerate(data["questions"], start=1):
        at = f"{where}.questions[{order - 1}]"
        scale = {}
        for end in ("scale_low", "scale_high"):
            if end in question_data:
                scale[f"{end}_fr"], scale[f"{end}_en"] = _pair(question_data[end], at)
        question = _saved(
            Question(
                questionnaire=questionnaire,
                order=order,
                **_texts(question_data, QUESTION_FIELDS),
                **scale,
            ),
            at,
        )
        created += 1
        for number, pair in enumerate(question_data.get("choices", []), start=1):
            label_fr, label_en = _pair(pair, at)
            _saved(
                Choice(question=question, order=number, label_fr=label_fr, label_en=label_en), at
            )
            created += 1
    return created
