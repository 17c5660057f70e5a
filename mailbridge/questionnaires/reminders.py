"""Reminders, by the schedule the facilitator set (forum/reminder_schedule.py).

Run by beat (`mailbridge.send_questionnaire_reminders`, tasks.py). Each reminder is
keyed by its number (`questionnaire:<id>:reminder:<n>`): a run that comes twice, or
two at once, write no second row for anyone. A reminder goes to those who were sent
the questionnaire and have neither answered nor declined (mailing.reminder_recipients).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from forum.errors import UserError
from forum.reminder_schedule import reminder_due, schedule_parse
from mailbridge.questionnaires.mailing import questionnaires_with_reminders, reminder_write

logger = logging.getLogger(__name__)


def reminders_send_due(*, now=None) -> int:
    """Write the reminders due now; how many rows were written."""
    now = now or timezone.now()
    written = 0
    for questionnaire in questionnaires_with_reminders():
        if not questionnaire.accepts_answers(now):
            continue
        try:
            days = schedule_parse(questionnaire.reminder_days)
        except UserError:
            logger.warning("questionnaire %s: unreadable reminder schedule", questionnaire.pk)
            continue
        number = reminder_due(
            days=days, deadline=questionnaire.closing_time, sent_at=questionnaire.sent_at, now=now
        )
        if number is None:
            continue
        with transaction.atomic():
            count = reminder_write(questionnaire, number)
        if count:
            logger.info(
                "questionnaire %s: reminder %d to %d people", questionnaire.pk, number, count
            )
        written += count
    return written
