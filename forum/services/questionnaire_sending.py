"""Sending a questionnaire to the session's participants, and its reminder schedule.

The forum decides and records; mail is mailbridge's, which hears of it through the
domain events: `questionnaire_sent(questionnaire_id)` when a builder presses "Send to
participants" (mailbridge writes one outbox row per participant, in the same
transaction), and `questionnaire_respondent(questionnaire_id, user_id, status, questionnaire)`
each time a person answers or declines (the confirmation mail; the reminders skip them).
Who was sent what, and when, is the outbox's record (one row per person and mail,
unique: nothing is sent twice).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum import events
from forum.errors import UserError
from forum.models import Questionnaire, QuestionnaireState
from forum.services.questionnaires import _locked


@transaction.atomic
def questionnaire_send(*, questionnaire: Questionnaire, actor) -> Questionnaire:
    """Mail the questionnaire to everyone whose confirmed registration includes the
    session (and, from now on, to those who register for it while it is open).

    Pressing it again sends it to those who registered without getting it; nobody
    gets it twice."""
    questionnaire = _locked(questionnaire, actor)
    if questionnaire.state != QuestionnaireState.OPEN or not questionnaire.accepts_answers():
        raise UserError(
            _("Ouvrez le questionnaire aux réponses avant de l'envoyer."), code="not_open"
        )
    if questionnaire.sent_at is None:
        questionnaire.sent_at = timezone.now()
        questionnaire.save(update_fields=["sent_at", "updated_at"])
    events.publish("questionnaire_sent", questionnaire_id=questionnaire.pk)
    return questionnaire
