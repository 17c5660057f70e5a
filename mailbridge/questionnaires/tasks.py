"""Celery task of the questionnaire's mail: a thin interface over reminders.py."""

from __future__ import annotations

from celery import shared_task

from mailbridge.questionnaires.reminders import reminders_send_due


@shared_task(name="mailbridge.send_questionnaire_reminders", ignore_result=True)
def send_questionnaire_reminders() -> int:
    return reminders_send_due()
