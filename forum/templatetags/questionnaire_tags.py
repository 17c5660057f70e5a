"""The questionnaire's links on the session page: answer it, or prepare it."""

from django import template

from forum.models import QuestionnaireState, RespondentStatus
from forum.permissions import (
    can_answer_questionnaire,
    can_build_questionnaire,
    can_see_synthesis,
)
from forum.selectors.questionnaires import questionnaire_for_session, respondent_status

register = template.Library()


@register.inclusion_tag("forum/questionnaires/_session_links.html", takes_context=True)
def questionnaire_links(context, session):
    user = context["request"].user
    questionnaire = questionnaire_for_session(session=session)
    can_answer = (
        questionnaire is not None
        and questionnaire.state != QuestionnaireState.DRAFT
        and can_answer_questionnaire(user, session)
    )
    answered = can_answer and (
        respondent_status(questionnaire=questionnaire, person=user) == RespondentStatus.ANSWERED
    )
    return {
        "session": session,
        "can_answer": can_answer,
        "answered": answered,
        "can_build": can_build_questionnaire(user, session),
        "can_see_synthesis": questionnaire is not None and can_see_synthesis(user, questionnaire),
    }
