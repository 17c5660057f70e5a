"""Questionnaires for the tests: one question of each kind, built through the services
as a facilitator would, and answers a participant would give."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from forum.models import Anonymity, Question, QuestionKind, Questionnaire, Session
from forum.services import questionnaires as building
from forum.services.questionnaires import QuestionFields, QuestionnaireSettings
from forum.tests.board_factories import make_facilitator

QUESTIONS = {
    "group": QuestionFields(
        kind=QuestionKind.SINGLE,
        text_fr="Dans quel groupe coopérez-vous ?",
        text_en="In which group do you cooperate?",
        choices=[("Une association", "An association"), ("Une collectivité", "A local council")],
    ),
    "tools": QuestionFields(
        kind=QuestionKind.MULTIPLE,
        text_fr="Quels outils partagez-vous ?",
        text_en="Which tools do you share?",
        choices=[("Une liste", "A list"), ("Un wiki", "A wiki"), ("Un forum", "A forum")],
    ),
    "trust": QuestionFields(
        kind=QuestionKind.SCALE,
        text_fr="Chacun·e ose-t-il dire son désaccord ?",
        text_en="Does everyone dare disagree?",
        scale_low_fr="jamais",
        scale_low_en="never",
        scale_high_fr="toujours",
        scale_high_en="always",
    ),
    "step_back": QuestionFields(
        kind=QuestionKind.YES_NO,
        text_fr="Avez-vous vu des personnes se désimpliquer ?",
        text_en="Have you seen people step back?",
    ),
    "name": QuestionFields(
        kind=QuestionKind.SHORT_TEXT, text_fr="Le nom du groupe", required=False
    ),
    "story": QuestionFields(
        kind=QuestionKind.LONG_TEXT,
        text_fr="Racontez un non-dit",
        text_en="Tell of something left unsaid",
        required=False,
    ),
}


def make_questionnaire(
    session: Session,
    *,
    anonymity: str = Anonymity.ANONYMOUS,
    opened: bool = True,
    builder=None,
) -> tuple[Questionnaire, dict[str, Question]]:
    """The session's questionnaire with one question of each kind (QUESTIONS), closing
    in a week, opened unless told."""
    builder = builder or make_facilitator(session, display_name="Jean-Michel Cornu")
    # The programme gives session 1 a draft of its own: these tests want this one.
    Questionnaire.objects.filter(session=session).delete()
    questionnaire = building.questionnaire_create(session=session, actor=builder)
    building.questionnaire_settings_save(
        questionnaire=questionnaire,
        actor=builder,
        settings=QuestionnaireSettings(
            title_fr="Questionnaire préalable",
            title_en="Questionnaire ahead",
            anonymity=anonymity,
            closes_at=timezone.now() + timedelta(days=7),
        ),
    )
    questions = {
        name: building.question_add(questionnaire=questionnaire, actor=builder, fields=fields)
        for name, fields in QUESTIONS.items()
    }
    if opened:
        building.questionnaire_open(questionnaire=questionnaire, actor=builder)
    questionnaire.refresh_from_db()
    return questionnaire, questions


def choice(question: Question, label_fr: str) -> int:
    return question.choices.get(label_fr=label_fr).pk


def good_answers(questions: dict[str, Question], **changes) -> dict[int, object]:
    """A complete, valid set of answers ({question id: value}), with `changes` by name."""
    values = {
        "group": str(choice(questions["group"], "Une association")),
        "tools": [
            str(choice(questions["tools"], "Une liste")),
            str(choice(questions["tools"], "Un wiki")),
        ],
        "trust": "4",
        "step_back": "yes",
        "name": "Les Colibris",
        "story": "Personne n'a osé dire que la réunion était trop longue.",
    }
    values.update(changes)
    return {questions[name].pk: value for name, value in values.items()}
