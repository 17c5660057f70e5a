"""The facilitators' hold on the synthesis: sharing it with participants, and showing
one of its charts or one published testimony on the session's live page
(`synthesis_projected`)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from forum import events
from forum.errors import UserError
from forum.models import Questionnaire, Testimony, TestimonyStatus
from forum.selectors.synthesis import CHART_KINDS
from forum.selectors.testimonies import published_testimony
from forum.services.questionnaires import _locked


@transaction.atomic
def synthesis_share(*, questionnaire: Questionnaire, actor, shared: bool) -> Questionnaire:
    """Open the synthesis to the session's participants, or keep it to its builders."""
    questionnaire = _locked(questionnaire, actor)
    if questionnaire.synthesis_shared != shared:
        questionnaire.synthesis_shared = shared
        questionnaire.save(update_fields=["synthesis_shared", "updated_at"])
    return questionnaire


def _projected(questionnaire: Questionnaire, *, question=None, testimony=None) -> Questionnaire:
    questionnaire.projected_question = question
    questionnaire.projected_testimony = testimony
    questionnaire.save(update_fields=["projected_question", "projected_testimony", "updated_at"])
    events.publish(
        "synthesis_projected",
        session_id=questionnaire.session_id,
        questionnaire_id=questionnaire.pk,
        question_id=question.pk if question else None,
        testimony_id=testimony.pk if testimony else None,
    )
    return questionnaire


@transaction.atomic
def synthesis_project(
    *, questionnaire: Questionnaire, actor, question_id: int | None
) -> Questionnaire:
    """Show the chart of question `question_id` on the session's live page, for
    everyone following it (in place of a testimony); None clears the projection.
    Publishes `synthesis_projected`."""
    questionnaire = _locked(questionnaire, actor)
    question = None
    if question_id is not None:
        question = questionnaire.questions.filter(pk=question_id, kind__in=CHART_KINDS).first()
        if question is None:
            raise UserError(_("Cette question n'a pas de graphique à projeter."))
    return _projected(questionnaire, question=question)


@transaction.atomic
def synthesis_project_testimony(
    *, questionnaire: Questionnaire, actor, testimony_id: int | None
) -> Questionnaire:
    """Show the session's published testimony `testimony_id` on its live page (in
    place of a chart); None clears the projection. Publishes `synthesis_projected`."""
    questionnaire = _locked(questionnaire, actor)
    testimony = None
    if testimony_id is not None:
        if published_testimony(session=questionnaire.session, testimony_id=testimony_id):
            testimony = Testimony.objects.filter(
                pk=testimony_id, status=TestimonyStatus.PUBLISHED
            ).first()
        if testimony is None:
            raise UserError(_("Ce témoignage n'est pas publié dans cette session."))
    return _projected(questionnaire, testimony=testimony)
