"""The "not coming / not answering" link of the questionnaire mail.

The personal link's token, checked as the form's (a forged or expired one gets the
403 page); a GET shows a button, so that a mail scanner following links declines
nobody; the POST records the decline (forum.services.answers.questionnaire_decline):
no more reminders. Someone who has answered stays counted as having answered.
"""

from __future__ import annotations

from django.views.decorators.cache import never_cache

from forum.models import RespondentStatus
from forum.selectors.questionnaires import respondent_status
from forum.services.answers import questionnaire_decline
from forum.views.questionnaires import LinkRefused, _by_link, _refused, _render


@never_cache
def decline_by_link(request, token: str):
    try:
        answering = _by_link(request, token)
    except LinkRefused as refusal:
        return _refused(request, refusal)
    questionnaire, person = answering.questionnaire, answering.person
    if request.method == "POST":
        questionnaire_decline(questionnaire=questionnaire, person=person)
    status = respondent_status(questionnaire=questionnaire, person=person)
    context = {
        "questionnaire": questionnaire,
        "session": questionnaire.session,
        "event": questionnaire.session.event,
        "answering": answering,
        "declined": status == RespondentStatus.DECLINED,
        "answered": status == RespondentStatus.ANSWERED,
    }
    return _render(request, "decline.html", context)
